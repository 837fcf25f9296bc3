/** Profiles in discovery: which one is in use, and each value's precedence (flags > env > profile > files > default). */
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { DEFAULT_ENDPOINT, discoverCredentials, userCredentialsPath } from '../../cli/credentials.js';
import { CliError } from '../../cli/errors.js';
import { profilesPath, readProfiles, writeProfiles } from '../../cli/profiles.js';
import { tempDir, writeTree } from './_helpers/tmp.js';

/** A config dir with profiles a and b (current: a), and a credentials file in the working directory. */
function world(current: string | null = 'a') {
  const base = tempDir();
  const home = join(base, 'home');
  const cwd = join(base, 'work');
  const env: Record<string, string | undefined> = { FNSTACK_CONFIG_DIR: join(base, 'config') };
  writeTree(base, { 'work/.fnstack/credentials.json': JSON.stringify({ endpoint: 'http://cwd:2', api_key: 'key-cwd' }) });
  writeProfiles(profilesPath(env, home), {
    ...(current ? { current } : {}),
    profiles: { a: { endpoint: 'http://a:1', api_key: 'key-a' }, b: { endpoint: 'http://b:1', api_key: 'key-b' } },
  });
  const discover = (extra: { env?: Record<string, string>; flags?: { endpoint?: string; apiKey?: string; profile?: string } } = {}) =>
    discoverCredentials({ flags: extra.flags ?? {}, env: { ...env, ...extra.env }, cwd, homeDir: home });
  return { home, cwd, env, discover };
}

test('the current profile is used, and then no credentials file is', (t) => {
  const w = world();
  t.like(w.discover(), { endpoint: 'http://a:1', apiKey: 'key-a', profile: 'a' });
  t.regex(w.discover().apiKeySource!, /^profile 'a' \(/);
});

test('--profile beats FNSTACK_PROFILE, which beats the current one', (t) => {
  const w = world();
  t.like(w.discover({ env: { FNSTACK_PROFILE: 'b' } }), { endpoint: 'http://b:1', profile: 'b' });
  t.like(w.discover({ env: { FNSTACK_PROFILE: 'b' }, flags: { profile: 'a' } }), { endpoint: 'http://a:1', profile: 'a' });
});

test('flags and FNSTACK_ENDPOINT / FNSTACK_API_KEY beat the profile, value by value', (t) => {
  const w = world();
  t.like(w.discover({ env: { FNSTACK_ENDPOINT: 'http://env:9' } }), { endpoint: 'http://env:9', endpointSource: 'FNSTACK_ENDPOINT', apiKey: 'key-a' });
  t.like(w.discover({ env: { FNSTACK_API_KEY: 'key-env' } }), { endpoint: 'http://a:1', apiKey: 'key-env', apiKeySource: 'FNSTACK_API_KEY' });
  t.like(w.discover({ env: { FNSTACK_ENDPOINT: 'http://env:9', FNSTACK_API_KEY: 'key-env' }, flags: { endpoint: 'http://flag:8', profile: 'b' } }), {
    endpoint: 'http://flag:8',
    apiKey: 'key-env',
  });
});

test('without a profile in use, the credentials files and then the default apply as before', (t) => {
  const w = world(null);
  t.like(w.discover(), { endpoint: 'http://cwd:2', apiKey: 'key-cwd', profile: null });
  const bare = tempDir();
  t.like(discoverCredentials({ env: { FNSTACK_CONFIG_DIR: join(bare, 'config') }, cwd: bare, homeDir: bare }), { endpoint: DEFAULT_ENDPOINT, apiKey: null, profile: null });
});

test('a named profile that does not exist is an error naming where the name came from', (t) => {
  const w = world();
  t.throws(() => w.discover({ flags: { profile: 'c' } }), { instanceOf: CliError, message: /^--profile: no profile 'c' in .*profiles\.yaml \(profiles: a, b; `fnstack login --profile c` creates it\)$/ });
  t.throws(() => w.discover({ env: { FNSTACK_PROFILE: 'c' } }), { message: /^FNSTACK_PROFILE: no profile 'c'/ });
  t.throws(() => w.discover({ flags: { profile: '../x' } }), { message: /'..\/x' is not a profile name/ });
});

test('profiles.yaml is written 0600 and refused when others can read it', (t) => {
  const w = world();
  const path = profilesPath(w.env, w.home);
  t.is(statSync(path).mode & 0o777, 0o600);
  chmodSync(path, 0o644);
  t.throws(() => w.discover(), { message: /is readable by others \(mode 644\): run chmod 600/ });
});

test('a malformed profile names the field', (t) => {
  const w = world();
  const path = profilesPath(w.env, w.home);
  writeTree(join(path, '..'), { 'profiles.yaml': 'profiles:\n  a:\n    endpoint: 7\n' });
  chmodSync(path, 0o600);
  t.throws(() => readProfiles(path), { message: /profiles\.a\.endpoint must be a string/ });
  writeTree(join(path, '..'), { 'profiles.yaml': 'profiles:\n  a:\n    endpiont: http://x\n' });
  t.throws(() => readProfiles(path), { message: /profiles\.a\.endpiont is not a profile field/ });
});

test('FNSTACK_CONFIG_DIR holds the login credentials file too', (t) => {
  const w = world();
  t.is(userCredentialsPath(w.env, w.home), join(w.env.FNSTACK_CONFIG_DIR!, 'credentials.json'));
});
