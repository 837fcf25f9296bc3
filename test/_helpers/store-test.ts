/** A store-level test on one dialect: a fresh database, a Store opened on it, both removed after `body`. */
import test, { type ExecutionContext } from 'ava';
import { Store } from '../../service/store/store.js';
import type { DialectFixture } from './dialects.js';
import { requireService } from './requirements.js';

export function storeTest(d: DialectFixture, title: string, body: (t: ExecutionContext, store: Store, databaseUrl: string) => Promise<void>, options: { migrate?: boolean } = {}): void {
  test(`${d.name}: ${title}`, async (t) => {
    if (!requireService(t, d.name, await d.available())) return;
    const db = await d.create();
    const store = await Store.open(db.url, options);
    try {
      await body(t, store, db.url);
    } finally {
      await store.close();
      await db.cleanup();
    }
  });
}
