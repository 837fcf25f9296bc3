/**
 * The runner's side of the openstack provider (pull model, see service/runner/agent.ts).
 * Called by the runner inside a Nova server, never by users: no API key, but the server's
 * own bearer token, which this file checks against the runner-session rows (stored as a
 * SHA-256). Any service process can answer: the exchange with the process waiting in
 * env.run() goes through the store, so an API process registers these routes without
 * starting any of the provider's own machinery (no heartbeat, reaper or pool).
 * Registered by the API when the service's provider is `openstack` (see registry.ts).
 *
 *   GET  /v1/runner/program              the runner's files (JSON), fetched by the user_data script
 *   GET  /v1/runner/assignment?wait=20   long-poll; 200 {assignment} once, else 204
 *   GET  /v1/runner/code                 the function's unpacked code as tar.gz
 *   POST /v1/runner/started              the code is in place; the function starts
 *   POST /v1/runner/logs                 {text}: output of the running function (live logs)
 *   POST /v1/runner/outcome              the run's RunOutcome; 204, or 409 when already recorded
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';
import { errorResponses } from '../../api/schemas.js';
import { RunnerSessionStore, type RunnerSession } from '../../store/runner-session-store.js';
import { runnerSessionChanges } from '../../store/row-changes.js';
import { RUNNER_DIR } from '../../runner/supervisor.js';
import { tarGzDirectory } from './code-tar.js';
import type { RunOutcome } from '../../runner/protocol.js';
import { BODY_LIMITS } from '../../api/body-limits.js';

const MAX_WAIT_S = 25;
const POLL_MS = 100;
/** Code packages kept tarred in memory (most recent use last): many servers fetch the same one. */
const TAR_CACHE_ENTRIES = 16;

type FailureKind = NonNullable<RunOutcome['failure']>['kind'];
const FAILURE_KINDS = ['load_error', 'handler_error', 'result_not_serializable', 'out_of_memory', 'timeout', 'crashed', 'runner_error'] as const satisfies readonly FailureKind[];
const STATUSES = ['succeeded', 'failed', 'timed_out'] as const satisfies readonly RunOutcome['status'][];

const Outcome = {
  type: 'object',
  required: ['status', 'logs', 'logsTruncated', 'startedAt', 'finishedAt'],
  properties: {
    status: { type: 'string', enum: STATUSES },
    result: {},
    failure: {
      type: 'object',
      required: ['kind', 'message'],
      properties: {
        kind: { type: 'string', enum: FAILURE_KINDS },
        message: { type: 'string' },
        stack: { type: 'string' },
      },
    },
    logs: { type: 'string' },
    logsTruncated: { type: 'boolean' },
    peakMemoryBytes: { type: 'number' },
    initMs: { type: 'integer', minimum: 0 },
    startedAt: { type: 'number' },
    finishedAt: { type: 'number' },
    exitCode: { type: ['integer', 'null'] },
    signal: { type: ['string', 'null'] },
  },
} as const;

export default async function runnerRoutes(app: FastifyInstance) {
  const { store, codeCache, config } = app.fnstack;
  const sessions = new RunnerSessionStore(store.db);
  let program: Promise<Record<string, string>> | null = null;
  const tars = new Map<string, Promise<Buffer>>();

  /** The package unpacked by the service and tarred once per process, not once per server. */
  function tarOf(dir: string, sha: string): Promise<Buffer> {
    let tar = tars.get(sha);
    if (tar) tars.delete(sha);
    else tar = tarGzDirectory(dir);
    tars.set(sha, tar);
    tar.catch(() => tars.delete(sha));
    while (tars.size > TAR_CACHE_ENTRIES) tars.delete(tars.keys().next().value!);
    return tar;
  }

  async function sessionOf(req: FastifyRequest): Promise<RunnerSession> {
    const authz = req.headers.authorization;
    const token = authz?.startsWith('Bearer ') ? authz.slice(7).trim() : '';
    const session = token ? await sessions.byToken(token) : null;
    if (!session) throw new ApiError('unauthorized', 'unknown or released runner token');
    return session;
  }

  const tags = ['runner'];
  const runnerAuth = { description: 'The server token from the user_data (`Authorization: Bearer <token>`)' };

  app.get('/v1/runner/program', {
    config: { access: 'public' },
    schema: {
      hide: true, // the runner's own protocol: not part of the public API document
      summary: 'The runner program (for the user_data bootstrap of a function server)',
      description: runnerAuth.description,
      tags,
      security: [],
      response: { 200: { type: 'object', properties: { files: { type: 'object', additionalProperties: { type: 'string' } } } }, ...errorResponses(401) },
    },
    handler: async (req) => {
      await sessionOf(req);
      program ??= readProgram().catch((err: unknown) => {
        program = null;
        throw err;
      });
      return { files: await program };
    },
  });

  app.get('/v1/runner/assignment', {
    config: { access: 'public' },
    schema: {
      hide: true, // the runner's own protocol: not part of the public API document
      summary: 'Long-poll for the assignment of this server',
      description: `${runnerAuth.description}. The first call also tells the service that the runner is up.`,
      tags,
      security: [],
      querystring: { type: 'object', properties: { wait: { type: 'integer', minimum: 0, maximum: MAX_WAIT_S, default: 20 } } },
      response: {
        200: { type: 'object', properties: { assignment: { type: 'object', additionalProperties: true } } },
        204: { type: 'null', description: 'No assignment yet: ask again' },
        ...errorResponses(401),
      },
    },
    handler: async (req, reply) => {
      const session = await sessionOf(req);
      if (!session.helloAt) await sessions.hello(session.id);
      const until = Date.now() + (req.query as { wait: number }).wait * 1000;
      let gone = false;
      req.raw.once('close', () => (gone = true));
      for (;;) {
        // Woken at once by an assignment recorded in this process; the poll finds one recorded elsewhere.
        const watch = runnerSessionChanges.watch(session.id);
        try {
          const assignment = await sessions.pick(session.id);
          if (assignment) return { assignment };
          if (gone || Date.now() >= until) return reply.code(204).send();
          const current = await sessions.get(session.id);
          if (!current || current.state === 'released') throw new ApiError('unauthorized', 'the server has been released');
          await watch.wait(Math.min(POLL_MS, until - Date.now()));
        } finally {
          watch.stop();
        }
      }
    },
  });

  app.get('/v1/runner/code', {
    config: { access: 'public' },
    schema: {
      hide: true, // the runner's own protocol: not part of the public API document
      summary: "The assigned function's code, unpacked by the service, as a gzip'ed tar",
      description: runnerAuth.description,
      tags,
      security: [],
      response: { 200: { type: 'string', format: 'binary', description: 'application/gzip' }, ...errorResponses(401, 404) },
    },
    handler: async (req, reply) => {
      const session = await sessionOf(req);
      const sha = session.assignment?.code.sha256;
      if (!sha || (session.state !== 'picked' && session.state !== 'started')) throw new ApiError('not_found', 'this server has no assignment to fetch code for');
      const ref = await sessions.codePackage(sha);
      if (!ref) throw new ApiError('not_found', `code package ${sha} is not in the store`);
      const dir = await codeCache.ensure(ref, undefined, { maxUnpackedBytes: config.code.maxUnpackedBytes, maxEntries: config.code.maxEntries });
      const archive = await tarOf(dir, sha);
      return reply.type('application/gzip').send(archive);
    },
  });

  app.post('/v1/runner/started', {
    config: { access: 'public' },
    schema: {
      hide: true, // the runner's own protocol: not part of the public API document
      summary: 'The code is in place and the function starts now',
      description: runnerAuth.description,
      tags,
      security: [],
      body: { type: 'object', properties: { pid: { type: 'integer' }, nodeVersion: { type: 'string' } } },
      response: { 204: { type: 'null' }, ...errorResponses(401, 409) },
    },
    handler: async (req, reply) => {
      const session = await sessionOf(req);
      if (!(await sessions.started(session.id)) && session.state !== 'started') throw new ApiError('conflict', `the session is ${session.state}, not picked`);
      return reply.code(204).send();
    },
  });

  app.post('/v1/runner/logs', {
    config: { access: 'public' },
    bodyLimit: BODY_LIMITS.runnerLogs,
    schema: {
      hide: true, // the runner's own protocol: not part of the public API document
      summary: 'Output of the running function, as it comes (live logs)',
      description: `${runnerAuth.description}. Appended to the execution's logs while it runs; the outcome's logs replace them. Past the log cap a text is refused (413) and the runner stops sending.`,
      tags,
      security: [],
      body: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 409, 413) },
    },
    handler: async (req, reply) => {
      const session = await sessionOf(req);
      if (session.state !== 'started' || !session.executionId) throw new ApiError('conflict', `the session is ${session.state}: no function runs`);
      const { text } = req.body as { text: string };
      const kept = await store.ledger.appendLogs(session.executionId, null, text, config.execution.logLimitBytes);
      if (!kept) throw new ApiError('payload_too_large', `the logs would pass the cap of ${config.execution.logLimitBytes} bytes, or the execution is over`);
      return reply.code(204).send();
    },
  });

  app.post('/v1/runner/outcome', {
    // A result nests as deep as the function made it (the runner could serialize it).
    config: { access: 'public', jsonMaxDepth: Infinity },
    bodyLimit: BODY_LIMITS.runnerOutcome,
    schema: {
      hide: true, // the runner's own protocol: not part of the public API document
      summary: "The run's final outcome",
      description: runnerAuth.description,
      tags,
      security: [],
      body: Outcome,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 409) },
    },
    handler: async (req, reply) => {
      const session = await sessionOf(req);
      if (!(await sessions.finish(session.id, req.body as RunOutcome))) throw new ApiError('conflict', `an outcome cannot be recorded now (the session is ${session.state})`);
      return reply.code(204).send();
    },
  });
}

/** The compiled runner: every .js file of service/runner (node builtins only, by rule). */
async function readProgram(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(RUNNER_DIR)).sort()) {
    if (name.endsWith('.js') || name.endsWith('.cjs')) files[name] = await readFile(join(RUNNER_DIR, name), 'utf8');
  }
  if (!files['agent.js']) throw new ApiError('internal', `the runner program is incomplete (no agent.js in ${RUNNER_DIR})`);
  return files;
}
