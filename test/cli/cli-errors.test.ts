/**
 * The compiled CLI as a child process, on errors that need no running service: bad flags,
 * bad paths, nothing listening, no credentials, and an unexpected error (a malformed answer).
 */
import test from 'ava';
import { assertOneLineError, cliSandbox, runCli } from './_helpers/cli-harness.js';
import { closedPort, fakeServer, sendJson } from './_helpers/fake-server.js';
import { helloFile } from './_helpers/fixtures.js';

const sandbox = cliSandbox({ FNSTACK_API_KEY: 'fsk_test' });
const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { cwd: sandbox.cwd, env: { ...sandbox.env, ...env } });
const createArgs = (...extra: string[]) => ['function', 'create', 'f', '--runtime', 'nodejs20', ...extra];

test('missing --handler', async (t) => {
  assertOneLineError(t, await cli(createArgs('--code', helloFile())), /^error: missing --handler FILE\.EXPORT/, 2);
});

test('missing name', async (t) => {
  assertOneLineError(t, await cli(['function', 'create', '--runtime', 'nodejs20']), /Not enough positional arguments.*fnstack function create --help/, 2);
});

test('bad --memory', async (t) => {
  assertOneLineError(t, await cli(createArgs('--handler', 'hello.handler', '--code', helloFile(), '--memory', 'lots')), /--memory must be a whole number from 1 to \d+ \(MiB\), not 'lots'/, 2);
});

test('bad --env', async (t) => {
  assertOneLineError(t, await cli(createArgs('--handler', 'hello.handler', '--code', helloFile(), '--env', 'JUSTAKEY')), /--env 'JUSTAKEY' must look like KEY=VALUE/, 2);
});

test('nonexistent code path', async (t) => {
  assertOneLineError(t, await cli(createArgs('--handler', 'hello.handler', '--code', '/no/such/file.js')), /--code: \/no\/such\/file\.js does not exist/, 1);
});

test('code of an unknown kind', async (t) => {
  assertOneLineError(t, await cli(createArgs('--handler', 'hello.handler', '--code', '/etc/hostname')), /must be a \.js, \.mjs or \.cjs file, a \.zip or \.tar\.gz archive, or a directory/, 1);
});

test('bad --data', async (t) => {
  assertOneLineError(t, await cli(['function', 'invoke', 'f', '--data', '{oops']), /--data is not valid JSON/, 2);
  assertOneLineError(t, await cli(['function', 'invoke', 'f', '--data', '@/no/event.json']), /--data: \/no\/event\.json does not exist/, 1);
});

test('unknown option and unknown command', async (t) => {
  assertOneLineError(t, await cli(['function', 'list', '--colour']), /Unsupported option name .*fnstack function list --help/, 2);
  assertOneLineError(t, await cli(['functions', 'list']), /see `fnstack --help`/, 2);
});

test('server: bad --role and --port are refused before starting', async (t) => {
  assertOneLineError(t, await cli(['server', '--role', 'boss']), /--role must be one of api, worker, all/, 2);
  assertOneLineError(t, await cli(['server', '--port', '70000']), /--port must be a whole number from 0 to 65535/, 2);
});

test('nothing listening at the endpoint', async (t) => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  assertOneLineError(t, await cli(['function', 'list', '--endpoint', endpoint]), new RegExp(`^error: cannot reach fnstack at ${endpoint}: is \`fnstack server\` running\\?`), 1);
  assertOneLineError(t, await cli(['runtime', 'list'], { FNSTACK_ENDPOINT: endpoint }), /cannot reach fnstack at/, 1);
});

test('no API key anywhere', async (t) => {
  const bare = cliSandbox();
  const r = await runCli(['function', 'list'], { cwd: bare.cwd, env: bare.env });
  assertOneLineError(t, r, /no API key for http:\/\/127\.0\.0\.1:7700: run `fnstack login`/, 1);
});

test('an unexpected error is one line, with the stack only under FNSTACK_DEBUG=1', async (t) => {
  // A list answer without `items` is something the CLI cannot expect: a bug somewhere.
  const server = await fakeServer((_req, res) => sendJson(res, 200, { surprise: true }));
  t.teardown(() => server.close());
  const quiet = await cli(['function', 'list', '--endpoint', server.url]);
  assertOneLineError(t, quiet, /^error: unexpected: .* \(set FNSTACK_DEBUG=1 to see the stack\)$/, 1);
  const loud = await cli(['function', 'list', '--endpoint', server.url], { FNSTACK_DEBUG: '1' });
  t.is(loud.code, 1);
  t.regex(loud.stderr, /^error: unexpected: TypeError: .*\n\s+at .*api-client\.js/);
});

test('help everywhere: the root, a group path and a command, with examples', async (t) => {
  const root = await cli([]);
  t.is(root.code, 0);
  for (const cmd of ['fnstack server', 'fnstack login', 'fnstack function create', 'fnstack function invoke', 'fnstack execution logs', 'fnstack runtime list']) {
    t.true(root.stdout.includes(cmd), `${cmd} missing from the help`);
  }
  const create = await cli(['function', 'create', '--help']);
  t.is(create.code, 0);
  t.regex(create.stdout, /Examples/);
  t.regex(create.stdout, /\$ fnstack function create hello --runtime nodejs20 --handler index\.handler --code \.\/index\.js/);
});
