/**
 * The session against the real services: a rejected token (401 from Nova, Glance and
 * Keystone, each checked against its spec) is renewed and the request resent once; and the
 * spec check itself bites: a spec that lies about a real response fails the call.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ComputeClient, IdentityClient, ImageClient } from '../../service/openstack/index.js';
import { withCloud } from './_helpers/cloud.js';
import { repoRoot } from './_helpers/paths.js';
import { SPEC_FILES, SpecValidator, SpecViolation } from './_helpers/spec-validator.js';

type Doc = { components: { schemas: Record<string, { required?: string[]; properties: Record<string, Record<string, unknown>> }> } };

/** A copy of the specs with one lie in each. */
async function lyingSpecs(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-lying-specs-'));
  await mkdir(dir, { recursive: true });
  const lies: Record<string, (doc: Doc) => void> = {
    'keystone-v3.yaml': (d) => {
      // Only with Keystone-to-Keystone federation: this cloud never sends it.
      d.components.schemas.Token!.properties.service_providers = { type: 'array' };
      d.components.schemas.Token!.required!.push('service_providers');
    },
    'nova-v2.1.yaml': (d) => (d.components.schemas.Flavor!.properties.swap = { type: 'string' }),
    'glance-v2.yaml': (d) => (d.components.schemas.Image!.properties.protected = { type: 'string' }),
  };
  for (const file of SPEC_FILES) {
    const doc = parseYaml(await readFile(join(repoRoot, 'openapi', file), 'utf8')) as Doc;
    lies[file]!(doc);
    await writeFile(join(dir, file), stringifyYaml(doc));
  }
  return dir;
}

withCloud(({ cloud, validator, session }) => {
  test('a 401 from each service renews the token and resends the request once', async (t) => {
    // The first request to each service carries a token the service rejects.
    const spoiled = new Set<string>();
    const fetchWithStaleToken = (request: Request) => {
      const { host, pathname } = new URL(request.url);
      const key = `${host} ${pathname}`;
      if (request.headers.has('x-auth-token') && !spoiled.has(key)) {
        spoiled.add(key);
        const headers = new Headers(request.headers);
        headers.set('x-auth-token', 'gAAAAAB-expired-token');
        return fetch(new Request(request, { headers }));
      }
      return fetch(request);
    };
    const s = session(cloud.demo, { fetch: fetchWithStaleToken });
    const first = await s.token();

    t.true((await new ComputeClient(s).listFlavors()).length > 0);
    const second = await s.token();
    t.not(second.value, first.value, 'renewed after the 401');

    t.true((await new ImageClient(s).listImages({ properties: cloud.image.properties })).length > 0);
    t.true((await new IdentityClient(s).getCatalog()).length > 0);

    const seen = new Set(validator.checked.map((c) => `${c.method} ${c.path} ${c.status}`));
    for (const want of ['GET /flavors/detail 401', 'GET /v2/images 401', 'GET /v3/auth/catalog 401']) t.true(seen.has(want), want);
  });

  test('a spec that lies about a real response fails the call', async (t) => {
    const dir = await lyingSpecs();
    try {
      const liar = new SpecValidator(dir);
      const s = session(cloud.demo, { middleware: [liar.middleware()] });
      await t.throwsAsync(s.token(), { instanceOf: SpecViolation, message: /service_providers/ });
      // The token request failed the check; the session has no token yet, so use one that does.
      const ok = session(cloud.demo);
      await ok.token();
      const compute = new ComputeClient(ok);
      compute.http.use(liar.middleware());
      await t.throwsAsync(compute.listFlavors(), { instanceOf: SpecViolation, message: /swap/ });
      const images = new ImageClient(ok);
      images.http.use(liar.middleware());
      await t.throwsAsync(images.getImage(cloud.image.id), { instanceOf: SpecViolation, message: /protected/ });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
