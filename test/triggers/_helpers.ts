/** Shared pieces of the trigger tests: services per dialect, waiting for executions, RabbitMQ vhosts. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';
import { apiClient } from '../_helpers/api-client.js';
import { createTestDatabase, mariadbAvailable } from '../_helpers/mariadb.js';
import { Store } from '../../service/store/store.js';
import { reachable, requireService } from '../_helpers/requirements.js';
import { WAIT_CAP_MS } from '../_helpers/poll.js';

const run = promisify(execFile);

export const DIALECTS = ['sqlite', 'mariadb'] as const;
export type DialectName = (typeof DIALECTS)[number];

export const RABBIT_HOST = '127.0.0.1';
export const RABBIT_PORT = 5672;
export const rabbitAvailable = () => reachable(RABBIT_HOST, RABBIT_PORT);

export interface TriggerService extends TestService {
  databaseUrl: string;
  /** A second handle on the service's database (projects, keys, tick rows). */
  store: Store;
  /** The project the admin API key acts in. */
  projectId: string;
}

/** A fresh database URL on the dialect, or null (skipped locally / failed in CI) when its server is missing. */
export async function databaseOn(t: ExecutionContext, dialect: DialectName): Promise<{ url: string; drop(): Promise<void> } | null> {
  if (dialect === 'mariadb') {
    if (!requireService(t, 'MariaDB on 127.0.0.1:3306', await mariadbAvailable())) return null;
    return createTestDatabase();
  }
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-trg-db-'));
  return { url: `sqlite:${join(dir, 'fnstack.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
}

/** A real service (role all unless said) on a fresh database of the dialect. */
export async function serviceOn(t: ExecutionContext, dialect: DialectName, options: { env?: Record<string, string> } = {}): Promise<TriggerService | null> {
  const db = await databaseOn(t, dialect);
  if (!db) return null;
  const svc = await startTestService({ env: { FNSTACK_DATABASE_URL: db.url, FNSTACK_SECRETS_KEY: TEST_SECRETS_KEY, ...options.env } });
  const store = await Store.open(db.url);
  const projectId = (await store.accounts.adminProjectId())!;
  return {
    ...svc,
    databaseUrl: db.url,
    store,
    projectId,
    close: async () => {
      await svc.close();
      await store.close();
      await db.drop();
    },
  };
}

export const TEST_SECRETS_KEY = 'ab'.repeat(32);

/** A second built-in project with a member account; returns its id and an API caller. */
export async function otherProject(ts: TriggerService, role: 'admin' | 'member' = 'member') {
  const project = await ts.store.accounts.createProject(unique('other'), 'builtin');
  const account = await ts.store.accounts.createAccount(project.id, unique('acct'), role);
  const key = (await ts.store.accounts.issueKey(account.id)).key;
  const api = (method: string, path: string, body?: unknown) => callApi(ts.url, key, method, path, body);
  return { projectId: project.id, key, api };
}

export async function callApi(url: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return apiClient(url, key)(method, path, body);
}

/** A function that returns its event (so tests can look at what arrived). */
export const ECHO = 'exports.handler = async (event, context) => ({ event });';

export async function echoFunction(svc: TestService, name: string) {
  return createFunction(svc, name, ECHO, { timeout_s: 20 });
}

export interface ExecutionJson {
  id: string;
  status: string;
  event_id: string;
  result: { event: unknown } | null;
  error: unknown;
}

const isFinal = (e: ExecutionJson) => ['succeeded', 'failed', 'timed_out'].includes(e.status);

/** Polls the function's executions until `count` are final (the cap only names what never came). */
export async function waitForExecutions(svc: TestService, fn: string, count: number, timeoutMs = WAIT_CAP_MS): Promise<ExecutionJson[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = await listOf(svc, fn);
    const final = items.filter(isFinal);
    if (final.length >= count) return withResults(svc, final);
    if (Date.now() > deadline) throw new Error(`only ${final.length}/${count} executions of ${fn} final after ${timeoutMs} ms: ${JSON.stringify(items.map((e) => e.status))}`);
    await sleep(200);
  }
}

/**
 * Polls until the function has at least `min` executions, every one final, and none new or
 * changed for `quietMs` (so late ones have come); returns them all.
 */
export async function settledExecutions(svc: TestService, fn: string, min: number, quietMs = 1500, timeoutMs = WAIT_CAP_MS): Promise<ExecutionJson[]> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  let changedAt = Date.now();
  for (;;) {
    const items = await listOf(svc, fn);
    const now = items.map((e) => `${e.id}:${e.status}`).sort().join(',');
    if (now !== seen) [seen, changedAt] = [now, Date.now()];
    if (items.length >= min && items.every(isFinal) && Date.now() - changedAt >= quietMs) return withResults(svc, items);
    if (Date.now() > deadline) throw new Error(`executions of ${fn} not settled after ${timeoutMs} ms: ${JSON.stringify(items.map((e) => e.status))}`);
    await sleep(200);
  }
}

export async function executionsOf(svc: TestService, fn: string): Promise<ExecutionJson[]> {
  return withResults(svc, await listOf(svc, fn));
}

/** The list page: statuses, no results. */
async function listOf(svc: TestService, fn: string): Promise<ExecutionJson[]> {
  const r = await svc.api('GET', `/v1/executions?function=${fn}&limit=500`);
  return (r.body?.items ?? []) as ExecutionJson[];
}

/** Lists carry no results: each execution as GET /v1/executions/{id} shows it, result included. */
async function withResults(svc: TestService, items: ExecutionJson[]): Promise<ExecutionJson[]> {
  return Promise.all(items.map(async (e) => (await svc.api('GET', `/v1/executions/${e.id}`)).body as ExecutionJson));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** rabbitmqctl, for vhosts, users and permissions (the tests' own, always removed afterwards). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

export interface TestVhost {
  name: string;
  /** amqp:// URL for guest on this vhost. */
  url: string;
  drop(): Promise<void>;
}

export async function createVhost(prefix = 'fnstack-trg'): Promise<TestVhost> {
  const name = unique(prefix);
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return {
    name,
    url: `amqp://guest:guest@${RABBIT_HOST}:${RABBIT_PORT}/${encodeURIComponent(name)}`,
    drop: async () => {
      await rabbitmqctl('delete_vhost', name).catch(() => undefined);
    },
  };
}

/** Creates the echo function in a project, with that project's API key. */
export async function echoFunctionAs(url: string, key: string, name: string): Promise<void> {
  const { functionForm, RUNTIME } = await import('../_helpers/service.js');
  const res = await fetch(`${url}/v1/functions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: functionForm({ name, runtime: RUNTIME, handler: 'index.handler', timeout_s: 20 }, { name: 'index.js', content: ECHO }),
  });
  if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${await res.text()}`);
}

/** Executions of a project's function, seen with that project's key. */
export async function executionsAs(url: string, key: string, fn: string): Promise<ExecutionJson[]> {
  const r = await callApi(url, key, 'GET', `/v1/executions?function=${fn}&limit=500`);
  return (r.body?.items ?? []) as ExecutionJson[];
}

/** A broker user of the tests' own (always deleted afterwards). */
export async function createRabbitUser(vhost: string, prefix = 'fnstack-trg-user'): Promise<{ name: string; password: string; url: string; drop(): Promise<void> }> {
  const name = unique(prefix);
  const password = randomBytes(12).toString('hex');
  await rabbitmqctl('add_user', name, password);
  return {
    name,
    password,
    url: `amqp://${name}:${password}@${RABBIT_HOST}:${RABBIT_PORT}/${encodeURIComponent(vhost)}`,
    drop: async () => {
      await rabbitmqctl('delete_user', name).catch(() => undefined);
    },
  };
}
