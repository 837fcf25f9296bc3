/**
 * Keystone contract: tokens by password and by application credential, token validation
 * by the service user, the catalog. Every response is checked against openapi/keystone-v3.yaml.
 */
import test from 'ava';
import { IdentityClient, ImageClient, OpenStackError } from '../../service/openstack/index.js';
import { withCloud } from './_helpers/cloud.js';

withCloud(({ cloud, validator, session }) => {
  test('password: a project-scoped token, its expiry parsed', async (t) => {
    const before = Date.now();
    const token = await session(cloud.demo).token();
    t.true(token.value.length > 20);
    t.deepEqual(token.methods, ['password']);
    t.is(token.project?.id, cloud.project_ids.demo);
    t.is(token.project?.name, 'demo');
    t.is(token.user.name, 'demo');
    t.is(token.user.domainId, 'default');
    t.true(token.roles.includes('member'));
    t.true(token.issuedAt.getTime() <= token.expiresAt.getTime());
    // Keystone's default lifetime is 1 h; allow any sane setting and a little clock skew.
    t.true(token.expiresAt.getTime() > before + 60_000, `expires_at ${token.expiresAt.toISOString()}`);
    t.true(token.expiresAt.getTime() < before + 48 * 3_600_000);
    t.true(token.renewAt < token.expiresAt.getTime() + 60_000 && token.renewAt > before);
    t.true(token.catalog.some((s) => s.type === 'compute'));
  });

  test('the catalog gives the endpoints cloud.json names', async (t) => {
    const s = session(cloud.demo);
    const catalog = await new IdentityClient(s).getCatalog();
    const types = catalog.map((c) => c.type);
    for (const type of ['identity', 'compute', 'image']) t.true(types.includes(type), type);
    t.is(await s.endpoint('compute'), cloud.endpoints.compute);
    t.is(await s.endpoint('image'), cloud.endpoints.image);
  });

  test('the service user validates a user token: project, user, roles, expiry', async (t) => {
    const user = await session(cloud.demo).token();
    const info = await new IdentityClient(session(cloud.fnstack_service)).validateUserToken(user.value);
    t.truthy(info);
    t.is(info?.project?.id, cloud.project_ids.demo);
    t.is(info?.project?.name, 'demo');
    t.is(info?.user.id, cloud.user_ids.demo);
    t.deepEqual(info?.roles, user.roles);
    t.is(info?.expiresAt.getTime(), user.expiresAt.getTime());
  });

  test('an unknown or malformed token validates to null (404)', async (t) => {
    const identity = new IdentityClient(session(cloud.fnstack_service));
    t.is(await identity.validateUserToken('gAAAAABnot-a-real-token'), null);
    t.is(await identity.validateUserToken(''), null);
  });

  test('a wrong password is an OpenStackError 401 from identity', async (t) => {
    const error = await t.throwsAsync(session({ ...cloud.demo, password: 'wrong' }).token(), { instanceOf: OpenStackError });
    t.is(error?.status, 401);
    t.is(error?.service, 'identity');
    t.truthy(error?.requestId);
  });

  test('application credential: a token scoped to its project, usable by the clients', async (t) => {
    const demo = session(cloud.demo);
    const userToken = await demo.token();
    // Creating the credential is not a call fnstack makes (not in the spec): plain fetch.
    const created = await fetch(`${cloud.auth_url}/users/${userToken.user.id}/application_credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': userToken.value },
      body: JSON.stringify({ application_credential: { name: `fnstack-ct-${Date.now()}`, description: 'fnstack contract test' } }),
    });
    t.is(created.status, 201);
    const { application_credential: ac } = (await created.json()) as { application_credential: { id: string; secret: string } };
    try {
      const s = session(cloud.demo, { credentials: { type: 'application_credential', id: ac.id, secret: ac.secret } });
      const token = await s.token();
      t.deepEqual(token.methods, ['application_credential']);
      t.is(token.applicationCredentialId, ac.id);
      t.is(token.project?.id, cloud.project_ids.demo);
      const images = await new ImageClient(s).listImages({ properties: cloud.image.properties });
      t.true(images.some((i) => i.id === cloud.image.id));
    } finally {
      await fetch(`${cloud.auth_url}/users/${userToken.user.id}/application_credentials/${ac.id}`, {
        method: 'DELETE',
        headers: { 'x-auth-token': userToken.value },
      });
    }
  });

  test.after('every Keystone operation was checked against the spec', (t) => {
    const seen = new Set(validator.checked.filter((c) => c.spec === 'keystone-v3.yaml').map((c) => `${c.method} ${c.path} ${c.status}`));
    for (const want of ['POST /v3/auth/tokens 201', 'POST /v3/auth/tokens 401', 'GET /v3/auth/tokens 200', 'GET /v3/auth/tokens 404', 'GET /v3/auth/catalog 200']) {
      t.true(seen.has(want), `${want} not exercised (saw ${[...seen].join(', ')})`);
    }
  });
});
