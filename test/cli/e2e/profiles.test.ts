/** End to end: `login --profile`, `profile list|show|use`, --profile / FNSTACK_PROFILE, and precedence against a started server. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import anyTest, { type TestFn } from 'ava';
import YAML from 'yaml';
import { readCredentialsFile } from '../../../cli/credentials.js';
import { writeProfiles } from '../../../cli/profiles.js';
import { assertOneLineError, parseJsonOutput, type CliResult } from '../_helpers/cli-harness.js';
import { closedPort } from '../_helpers/fake-server.js';
import { startTestService, type TestService } from '../_helpers/test-service.js';
import { tempDir } from '../_helpers/tmp.js';

interface Ctx {
  svc: TestService;
  key: string;
  configDir: string;
  /** The CLI with no credentials but the profiles (an empty data dir, a working dir without .fnstack). */
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const svc = await startTestService();
  const configDir = tempDir('fnstack-profiles-');
  const emptyDataDir = tempDir('fnstack-no-data-');
  t.context = {
    svc,
    key: readCredentialsFile(svc.credentialsFile).api_key!,
    configDir,
    cli: (args, env = {}) => svc.cli(args, { env: { FNSTACK_CONFIG_DIR: configDir, FNSTACK_DATA_DIR: emptyDataDir, ...env } }),
  };
  const down = `http://127.0.0.1:${await closedPort()}`;
  const login = await t.context.cli(['login', '--profile', 'local', '--endpoint', svc.url, '--api-key', t.context.key]);
  if (login.code !== 0) throw new Error(login.stderr);
  // A second profile for a service that is not there: whichever is in use shows in the error.
  const yaml = YAML.parse(readFileSync(join(configDir, 'profiles.yaml'), 'utf8')) as { profiles: Record<string, unknown> };
  writeProfiles(join(configDir, 'profiles.yaml'), { profiles: { ...(yaml.profiles as object), away: { endpoint: down, api_key: 'fsk_nothing' } } });
});
test.after.always(async (t) => {
  await t.context.svc?.close();
});

test.serial('login --profile stores the profile 0600 and says how to use it', async (t) => {
  const path = join(t.context.configDir, 'profiles.yaml');
  t.is(statSync(path).mode & 0o777, 0o600);
  const stored = YAML.parse(readFileSync(path, 'utf8')) as { current?: string; profiles: Record<string, { endpoint: string; api_key: string; account: string }> };
  t.is(stored.current, undefined, 'login does not change the current profile');
  t.like(stored.profiles.local, { endpoint: t.context.svc.url, api_key: t.context.key, account: 'admin' });
  const again = await t.context.cli(['login', '--profile', 'second', '--endpoint', t.context.svc.url, '--api-key', t.context.key]);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /credentials saved to profile 'second' in .*profiles\.yaml/);
  t.regex(again.stderr, /use it with --profile second or FNSTACK_PROFILE=second, or by default after `fnstack profile use second`/);
});

test.serial('no profile in use: no credentials', async (t) => {
  assertOneLineError(t, await t.context.cli(['whoami']), /no API key for http:\/\/127\.0\.0\.1:7700/, 1);
});

test.serial('--profile and FNSTACK_PROFILE choose the profile; --profile wins', async (t) => {
  const viaFlag = await t.context.cli(['whoami', '--profile', 'local', '-f', 'value', '-c', 'endpoint']);
  t.is(viaFlag.code, 0, viaFlag.stderr);
  t.is(viaFlag.stdout, `${t.context.svc.url}\n`);
  const viaEnv = await t.context.cli(['whoami', '-f', 'value', '-c', 'name'], { FNSTACK_PROFILE: 'local' });
  t.is(viaEnv.stdout, 'admin\n', viaEnv.stderr);
  const both = await t.context.cli(['whoami', '--profile', 'local', '-f', 'value', '-c', 'name'], { FNSTACK_PROFILE: 'away' });
  t.is(both.stdout, 'admin\n', both.stderr);
  assertOneLineError(t, await t.context.cli(['whoami'], { FNSTACK_PROFILE: 'away' }), /cannot reach fnstack at http:\/\/127\.0\.0\.1:\d+/, 1);
  assertOneLineError(t, await t.context.cli(['whoami', '--profile', 'nope']), /--profile: no profile 'nope' in .*\(profiles: (?=.*local)(?=.*away).*`fnstack login --profile nope` creates it\)/, 2);
});

test.serial('FNSTACK_ENDPOINT and FNSTACK_API_KEY beat the profile; the flags beat them', async (t) => {
  const down = `http://127.0.0.1:${await closedPort()}`;
  const env = { FNSTACK_PROFILE: 'local' };
  assertOneLineError(t, await t.context.cli(['whoami'], { ...env, FNSTACK_ENDPOINT: down }), new RegExp(`cannot reach fnstack at ${down}`), 1);
  const flagWins = await t.context.cli(['whoami', '--endpoint', t.context.svc.url, '-f', 'value', '-c', 'name'], { ...env, FNSTACK_ENDPOINT: down });
  t.is(flagWins.stdout, 'admin\n', flagWins.stderr);
  const badKey = await t.context.cli(['whoami', '--json'], { ...env, FNSTACK_API_KEY: 'fsk_wrong' });
  t.is(badKey.code, 1);
  t.like(JSON.parse(badKey.stderr), { status: 401 });
  const keyFlagWins = await t.context.cli(['whoami', '--api-key', t.context.key, '-f', 'value', '-c', 'name'], { ...env, FNSTACK_API_KEY: 'fsk_wrong' });
  t.is(keyFlagWins.stdout, 'admin\n', keyFlagWins.stderr);
});

test.serial('profile use makes one current; profile list and show never print a key', async (t) => {
  const use = await t.context.cli(['profile', 'use', 'local']);
  t.is(use.code, 0, use.stderr);
  const plain = await t.context.cli(['function', 'list', '-f', 'json']);
  t.deepEqual(parseJsonOutput<unknown[]>(t, plain), []);

  const list = await t.context.cli(['profile', 'list']);
  t.regex(list.stdout, /^\*\s+local\s+http:\/\/127\.0\.0\.1:\d+\s+admin\s+admin\s+api_key$/m);
  t.false(list.stdout.includes(t.context.key));
  const rows = parseJsonOutput<Array<{ name: string; in_use: boolean; has_key: boolean }>>(t, await t.context.cli(['profile', 'list', '-f', 'json']));
  t.like(rows.find((r) => r.name === 'local'), { in_use: true, has_key: true });
  t.false(JSON.stringify(rows).includes(t.context.key));
  const show = await t.context.cli(['profile', 'show']);
  t.regex(show.stdout, /^name:\s+local \(in use\)$/m);
  t.regex(show.stdout, /^key:\s+stored \(not shown\)$/m);
  t.false(show.stdout.includes(t.context.key));
  const endpoint = await t.context.cli(['profile', 'show', 'away', '-f', 'value', '-c', 'endpoint']);
  t.regex(endpoint.stdout, /^http:\/\/127\.0\.0\.1:\d+\n$/);

  assertOneLineError(t, await t.context.cli(['profile', 'use', 'nope']), /no profile 'nope'/, 1);
  const none = await t.context.cli(['profile', 'use', '--none']);
  t.is(none.code, 0, none.stderr);
  assertOneLineError(t, await t.context.cli(['whoami']), /no API key/, 1);
});
