/**
 * End to end through the compiled CLI: `fnstack account …`, `fnstack key …`, and `fnstack
 * login` with an API key (built-in service) and with Keystone (a service in keystone mode
 * against the real Keystone of test/cloud).
 */
import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cliSandbox, runCli, type CliResult } from '../cli/_helpers/cli-harness.js';
import { keystoneEnv, startApi, type ApiUnderTest } from './_helpers/api-under-test.js';
import { withKeystone } from './_helpers/keystone.js';
import { reachable } from '../_helpers/requirements.js';

const tag = randomBytes(3).toString('hex');
const ok = (t: import('ava').ExecutionContext, r: CliResult) => t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);

test('account create|list|delete and key create|list|revoke, then login with the new key', async (t) => {
  const api = await startApi();
  t.teardown(() => api.close());
  const admin = cliSandbox({ FNSTACK_ENDPOINT: api.url, FNSTACK_API_KEY: api.adminKey! });
  const cli = (args: string[], sandbox = admin) => runCli(args, { cwd: sandbox.cwd, env: sandbox.env });

  const created = await cli(['account', 'create', `carol-${tag}`, '--role', 'admin', '--project', `team-${tag}`, '--create-project']);
  ok(t, created);
  t.regex(created.stdout, new RegExp(`created account carol-${tag} \\(admin\\) in project team-${tag}`));
  const key = /API key \(shown only now; store it safely\): (fsk_\S+)/.exec(created.stdout)?.[1];
  t.truthy(key);

  const listed = await cli(['account', 'list', '--project', `team-${tag}`, '--json']);
  ok(t, listed);
  t.deepEqual(JSON.parse(listed.stdout).map((a: { name: string }) => a.name), [`carol-${tag}`]);

  // carol logs in with her key: it is stored 0600 and used from then on.
  const carol = cliSandbox();
  const login = await runCli(['login', '--endpoint', api.url, '--api-key', key!], { cwd: carol.cwd, env: carol.env });
  ok(t, login);
  t.regex(login.stderr, new RegExp(`as carol-${tag} \\(admin\\) in project team-${tag}`));
  const stored = join(carol.configHome, 'fnstack', 'credentials.json');
  t.is(statSync(stored).mode & 0o777, 0o600);
  t.like(JSON.parse(readFileSync(stored, 'utf8')), { endpoint: api.url, api_key: key, auth: 'api_key', account: `carol-${tag}`, project: `team-${tag}` });

  const member = await cli(['account', 'create', `dave-${tag}`, '--json'], carol);
  ok(t, member);
  t.like(JSON.parse(member.stdout), { name: `dave-${tag}`, role: 'member', project_name: `team-${tag}` });

  const k = await cli(['key', 'create', '--account', `dave-${tag}`, '--description', 'ci', '--expires-in', '30d', '--json'], carol);
  ok(t, k);
  const issued = JSON.parse(k.stdout) as { id: string; key: string; expires_at: string };
  t.true(Date.parse(issued.expires_at) > Date.now() + 29 * 86400_000);
  const keys = await cli(['key', 'list', '--account', `dave-${tag}`], carol);
  ok(t, keys);
  t.regex(keys.stdout, new RegExp(`${issued.id}\\s+dave-${tag}\\s+active\\s+ci`));
  t.false(keys.stdout.includes(issued.key));

  const daveCli = cliSandbox({ FNSTACK_ENDPOINT: api.url, FNSTACK_API_KEY: issued.key });
  ok(t, await cli(['function', 'list'], daveCli));
  const refused = await cli(['key', 'revoke', issued.id], carol);
  t.is(refused.code, 2, 'no --yes off a terminal');
  ok(t, await cli(['key', 'revoke', issued.id, '--yes'], carol));
  const after = await cli(['function', 'list'], daveCli);
  t.is(after.code, 1);
  t.regex(after.stderr, /revoked/);

  const denied = await cli(['account', 'create', `eve-${tag}`], cliSandbox({ FNSTACK_ENDPOINT: api.url, FNSTACK_API_KEY: JSON.parse(member.stdout).api_key.key }));
  t.is(denied.code, 1);
  t.regex(denied.stderr, /only an admin/);
  ok(t, await cli(['account', 'delete', `dave-${tag}`, '--yes'], carol));
  const gone = await cli(['account', 'list', '--json'], carol);
  t.deepEqual(JSON.parse(gone.stdout).map((a: { name: string }) => a.name), [`carol-${tag}`]);
});

withKeystone((cloud) => {
  test('login with a Keystone password: the token is stored 0600 and used; the password is not', async (t) => {
    const api: ApiUnderTest = await startApi(keystoneEnv(cloud));
    t.teardown(() => api.close());
    const s = cliSandbox({
      OS_AUTH_URL: cloud.auth_url,
      OS_USERNAME: cloud.demo.username,
      OS_PASSWORD: cloud.demo.password,
      OS_PROJECT_NAME: cloud.demo.project_name,
      OS_USER_DOMAIN_NAME: cloud.demo.user_domain_name,
      OS_PROJECT_DOMAIN_NAME: cloud.demo.project_domain_name,
    });
    const login = await runCli(['login', '--endpoint', api.url], { cwd: s.cwd, env: s.env });
    ok(t, login);
    t.regex(login.stdout, /logged in to .* with Keystone/);
    t.regex(login.stderr, /as demo \(member\) in project demo/);
    const path = join(s.configHome, 'fnstack', 'credentials.json');
    t.is(statSync(path).mode & 0o777, 0o600);
    const text = readFileSync(path, 'utf8');
    t.false(text.includes(cloud.demo.password), 'the password is never stored');
    t.like(JSON.parse(text), { endpoint: api.url, auth: 'keystone', account: 'demo', project: 'demo', os_auth_url: cloud.auth_url });

    const later = cliSandbox();
    const list = await runCli(['function', 'list', '--json'], { cwd: s.cwd, env: { ...later.env, XDG_CONFIG_HOME: s.configHome } });
    ok(t, list);
    t.deepEqual(JSON.parse(list.stdout), []);
  });

  test('login with Keystone and no --endpoint takes the `function` endpoint from the catalog', async (t) => {
    const s = cliSandbox({ OS_AUTH_URL: cloud.auth_url, OS_USERNAME: cloud.demo.username, OS_PASSWORD: cloud.demo.password, OS_PROJECT_NAME: cloud.demo.project_name });
    const r = await runCli(['login'], { cwd: s.cwd, env: s.env });
    if (await reachable('127.0.0.1', 7700)) {
      t.log('something listens on 127.0.0.1:7700: only checking that the CLI went there');
      t.not(r.stderr.includes('catalog has no'), true);
      return;
    }
    t.is(r.code, 1);
    t.regex(r.stderr, new RegExp(`cannot reach fnstack at ${cloud.endpoints.function}`));
  });

  test('login with a wrong Keystone password fails with one line', async (t) => {
    const s = cliSandbox({ OS_AUTH_URL: cloud.auth_url, OS_USERNAME: cloud.demo.username, OS_PASSWORD: 'wrong', OS_PROJECT_NAME: cloud.demo.project_name });
    const r = await runCli(['login', '--endpoint', 'http://127.0.0.1:9'], { cwd: s.cwd, env: s.env });
    t.is(r.code, 1);
    t.regex(r.stderr, /^error: Keystone refused the login \(401\)/);
  });
});
