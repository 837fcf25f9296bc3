/**
 * Item 17 of the review, the store side: the SQLite file and its directory are the service
 * user's alone (new and existing ones), and account names are unique per project, so that a
 * 409 never tells one project about another project's accounts — on both dialects, including
 * a database migrated with accounts already in it.
 */
import test from 'ava';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Migration } from 'kysely';
import { startTestService } from '../_helpers/service.js';
import { requireService } from '../_helpers/requirements.js';
import { createTestDatabase, mariadbAvailable } from '../_helpers/mariadb.js';
import { Store } from '../../service/store/store.js';
import { openStore } from '../../service/store/connect.js';
import { callApi } from '../triggers/_helpers.js';
import * as initial from '../../service/store/migrations/2026-11-26-0001-initial.js';
import * as runnerSessions from '../../service/store/migrations/2026-11-26-0100-runner-sessions.js';
import * as accountsAudit from '../../service/store/migrations/2026-11-26-0200-accounts-audit.js';
import * as triggers from '../../service/store/migrations/2026-11-26-0300-triggers.js';

// The service runs in this process: make the umask the usual one, so a file the store forgets to protect shows as 0644.
process.umask(0o022);

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

for (const existing of [false, true]) {
  test(`${existing ? 'an existing' : 'a new'} SQLite store is 0600 and its directory closed to others after start`, async (t) => {
    const parent = await mkdtemp(join(tmpdir(), 'fnstack-sec-store-'));
    const dir = join(parent, 'data');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const file = join(dir, 'fnstack.db');
    if (existing) await writeFile(file, '', { mode: 0o644 }); // an empty file is an empty SQLite database
    const svc = await startTestService({ env: { FNSTACK_DATABASE_URL: `sqlite:${file}` } });
    try {
      t.is(await modeOf(file), 0o600);
      t.is((await modeOf(dir)) & 0o077, 0, 'no group or other access to the directory');
      for (const side of [`${file}-wal`, `${file}-shm`]) if (existsSync(side)) t.is(await modeOf(side), 0o600, side);
    } finally {
      await svc.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
}

/** A built-in project with an admin account; returns an API caller with its key. */
async function projectWithAdmin(databaseUrl: string, url: string, name: string) {
  const store = await Store.open(databaseUrl, { migrate: false });
  try {
    const project = await store.accounts.createProject(name, 'builtin');
    const account = await store.accounts.createAccount(project.id, `${name}-admin`, 'admin');
    const { key } = await store.accounts.issueKey(account.id);
    return (method: string, path: string, body?: unknown) => callApi(url, key, method, path, body);
  } finally {
    await store.close();
  }
}

for (const dialect of ['sqlite', 'mariadb'] as const) {
  test(`${dialect}: account names are unique per project; a 409 says nothing about other projects`, async (t) => {
    if (dialect === 'mariadb' && !requireService(t, 'MariaDB', await mariadbAvailable())) return;
    const svc = await startTestService({ dialect });
    try {
      const a = await projectWithAdmin(svc.databaseUrl, svc.url, 'project-a');
      const b = await projectWithAdmin(svc.databaseUrl, svc.url, 'project-b');
      t.is((await a('POST', '/v1/accounts', { name: 'alice', issue_key: false })).status, 201);
      const inB = await b('POST', '/v1/accounts', { name: 'alice', issue_key: false });
      t.is(inB.status, 201, JSON.stringify(inB.body));
      const again = await b('POST', '/v1/accounts', { name: 'alice', issue_key: false });
      t.is(again.status, 409);
      t.is(again.body.field, 'name');
    } finally {
      await svc.close();
    }
  });

  test(`${dialect}: the migration keeps existing accounts and their keys`, async (t) => {
    if (dialect === 'mariadb' && !requireService(t, 'MariaDB', await mariadbAvailable())) return;
    const dir = dialect === 'sqlite' ? await mkdtemp(join(tmpdir(), 'fnstack-sec-mig-')) : null;
    const db = dir ? null : await createTestDatabase();
    const url = dir ? `sqlite:${join(dir, 'fnstack.db')}` : db!.url;
    try {
      // The schema as it was before this change, with accounts in it.
      const old = await openStore(url, { migrate: false });
      const before: Record<string, Migration> = {
        '2026-11-26-0001-initial': initial,
        '2026-11-26-0100-runner-sessions': runnerSessions,
        '2026-11-26-0200-accounts-audit': accountsAudit,
        '2026-11-26-0300-triggers': triggers,
      };
      const { error } = await new Migrator({ db: old.db, provider: { getMigrations: async () => before } }).migrateToLatest();
      t.falsy(error);
      await old.close();
      let store = await Store.open(url, { migrate: false });
      const p1 = await store.accounts.createProject('one', 'builtin');
      const p2 = await store.accounts.createProject('two', 'builtin');
      const bob = await store.accounts.createAccount(p1.id, 'bob', 'admin');
      const { key } = await store.accounts.issueKey(bob.id);
      await store.close();

      store = await Store.open(url); // runs the new migration
      try {
        t.is((await store.accounts.authenticate(key))?.accountName, 'bob', 'the old key still works');
        t.truthy(await store.forProject(p2.id).accounts.create('bob', 'member'), 'the same name in another project');
        t.is(await store.forProject(p1.id).accounts.create('bob', 'member'), null, 'still unique within a project');
      } finally {
        await store.close();
      }
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
      await db?.drop();
    }
  });
}
