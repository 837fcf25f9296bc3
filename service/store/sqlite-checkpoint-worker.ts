/** The checkpointer's thread (sqlite-checkpointer.ts): a passive WAL checkpoint every `everyMs`. */
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

const { path, everyMs } = workerData as { path: string; everyMs: number };
const db = new SqliteDatabase(path, { fileMustExist: true });
// Never waits on a lock: a checkpoint that cannot run now runs at the next tick.
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // SQLITE_BUSY: another connection is checkpointing
  }
}, everyMs);
parentPort!.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
