/** The store dialects every store-level test runs against (Kysely style: loop over each). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, mariadbAvailable } from './mariadb.js';

export interface DialectFixture {
  name: 'sqlite' | 'mariadb';
  available(): Promise<boolean>;
  /** A fresh, empty database URL and its cleanup. */
  create(): Promise<{ url: string; cleanup(): Promise<void> }>;
}

export const DIALECTS: DialectFixture[] = [
  {
    name: 'sqlite',
    available: async () => true,
    create: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'fnstack-sqlite-'));
      return { url: `sqlite:${join(dir, 'test.db')}`, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'mariadb',
    available: mariadbAvailable,
    create: async () => {
      const db = await createTestDatabase();
      return { url: db.url, cleanup: db.drop };
    },
  },
];
