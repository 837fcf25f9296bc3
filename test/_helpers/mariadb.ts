/** A fresh MariaDB database per test on the real server (127.0.0.1:3306, root). */
import { randomBytes } from 'node:crypto';
import mariadb from 'mariadb';
import { reachable } from './requirements.js';

export const MARIADB_HOST = process.env.FNSTACK_TEST_MARIADB_HOST ?? '127.0.0.1';
export const MARIADB_PORT = Number(process.env.FNSTACK_TEST_MARIADB_PORT ?? 3306);
export const MARIADB_USER = process.env.FNSTACK_TEST_MARIADB_USER ?? 'root';
export const MARIADB_PASSWORD = process.env.FNSTACK_TEST_MARIADB_PASSWORD ?? '';

export const mariadbAvailable = () => reachable(MARIADB_HOST, MARIADB_PORT);

/** The driver's default (1 s) is too short for a server answering a whole suite on 2 cores. */
const ADMIN = () => ({ host: MARIADB_HOST, port: MARIADB_PORT, user: MARIADB_USER, password: MARIADB_PASSWORD, connectTimeout: 15_000 });

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `fnstack_test_${randomBytes(6).toString('hex')}`;
  const conn = await mariadb.createConnection(ADMIN());
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await conn.end();
  }
  const auth = MARIADB_PASSWORD ? `${encodeURIComponent(MARIADB_USER)}:${encodeURIComponent(MARIADB_PASSWORD)}` : encodeURIComponent(MARIADB_USER);
  return {
    name,
    url: `mariadb://${auth}@${MARIADB_HOST}:${MARIADB_PORT}/${name}`,
    drop: async () => {
      const c = await mariadb.createConnection(ADMIN());
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}
