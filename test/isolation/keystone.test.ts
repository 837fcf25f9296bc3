/**
 * Tenant isolation in Keystone mode against the real Keystone of test/cloud: demo (member
 * of project demo) owns the resources, demo2 (member of demo2) tries to reach them,
 * demo-reader (reader on demo) may only read. Every route of the app is walked.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { functionForm, keystoneEnv, keystoneToken, RUNTIME, startApi, type ApiUnderTest } from '../auth/_helpers/api-under-test.js';
import { tokenFor, withKeystone } from '../auth/_helpers/keystone.js';
import { assertOwnerIntact, discoverIds, tenantRoutes, walkAsOtherProject, walkAsReader, walkWithoutCredentials, type IsolationFixture } from './route-walk.js';

withKeystone((cloud) => {
  let api: ApiUnderTest;
  let f: IsolationFixture;
  let ids: Record<string, string>;

  test.before(async () => {
    api = await startApi(keystoneEnv(cloud));
    const owner = keystoneToken(await tokenFor(cloud, cloud.demo));
    const tag = randomBytes(4).toString('hex');
    const fn = `secret-fn-${tag}`;
    const created = await api.call(owner, 'POST', '/v1/functions', functionForm({ name: fn, runtime: RUNTIME, handler: 'index.handler' }, 'exports.handler = async () => 1;'));
    if (created.status !== 201) throw new Error(`function: ${created.status} ${created.text}`);
    const invoked = await api.call(owner, 'POST', `/v1/functions/${fn}/invoke?mode=async`, {});
    if (invoked.status !== 202) throw new Error(`invoke: ${invoked.status} ${invoked.text}`);
    f = {
      api,
      owner,
      other: keystoneToken(await tokenFor(cloud, cloud.demo2)),
      reader: keystoneToken(await tokenFor(cloud, cloud.demo_reader)),
      ownerProjectId: cloud.project_ids.demo,
      ownerIsAdmin: false,
      ids: { functions: fn, executions: invoked.body.execution_id, projects: cloud.project_ids.demo },
      secrets: [fn, invoked.body.execution_id, cloud.project_ids.demo, cloud.user_ids.demo!],
    };
    ids = await discoverIds(f);
  });

  test.after.always(async () => {
    await api?.close();
  });

  test('Keystone mode serves the tenant routes and no built-in account routes', (t) => {
    const routes = tenantRoutes(api).map((r) => `${r.method} ${r.url}`);
    for (const r of ['GET /v1/functions/:name', 'POST /v1/functions/:name/invoke', 'GET /v1/executions/:id', 'GET /v1/projects/:id', 'GET /v1/projects/:id/quotas', 'GET /v1/audit', 'GET /v1/accounts/me']) {
      t.true(routes.includes(r), r);
    }
    t.false(routes.includes('POST /v1/accounts'));
    t.false(routes.includes('POST /v1/keys'));
  });

  test('without a token, every route answers 401', async (t) => {
    await walkWithoutCredentials(t, f, ids);
  });

  test("demo2's token reaches none of demo's resources and learns nothing of them", async (t) => {
    await walkAsOtherProject(t, f, ids);
    await assertOwnerIntact(t, f, ids);
  });

  test('the reader role on demo may read but not change or invoke anything', async (t) => {
    await walkAsReader(t, f, ids);
    await assertOwnerIntact(t, f, ids);
  });

  test('the Keystone project is mirrored into the projects table on first use', async (t) => {
    const row = await api.store.accounts.projectById(cloud.project_ids.demo);
    t.is(row?.name, 'demo');
    t.is(row?.origin, 'keystone');
  });
});
