/** Pure parts of service/auth: Keystone role mapping, the TTL cache, the built-in authenticator's cache. */
import test from 'ava';
import { fnstackRoleOf } from '../../service/auth/keystone-roles.js';
import { TtlCache } from '../../service/auth/ttl-cache.js';
import { BuiltinAuthenticator } from '../../service/auth/builtin-authenticator.js';
import type { AccountStore, Principal } from '../../service/store/account-store.js';

test('Keystone roles: the strongest of admin, member/_member_, reader; none → null', (t) => {
  t.is(fnstackRoleOf(['reader', 'member', 'admin']), 'admin');
  t.is(fnstackRoleOf(['reader', 'member']), 'member');
  t.is(fnstackRoleOf(['_member_']), 'member');
  t.is(fnstackRoleOf(['Reader']), 'reader');
  t.is(fnstackRoleOf(['service', 'load-balancer_member']), null);
  t.is(fnstackRoleOf([]), null);
});

test('TtlCache: entries end at their time, the oldest go first when full', (t) => {
  let now = 1000;
  const c = new TtlCache<string>(2, () => now);
  c.set('a', 'A', 2000);
  c.set('b', 'B', 3000);
  t.is(c.get('a'), 'A');
  now = 2000;
  t.is(c.get('a'), undefined, 'ends exactly at its time');
  c.set('c', 'C', 5000);
  c.set('d', 'D', 5000);
  t.is(c.get('b'), undefined, 'evicted: the cache holds at most 2');
  t.is(c.get('d'), 'D');
  c.set('e', 'E', 1500);
  t.is(c.get('e'), undefined, 'nothing is kept for a time already past');
  c.deleteWhere((v) => v === 'D');
  t.is(c.get('d'), undefined);
});

test('built-in: a verified key is cached briefly, forgotten on revoke, refused after the cache and at expiry', async (t) => {
  let now = 0;
  let answer: Principal | null = { projectId: 'p', projectName: 'p', accountId: 'a', accountName: 'a', role: 'member', serviceAdmin: false, method: 'api_key', keyId: 'k1' };
  let calls = 0;
  const accounts = { authenticate: async () => (calls++, answer) } as unknown as AccountStore;
  const auth = new BuiltinAuthenticator(accounts, { cacheMs: 1000, negativeCacheMs: 100, now: () => now });
  t.truthy(await auth.authenticate('fsk_x'));
  t.truthy(await auth.authenticate('fsk_x'));
  t.is(calls, 1);
  answer = null; // revoked in the store by another process
  now = 999;
  t.truthy(await auth.authenticate('fsk_x'), 'still cached');
  now = 1000;
  t.is(await auth.authenticate('fsk_x'), null, 'the cache entry ended');
  t.is(calls, 2);
  answer = { projectId: 'p', projectName: 'p', accountId: 'a', accountName: 'a', role: 'member', serviceAdmin: false, method: 'api_key', keyId: 'k2' };
  now = 2000;
  t.truthy(await auth.authenticate('fsk_y'));
  auth.forget((p) => p.keyId === 'k2');
  answer = null;
  t.is(await auth.authenticate('fsk_y'), null, 'forgotten at once when revoked here');
});
