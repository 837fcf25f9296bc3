/** Built-in accounts, projects and API keys through the API. */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { apiKey, NONE, startApi, type ApiUnderTest, type Caller } from './_helpers/api-under-test.js';

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

async function newProjectWithAdmin(name: string) {
  const p = await api.call(admin, 'POST', '/v1/projects', { name: `${name}-${tag}` });
  const a = await api.call(admin, 'POST', '/v1/accounts', { name: `${name}-admin-${tag}`, role: 'admin', project_id: p.body.id });
  return { projectId: p.body.id as string, account: a.body, caller: apiKey(a.body.api_key.key) };
}

test('the first admin is a service admin of the admin project', async (t) => {
  const me = await api.call(admin, 'GET', '/v1/accounts/me');
  t.like(me.body, { name: 'admin', role: 'admin', project_name: 'admin', service_admin: true, auth_mode: 'builtin' });
  const projects = await api.call(admin, 'GET', '/v1/projects');
  t.true(projects.body.items.some((p: { name: string; admin_project: boolean }) => p.name === 'admin' && p.admin_project));
});

test('projects: created by service admins only, names unique, the admin project undeletable', async (t) => {
  const p = await api.call(admin, 'POST', '/v1/projects', { name: `proj-${tag}` });
  t.is(p.status, 201);
  t.like(p.body, { name: `proj-${tag}`, origin: 'builtin', admin_project: false });
  t.is((await api.call(admin, 'POST', '/v1/projects', { name: `proj-${tag}` })).status, 409);
  const a = await api.call(admin, 'POST', '/v1/accounts', { name: `pa-${tag}`, role: 'admin', project_id: p.body.id });
  const projectAdmin = apiKey(a.body.api_key.key);
  const denied = await api.call(projectAdmin, 'POST', '/v1/projects', { name: `nope-${tag}` });
  t.is(denied.status, 403);
  t.is(denied.body.code, 'forbidden');
  t.deepEqual((await api.call(projectAdmin, 'GET', '/v1/projects')).body.items.map((x: { id: string }) => x.id), [p.body.id], 'a tenant sees only its own project');
  const adminProject = (await api.call(admin, 'GET', '/v1/accounts/me')).body.project_id;
  t.is((await api.call(admin, 'DELETE', `/v1/projects/${adminProject}`)).status, 409);
  t.is((await api.call(admin, 'DELETE', `/v1/projects/${p.body.id}`)).status, 204);
  t.is((await api.call(projectAdmin, 'GET', '/v1/accounts/me')).status, 401, "the deleted project's keys stop working");
});

test('accounts: a project admin manages its project; members and readers may not; names are unique', async (t) => {
  const { caller, projectId } = await newProjectWithAdmin('acc');
  const m = await api.call(caller, 'POST', '/v1/accounts', { name: `member-${tag}`, role: 'member' });
  t.is(m.status, 201);
  t.like(m.body, { name: `member-${tag}`, role: 'member', project_id: projectId });
  t.regex(m.body.api_key.key, /^fsk_[0-9a-f]{16}_/);
  const member = apiKey(m.body.api_key.key);
  t.is((await api.call(member, 'GET', '/v1/accounts/me')).body.role, 'member');
  t.is((await api.call(member, 'POST', '/v1/accounts', { name: `x-${tag}` })).status, 403);
  t.is((await api.call(member, 'GET', '/v1/accounts')).status, 403);
  t.is((await api.call(caller, 'POST', '/v1/accounts', { name: `member-${tag}` })).status, 409);
  const list = await api.call(caller, 'GET', '/v1/accounts');
  t.deepEqual(list.body.items.map((a: { name: string }) => a.name).sort(), [`acc-admin-${tag}`, `member-${tag}`]);
  const noKey = await api.call(caller, 'POST', '/v1/accounts', { name: `nokey-${tag}`, role: 'reader', issue_key: false });
  t.is(noKey.body.api_key, null);
  const self = (await api.call(caller, 'GET', '/v1/accounts/me')).body.id;
  t.is((await api.call(caller, 'DELETE', `/v1/accounts/${self}`)).status, 409, 'not your own account');
  t.is((await api.call(caller, 'DELETE', `/v1/accounts/${m.body.id}`)).status, 204);
  t.is((await api.call(member, 'GET', '/v1/accounts/me')).status, 401, "a deleted account's keys stop working at once");
  t.is((await api.call(caller, 'POST', '/v1/accounts', { name: `bad name ${tag}` })).status, 400);
  t.is((await api.call(caller, 'POST', '/v1/accounts', { name: `r-${tag}`, role: 'owner' })).body.field, 'role');
});

test('keys: shown once, listed without secrets, revocable at once, with expiry', async (t) => {
  const { caller } = await newProjectWithAdmin('keys');
  const before = Date.now();
  const created = await api.call(caller, 'POST', '/v1/keys', { description: 'ci', expires_in_s: 3600 });
  const after = Date.now();
  t.is(created.status, 201);
  t.regex(created.body.key, /^fsk_/);
  t.is(created.body.description, 'ci');
  const expiresAt = Date.parse(created.body.expires_at);
  // an hour after the call was answered (less at most the second that expires_at may drop)
  t.true(expiresAt >= before + 3600_000 - 1000 && expiresAt <= after + 3600_000, created.body.expires_at);
  const key = apiKey(created.body.key);
  t.is((await api.call(key, 'GET', '/v1/functions')).status, 200);

  const list = await api.call(caller, 'GET', '/v1/keys');
  const listed = list.body.items.find((k: { id: string }) => k.id === created.body.id);
  t.like(listed, { status: 'active', description: 'ci' });
  t.false(list.text.includes(created.body.key.split('_').slice(2).join('_')), 'no secret in listings');
  t.false('key' in listed);
  t.like((await api.call(caller, 'GET', `/v1/keys/${created.body.id}`)).body, { id: created.body.id, status: 'active' });

  t.is((await api.call(key, 'DELETE', `/v1/keys/${created.body.id}`)).status, 204, 'a key may revoke itself');
  t.is((await api.call(key, 'GET', '/v1/functions')).status, 401, 'revoked: refused at once');
  t.like((await api.call(caller, 'GET', `/v1/keys/${created.body.id}`)).body, { status: 'revoked' });

  t.is((await api.call(caller, 'POST', '/v1/keys', { expires_at: '2001-01-01T00:00:00Z' })).body.field, 'expires_at');
  t.is((await api.call(caller, 'POST', '/v1/keys', { expires_in_s: 5 })).status, 400);
});

test("keys: members see and revoke only their own; admins create keys for the project's accounts", async (t) => {
  const { caller } = await newProjectWithAdmin('keys2');
  const m1 = (await api.call(caller, 'POST', '/v1/accounts', { name: `m1-${tag}`, role: 'member' })).body;
  const m2 = (await api.call(caller, 'POST', '/v1/accounts', { name: `m2-${tag}`, role: 'member' })).body;
  const one = apiKey(m1.api_key.key);
  t.deepEqual((await api.call(one, 'GET', '/v1/keys')).body.items.map((k: { account_name: string }) => k.account_name), [`m1-${tag}`]);
  t.is((await api.call(one, 'GET', `/v1/keys/${m2.api_key.id}`)).status, 404);
  t.is((await api.call(one, 'DELETE', `/v1/keys/${m2.api_key.id}`)).status, 404);
  t.is((await api.call(one, 'POST', '/v1/keys', { account_id: m2.id })).status, 403);
  const forM2 = await api.call(caller, 'POST', '/v1/keys', { account_id: m2.id, description: 'from the admin' });
  t.is(forM2.status, 201);
  t.like((await api.call(apiKey(forM2.body.key), 'GET', '/v1/accounts/me')).body, { name: `m2-${tag}` });
  const all = await api.call(caller, 'GET', '/v1/keys');
  t.true(all.body.items.length >= 4);
});

test('no credentials: 401 naming what to send', async (t) => {
  const r = await api.call(NONE, 'GET', '/v1/keys');
  t.is(r.status, 401);
  t.regex(r.body.message, /Authorization: Bearer/);
});
