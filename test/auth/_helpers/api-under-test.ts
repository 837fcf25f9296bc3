/**
 * The fnstack API wired like service/main.ts does (real store, queue, local provider), but
 * keeping the Fastify app at hand so that tests can read its route table. Built-in mode
 * bootstraps the admin key like a first start; Keystone mode validates against the real
 * Keystone of test/cloud with the `fnstack` service user.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadConfig, publicUrlOf } from '../../../service/config.js';
import { Store } from '../../../service/store/store.js';
import { createQueue } from '../../../service/queue/registry.js';
import { createProvider } from '../../../service/provisioner/registry.js';
import { CodeCache } from '../../../service/code/code-cache.js';
import { ExecutionEvents } from '../../../service/orchestrator/execution-events.js';
import { buildApi } from '../../../service/api/app.js';
import { bootstrapAdmin } from '../../../service/auth/bootstrap.js';
import type { TestCloud } from '../../openstack/_helpers/cloud.js';

export interface Caller {
  /** Headers that carry the caller's credentials ({} for none). */
  headers: Record<string, string>;
}

export interface ApiResult {
  status: number;
  body: any;
  text: string;
}

export interface ApiUnderTest {
  url: string;
  app: FastifyInstance;
  store: Store;
  mode: 'builtin' | 'keystone';
  /** Built-in mode: the admin key written on first start. */
  adminKey: string | null;
  call(caller: Caller, method: string, path: string, body?: unknown): Promise<ApiResult>;
  close(): Promise<void>;
}

export const NONE: Caller = { headers: {} };
export const apiKey = (key: string): Caller => ({ headers: { authorization: `Bearer ${key}` } });
export const keystoneToken = (token: string): Caller => ({ headers: { 'x-auth-token': token } });

/** FNSTACK_* settings that put the service in Keystone mode against the test cloud. */
export function keystoneEnv(cloud: TestCloud): Record<string, string> {
  const s = cloud.fnstack_service;
  return {
    FNSTACK_AUTH_MODE: 'keystone',
    FNSTACK_OS_AUTH_URL: cloud.auth_url,
    FNSTACK_OS_USERNAME: s.username,
    FNSTACK_OS_PASSWORD: s.password,
    FNSTACK_OS_PROJECT_NAME: s.project_name,
    FNSTACK_OS_USER_DOMAIN_NAME: s.user_domain_name,
    FNSTACK_OS_PROJECT_DOMAIN_NAME: s.project_domain_name,
    FNSTACK_OS_REGION: cloud.region,
  };
}

export async function startApi(env: Record<string, string> = {}): Promise<ApiUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-auth-'));
  const config = loadConfig({ FNSTACK_DATA_DIR: dataDir, ...env }, { port: 0, host: '127.0.0.1', role: 'api' });
  const logger = pino({ level: process.env.FNSTACK_TEST_LOG === '1' ? 'info' : 'silent' });
  const store = await Store.open(config.databaseUrl);
  const queue = await createQueue(config, store, logger);
  const provider = await createProvider(config);
  const codeCache = new CodeCache(join(dataDir, 'code'), store.code, { maxUnpackedBytes: config.code.maxUnpackedBytes, maxEntries: config.code.maxEntries });
  const app = await buildApi({ config, store, queue, codeCache, events: new ExecutionEvents(), provider }, false);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = publicUrlOf(config, typeof address === 'object' && address ? address.port : 0);
  let adminKey: string | null = null;
  if (config.auth.mode === 'builtin') {
    const file = await bootstrapAdmin(store, dataDir, url);
    adminKey = (JSON.parse(await readFile(file!, 'utf8')) as { api_key: string }).api_key;
  }
  return {
    url,
    app,
    store,
    mode: config.auth.mode,
    adminKey,
    call: async (caller, method, path, body) => {
      const headers: Record<string, string> = { ...caller.headers };
      let payload: RequestInit['body'] | undefined;
      if (body instanceof FormData) payload = body;
      else if (body !== undefined) {
        payload = JSON.stringify(body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body: payload });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, text };
    },
    close: async () => {
      await app.close();
      await provider.close();
      await queue.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A multipart body for POST /v1/functions. */
export function functionForm(metadata: Record<string, unknown>, source: string, fileName = 'index.js'): FormData {
  const form = new FormData();
  form.append('metadata', JSON.stringify(metadata));
  form.append('code', new Blob([source]), fileName);
  return form;
}

export const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;
