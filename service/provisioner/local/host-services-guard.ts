/**
 * With `network: true` a sandbox shares the host's network stack, and so could reach the
 * services that are this machine's own: those listening on it (the store, the broker, the
 * API, …) and, on a cloud server, the metadata service at a link-local address, which hands
 * out the server's user_data — where an install by Heat or cloud-init puts the service's own
 * passwords. Two owner-match rules per address family keep sandbox uids off both:
 * "no sending on `lo`" (every local address goes through it) and "no link-local
 * destination" (169.254.0.0/16, fe80::/10: metadata, and nothing a function needs). Other
 * destinations stay reachable — but for the ranges the operator denies (`egressDeny`, say a
 * cloud's management network), one rule each, kept in step with the configuration at every
 * start (a range no longer denied loses its rule, after the new ones are in). Idempotent (each
 * rule checked before it is added); shared by every service process on the machine, since
 * they share the uid range.
 *
 * The tool is looked for, not assumed: iptables + ip6tables (whichever flavour: the
 * alternatives link, -nft, -legacy), else nft with one `inet` table. The guard counts as
 * installed only when both address families are covered (IPv6 only where the host has it);
 * otherwise the provider refuses sandboxes with network and says so at start.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';
import { canonicalCidr } from '../../cidr.js';

const run = promisify(execFile);

export type GuardState = { installed: true; tool: string } | { installed: false; reason: string };

export const FIREWALL_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin'];
const COMMENT = 'fnstack sandboxes: no host-local services';
const LINK_LOCAL_COMMENT = 'fnstack sandboxes: no link-local (metadata)';
const LINK_LOCAL = { v4: '169.254.0.0/16', v6: 'fe80::/10' };
const EGRESS_COMMENT = 'fnstack sandboxes: egress denied by the operator';

/**
 * Installs the rules for sandbox uids `uidBase`… (`uidCount` of them). `egressDeny`: CIDR
 * ranges (any spelling canonicalCidr reads) no sandbox may send to.
 */
export async function guardHostServices(uidBase: number, uidCount: number, dirs: readonly string[] = FIREWALL_DIRS, egressDeny: readonly string[] = []): Promise<GuardState> {
  const find = (name: string) => findIn(dirs, name);
  const deny = { 4: [] as string[], 6: [] as string[] };
  for (const raw of egressDeny) {
    const c = canonicalCidr(raw);
    if (!c) return { installed: false, reason: `the denied range '${raw}' is not a CIDR range` };
    if (!deny[c.family].includes(c.text)) deny[c.family].push(c.text);
  }
  const uids = `${uidBase}-${uidBase + uidCount - 1}`;
  const ipv6 = await exists('/proc/net/if_inet6');
  const problems: string[] = [];
  for (const flavour of ['', '-nft', '-legacy']) {
    const v4 = await find(`iptables${flavour}`);
    const v6 = ipv6 ? await find(`ip6tables${flavour}`) : null;
    if (!v4 || (ipv6 && !v6)) continue;
    try {
      await iptablesRules(v4, uids, LINK_LOCAL.v4, deny[4]);
      if (v6) await iptablesRules(v6, uids, LINK_LOCAL.v6, deny[6]);
      return { installed: true, tool: v4 };
    } catch (err) {
      problems.push(`${v4}: ${firstLine(err)}`);
    }
  }
  const nft = await find('nft');
  if (nft) {
    try {
      await nftRules(nft, uids, deny);
      return { installed: true, tool: nft };
    } catch (err) {
      problems.push(`${nft}: ${firstLine(err)}`);
    }
  }
  if (problems.length === 0) problems.push(`neither iptables${ipv6 ? ' with ip6tables' : ''} nor nft is installed (Debian: apt-get install iptables)`);
  return { installed: false, reason: problems.join('; ') };
}

async function iptablesRules(tool: string, uids: string, linkLocal: string, deny: readonly string[]): Promise<void> {
  const owner = ['-m', 'owner', '--uid-owner', uids, '-j', 'REJECT', '-m', 'comment', '--comment'];
  const denyRule = (cidr: string) => ['OUTPUT', '-d', cidr, ...owner, EGRESS_COMMENT];
  for (const rule of [['OUTPUT', '-o', 'lo', ...owner, COMMENT], ['OUTPUT', '-d', linkLocal, ...owner, LINK_LOCAL_COMMENT], ...deny.map(denyRule)]) {
    const present = await run(tool, ['-w', '5', '-C', ...rule]).then(
      () => true,
      () => false,
    );
    if (!present) await run(tool, ['-w', '5', '-I', ...rule]);
  }
  // Then, and only then, the ranges no longer denied lose their rules.
  const { stdout } = await run(tool, ['-w', '5', '-S', 'OUTPUT']);
  for (const line of stdout.split('\n')) {
    if (!line.includes(`--uid-owner ${uids} `) || !line.includes(`"${EGRESS_COMMENT}"`)) continue;
    const listed = /-d (\S+)/.exec(line)?.[1];
    const c = listed ? canonicalCidr(listed) : null;
    if (listed && c && !deny.includes(c.text)) await run(tool, ['-w', '5', '-D', ...denyRule(listed)]);
  }
}

async function nftRules(nft: string, uids: string, deny: Readonly<Record<4 | 6, readonly string[]>>): Promise<void> {
  await run(nft, ['add', 'table', 'inet', 'fnstack']);
  await run(nft, ['add', 'chain', 'inet', 'fnstack', 'output', '{ type filter hook output priority 0 ; }']);
  const { stdout } = await run(nft, ['-a', 'list', 'chain', 'inet', 'fnstack', 'output']);
  const lines = stdout.split('\n').filter((l) => l.includes(`skuid ${uids} `));
  const rules: Array<[string, string[]]> = [
    [COMMENT, ['oifname', 'lo']],
    [`${LINK_LOCAL_COMMENT} v4`, ['ip', 'daddr', LINK_LOCAL.v4]],
    [`${LINK_LOCAL_COMMENT} v6`, ['ip6', 'daddr', LINK_LOCAL.v6]],
  ];
  // One line per rule: present when a line of this uid range holds its comment.
  for (const [comment, match] of rules) {
    if (lines.some((l) => l.includes(`"${comment}"`))) continue;
    await run(nft, ['add', 'rule', 'inet', 'fnstack', 'output', ...match, 'meta', 'skuid', uids, 'reject', 'comment', `"${comment}"`]);
  }
  const denied = (l: string) => {
    const listed = l.includes(`"${EGRESS_COMMENT}"`) ? /daddr (\S+)/.exec(l)?.[1] : undefined;
    return listed ? (canonicalCidr(listed)?.text ?? null) : null;
  };
  for (const [family, cidrs] of [['ip', deny[4]], ['ip6', deny[6]]] as const) {
    for (const cidr of cidrs) {
      if (lines.some((l) => denied(l) === cidr)) continue;
      await run(nft, ['add', 'rule', 'inet', 'fnstack', 'output', family, 'daddr', cidr, 'meta', 'skuid', uids, 'reject', 'comment', `"${EGRESS_COMMENT}"`]);
    }
  }
  // Then, and only then, the ranges no longer denied lose their rules.
  for (const l of lines) {
    const cidr = denied(l);
    const handle = /# handle (\d+)/.exec(l)?.[1];
    if (cidr && handle && !deny[4].includes(cidr) && !deny[6].includes(cidr)) await run(nft, ['delete', 'rule', 'inet', 'fnstack', 'output', 'handle', handle]);
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
