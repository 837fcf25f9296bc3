/**
 * The openstack provider against the real test cloud, without ava (the benchmark uses it
 * too): a real fnstack service started with FNSTACK_PROVIDER=openstack and the `fnstack`
 * service user from cloud.json, listening on a fixed free port that is also its public URL
 * (the guest harness's runners reach it there), plus the guest harness. Each test file uses
 * its own server-name prefix, so harnesses and reapers of files running side by side never
 * touch each other's servers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from '../../service/main.js';
import { ComputeClient, OpenStackSession } from '../../service/openstack/index.js';
import type { CloudUser, TestCloud } from '../openstack/_helpers/cloud.js';
import { passwordCredentials } from './_cloud.js';
import { apiClient } from '../_helpers/api-client.js';
import { GuestHarness, type HarnessOptions } from './_guest-harness.js';

export const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;

/** A multipart body for POST /v1/functions. */
export function functionForm(metadata: unknown, code?: { name: string; content: string | Buffer }): FormData {
  const form = new FormData();
  form.append('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
  if (code) form.append('code', new Blob([code.content]), code.name);
  return form;
}

export function uniquePrefix(tag: string): string {
  return `fnt-${tag}-${randomBytes(3).toString('hex')}-`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** FNSTACK_* for a service using the openstack provider as `user` (default: the fnstack service user). */
export function openstackEnv(cloud: TestCloud, prefix: string, extra: Record<string, string> = {}, user: CloudUser = cloud.fnstack_service): Record<string, string> {
  return {
    FNSTACK_PROVIDER: 'openstack',
    FNSTACK_OS_AUTH_URL: cloud.auth_url,
    FNSTACK_OS_USERNAME: user.username,
    FNSTACK_OS_PASSWORD: user.password,
    FNSTACK_OS_PROJECT_NAME: user.project_name,
    FNSTACK_OS_USER_DOMAIN_NAME: user.user_domain_name,
    FNSTACK_OS_PROJECT_DOMAIN_NAME: user.project_domain_name,
    FNSTACK_OS_REGION: cloud.region,
    FNSTACK_OS_INTERFACE: cloud.interface,
    FNSTACK_OS_SERVER_NAME_PREFIX: prefix,
    FNSTACK_OS_PROVISION_TIMEOUT_S: '60',
    FNSTACK_LOG_LEVEL: process.env.FNSTACK_TEST_LOG === '1' ? 'info' : 'error',
    ...extra,
  };
}

export interface OsService {
  url: string;
  apiKey: string;
  dataDir: string;
  prefix: string;
  env: Record<string, string>;
  service: RunningService;
  harness: GuestHarness;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface OsServiceOptions {
  prefix?: string;
  env?: Record<string, string>;
  user?: CloudUser;
  harness?: Omit<HarnessOptions, 'cloud' | 'prefix'>;
  /** A harness the caller runs (and stops) itself, e.g. shared by two services on one prefix. */
  sharedHarness?: GuestHarness;
  /** Reuse a data dir (and so the database) of an earlier service. */
  dataDir?: string;
}

export async function startOpenStackService(cloud: TestCloud, o: OsServiceOptions = {}): Promise<OsService> {
  const prefix = o.prefix ?? uniquePrefix('svc');
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'fnstack-os-')));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { FNSTACK_DATA_DIR: dataDir, FNSTACK_PUBLIC_URL: url, ...openstackEnv(cloud, prefix, o.env, o.user) };
  const harness = o.sharedHarness ?? new GuestHarness({ cloud, prefix, ...o.harness }).start();
  const stopHarness = () => (o.sharedHarness ? Promise.resolve() : harness.stop());
  let service: RunningService;
  try {
    service = await startService({ port, host: '127.0.0.1', env, log: process.env.FNSTACK_TEST_LOG === '1' });
  } catch (err) {
    await stopHarness();
    throw err;
  }
  const creds = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { api_key: string };
  const api = apiClient(url, creds.api_key);
  return {
    url,
    apiKey: creds.api_key,
    dataDir,
    prefix,
    env,
    service,
    harness,
    api,
    close: async () => {
      await service.close();
      await stopHarness();
      if (!o.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}


/** Waits for an execution to be final (async invoke + polling). */
export async function waitFinal(svc: Pick<OsService, 'api'>, executionId: string, timeoutMs = 120_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await svc.api('GET', `/v1/executions/${executionId}`);
    if (r.status === 200 && ['succeeded', 'failed', 'timed_out'].includes(r.body.status)) return r.body;
    if (Date.now() > until) throw new Error(`execution ${executionId} not final after ${timeoutMs} ms: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

export async function invokeAsync(svc: Pick<OsService, 'api'>, name: string, data: unknown): Promise<string> {
  const r = await svc.api('POST', `/v1/functions/${name}/invoke?mode=async`, data);
  if (r.status !== 202) throw new Error(`invoke ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.execution_id as string;
}

/** An admin ComputeClient (all projects) and the project-scoped one of the fnstack user. */
export function computeAs(cloud: TestCloud, user: CloudUser = cloud.admin): ComputeClient {
  return new ComputeClient(new OpenStackSession({ authUrl: cloud.auth_url, credentials: passwordCredentials(user), region: cloud.region, interface: cloud.interface }));
}

/** Polls Nova until the server answers 404. */
export async function waitGone(compute: ComputeClient, serverId: string, timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await compute.getServer(serverId)) === null) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Servers (any project) whose name starts with the prefix. */
export async function serversWithPrefix(compute: ComputeClient, prefix: string) {
  return compute.listServers({ allTenants: true, name: `^${prefix}` });
}

/** Deletes whatever a test left behind with this prefix (best effort). */
export async function cleanupPrefix(cloud: TestCloud, prefix: string): Promise<void> {
  const compute = computeAs(cloud);
  for (const s of await serversWithPrefix(compute, prefix).catch(() => [])) await compute.deleteServer(s.id).catch(() => undefined);
}
