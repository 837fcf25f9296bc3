/**
 * The Keystone authenticator against the real Keystone of test/cloud: validation with the
 * service's own token, the cache (a revoked token works until its entry ends, then not),
 * expiry, the negative cache, role mapping and project mirroring.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityClient, OpenStackSession } from '../../service/openstack/index.js';
import { KeystoneAuthenticator, type TokenValidator } from '../../service/auth/keystone-authenticator.js';
import { Store } from '../../service/store/store.js';
import { ApiError } from '../../service/errors.js';
import { passwordCredentials } from '../openstack/_helpers/cloud.js';
import { revokeToken, tokenFor, withKeystone } from './_helpers/keystone.js';

withKeystone((cloud) => {
  let store: Store;
  let dir: string;
  let identity: IdentityClient;

  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fnstack-ks-auth-'));
    store = await Store.open(`sqlite:${join(dir, 'db.sqlite')}`);
    identity = new IdentityClient(new OpenStackSession({ authUrl: cloud.auth_url, credentials: passwordCredentials(cloud.fnstack_service), region: cloud.region }));
  });
  test.after.always(async () => {
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a member token maps to its project and the member role; the project is mirrored', async (t) => {
    const auth = new KeystoneAuthenticator(identity, store.accounts);
    const p = await auth.authenticate(await tokenFor(cloud, cloud.demo));
    t.like(p, { projectId: cloud.project_ids.demo, projectName: 'demo', accountId: cloud.user_ids.demo, accountName: 'demo', role: 'member', serviceAdmin: false, method: 'keystone', keyId: null });
    t.like(await store.accounts.projectById(cloud.project_ids.demo), { name: 'demo', origin: 'keystone' });
  });

  test('reader and admin tokens map to reader and admin (a service admin)', async (t) => {
    const auth = new KeystoneAuthenticator(identity, store.accounts);
    t.like(await auth.authenticate(await tokenFor(cloud, cloud.demo_reader)), { role: 'reader', serviceAdmin: false, projectId: cloud.project_ids.demo });
    t.like(await auth.authenticate(await tokenFor(cloud, cloud.admin)), { role: 'admin', serviceAdmin: true, projectId: cloud.project_ids.admin });
  });

  test('validations are cached; a revoked token keeps working only until its cache entry ends', async (t) => {
    let now = Date.now(); // the authenticator's clock, moved by hand: however slow this machine is
    const auth = new KeystoneAuthenticator(identity, store.accounts, { cacheMs: 1500, now: () => now });
    const token = await tokenFor(cloud, cloud.demo2);
    t.truthy(await auth.authenticate(token));
    t.truthy(await auth.authenticate(token));
    t.is(auth.validations, 1, 'the second request was answered from the cache');
    await revokeToken(cloud, token);
    t.truthy(await auth.authenticate(token), 'still cached');
    t.is(auth.validations, 1);
    now += 1600;
    t.is(await auth.authenticate(token), null, 'after the cache entry ended Keystone says no');
    t.is(auth.validations, 2);
  });

  test('a cached token stops working when it expires, even while Keystone would still accept it', async (t) => {
    let now = Date.now();
    const auth = new KeystoneAuthenticator(identity, store.accounts, { cacheMs: 24 * 3600_000, now: () => now });
    const token = await tokenFor(cloud, cloud.demo);
    t.truthy(await auth.authenticate(token));
    const info = await identity.validateUserToken(token);
    now = info!.expiresAt.getTime() + 1;
    t.is(await auth.authenticate(token), null);
    t.is(auth.validations, 2, 'the entry ended at the expiry, so Keystone was asked again and the expiry refused it');
  });

  test('an unknown token is refused, and refused again from the negative cache', async (t) => {
    const auth = new KeystoneAuthenticator(identity, store.accounts, { negativeCacheMs: 60_000 });
    t.is(await auth.authenticate('gAAAAABnot-a-real-token'), null);
    t.is(await auth.authenticate('gAAAAABnot-a-real-token'), null);
    t.is(auth.validations, 1);
  });

  test('Keystone unreachable: 503 not_ready, nothing cached', async (t) => {
    let calls = 0;
    const down: TokenValidator = {
      validateUserToken: async () => {
        calls++;
        throw new Error('connect ECONNREFUSED 127.0.0.1:5000');
      },
    };
    const auth = new KeystoneAuthenticator(down, store.accounts);
    const err = await t.throwsAsync(auth.authenticate('some-token'), { instanceOf: ApiError });
    t.is(err?.code, 'not_ready');
    t.is(err?.status, 503);
    await t.throwsAsync(auth.authenticate('some-token'));
    t.is(calls, 2);
  });

  test('a token with no fnstack role is 403; an unscoped one 401', async (t) => {
    const base = { user: { id: 'u', name: 'u', domainId: 'default', domainName: 'Default' }, issuedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000), methods: ['password'], applicationCredentialId: undefined };
    const project = { id: 'p-no-role', name: 'p', domainId: 'default', domainName: 'Default' };
    const noRole = new KeystoneAuthenticator({ validateUserToken: async () => ({ ...base, project, roles: ['service'] }) }, store.accounts);
    t.like(await t.throwsAsync(noRole.authenticate('t'), { instanceOf: ApiError }), { code: 'forbidden' });
    const unscoped = new KeystoneAuthenticator({ validateUserToken: async () => ({ ...base, project: null, roles: [] }) }, store.accounts);
    t.like(await t.throwsAsync(unscoped.authenticate('t'), { instanceOf: ApiError }), { code: 'unauthorized' });
  });
});
