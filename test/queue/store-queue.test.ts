import { Store } from '../../service/store/store.js';
import { StoreQueue } from '../../service/queue/store-queue.js';
import { DIALECTS } from '../_helpers/dialects.js';
import { requireService } from '../_helpers/requirements.js';
import { queueConformance } from './_conformance.js';

for (const d of DIALECTS) {
  queueConformance(
    `store queue on ${d.name}`,
    {
      available: d.available,
      create: async () => {
        const db = await d.create();
        const stores: Store[] = [await Store.open(db.url)];
        // A short visibility window stands in for "the consumer died" (its lock expires).
        const make = (s: Store) => new StoreQueue(s.db, { visibilityMs: 1500, pollMs: 50 });
        return {
          queue: make(stores[0]!),
          reopen: async () => {
            const s = await Store.open(db.url);
            stores.push(s);
            return make(s);
          },
          deadLetters: async () => stores[0]!.db.selectFrom('dead_letters').select(['reason']).execute(),
          cleanup: async () => {
            for (const s of stores) await s.close();
            await db.cleanup();
          },
        };
      },
    },
    requireService,
  );
}
