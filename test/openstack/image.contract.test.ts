/**
 * Glance contract: runtime images found by property, one image read, 404 for a missing one.
 * Every response is checked against openapi/glance-v2.yaml.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { ImageClient } from '../../service/openstack/index.js';
import { withCloud } from './_helpers/cloud.js';

withCloud(({ cloud, validator, session }) => {
  const images = new ImageClient(session(cloud.demo));

  test('images are found by their fnstack_runtime property', async (t) => {
    const found = await images.listImages({ properties: { fnstack_runtime: 'nodejs20' }, status: 'active' });
    t.true(found.some((i) => i.id === cloud.image.id));
    t.true(found.every((i) => i.fnstack_runtime === 'nodejs20' && i.status === 'active'));
    t.deepEqual(await images.listImages({ properties: { fnstack_runtime: `no-such-runtime-${randomUUID()}` } }), []);
  });

  test('pages are followed', async (t) => {
    const all = await images.listImages({ visibility: 'all' });
    const paged = await images.listImages({ visibility: 'all', pageSize: 1 });
    t.deepEqual(paged.map((i) => i.id).sort(), all.map((i) => i.id).sort());
  });

  test('one image, and null for a missing one (404)', async (t) => {
    const image = await images.getImage(cloud.image.id);
    t.is(image?.name, cloud.image.name);
    t.is(image?.fnstack_runtime, cloud.image.properties.fnstack_runtime);
    t.is(image?.disk_format, 'raw');
    t.is(await images.getImage(randomUUID()), null);
  });

  test('a malformed filter is a 400 in Glance’s error shape', async (t) => {
    const { response, error } = await images.http.GET('/v2/images', { params: { query: { limit: -1 } } });
    t.is(response.status, 400);
    t.like(error, { code: '400 Bad Request', title: 'Bad Request' });
  });

  test.after('every Glance operation was checked against the spec', (t) => {
    const seen = new Set(validator.checked.filter((c) => c.spec === 'glance-v2.yaml').map((c) => `${c.method} ${c.path} ${c.status}`));
    for (const want of ['GET /v2/images 200', 'GET /v2/images 400', 'GET /v2/images/{image_id} 200', 'GET /v2/images/{image_id} 404']) {
      t.true(seen.has(want), `${want} not exercised (saw ${[...seen].join(', ')})`);
    }
  });
});
