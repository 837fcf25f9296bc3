/**
 * With `network: true` a sandbox shares the host's network stack, and so could reach the
 * services that listen only on this machine (the store, the broker, the API, …). Packets to
 * any of the host's own addresses leave through `lo`, so one owner-match rule per address
 * family — "sandbox uids may not send on lo" — keeps them out, while other destinations stay
 * reachable. Idempotent (checked with -C before -I); shared by every service process on the
 * machine, since they share the uid range.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type GuardState = 'installed' | 'unavailable';

const TOOLS = ['/usr/sbin/iptables', '/usr/sbin/ip6tables'];

export async function guardLoopback(uidBase: number, uidCount: number): Promise<GuardState> {
  const rule = ['OUTPUT', '-o', 'lo', '-m', 'owner', '--uid-owner', `${uidBase}-${uidBase + uidCount - 1}`, '-j', 'REJECT', '-m', 'comment', '--comment', 'fnstack sandboxes: no host-local services'];
  let installed = 0;
  for (const tool of TOOLS) {
    try {
      await run(tool, ['-w', '5', '-C', ...rule]);
      installed++;
      continue;
    } catch {
      // not there yet (or no such tool)
    }
    try {
      await run(tool, ['-w', '5', '-I', ...rule]);
      installed++;
    } catch {
      // no iptables here, or no permission: the placement says so
    }
  }
  return installed > 0 ? 'installed' : 'unavailable';
}
