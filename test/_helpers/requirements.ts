/**
 * Tests that need a real server (MariaDB, RabbitMQ, OpenStack) skip with a loud note on a
 * developer's machine without it, and FAIL under CI=true: CI must never pass by skipping.
 */
import net from 'node:net';
import type { ExecutionContext } from 'ava';

export const inCi = process.env.CI === 'true';

export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * Returns true when the test may go on. Otherwise fails the test under CI, or marks it as
 * skipped-by-assertion locally (ava has no runtime skip; the note says what is missing).
 */
export function requireService(t: ExecutionContext, what: string, available: boolean): boolean {
  if (available) return true;
  if (inCi) {
    t.fail(`${what} is required in CI but is not available`);
  } else {
    t.log(`SKIPPED: ${what} is not available on this machine`);
    t.pass();
  }
  return false;
}
