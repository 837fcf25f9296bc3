/**
 * Tenant isolation in built-in mode: two accounts in two projects (and a reader in the
 * first), every route of the app walked (see route-walk.ts).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { apiKey, functionForm, RUNTIME, startApi, type ApiUnderTest } from '../auth/_helpers/api-under-test.js';
import { assertOwnerIntact, discoverIds, tenantRoutes, walkAsOtherProject, walkAsReader, walkWithoutCredentials, type IsolationFixture } from './route-walk.js';

let api: ApiUnderTest;
let f: IsolationFixture;
let ids: Record<string, string>;

test.before(async () => {
  api = await startApi();
  const admin = apiKey(api.adminKey!);
  const tag = randomBytes(4).toString('hex');
  const project = async (name: string) => {
    const r = await api.call(admin, 'POST', '/v1/projects', { name });
    if (r.status !== 201) throw new Error(`project ${name}: ${r.status} ${r.text}`);
    return r.body.id as string;
  };
  const account = async (name: string, role: string, projectId: string) => {
    const r = await api.call(admin, 'POST', '/v1/accounts', { name, role, project_id: projectId });
    if (r.status !== 201) throw new Error(`account ${name}: ${r.status} ${r.text}`);
    return { id: r.body.id as string, key: r.body.api_key.key as string, keyId: r.body.api_key.id as string };
  };
  const a = await project(`team-a-${tag}`);
  const b = await project(`team-b-${tag}`);
  const alice = await account(`alice-${tag}`, 'admin', a);
  const bob = await account(`bob-${tag}`, 'admin', b);
  const rita = await account(`rita-${tag}`, 'reader', a);
  const owner = apiKey(alice.key);

  const fn = `secret-fn-${tag}`;
  const created = await api.call(owner, 'POST', '/v1/functions', functionForm({ name: fn, runtime: RUNTIME, handler: 'index.handler' }, 'exports.handler = async () => 1;'));
  if (created.status !== 201) throw new Error(`function: ${created.status} ${created.text}`);
  const invoked = await api.call(owner, 'POST', `/v1/functions/${fn}/invoke?mode=async`, { x: 1 });
  if (invoked.status !== 202) throw new Error(`invoke: ${invoked.status} ${invoked.text}`);
  const key = await api.call(owner, 'POST', '/v1/keys', { description: 'second key' });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${key.text}`);

  f = {
    api,
    owner,
    other: apiKey(bob.key),
    reader: apiKey(rita.key),
    ownerProjectId: a,
    ownerIsAdmin: true,
    ids: { functions: fn, executions: invoked.body.execution_id, accounts: alice.id, keys: key.body.id, projects: a },
    secrets: [fn, invoked.body.execution_id, alice.id, `alice-${tag}`, key.body.id, alice.keyId, a, `team-a-${tag}`],
  };
  ids = await discoverIds(f);
});

test.after.always(async () => {
  await api?.close();
});

test('the route table holds every route of the app, the new ones included', (t) => {
  const routes = tenantRoutes(api).map((r) => `${r.method} ${r.url}`);
  for (const r of [
    'GET /v1/functions',
    'GET /v1/functions/:name',
    'POST /v1/functions/:name/invoke',
    'GET /v1/executions/:id',
    'GET /v1/accounts',
    'DELETE /v1/accounts/:id',
    'DELETE /v1/keys/:id',
    'GET /v1/projects/:id',
    'PUT /v1/projects/:id/quotas',
    'GET /v1/audit',
  ]) {
    t.true(routes.includes(r), r);
  }
  t.log(`${routes.length} routes walked:\n  ${routes.join('\n  ')}`);
});

test('without credentials, every route answers 401', async (t) => {
  await walkWithoutCredentials(t, f, ids);
});

test("another project's account reaches none of the owner's resources and learns nothing of them", async (t) => {
  await walkAsOtherProject(t, f, ids);
  await assertOwnerIntact(t, f, ids);
});

test('a reader may read its project but not change or invoke anything', async (t) => {
  await walkAsReader(t, f, ids);
  await assertOwnerIntact(t, f, ids);
});
