import { statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { DEFAULT_ENDPOINT, discoverCredentials, userCredentialsPath, writeCredentialsFile } from '../../cli/credentials.js';
import { tempDir, writeTree } from './_helpers/tmp.js';

/** A home, a config dir, a working directory and a data directory, each with its own file. */
function world(present: { config?: boolean; cwd?: boolean; dataDir?: boolean }) {
  const base = tempDir();
  const home = join(base, 'home');
  const xdg = join(base, 'xdg');
  const cwd = join(base, 'work');
  const dataDir = join(base, 'data');
  const file = (endpoint: string, key: string) => JSON.stringify({ endpoint, api_key: key, account: 'admin', project: 'admin' });
  writeTree(base, {
    'work/.keep': '',
    ...(present.config ? { 'xdg/fnstack/credentials.json': file('http://config:1', 'key-config') } : {}),
    ...(present.cwd ? { 'work/.fnstack/credentials.json': file('http://cwd:2', 'key-cwd') } : {}),
    ...(present.dataDir ? { 'data/credentials.json': file('http://datadir:3', 'key-datadir') } : {}),
  });
  return { home, cwd, env: { XDG_CONFIG_HOME: xdg, FNSTACK_DATA_DIR: dataDir } as Record<string, string | undefined>, xdg, dataDir };
}

test('flags win over the environment, which wins over files', (t) => {
  const w = world({ config: true, cwd: true, dataDir: true });
  const env = { ...w.env, FNSTACK_ENDPOINT: 'http://env:9', FNSTACK_API_KEY: 'key-env' };
  const fromFlags = discoverCredentials({ flags: { endpoint: 'http://flag:8/', apiKey: 'key-flag' }, env, cwd: w.cwd, homeDir: w.home });
  t.like(fromFlags, { endpoint: 'http://flag:8', apiKey: 'key-flag', endpointSource: '--endpoint', apiKeySource: '--api-key' });
  const fromEnv = discoverCredentials({ env, cwd: w.cwd, homeDir: w.home });
  t.like(fromEnv, { endpoint: 'http://env:9', apiKey: 'key-env', endpointSource: 'FNSTACK_ENDPOINT', apiKeySource: 'FNSTACK_API_KEY' });
});

test('files in order: config dir, then ./.fnstack, then $FNSTACK_DATA_DIR', (t) => {
  let w = world({ config: true, cwd: true, dataDir: true });
  t.like(discoverCredentials({ env: w.env, cwd: w.cwd, homeDir: w.home }), { endpoint: 'http://config:1', apiKey: 'key-config', file: join(w.xdg, 'fnstack/credentials.json') });
  w = world({ cwd: true, dataDir: true });
  t.like(discoverCredentials({ env: w.env, cwd: w.cwd, homeDir: w.home }), { endpoint: 'http://cwd:2', apiKey: 'key-cwd', file: join(w.cwd, '.fnstack/credentials.json') });
  w = world({ dataDir: true });
  t.like(discoverCredentials({ env: w.env, cwd: w.cwd, homeDir: w.home }), { endpoint: 'http://datadir:3', apiKey: 'key-datadir' });
});

test('each value comes from the first source that has it', (t) => {
  const w = world({ cwd: true });
  const c = discoverCredentials({ flags: { endpoint: 'http://other:5' }, env: w.env, cwd: w.cwd, homeDir: w.home });
  t.is(c.endpoint, 'http://other:5');
  t.is(c.apiKey, 'key-cwd');
  t.is(c.apiKeySource, join(w.cwd, '.fnstack/credentials.json'));
});

test('without XDG_CONFIG_HOME the config dir is ~/.config', (t) => {
  const w = world({});
  writeTree(w.home, { '.config/fnstack/credentials.json': JSON.stringify({ endpoint: 'http://home:4', api_key: 'key-home' }) });
  const env = { FNSTACK_DATA_DIR: w.dataDir };
  t.like(discoverCredentials({ env, cwd: w.cwd, homeDir: w.home }), { endpoint: 'http://home:4', apiKey: 'key-home' });
  t.is(userCredentialsPath(env, w.home), join(w.home, '.config/fnstack/credentials.json'));
});

test('nothing anywhere: the default endpoint and no key', (t) => {
  const w = world({});
  t.like(discoverCredentials({ env: w.env, cwd: w.cwd, homeDir: w.home }), { endpoint: DEFAULT_ENDPOINT, apiKey: null, file: null });
});

test('a broken credentials file is a one-line error naming it', (t) => {
  const w = world({});
  writeTree(w.cwd, { '.fnstack/credentials.json': '{not json' });
  t.throws(() => discoverCredentials({ env: w.env, cwd: w.cwd, homeDir: w.home }), { name: 'CliError', message: /credentials file .*\.fnstack\/credentials\.json/ });
});

test('a bad endpoint is a usage error', (t) => {
  const w = world({});
  t.throws(() => discoverCredentials({ flags: { endpoint: 'localhost:7700' }, env: w.env, cwd: w.cwd, homeDir: w.home }), { message: /must be an http:\/\/ or https:\/\/ URL/ });
  t.throws(() => discoverCredentials({ flags: { endpoint: 'not a url' }, env: w.env, cwd: w.cwd, homeDir: w.home }), { message: /is not a URL/ });
});

test('stored credentials are readable by the owner only', (t) => {
  const path = join(tempDir(), 'cfg', 'fnstack', 'credentials.json');
  writeCredentialsFile(path, { endpoint: 'http://x:1', api_key: 'k' });
  t.is(statSync(path).mode & 0o777, 0o600);
  t.is(statSync(join(path, '..')).mode & 0o777, 0o700);
});
