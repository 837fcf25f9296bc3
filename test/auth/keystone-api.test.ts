/**
 * Keystone mode through the HTTP API with real tokens: a Keystone admin is a service admin
 * (sets another project's quotas, reads its audit trail), members are not, readers only read.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { functionForm, keystoneEnv, keystoneToken, RUNTIME, startApi, type ApiUnderTest, type Caller } from './_helpers/api-under-test.js';
import { tokenFor, withKeystone } from './_helpers/keystone.js';

withKeystone((cloud) => {
  let api: ApiUnderTest;
  let admin: Caller;
  let demo: Caller;
  let reader: Caller;
  const demoProject = cloud.project_ids.demo;
  const tag = randomBytes(3).toString('hex');

  test.before(async () => {
    api = await startApi(keystoneEnv(cloud));
    admin = keystoneToken(await tokenFor(cloud, cloud.admin));
    demo = keystoneToken(await tokenFor(cloud, cloud.demo));
    reader = keystoneToken(await tokenFor(cloud, cloud.demo_reader));
  });
  test.after.always(async () => {
    await api?.close();
  });

  test('who am I: the token’s user, project and role', async (t) => {
    t.like((await api.call(demo, 'GET', '/v1/accounts/me')).body, { name: 'demo', role: 'member', project_id: demoProject, service_admin: false, auth_mode: 'keystone', key_id: null });
    t.like((await api.call(admin, 'GET', '/v1/accounts/me')).body, { name: 'admin', role: 'admin', service_admin: true });
    const bearer = await api.call({ headers: { authorization: demo.headers['x-auth-token']!.replace(/^/, 'Bearer ') } }, 'GET', '/v1/accounts/me');
    t.is(bearer.body.name, 'demo', 'Authorization: Bearer <token> works too (the CLI sends that)');
  });

  test.serial('a Keystone admin sets quotas of the demo project; demo gets a clear 429, a member may not change them', async (t) => {
    await api.call(demo, 'GET', '/v1/functions'); // mirrors the project
    t.is((await api.call(demo, 'PUT', `/v1/projects/${demoProject}/quotas`, { functions: 1000 })).status, 403);
    const set = await api.call(admin, 'PUT', `/v1/projects/${demoProject}/quotas`, { functions: 0 });
    t.is(set.status, 200, set.text);
    const r = await api.call(demo, 'POST', '/v1/functions', functionForm({ name: `ks-${tag}`, runtime: RUNTIME, handler: 'index.handler' }, 'exports.handler = () => 1'));
    t.is(r.status, 429);
    t.like(r.body, { code: 'quota_exceeded', field: 'functions' });
    t.like((await api.call(reader, 'GET', `/v1/projects/${demoProject}/quotas`)).body, { limits: { functions: 0 } });
    t.is((await api.call(admin, 'DELETE', `/v1/projects/${demoProject}/quotas`)).status, 204);
    t.is((await api.call(demo, 'POST', '/v1/functions', functionForm({ name: `ks-${tag}`, runtime: RUNTIME, handler: 'index.handler' }, 'exports.handler = () => 1'))).status, 201);
  });

  test.serial('the reader role: reads yes, invoke and change no (403 naming the role)', async (t) => {
    t.is((await api.call(reader, 'GET', `/v1/functions/ks-${tag}`)).status, 200);
    const inv = await api.call(reader, 'POST', `/v1/functions/ks-${tag}/invoke?mode=async`, {});
    t.is(inv.status, 403);
    t.regex(inv.body.message, /reader role on project demo/);
    t.is((await api.call(reader, 'DELETE', `/v1/functions/ks-${tag}`)).status, 403);
  });

  test.serial('audit: Keystone users are recorded as such; the service admin reads the demo trail', async (t) => {
    t.is((await api.call(demo, 'GET', '/v1/audit')).status, 403, 'a member is not the project admin');
    const r = await api.call(admin, 'GET', `/v1/audit?project_id=${demoProject}&resource_id=ks-${tag}`);
    t.is(r.status, 200);
    t.like(r.body.items[0], { action: 'create', resource_type: 'function', actor: { kind: 'keystone_user', id: cloud.user_ids.demo, name: 'demo', project_id: demoProject } });
    const quota = await api.call(admin, 'GET', `/v1/audit?project_id=${demoProject}&resource_type=quota`);
    t.true(quota.body.items.some((e: any) => e.action === 'update' && e.actor.name === 'admin' && e.actor.project_id === cloud.project_ids.admin));
  });
});
