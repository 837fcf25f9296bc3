/**
 * The SQLite store holds every project's events, results, logs and sealed secrets: only the
 * service's user may read it. Before it is opened, the file (created here when new, so that it
 * never exists with the umask's mode) and its -wal/-shm companions get mode 0600, and its
 * directory loses group and other access — unless the service does not own that directory or
 * it is a shared sticky one like /tmp (then only the file's own mode protects it).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export function secureSqliteFile(path: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const d = statSync(dir);
  const ours = process.getuid === undefined || d.uid === process.getuid();
  const sticky = (d.mode & 0o1000) !== 0;
  if (ours && !sticky && (d.mode & 0o077) !== 0) chmodSync(dir, d.mode & 0o700);
  closeSync(openSync(path, 'a', 0o600));
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}
