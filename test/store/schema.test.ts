/** store/schema.ts declares every table the migrations create, and nothing else. */
import test from 'ava';
import { Store } from '../../service/store/store.js';
import { TABLE_NAMES } from '../../service/store/schema.js';
import { DIALECTS } from '../_helpers/dialects.js';
import { requireService } from '../_helpers/requirements.js';

for (const d of DIALECTS) {
  test(`${d.name}: the schema type names exactly the tables the migrations make`, async (t) => {
    if (!requireService(t, d.name, await d.available())) return;
    const db = await d.create();
    const store = await Store.open(db.url);
    try {
      const tables = (await store.db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_'));
      t.deepEqual([...tables].sort(), [...TABLE_NAMES].sort());
    } finally {
      await store.close();
      await db.cleanup();
    }
  });
}
