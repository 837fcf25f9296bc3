import test from 'ava';
import { ApiClient } from '../../cli/api-client.js';
import { ApiRequestError, CliError, UnreachableError } from '../../cli/errors.js';
import { closedPort, fakeServer, sendJson } from './_helpers/fake-server.js';

test('an error body becomes an ApiRequestError with code, message and field', async (t) => {
  const server = await fakeServer((_req, res) => sendJson(res, 400, { code: 'invalid_request', message: 'memory_mb must be ≤ 2048', field: 'memory_mb' }));
  t.teardown(() => server.close());
  const err = await t.throwsAsync(new ApiClient({ endpoint: server.url, apiKey: 'k' }).getFunction('x'), { instanceOf: ApiRequestError });
  t.like(err, { status: 400, code: 'invalid_request', field: 'memory_mb', message: 'memory_mb must be ≤ 2048 (field: memory_mb)' });
});

test('a refused key says where it came from and what to do', async (t) => {
  const server = await fakeServer((_req, res) => sendJson(res, 401, { code: 'unauthorized', message: 'the API key is unknown, revoked or expired' }));
  t.teardown(() => server.close());
  const client = new ApiClient({ endpoint: server.url, apiKey: 'bad', apiKeySource: 'FNSTACK_API_KEY' });
  await t.throwsAsync(client.listRuntimes(), { message: 'the API key is unknown, revoked or expired (the API key from FNSTACK_API_KEY was refused; run `fnstack login`)' });
});

test('nothing listening: UnreachableError naming the endpoint', async (t) => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const err = await t.throwsAsync(new ApiClient({ endpoint, apiKey: 'k' }).listRuntimes(), { instanceOf: UnreachableError });
  t.is(err?.message, `cannot reach fnstack at ${endpoint}: is \`fnstack server\` running? (ECONNREFUSED)`);
});

test('no key at all fails before any request', async (t) => {
  const server = await fakeServer((_req, res) => sendJson(res, 200, { items: [] }));
  t.teardown(() => server.close());
  await t.throwsAsync(new ApiClient({ endpoint: server.url, apiKey: null }).listRuntimes(), { instanceOf: CliError, message: /no API key for .*fnstack login/ });
  t.is(server.requests.length, 0);
});

test('lists follow next_cursor and stop at the limit', async (t) => {
  const server = await fakeServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const limit = Number(url.searchParams.get('limit'));
    const items = Array.from({ length: limit }, (_, i) => ({ id: `e${cursor + i}` }));
    sendJson(res, 200, { items, next_cursor: cursor + limit < 120 ? String(cursor + limit) : null });
  });
  t.teardown(() => server.close());
  const client = new ApiClient({ endpoint: server.url, apiKey: 'k' });
  const got = await client.listExecutions({ function: 'hello', status: 'failed', limit: 70 });
  t.is(got.length, 70);
  t.is(got[69]!.id, 'e69');
  const first = new URL(server.requests[0]!.url, 'http://x');
  t.is(first.pathname, '/v1/executions');
  t.is(first.searchParams.get('function'), 'hello');
  t.is(first.searchParams.get('status'), 'failed');
  t.is(server.requests.length, 2);
});

test('names are escaped in paths; a PATCH without code is JSON', async (t) => {
  const server = await fakeServer((_req, res) => sendJson(res, 200, { name: 'a b', version: 2 }));
  t.teardown(() => server.close());
  await new ApiClient({ endpoint: `${server.url}/`, apiKey: 'k' }).updateFunction('a b/c', { memory_mb: 256 });
  const [req] = server.requests;
  t.is(req!.method, 'PATCH');
  t.is(req!.url, '/v1/functions/a%20b%2Fc');
  t.is(req!.headers['content-type'], 'application/json');
  t.deepEqual(JSON.parse(req!.body.toString()), { memory_mb: 256 });
});

test('a non-JSON error answer is still one clear message', async (t) => {
  const server = await fakeServer((_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html>bad gateway</html>');
  });
  t.teardown(() => server.close());
  await t.throwsAsync(new ApiClient({ endpoint: server.url, apiKey: 'k' }).listRuntimes(), { message: 'the service answered HTTP 502 Bad Gateway' });
});
