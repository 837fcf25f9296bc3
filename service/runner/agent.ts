/**
 * The runner inside a Nova server, in pull mode: the server needs no inbound access. The
 * user_data script (service/provisioner/openstack/user-data.ts) fetches this directory's
 * files from the service and starts `node agent.js` with
 *
 *   FNSTACK_URL          the service's base URL
 *   FNSTACK_TOKEN        this server's bearer token (one server, one token, one event)
 *   FNSTACK_WORK_DIR     a private working directory for the code (default: a new one in
 *                        the temp dir); not below the runner's own files. The runner writes
 *                        an empty package.json there, so that a function without one of its
 *                        own is CommonJS whatever package.json lies above (the runner's own
 *                        says "type": "module")
 *   FNSTACK_MEMORY_MB    optional: the heap limit of the function this server was booted for.
 *                        With it, the executor is started while the runner waits for its
 *                        assignment (warm-executor.cjs, one event), so that Node's start is not
 *                        on the event's path; an assignment of another size gets a fresh one.
 *
 * Then, over HTTP with `Authorization: Bearer <token>`:
 *
 *   GET  /v1/runner/assignment?wait=20  200 {assignment} | 204 nothing yet (ask again)
 *                                       (the first call also tells the service the runner is up)
 *   GET  /v1/runner/code                the function's code, unpacked by the service, as tar.gz
 *   POST /v1/runner/started             {pid, nodeVersion}: the code is in place, the function starts now
 *   POST /v1/runner/logs                {text}: the function's output while it runs (batched; best effort:
 *                                       the outcome carries the whole logs)
 *   POST /v1/runner/outcome             the RunOutcome of the supervised run
 *
 * The run itself is exactly the local provider's — supervisor.ts feeding executor.ts on
 * fd 3, capturing output and enforcing the timeout — without the local sandbox layers:
 * the server is the sandbox. The deadline is counted on this machine's clock from the
 * moment the code is in place. A 401/404 means the service released the server: exit 3.
 * Node builtins only.
 */
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untarGz } from './agent-untar.js';
import { LiveLog } from './live-log.js';
import { EXECUTOR_PATH, RUNNER_DIR, supervise, type LaunchSpec } from './supervisor.js';
import { WarmSession } from './warm-session.js';
import type { Assignment, RunOutcome } from './protocol.js';

const EXIT_RELEASED = 3;

class Released extends Error {}

const url = (process.env.FNSTACK_URL ?? '').replace(/\/+$/, '');
const token = process.env.FNSTACK_TOKEN ?? '';
if (!url || !token) {
  log('FNSTACK_URL and FNSTACK_TOKEN are required');
  process.exit(2);
}
const workDir = process.env.FNSTACK_WORK_DIR || mkdtempSync(join(tmpdir(), 'fnstack-runner-'));
// Node takes a package's module format from the nearest package.json: this one ends the lookup.
writeFileSync(join(workDir, 'package.json'), '{}\n');
const codeDir = join(workDir, 'code');
const tmp = join(workDir, 'tmp');
const prestarted = prestart();

try {
  const assignment = await waitForAssignment();
  log(`assignment for execution ${assignment.executionId}`);
  const outcome = await runAssignment(assignment, prestarted);
  log(`run ${outcome.status}${outcome.failure ? ` (${outcome.failure.kind})` : ''}`);
  await report('/v1/runner/outcome', outcome, outcome.logs);
  process.exit(0);
} catch (err) {
  if (err instanceof Released) {
    log('the service released this server');
    process.exit(EXIT_RELEASED);
  }
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}

async function waitForAssignment(): Promise<Assignment> {
  for (let attempt = 0; ; ) {
    try {
      const res = await call('GET', '/v1/runner/assignment?wait=20', undefined, 35_000);
      attempt = 0;
      if (res.status === 204) continue;
      const body = (await res.json()) as { assignment: Assignment };
      return body.assignment;
    } catch (err) {
      if (err instanceof Released) throw err;
      log(`cannot reach the service (${(err as Error).message}); retrying`);
      await sleep(Math.min(5000, 500 * 2 ** attempt++));
    }
  }
}

/** What the function's environment is given over its own variables (nothing else of the runner's reaches it). */
function runnerEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: tmp, TMPDIR: tmp };
}

/** The executor for this server's one event, started now (see FNSTACK_MEMORY_MB), or null. */
function prestart(): { session: WarmSession; memoryMb: number } | null {
  const memoryMb = Number(process.env.FNSTACK_MEMORY_MB);
  const entry = join(RUNNER_DIR, 'warm-executor.cjs');
  if (!Number.isInteger(memoryMb) || memoryMb <= 0 || !existsSync(entry)) return null;
  mkdirSync(codeDir, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  // One pipe for stdout and stderr: an event's output ends at its fence (warm-session.ts), written on stdout.
  const argv = ['/bin/sh', '-c', 'exec "$@" 2>&1', 'fnstack-executor', process.execPath, `--max-old-space-size=${memoryMb}`, entry];
  const spec: LaunchSpec = { argv, cwd: codeDir, env: { LANG: 'C.UTF-8', ...runnerEnv() } };
  const session = new WarmSession(spec);
  void session.start();
  return { session, memoryMb };
}

async function runAssignment(assignment: Assignment, prestarted: { session: WarmSession; memoryMb: number } | null): Promise<RunOutcome> {
  const startedAt = Date.now();
  try {
    const res = await call('GET', '/v1/runner/code', undefined, 300_000);
    const archive = Buffer.from(await res.arrayBuffer());
    mkdirSync(tmp, { recursive: true });
    untarGz(archive, codeDir);
  } catch (err) {
    if (err instanceof Released) throw err;
    return { status: 'failed', failure: { kind: 'runner_error', message: `the runner could not fetch the code: ${(err as Error).message}` }, logs: '', logsTruncated: false, startedAt, finishedAt: Date.now() };
  }
  await call('POST', '/v1/runner/started', { pid: process.pid, nodeVersion: process.version }, 30_000);
  const { timeoutS, memoryMb } = assignment.context;
  const local: Assignment = {
    ...assignment,
    code: { ...assignment.code, dir: codeDir },
    context: { ...assignment.context, deadline: Date.now() + timeoutS * 1000 },
  };
  const fnEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(assignment.env)) if (typeof v === 'string' && k !== 'NODE_OPTIONS') fnEnv[k] = v;
  // Live logs: a refusal (cap reached, run over) or an unreachable service ends them; the outcome has them all.
  let sending = true;
  const live = new LiveLog(async (text) => {
    if (!sending) return;
    await call('POST', '/v1/runner/logs', { text }, 10_000).catch(() => (sending = false));
  }, 500);
  try {
    if (prestarted?.memoryMb === memoryMb && prestarted.session.alive) {
      // As below, the runner's variables win; the executor applies these before the handler.
      const env = { ...fnEnv, ...runnerEnv() };
      try {
        return await prestarted.session.runOnce({ ...local, env }, undefined, (part) => live.push(part));
      } finally {
        await prestarted.session.kill();
      }
    }
    await prestarted?.session.kill();
    const argv = [process.execPath, `--max-old-space-size=${memoryMb}`, EXECUTOR_PATH];
    return await supervise(local, { argv, cwd: codeDir, env: { LANG: 'C.UTF-8', ...fnEnv, ...runnerEnv() } }, undefined, { onOutput: (part) => live.push(part) });
  } finally {
    await live.close();
  }
}

/** POSTs the outcome, retrying for about two minutes; the logs go to the console if that fails. */
async function report(path: string, body: unknown, logs: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call('POST', path, body, 60_000);
      return;
    } catch (err) {
      if (err instanceof Released || attempt >= 24) {
        log(`could not report the outcome (${(err as Error).message}); the function's output follows`);
        process.stdout.write(logs);
        throw err;
      }
      await sleep(5000);
    }
  }
}

async function call(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<Response> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status === 401 || res.status === 404) {
    await res.body?.cancel();
    throw new Released(`HTTP ${res.status}`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
  return res;
}

function log(message: string): void {
  process.stderr.write(`[fnstack agent ${new Date().toISOString()}] ${message}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
