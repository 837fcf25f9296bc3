/**
 * The VM runner's live logs, without a cloud: the real runner (agent.js, as the user_data
 * starts it inside a server) talks to the real runner routes of an API configured for the
 * openstack provider, through the store, as in a Nova server. The function prints a line and
 * waits; the line is in the execution's logs while it still runs; the outcome ends them. And
 * the function's module format is its own, whatever package.json the server's disk holds above
 * the runner's working directory. A runner told its function's heap size runs the event in the
 * executor it started before the assignment; of the runner's variables (its token above all)
 * the function sees none either way.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig, publicUrlOf } from '../../service/config.js';
import { Store } from '../../service/store/store.js';
import { createQueue } from '../../service/queue/registry.js';
import { CodeCache } from '../../service/code/code-cache.js';
import { ExecutionEvents } from '../../service/orchestrator/execution-events.js';
import { buildApi } from '../../service/api/app.js';
import { bootstrapAdmin } from '../../service/auth/bootstrap.js';
import { newExecutionOf } from '../../service/store/execution-store.js';
import { RunnerSessionStore } from '../../service/store/runner-session-store.js';
import type { Provider } from '../../service/provisioner/provider.js';
import type { Assignment } from '../../service/runner/protocol.js';
import { functionForm, RUNTIME } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';

const AGENT = fileURLToPath(new URL('../../service/runner/agent.js', import.meta.url));
const LOG_CAP = 4096;

/** The runner routes never reach the provider (the waiting env.run() does): it only says at create that the function fits. */
const noProvider = { name: 'openstack', check: async () => ({ provider: 'openstack', details: {} }), acquire: () => Promise.reject(new Error('not in this test')), release: async () => undefined, close: async () => undefined } as unknown as Provider;

interface Runner {
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
  url: string;
  sessions: RunnerSessionStore;
  /** Creates the function, then its execution, claimed and running with its server's session, as the orchestrator and the openstack provider do before the runner asks. */
  assign: (name: string, source: string, o?: { memoryMb?: number; env?: Record<string, string> }) => Promise<{ executionId: string; sessionId: string; token: string }>;
  /** Starts agent.js as the user_data does, in `workDir` (`env`: more of the user_data's variables). */
  startAgent: (token: string, workDir: string, env?: Record<string, string>) => { exited: Promise<number | null>; log: () => string; kill: () => void };
}

/** The runner routes of an API configured for the openstack provider, on its own store. */
async function withRunnerRoutes(t: ExecutionContext, use: (runner: Runner) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-vmlogs-'));
  const config = loadConfig(
    {
      FNSTACK_DATA_DIR: dataDir,
      FNSTACK_PROVIDER: 'openstack',
      FNSTACK_OS_AUTH_URL: 'http://127.0.0.1:9/v3',
      FNSTACK_OS_APPLICATION_CREDENTIAL_ID: 'unused',
      FNSTACK_OS_APPLICATION_CREDENTIAL_SECRET: 'unused',
      FNSTACK_LOG_LIMIT_BYTES: String(LOG_CAP),
    },
    { port: 0, host: '127.0.0.1', role: 'api' },
  );
  const logger = pino({ level: 'silent' });
  const store = await Store.open(config.databaseUrl);
  const queue = await createQueue(config, store, logger);
  const codeCache = new CodeCache(join(dataDir, 'code'), store.code, { maxUnpackedBytes: config.code.maxUnpackedBytes, maxEntries: config.code.maxEntries });
  const app = await buildApi({ config, store, queue, codeCache, events: new ExecutionEvents(), provider: noProvider }, false);
  const agents: Array<() => void> = [];
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const url = publicUrlOf(config, typeof address === 'object' && address ? address.port : 0);
    const adminKey = (JSON.parse(await readFile((await bootstrapAdmin(store, dataDir, url))!, 'utf8')) as { api_key: string }).api_key;
    const call = async (method: string, path: string, body?: unknown) => {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${adminKey}` } };
      if (body !== undefined) init.body = body as FormData;
      const res = await fetch(url + path, init);
      return { status: res.status, body: (await res.json()) as any };
    };
    const sessions = new RunnerSessionStore(store.db);
    const assign = async (name: string, source: string, o: { memoryMb?: number; env?: Record<string, string> } = {}) => {
      const created = await call('POST', '/v1/functions', functionForm({ name, runtime: RUNTIME, handler: 'index.handler', timeout_s: 10 }, { name: 'index.js', content: source }));
      t.is(created.status, 201, JSON.stringify(created.body));
      const projectId = (await store.accounts.adminProjectId())!;
      const fn = (await store.forProject(projectId).functions.get(name))!;
      const event = { specversion: '1.0' as const, id: randomUUID(), source: 'test', type: 'test' };
      const { execution } = await store.ledger.createOnce(newExecutionOf(fn, event));
      t.true(await store.ledger.claim(execution.id, 'test-worker', 600_000));
      await store.ledger.markRunning(execution.id, 'test-worker', { provider: 'openstack', details: {} });
      const token = randomUUID();
      const sessionId = randomUUID();
      await sessions.create({ id: sessionId, token, serverName: 'fnstack-test', executionId: execution.id, poolKey: null, owner: 'test-worker', leaseMs: 600_000 });
      const assignment: Assignment = {
        executionId: execution.id,
        handler: 'index.handler',
        code: { sha256: fn.spec.code.sha256, format: fn.spec.code.format, url: `${url}/v1/runner/code` },
        event,
        env: o.env ?? {},
        context: { functionName: fn.name, functionVersion: fn.currentVersion, memoryMb: o.memoryMb ?? 128, timeoutS: 10, deadline: Date.now() + 10_000 },
        logLimitBytes: LOG_CAP,
      };
      await sessions.assign(sessionId, assignment);
      return { executionId: execution.id, sessionId, token };
    };
    const startAgent = (token: string, workDir: string, env: Record<string, string> = {}) => {
      const agent = spawn(process.execPath, [AGENT], { env: { PATH: process.env.PATH, FNSTACK_URL: url, FNSTACK_TOKEN: token, FNSTACK_WORK_DIR: workDir, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      agent.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
      const kill = () => agent.kill('SIGKILL');
      agents.push(kill);
      return { exited: new Promise<number | null>((resolve) => agent.on('close', (code) => resolve(code))), log: () => log, kill };
    };
    await use({ call, url, sessions, assign, startAgent });
  } finally {
    for (const kill of agents) kill();
    await app.close();
    await queue.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('a runner in a server posts the function’s output while it runs, within the cap', async (t) => {
  const workDir = await mkdtemp(join(tmpdir(), 'fnstack-vmlogs-runner-'));
  try {
    await withRunnerRoutes(t, async ({ call, url, sessions, assign, startAgent }) => {
      const source = 'exports.handler = async () => { console.log("vm first line"); console.log("x".repeat(10000)); await new Promise((r) => setTimeout(r, 600000)); };';
      const { executionId, sessionId, token } = await assign('vm-waiter', source);
      const agent = startAgent(token, workDir);
      const live = await pollUntil('the runner’s first line in the live logs', async () => {
        const r = await call('GET', `/v1/executions/${executionId}/logs`);
        return /vm first line/.test(r.body.logs) ? r.body : undefined;
      });
      t.is(live.status, 'running', 'posted while the function runs');
      t.true(live.logs.startsWith('vm first line\n'));
      t.true(Buffer.byteLength(live.logs) <= LOG_CAP, 'the runner’s posts stay within the cap');

      t.is(await agent.exited, 0, agent.log());
      const session = await sessions.get(sessionId);
      t.is(session?.outcome?.status, 'timed_out', 'the outcome went to the session');
      t.true(session!.outcome!.logsTruncated);

      // A runner (hostile, say) posting past the cap is refused and the stored logs do not grow.
      const before = (await call('GET', `/v1/executions/${executionId}/logs`)).body.logs as string;
      const flood = await fetch(`${url}/v1/runner/logs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'y'.repeat(LOG_CAP) }) });
      t.true([409, 413].includes(flood.status), String(flood.status));
      t.is((await call('GET', `/v1/executions/${executionId}/logs`)).body.logs, before);
      const stranger = await fetch(`${url}/v1/runner/logs`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: JSON.stringify({ text: 'z' }) });
      t.is(stranger.status, 401);
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
});

test('a function without a package.json of its own runs as CommonJS under any package.json above the runner', async (t) => {
  // A server's disk may hold a package.json above the working directory (the runner's own, an image's): its "type" must not reach the function.
  const above = await mkdtemp(join(tmpdir(), 'fnstack-vmlogs-above-'));
  try {
    await writeFile(join(above, 'package.json'), JSON.stringify({ type: 'module' }));
    const workDir = join(above, 'work');
    await mkdir(workDir);
    await withRunnerRoutes(t, async ({ sessions, assign, startAgent }) => {
      const { sessionId, token } = await assign('vm-commonjs', 'exports.handler = async () => ({ format: typeof module === "object" ? "commonjs" : "module" });');
      const agent = startAgent(token, workDir);
      t.is(await agent.exited, 0, agent.log());
      const outcome = (await sessions.get(sessionId))?.outcome;
      t.is(outcome?.status, 'succeeded', JSON.stringify(outcome));
      t.deepEqual(outcome?.result, { format: 'commonjs' });
    });
  } finally {
    await rm(above, { recursive: true, force: true });
  }
});

/** What the function reports of its process: which executor runs it, its heap limit, and what it sees of the environment. */
const INSPECT = `exports.handler = async () => (console.log('to stdout'), console.error('to stderr'), {
  executor: require('node:path').basename(process.argv[1]),
  heapMb: Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 1048576),
  token: process.env.FNSTACK_TOKEN ?? null,
  url: process.env.FNSTACK_URL ?? null,
  memory: process.env.FNSTACK_MEMORY_MB ?? null,
  greeting: process.env.GREETING ?? null,
  lang: process.env.LANG ?? null,
  home: process.env.HOME,
});`;

for (const [title, agentMemoryMb, executor] of [
  ['a runner told its function’s heap size runs the event in the executor it started before the assignment', 128, 'warm-executor.cjs'],
  ['an assignment of another heap size than the runner was told gets a fresh executor, with its own limit', 512, 'executor.js'],
] as const) {
  test(`${title}; the function sees its own variables and none of the runner’s`, async (t) => {
    const workDir = await mkdtemp(join(tmpdir(), 'fnstack-vmprestart-'));
    try {
      await withRunnerRoutes(t, async ({ sessions, assign, startAgent }) => {
        const { sessionId, token } = await assign('vm-inspect', INSPECT, { memoryMb: 128, env: { GREETING: 'hello', LANG: 'C' } });
        const agent = startAgent(token, workDir, { FNSTACK_MEMORY_MB: String(agentMemoryMb) });
        t.is(await agent.exited, 0, agent.log());
        const outcome = (await sessions.get(sessionId))?.outcome;
        t.is(outcome?.status, 'succeeded', JSON.stringify(outcome));
        const seen = outcome?.result as Record<string, unknown>;
        t.is(seen.executor, executor);
        t.true((seen.heapMb as number) < 256, `the heap limit is the assignment's 128 MiB, not more: ${String(seen.heapMb)} MiB`);
        t.regex(outcome!.logs, /to stdout\n/);
        t.regex(outcome!.logs, /to stderr\n/, 'the function’s stderr is in its logs too');
        t.like(seen, { token: null, url: null, memory: null, greeting: 'hello', lang: 'C', home: join(workDir, 'tmp') });
      });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
}
