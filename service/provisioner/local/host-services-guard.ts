/**
 * With `network: true` a sandbox shares the host's network stack, and so could reach the
 * services that are this machine's own: those listening on it (the store, the broker, the
 * API, …) and, on a cloud server, the metadata service at a link-local address, which hands
 * out the server's user_data — where an install by Heat or cloud-init puts the service's own
 * passwords. Two owner-match rules per address family keep sandbox uids off both:
 * "no sending on `lo`" (every local address goes through it) and "no link-local
 * destination" (169.254.0.0/16, fe80::/10: metadata, and nothing a function needs). Other
 * destinations stay reachable. Idempotent (each rule checked before it is added); shared by
 * every service process on the machine, since they share the uid range.
 *
 * The tool is looked for, not assumed: iptables + ip6tables (whichever flavour: the
 * alternatives link, -nft, -legacy), else nft with one `inet` table. The guard counts as
 * installed only when both address families are covered (IPv6 only where the host has it);
 * otherwise the provider refuses sandboxes with network and says so at start.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type GuardState = { installed: true; tool: string } | { installed: false; reason: string };

export const FIREWALL_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin'];
const COMMENT = 'fnstack sandboxes: no host-local services';
const LINK_LOCAL_COMMENT = 'fnstack sandboxes: no link-local (metadata)';
const LINK_LOCAL = { v4: '169.254.0.0/16', v6: 'fe80::/10' };

export async function guardHostServices(uidBase: number, uidCount: number, dirs: readonly string[] = FIREWALL_DIRS): Promise<GuardState> {
  const find = (name: string) => findIn(dirs, name);
  const uids = `${uidBase}-${uidBase + uidCount - 1}`;
  const ipv6 = await exists('/proc/net/if_inet6');
  const problems: string[] = [];
  for (const flavour of ['', '-nft', '-legacy']) {
    const v4 = await find(`iptables${flavour}`);
    const v6 = ipv6 ? await find(`ip6tables${flavour}`) : null;
    if (!v4 || (ipv6 && !v6)) continue;
    try {
      await iptablesRules(v4, uids, LINK_LOCAL.v4);
      if (v6) await iptablesRules(v6, uids, LINK_LOCAL.v6);
      return { installed: true, tool: v4 };
    } catch (err) {
      problems.push(`${v4}: ${firstLine(err)}`);
    }
  }
  const nft = await find('nft');
  if (nft) {
    try {
      await nftRules(nft, uids);
      return { installed: true, tool: nft };
    } catch (err) {
      problems.push(`${nft}: ${firstLine(err)}`);
    }
  }
  if (problems.length === 0) problems.push(`neither iptables${ipv6 ? ' with ip6tables' : ''} nor nft is installed (Debian: apt-get install iptables)`);
  return { installed: false, reason: problems.join('; ') };
}

async function iptablesRules(tool: string, uids: string, linkLocal: string): Promise<void> {
  const owner = ['-m', 'owner', '--uid-owner', uids, '-j', 'REJECT', '-m', 'comment', '--comment'];
  for (const rule of [
    ['OUTPUT', '-o', 'lo', ...owner, COMMENT],
    ['OUTPUT', '-d', linkLocal, ...owner, LINK_LOCAL_COMMENT],
  ]) {
    const present = await run(tool, ['-w', '5', '-C', ...rule]).then(
      () => true,
      () => false,
    );
    if (!present) await run(tool, ['-w', '5', '-I', ...rule]);
  }
}

async function nftRules(nft: string, uids: string): Promise<void> {
  await run(nft, ['add', 'table', 'inet', 'fnstack']);
  await run(nft, ['add', 'chain', 'inet', 'fnstack', 'output', '{ type filter hook output priority 0 ; }']);
  const { stdout } = await run(nft, ['list', 'chain', 'inet', 'fnstack', 'output']);
  const rules: Array<[string, string[]]> = [
    [COMMENT, ['oifname', 'lo']],
    [`${LINK_LOCAL_COMMENT} v4`, ['ip', 'daddr', LINK_LOCAL.v4]],
    [`${LINK_LOCAL_COMMENT} v6`, ['ip6', 'daddr', LINK_LOCAL.v6]],
  ];
  // One line per rule: present when a line holds both its comment and this uid range.
  const lines = stdout.split('\n');
  for (const [comment, match] of rules) {
    if (lines.some((l) => l.includes(`"${comment}"`) && l.includes(`skuid ${uids} `))) continue;
    await run(nft, ['add', 'rule', 'inet', 'fnstack', 'output', ...match, 'meta', 'skuid', uids, 'reject', 'comment', `"${comment}"`]);
  }
}

async function findIn(dirs: readonly string[], name: string): Promise<string | null> {
  for (const dir of dirs) if (await exists(`${dir}/${name}`, constants.X_OK)) return `${dir}/${name}`;
  return null;
}

function exists(path: string, mode = constants.F_OK): Promise<boolean> {
  return access(path, mode).then(
    () => true,
    () => false,
  );
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split('\n')[0] ?? '';
}
