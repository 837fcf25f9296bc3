/**
 * A scripted stand-in for Keystone + Nova + Glance behind a `fetch` function, for the
 * session's unit tests (token caching, renewal, 401 retry, catalog choice). The contract
 * tests use the real services instead.
 */
export interface FakeOptions {
  /** Token lifetime Keystone grants, ms. Default 1 h. */
  lifetimeMs?: number;
  /** Keystone's clock minus ours, ms (clock skew). Default 0. */
  keystoneSkewMs?: number;
}

export interface FakeOpenStack {
  fetch: (request: Request) => Promise<Response>;
  /** Every request, as `METHOD url`. */
  calls: string[];
  /** Bodies of POST /v3/auth/tokens. */
  authBodies: unknown[];
  /** Tokens Keystone considers valid; delete one to make services answer 401. */
  valid: Set<string>;
  /** Services answer this many requests with 503 / a network error before answering normally. */
  failNext: { status?: number; count: number; network?: boolean };
  /** Services answer 401 to every token. */
  rejectAllTokens: boolean;
}

export const AUTH_URL = 'http://keystone.test:5000/v3';

const catalog = [
  {
    id: 'c1',
    type: 'compute',
    name: 'nova',
    endpoints: [
      { id: 'e1', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: 'http://nova-one.test/v2.1' },
      { id: 'e2', interface: 'internal', region: 'RegionOne', region_id: 'RegionOne', url: 'http://nova-one-internal.test/v2.1/' },
      { id: 'e3', interface: 'public', region: 'RegionTwo', region_id: 'RegionTwo', url: 'http://nova-two.test/v2.1' },
    ],
  },
  {
    id: 'c2',
    type: 'image',
    name: 'glance',
    endpoints: [{ id: 'e4', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: 'http://glance.test:9292/v2/' }],
  },
];

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

export function fakeOpenStack(options: FakeOptions = {}): FakeOpenStack {
  const lifetime = options.lifetimeMs ?? 3_600_000;
  let serial = 0;
  const fake: FakeOpenStack = {
    calls: [],
    authBodies: [],
    valid: new Set(),
    failNext: { count: 0 },
    rejectAllTokens: false,
    fetch: async (request) => {
      fake.calls.push(`${request.method} ${request.url}`);
      const url = new URL(request.url);
      if (url.host === 'keystone.test:5000' && url.pathname === '/v3/auth/tokens' && request.method === 'POST') {
        fake.authBodies.push(await request.json());
        const value = `tok-${++serial}`;
        fake.valid.add(value);
        const issued = Date.now() + (options.keystoneSkewMs ?? 0);
        const token = {
          methods: ['password'],
          audit_ids: ['a'],
          issued_at: new Date(issued).toISOString().replace('Z', '000Z'),
          expires_at: new Date(issued + lifetime).toISOString().replace('Z', '000Z'),
          user: { id: 'u1', name: 'demo', domain: { id: 'default', name: 'Default' } },
          project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } },
          roles: [{ id: 'r1', name: 'member' }],
          catalog,
        };
        return json(201, { token }, { 'x-subject-token': value, 'x-openstack-request-id': `req-auth-${serial}` });
      }
      if (fake.failNext.count > 0) {
        fake.failNext.count--;
        if (fake.failNext.network) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
        return json(fake.failNext.status ?? 503, { computeFault: { code: 503, message: 'try later' } }, { 'x-openstack-request-id': 'req-fault' });
      }
      const token = request.headers.get('x-auth-token');
      if (!token || !fake.valid.has(token) || fake.rejectAllTokens) {
        return json(401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
      }
      if (url.pathname.endsWith('/servers/missing')) {
        return json(404, { itemNotFound: { code: 404, message: 'Instance missing could not be found.' } }, { 'x-openstack-request-id': 'req-404' });
      }
      if (url.pathname.includes('/servers/')) {
        return json(200, { server: { id: url.pathname.split('/').at(-1), echo: request.method, body: request.body ? await request.json() : null } });
      }
      return json(200, { path: url.pathname });
    },
  };
  return fake;
}
