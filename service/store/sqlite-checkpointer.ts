/**
 * Moves SQLite's WAL checkpoints off the service's event loop. In WAL mode with
 * `synchronous = NORMAL` a commit does not wait for the disk, but every 1000 pages the
 * committing connection copies the WAL into the database and fsyncs it, and that wait blocks
 * the one thread that serves every request: with small executions committing several times
 * each, a third of a warm invoke's time went there (bench/README.md, "http").
 *
 * A worker thread with its own connection runs `wal_checkpoint(PASSIVE)` every `everyMs`
 * (copies what it can without blocking the writer; fsyncs in the worker). The service's own
 * connection keeps an automatic checkpoint only as a backstop (`BACKSTOP_PAGES`): it then
 * finds the frames already copied and has little left to do, and it restarts the WAL, which
 * a writer that never pauses would otherwise let grow. If the worker fails, the connection
 * goes back to SQLite's default. Durability is unchanged: same journal mode, same syncs.
 */
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/** The service connection's own automatic checkpoint, pages (SQLite's default is 1000). */
export const BACKSTOP_PAGES = 10_000;
const DEFAULT_PAGES = 1000;

export interface Checkpointer {
  close(): Promise<void>;
}

export function startCheckpointer(sqlite: SqliteDatabase.Database, path: string, everyMs = 100): Checkpointer {
  const worker = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), { workerData: { path, everyMs } });
  worker.unref();
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  let closed = false;
  let exited = false;
  const fallBack = () => {
    if (!closed && sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
  };
  worker.on('error', fallBack);
  worker.on('exit', () => {
    exited = true;
    fallBack();
  });
  return {
    async close() {
      closed = true;
      if (exited) return;
      worker.postMessage('close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate().finally(resolve), 2000);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
