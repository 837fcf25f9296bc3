/**
 * A real fnstack service for a test: its own data directory, its own database (SQLite by
 * default, or a fresh MariaDB database), the real local provider, listening on a free port.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService, type StartOptions } from '../../service/main.js';
import amqp from 'amqplib';
import { createTestDatabase } from './mariadb.js';
import { apiClient } from './api-client.js';
import { createTestVhost } from './rabbitmq.js';
import { Store } from '../../service/store/store.js';

/**
 * Which back ends the service under test uses: `embedded` (SQLite + store queue, the default)
 * or `production` (a fresh MariaDB database + RabbitMQ vhost). `npm test` runs the API and CLI
 * suites once more with FNSTACK_TEST_BACKEND=production.
 */
export const TEST_BACKEND = process.env.FNSTACK_TEST_BACKEND === 'production' ? 'production' : 'embedded';

export interface TestService {
  url: string;
  databaseUrl: string;
  queueUrl: string;
  /** Puts a raw payload on the work queue, bypassing the API (poison-message tests). */
  injectWork(payload: string): Promise<void>;
  apiKey: string;
  dataDir: string;
  service: RunningService;
  /** fetch against the service with the admin key (JSON in, JSON out). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  dialect?: 'sqlite' | 'mariadb';
  env?: Record<string, string>;
  role?: StartOptions['role'];
  /** Receives the service's JSON log lines. */
  logDestination?: StartOptions['logDestination'];
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-svc-'));
  const production = TEST_BACKEND === 'production';
  const db = options.dialect === 'mariadb' || production ? await createTestDatabase() : null;
  const vhost = production ? await createTestVhost() : null;
  const databaseUrl = db ? db.url : `sqlite:${join(dataDir, 'fnstack.db')}`;
  const queueUrl = vhost ? vhost.url : 'store';
  const env: Record<string, string> = {
    FNSTACK_DATA_DIR: dataDir,
    FNSTACK_DATABASE_URL: databaseUrl,
    FNSTACK_QUEUE_URL: queueUrl,
    ...options.env,
  };
  const service = await startService({ port: 0, host: '127.0.0.1', env, log: process.env.FNSTACK_TEST_LOG === '1' || options.logDestination !== undefined, role: options.role, logDestination: options.logDestination });
  const creds = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { api_key: string };
  const url = service.url!;
  const api: TestService['api'] = apiClient(url, creds.api_key);
  const injectWork = async (payload: string) => {
    if (vhost) {
      const conn = await amqp.connect(vhost.url);
      const ch = await conn.createConfirmChannel();
      ch.sendToQueue('fnstack.work', Buffer.from(payload), { persistent: true });
      await ch.waitForConfirms();
      await conn.close();
      return;
    }
    const store = await Store.open(databaseUrl, { migrate: false });
    try {
      const now = Date.now();
      await store.db.insertInto('queue_messages').values({ queue: 'work', payload, attempts: 0, available_at: now, locked_by: null, locked_until: null, last_error: null, created_at: now }).execute();
    } finally {
      await store.close();
    }
  };
  return {
    url,
    databaseUrl,
    queueUrl,
    injectWork,
    apiKey: creds.api_key,
    dataDir,
    service,
    api,
    close: async () => {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
      await db?.drop();
      await vhost?.drop();
    },
  };
}

/** A multipart body for POST /v1/functions. */
export function functionForm(metadata: unknown, code?: { name: string; content: string | Buffer }): FormData {
  const form = new FormData();
  form.append('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
  if (code) form.append('code', new Blob([code.content]), code.name);
  return form;
}

export async function createFunction(svc: TestService, name: string, source: string, extra: Record<string, unknown> = {}, fileName = 'index.js') {
  const handler = `${fileName.replace(/\.(c|m)?js$/, '')}.handler`;
  const r = await svc.api('POST', '/v1/functions', functionForm({ name, runtime: RUNTIME, handler, ...extra }, { name: fileName, content: source }));
  if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;
