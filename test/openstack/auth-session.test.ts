/**
 * The session's own behaviour against a scripted fake: authentication bodies, token cache
 * and renewal, catalog choice, the one retry after a 401, and typed errors.
 */
import test from 'ava';
import { ConfigError } from '../../service/errors.js';
import { EndpointNotFoundError, OpenStackError, OpenStackSession, type Credentials, type SessionOptions } from '../../service/openstack/index.js';
import { AUTH_URL, fakeOpenStack, type FakeOpenStack } from './_helpers/fake-openstack.js';

const password: Credentials = { type: 'password', username: 'demo', password: 'secret', projectName: 'demo' };

function sessionOn(fake: FakeOpenStack, options: Partial<SessionOptions> = {}) {
  return new OpenStackSession({ authUrl: AUTH_URL, credentials: password, region: 'RegionOne', fetch: fake.fetch, ...options });
}

function rawCompute(session: OpenStackSession) {
  // Paths the fake answers; the typed clients are exercised by the contract tests.
  return session.client<Record<string, never>>('compute') as unknown as {
    GET(path: string, init?: unknown): Promise<{ data?: unknown; error?: unknown; response: Response }>;
    POST(path: string, init?: unknown): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  };
}

test('password authentication sends the user and project scope, default domains', async (t) => {
  const fake = fakeOpenStack();
  const token = await sessionOn(fake).token();
  t.is(token.value, 'tok-1');
  t.deepEqual(fake.authBodies[0], {
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: 'secret' } } },
      scope: { project: { name: 'demo', domain: { id: 'default' } } },
    },
  });
  t.is(token.project?.id, 'p1');
  t.deepEqual(token.roles, ['member']);
  t.true(token.expiresAt.getTime() > Date.now() + 3_500_000);
});

test('application credentials take no scope', async (t) => {
  const fake = fakeOpenStack();
  await sessionOn(fake, { credentials: { type: 'application_credential', id: 'ac1', secret: 's' } }).token();
  t.deepEqual(fake.authBodies[0], { auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac1', secret: 's' } } } });
});

test('bad options are ConfigErrors naming the key', (t) => {
  const fake = fakeOpenStack();
  t.is(t.throws(() => sessionOn(fake, { authUrl: 'nope' }), { instanceOf: ConfigError })?.key, 'openstack.auth_url');
  t.is(
    t.throws(() => sessionOn(fake, { credentials: { type: 'password', username: 'u', password: 'p' } }), { instanceOf: ConfigError })?.key,
    'openstack.credentials.project_name',
  );
});

test('the token is cached and concurrent callers share one authentication', async (t) => {
  const fake = fakeOpenStack();
  const session = sessionOn(fake);
  const tokens = await Promise.all([session.token(), session.token(), session.token()]);
  await session.token();
  t.is(fake.authBodies.length, 1);
  t.true(tokens.every((x) => x.value === 'tok-1'));
});

test('the token is renewed before it expires, whatever Keystone’s clock says', async (t) => {
  // A 2 s token from a Keystone whose clock is an hour ahead: renewed after ~1 s (half its life).
  const fake = fakeOpenStack({ lifetimeMs: 2000, keystoneSkewMs: 3_600_000 });
  const session = sessionOn(fake);
  t.is((await session.token()).value, 'tok-1');
  t.is((await session.token()).value, 'tok-1');
  await new Promise((r) => setTimeout(r, 1100));
  t.is((await session.token()).value, 'tok-2');
});

test('requests go to the catalog endpoint of the configured interface and region, with the token', async (t) => {
  const fake = fakeOpenStack();
  const { response } = await rawCompute(sessionOn(fake)).GET('/servers/abc');
  t.is(response.status, 200);
  t.is(fake.calls.at(-1), 'GET http://nova-one.test/v2.1/servers/abc');

  await rawCompute(sessionOn(fake, { interface: 'internal' })).GET('/servers/abc');
  t.is(fake.calls.at(-1), 'GET http://nova-one-internal.test/v2.1/servers/abc');

  await rawCompute(sessionOn(fake, { region: 'RegionTwo' })).GET('/servers/abc');
  t.is(fake.calls.at(-1), 'GET http://nova-two.test/v2.1/servers/abc');

  const session = sessionOn(fake);
  t.is(await session.endpoint('image'), 'http://glance.test:9292', 'a versioned Glance URL loses its /v2');
  t.is(await session.endpoint('identity'), 'http://keystone.test:5000', 'identity is the auth URL');
  t.is(await sessionOn(fake, { endpointOverride: { compute: 'http://proxy.test/nova/' } }).endpoint('compute'), 'http://proxy.test/nova');
});

test('no endpoint for the region → EndpointNotFoundError', async (t) => {
  const fake = fakeOpenStack();
  const error = await t.throwsAsync(rawCompute(sessionOn(fake, { region: 'Nowhere' })).GET('/servers/abc'), { instanceOf: EndpointNotFoundError });
  t.is(error?.service, 'compute');
});

test('a 401 renews the token and resends the request (body included) once', async (t) => {
  const fake = fakeOpenStack();
  const session = sessionOn(fake);
  await session.token();
  fake.valid.clear(); // Keystone revoked tok-1
  const { data, response } = await rawCompute(session).POST('/servers/abc/action', { body: { 'os-getConsoleOutput': {} } });
  t.is(response.status, 200);
  t.deepEqual(data, { server: { id: 'action', echo: 'POST', body: { 'os-getConsoleOutput': {} } } });
  t.is(fake.authBodies.length, 2);
  t.is((await session.token()).value, 'tok-2');
});

test('a second 401 is returned to the caller', async (t) => {
  const fake = fakeOpenStack();
  fake.rejectAllTokens = true;
  const { response } = await rawCompute(sessionOn(fake)).GET('/servers/abc');
  t.is(response.status, 401);
  t.is(fake.authBodies.length, 2, 'authenticated, then once more after the 401');
});

test('Keystone refusing the credentials is an OpenStackError from identity', async (t) => {
  const fake = fakeOpenStack();
  const original = fake.fetch;
  const refused = (r: Request) =>
    new URL(r.url).pathname === '/v3/auth/tokens'
      ? Promise.resolve(
          new Response('{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}', {
            status: 401,
            headers: { 'content-type': 'application/json', 'x-openstack-request-id': 'req-x' },
          }),
        )
      : original(r);
  const error = await t.throwsAsync(sessionOn(fake, { fetch: refused }).token(), { instanceOf: OpenStackError });
  t.is(error?.service, 'identity');
  t.is(error?.status, 401);
  t.is(error?.fault, 'Unauthorized');
  t.is(error?.requestId, 'req-x');
  t.regex(error?.message ?? '', /requires authentication/);
});

test('no response at all is an OpenStackError with status 0, retryable', async (t) => {
  const fake = fakeOpenStack();
  const session = sessionOn(fake);
  await session.token();
  fake.failNext = { count: 1, network: true };
  const error = await t.throwsAsync(rawCompute(session).GET('/servers/abc'), { instanceOf: OpenStackError });
  t.is(error?.status, 0);
  t.is(error?.service, 'compute');
  t.true(error?.retryable);
  t.regex(error?.message ?? '', /ECONNREFUSED/);
});

test('a request that outlives requestTimeoutMs fails with status 0', async (t) => {
  const fake = fakeOpenStack();
  const slow = (r: Request) =>
    new URL(r.url).host === 'keystone.test:5000'
      ? fake.fetch(r)
      : new Promise<Response>((_, reject) => {
          // AbortSignal.timeout's timer is unref'd; a real socket would keep the process alive.
          const alive = setTimeout(() => {}, 5000);
          r.signal.addEventListener('abort', () => {
            clearTimeout(alive);
            reject(r.signal.reason as Error);
          });
        });
  const error = await t.throwsAsync(rawCompute(sessionOn(fake, { fetch: slow, requestTimeoutMs: 100 })).GET('/servers/abc'), { instanceOf: OpenStackError });
  t.is(error?.status, 0);
  t.regex(error?.message ?? '', /timed out/);
});
