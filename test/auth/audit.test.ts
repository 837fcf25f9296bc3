/** The audit trail: who created, changed or deleted what and when, readable by the project's admins. */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { apiKey, functionForm, RUNTIME, startApi, type ApiUnderTest, type Caller } from './_helpers/api-under-test.js';

let api: ApiUnderTest;
let admin: Caller;
const tag = randomBytes(4).toString('hex');

test.before(async () => {
  api = await startApi();
  admin = apiKey(api.adminKey!);
});
test.after.always(async () => {
  await api?.close();
});

test('changes to functions, keys, accounts and quotas are recorded with who, what and when; reads and invocations are not', async (t) => {
  const p = (await api.call(admin, 'POST', '/v1/projects', { name: `audit-${tag}` })).body;
  const boss = (await api.call(admin, 'POST', '/v1/accounts', { name: `boss-${tag}`, role: 'admin', project_id: p.id })).body;
  const owner = apiKey(boss.api_key.key);
  const fn = `audited-${tag}`;
  const start = Date.now();
  t.is((await api.call(owner, 'POST', '/v1/functions', functionForm({ name: fn, runtime: RUNTIME, handler: 'index.handler' }, 'exports.handler = () => 1'))).status, 201);
  t.is((await api.call(owner, 'PATCH', `/v1/functions/${fn}`, { timeout_s: 5, env: { SECRET: 'hunter2' } })).status, 200);
  t.is((await api.call(owner, 'POST', `/v1/functions/${fn}/invoke?mode=async`, {})).status, 202);
  await api.call(owner, 'GET', `/v1/functions/${fn}`);
  t.is((await api.call(owner, 'DELETE', `/v1/functions/${fn}`)).status, 204);
  const key = (await api.call(owner, 'POST', '/v1/keys', { description: 'temp' })).body;
  t.is((await api.call(owner, 'DELETE', `/v1/keys/${key.id}`)).status, 204);
  const member = (await api.call(owner, 'POST', '/v1/accounts', { name: `mem-${tag}`, role: 'member' })).body;
  t.is((await api.call(owner, 'DELETE', `/v1/accounts/${member.id}`)).status, 204);
  t.is((await api.call(admin, 'PUT', `/v1/projects/${p.id}/quotas`, { functions: 7 })).status, 200);
  t.is((await api.call(owner, 'POST', '/v1/functions', functionForm({ name: 'Bad Name', runtime: RUNTIME, handler: 'index.handler' }, 'x'))).status, 400);

  const r = await api.call(owner, 'GET', '/v1/audit?limit=100');
  t.is(r.status, 200);
  const seen = r.body.items.map((e: any) => `${e.action} ${e.resource_type} ${e.resource_id}`).reverse();
  t.deepEqual(seen, [
    `create project ${p.id}`,
    `create account ${boss.id}`,
    `create function ${fn}`,
    `update function ${fn}`,
    `delete function ${fn}`,
    `create key ${key.id}`,
    `revoke key ${key.id}`,
    `create account ${member.id}`,
    `delete account ${member.id}`,
    `update quota ${p.id}`,
  ]);
  const update = r.body.items.find((e: any) => e.action === 'update' && e.resource_type === 'function');
  t.like(update.actor, { kind: 'account', id: boss.id, name: `boss-${tag}`, project_id: p.id, key_id: boss.api_key.id });
  t.deepEqual(update.details.fields, ['env', 'timeout_s']);
  t.false(r.text.includes('hunter2'), 'values are not recorded');
  t.true(Date.parse(update.at) >= start - 1000 && Date.parse(update.at) <= Date.now());
  const quota = r.body.items.find((e: any) => e.resource_type === 'quota');
  t.like(quota.actor, { name: 'admin' });
  t.deepEqual(quota.details.overrides, { functions: 7 });

  const onlyKeys = await api.call(owner, 'GET', '/v1/audit?resource_type=key');
  t.deepEqual(onlyKeys.body.items.map((e: any) => e.action), ['revoke', 'create']);
  const page = await api.call(owner, 'GET', '/v1/audit?limit=4');
  t.is(page.body.items.length, 4);
  const rest = await api.call(owner, 'GET', `/v1/audit?limit=100&cursor=${page.body.next_cursor}`);
  t.is(page.body.items.length + rest.body.items.length, 10);
});

test("only the project's admins (and service admins) read the trail, and only their project's", async (t) => {
  const p = (await api.call(admin, 'POST', '/v1/projects', { name: `audit2-${tag}` })).body;
  const a = (await api.call(admin, 'POST', '/v1/accounts', { name: `a2-${tag}`, role: 'admin', project_id: p.id })).body;
  const m = (await api.call(admin, 'POST', '/v1/accounts', { name: `m2-${tag}`, role: 'member', project_id: p.id })).body;
  t.is((await api.call(apiKey(m.api_key.key), 'GET', '/v1/audit')).status, 403);
  const own = await api.call(apiKey(a.api_key.key), 'GET', '/v1/audit');
  t.is(own.status, 200);
  t.true(own.body.items.every((e: any) => e.project_id === p.id));
  t.false(own.text.includes(`audit-${tag}`) || own.text.includes(`boss-${tag}`), "no other project's entries");
  const other = await api.call(apiKey(a.api_key.key), 'GET', `/v1/audit?project_id=${(await api.call(admin, 'GET', '/v1/accounts/me')).body.project_id}`);
  t.is(other.status, 404);
  const byServiceAdmin = await api.call(admin, 'GET', `/v1/audit?project_id=${p.id}`);
  t.is(byServiceAdmin.status, 200);
  t.true(byServiceAdmin.body.items.some((e: any) => e.resource_id === m.id));
});
