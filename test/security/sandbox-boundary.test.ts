/**
 * Attacks on the local sandbox's boundary, as a hostile tenant would try them with nothing
 * but a function's code and settings. Each test fails on the root-run launcher chain this
 * replaced (unshare + sh + mount + setpriv started as root with the function's variables).
 */
import test from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRoot, requireRoot, sandbox, type Sandbox } from '../provisioner/_fixtures.js';
import { requireService } from '../_helpers/requirements.js';
import { guardHostServices } from '../../service/provisioner/local/host-services-guard.js';
import { seccompProblem } from '../../service/provisioner/local/seccomp.js';
import { processesOf } from '../../service/provisioner/local/uid-reaper.js';
import { RUNNER_DIR } from '../../service/runner/supervisor.js';

let sb: Sandbox;
/** Node's permission model off: what is proven with it holds by the OS layers alone. */
let raw: Sandbox;
/** A host directory only root can enter: anything appearing in it was written with root's rights. */
let hostDir: string;
test.before(async () => {
  sb = await sandbox();
  raw = await sandbox({ permissionModel: false });
  hostDir = join('/var/lib/fnstack-test', `boundary-${process.pid}`);
  await mkdir(hostDir, { recursive: true, mode: 0o700 });
});
test.after.always(async () => {
  await sb?.close();
  await raw?.close();
  await rm(hostDir, { recursive: true, force: true });
});

/** A shared object whose constructor appends `uid=<uid>` to `marker` wherever it is loaded. */
function buildPreload(marker: string): Buffer | null {
  const dir = join(hostDir, `so-${Math.random().toString(36).slice(2)}`);
  const src = `#include <stdio.h>\n#include <unistd.h>\n__attribute__((constructor)) static void pwn(void) { FILE *f = fopen("${marker}", "a"); if (f) { fprintf(f, "uid=%d\\n", (int)getuid()); fclose(f); } }\n`;
  spawnSync('mkdir', ['-p', dir]);
  spawnSync('sh', ['-c', `cat > ${dir}/x.c`], { input: src });
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', `${dir}/x.so`, `${dir}/x.c`]);
  if (cc.status !== 0) return null;
  return execFileSync('cat', [`${dir}/x.so`]);
}

test('loader variables from the function never reach a process outside the sandbox, nor node inside it', async (t) => {
  if (!requireRoot(t)) return;
  const marker = join(hostDir, 'preloaded');
  const so = buildPreload(marker);
  if (!requireService(t, 'a C compiler (cc) to build the attack library', so !== null)) return;
  let codeDir = '';
  const { outcome } = await sb.invoke(
    { 'index.js': `exports.handler = () => Object.keys(process.env).filter((k) => /^(LD_|GCONV|MALLOC_|GLIBC_)/.test(k));`, 'x.so': so! },
    'index.handler',
    {
      // Both where the code lies on the host and where it is inside: wherever a loader runs, it would find it.
      env: { LD_PRELOAD: 'PLACEHOLDER', LD_AUDIT: 'PLACEHOLDER', GCONV_PATH: '/var/task', MALLOC_CHECK_: '3', GLIBC_TUNABLES: 'glibc.malloc.check=3' },
      onAcquired: (env) => (codeDir = env.parts.workdir.codeDir),
    },
  );
  t.truthy(codeDir);
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.deepEqual(outcome.result, [], 'node inside the sandbox got none of them');
  await t.throwsAsync(access(marker), undefined, `the library ran: ${await readFile(marker, 'utf8').catch(() => '')}`);
});

test('the launcher gets its environment from the service, the function its variables through the sandbox only', async (t) => {
  if (!requireRoot(t)) return;
  const marker = join(hostDir, 'preloaded-2');
  const so = buildPreload(marker);
  if (!requireService(t, 'a C compiler (cc) to build the attack library', so !== null)) return;
  // The library is written where the launcher (as root) would find it at its host path.
  const lib = join(hostDir, 'evil.so');
  await writeFile(lib, so!, { mode: 0o755 });
  const { outcome } = await sb.invoke({ 'index.js': `exports.handler = () => process.env.LD_PRELOAD ?? null;` }, 'index.handler', { env: { LD_PRELOAD: lib } });
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.is(outcome.result, null);
  await t.throwsAsync(access(marker), undefined, 'a launcher loaded the library');
});

test('no host Unix socket is visible from the sandbox, with or without network, abstract ones included', async (t) => {
  if (!requireRoot(t)) return;
  // A socket of the host's, in the places sockets live.
  const sockDir = '/run/fnstack-test-sock';
  await mkdir(sockDir, { recursive: true, mode: 0o777 });
  const net = await import('node:net');
  const server = net.createServer((s) => s.end('host secret'));
  const sockPath = join(sockDir, `s-${process.pid}.sock`);
  await new Promise<void>((r) => server.listen(sockPath, () => r()));
  execFileSync('chmod', ['666', sockPath]);
  const probe = `const fs = require('fs'); const net = require('net');
    const found = [];
    const walk = (dir, depth) => { if (depth > 6) return; let names = []; try { names = fs.readdirSync(dir); } catch { return; }
      for (const n of names) { const p = (dir === '/' ? '' : dir) + '/' + n; let st; try { st = fs.lstatSync(p); } catch { continue; }
        if (st.isSocket()) found.push(p); else if (st.isDirectory() && !p.startsWith('/proc') && !p.startsWith('/sys')) walk(p, depth + 1); } };
    const tryConnect = (p) => new Promise((resolve) => { const s = net.connect(p); s.once('connect', () => { s.destroy(); resolve('CONNECTED'); }); s.once('error', (e) => resolve(e.code)); });
    exports.handler = async (e) => { walk('/', 0); const direct = {}; for (const p of e.data.paths) direct[p] = await tryConnect(p); return { found, direct, run: fs.existsSync('/run') ? fs.readdirSync('/run') : null }; };`;
  // An abstract socket has no file to hide: its namespace is the network namespace's, which a
  // sandbox with network shares (the containerd-shim escape, CVE-2020-15257).
  let abstractReached = 0;
  const abstract = net.createServer((s) => {
    abstractReached++;
    s.on('error', () => undefined);
    s.end('host secret');
  });
  const abstractName = `\0fnstack-test-abstract-${process.pid}`;
  await new Promise<void>((r) => abstract.listen(abstractName, () => r()));
  const paths = [sockPath, '/run/mysqld/mysqld.sock', '/var/run/mysqld/mysqld.sock', '/tmp/.X11-unix/X0', abstractName];
  try {
    for (const network of [false, true]) {
      const { outcome } = await raw.invoke({ 'index.js': probe }, 'index.handler', { network, data: { paths } });
      t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
      const r = outcome.result as { found: string[]; direct: Record<string, string>; run: string[] | null };
      t.deepEqual(r.found, [], `sockets visible with network ${network}`);
      for (const p of paths) t.not(r.direct[p], 'CONNECTED', `${p.replace('\0', '@')} reachable with network ${network}`);
      t.true(r.run === null || r.run.length === 0, `/run shows ${JSON.stringify(r.run)}`);
    }
    t.is(abstractReached, 0, 'the host’s abstract socket took a connection from a sandbox');
  } finally {
    server.close();
    abstract.close();
    await rm(sockDir, { recursive: true, force: true });
  }
});

test('the only writable places are the execution’s own /tmp and /dev/shm, and nothing its uid wrote outlives it', async (t) => {
  if (!requireRoot(t)) return;
  const probe = `const fs = require('fs');
    const tried = ['/', '/tmp', '/var/tmp', '/dev/shm', '/run', '/run/lock', '/var/lock', '/var/task', '/opt/fnstack/runner', '/etc', '/usr', '/home', '/root', '/var', '/proc/self'];
    exports.handler = () => { const writable = [];
      for (const d of tried) { try { fs.writeFileSync(d + '/probe-' + process.pid, 'x', { mode: 0o600 }); writable.push(d); } catch {} }
      return writable; };`;
  let uid = -1;
  const { outcome } = await raw.invoke({ 'index.js': probe }, 'index.handler', { onAcquired: (env) => (uid = env.parts.uid ?? -1) });
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  // /var/tmp is a link to the own /tmp; /dev/shm is a tmpfs of the sandbox's own mount
  // namespace (gone with it, charged to its memory cgroup).
  t.deepEqual((outcome.result as string[]).filter((d) => d !== '/var/tmp'), ['/tmp', '/dev/shm']);
  t.true(uid > 0);
  // Nothing owned by that uid is left on the host where a later execution with the same uid could read it.
  // (Other service processes on this machine share the uid range: only this provider's root is looked at.)
  const owned = execFileSync('find', ['/tmp', '/var/tmp', '/dev/shm', '/run', raw.sandboxRoot, '-xdev', '-uid', String(uid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  t.is(owned, '', 'files of the uid outlived the execution');
  t.is(await processesOf(uid), 0);
});

test('a forged result on the protocol channel is not believed', async (t) => {
  const forge = `const fs = require('fs');
    const forged = JSON.stringify({ type: 'result', value: 'FORGED', peakRssBytes: 1, durationMs: 1 }) + '\\n';`;
  const spin = await sb.invoke({ 'index.js': `${forge} exports.handler = () => { fs.writeSync(3, forged); for (;;) {} };` }, 'index.handler', { timeoutS: 1 });
  t.is(spin.outcome.status, 'timed_out', JSON.stringify(spin.outcome));
  t.is(spin.outcome.result, undefined);
  const exit = await sb.invoke({ 'index.js': `${forge} exports.handler = () => { fs.writeSync(3, forged); process.exit(0); };` }, 'index.handler');
  t.is(exit.outcome.status, 'failed', JSON.stringify(exit.outcome));
  t.is(exit.outcome.failure?.kind, 'crashed');
  const real = await sb.invoke({ 'index.js': `${forge} exports.handler = () => { fs.writeSync(3, forged); return 'REAL'; };` }, 'index.handler');
  t.is(real.outcome.status, 'succeeded', JSON.stringify(real.outcome));
  t.is(real.outcome.result, 'REAL');
  // Forged with a guessed token field, and a `failure` claiming the platform's fault.
  const guess = await sb.invoke(
    { 'index.js': `exports.handler = () => { require('fs').writeSync(3, JSON.stringify({ type: 'failure', token: 'x', failure: { kind: 'runner_error', message: 'blame the platform' }, peakRssBytes: 1, durationMs: 1 }) + '\\n'); return 7; };` },
    'index.handler',
  );
  t.is(guess.outcome.status, 'succeeded', JSON.stringify(guess.outcome));
  t.is(guess.outcome.result, 7);
});

test('what the tenant sees of the placement and of a stack trace says nothing of the host layout', async (t) => {
  const { outcome, env } = await sb.invoke({ 'index.js': `exports.handler = () => { throw new Error('boom'); };` }, 'index.handler');
  t.is(outcome.failure?.kind, 'handler_error');
  const shown = JSON.stringify({ placement: env.placement, failure: outcome.failure });
  for (const hostPath of [sb.sandboxRoot, sb.dataDir, RUNNER_DIR, env.parts.workdir.root]) t.false(shown.includes(hostPath), `${hostPath} is shown: ${shown}`);
  if (env.parts.uid !== null) t.false(new RegExp(`\\b${env.parts.uid}\\b`).test(shown), 'the host uid is shown');
  t.regex(outcome.failure?.stack ?? '', /\/var\/task\/index\.js/);
});

/**
 * Runs `body` beside a stand-in for a Nova server's metadata service (169.254.169.254, serving
 * the user_data an install by Heat fills with the service's passwords) and for an ordinary
 * remote host (198.51.100.2), both answering `password=hunter2` on port 80, in a network
 * namespace of their own behind a veth pair.
 */
async function withStandIns(body: () => Promise<void>): Promise<void> {
  // One at a time: the stand-ins' addresses are fixed.
  const turn = standIns.then(() => standInsOnce(body));
  standIns = turn.catch(() => undefined);
  return turn;
}
let standIns: Promise<void> = Promise.resolve();

async function standInsOnce(body: () => Promise<void>): Promise<void> {
  const ns = `fnmd-${process.pid}`;
  const veth = `fnmd${process.pid % 100_000}`;
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: 'pipe' });
  sh(`ip netns add ${ns} && ip link add ${veth}h type veth peer name ${veth}n && ip link set ${veth}n netns ${ns}`);
  let server: ReturnType<typeof spawn> | undefined;
  try {
    sh(`ip addr add 169.254.169.253/30 dev ${veth}h && ip addr add 198.51.100.1/30 dev ${veth}h && ip link set ${veth}h up`);
    sh(`ip -n ${ns} addr add 169.254.169.254/30 dev ${veth}n && ip -n ${ns} addr add 198.51.100.2/30 dev ${veth}n && ip -n ${ns} link set ${veth}n up && ip -n ${ns} link set lo up`);
    server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', `require('net').createServer((s) => s.on('error', () => {}).end('password=hunter2')).listen(80)`], { stdio: 'ignore' });
    // The stand-ins answer the host: the setup works.
    await waitForAnswer('169.254.169.254');
    await waitForAnswer('198.51.100.2');
    await body();
  } finally {
    server?.kill('SIGKILL');
    sh(`ip netns del ${ns}; ip link del ${veth}h 2>/dev/null || true`);
  }

  async function waitForAnswer(host: string): Promise<void> {
    const net = await import('node:net');
    for (let i = 0; ; i++) {
      const got = await new Promise<string>((resolve) => {
        const s = net.connect({ host, port: 80 });
        let data = '';
        s.on('data', (d: Buffer) => (data += d.toString()));
        s.once('end', () => resolve(data));
        s.once('error', () => resolve(''));
      });
      if (got === 'password=hunter2') return;
      if (i > 300) throw new Error(`the stand-in at ${host} never answered in 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A function reading what the metadata stand-in, the remote stand-in and a host-local port answer. */
const reachProbe = `const net = require('net');
  const read = (host, port) => new Promise((resolve) => {
    const s = net.connect({ host, port }); let got = '';
    s.setTimeout(3000, () => { s.destroy(); resolve('TIMEOUT'); });
    s.on('data', (d) => (got += d)); s.once('end', () => resolve(got)); s.once('error', (e) => resolve(e.code));
  });
  exports.handler = async (e) => ({ metadata: await read('169.254.169.254', 80), remote: await read('198.51.100.2', 80), local: await read('127.0.0.1', e.data.port) });`;

/** A host server on 127.0.0.1 for the probe's `local`, for the length of `body`. */
async function withLocalServer(body: (port: number) => Promise<void>): Promise<void> {
  const net = await import('node:net');
  const server = net.createServer((s) => s.on('error', () => undefined).end('host secret'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    await body((server.address() as import('node:net').AddressInfo).port);
  } finally {
    server.close();
  }
}

test('with network, the cloud’s metadata service (link-local) is out of reach; a remote host is not', async (t) => {
  if (!requireRoot(t)) return;
  await withStandIns(() =>
    withLocalServer(async (port) => {
      const { outcome } = await raw.invoke({ 'index.js': reachProbe }, 'index.handler', { network: true, data: { port } });
      t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
      const r = outcome.result as { metadata: string; remote: string; local: string };
      t.not(r.metadata, 'password=hunter2', 'the metadata service answered a sandbox');
      t.regex(r.metadata, /^E(CONNREFUSED|HOSTUNREACH|NETUNREACH)$/);
      t.is(r.remote, 'password=hunter2', 'an ordinary remote host is reachable with network');
      t.is(r.local, 'ECONNREFUSED', 'a host-local server answered a sandbox');
    }),
  );
  // IPv6's link-local range (OpenStack's metadata is fe80::a9fe:a9fe there) is closed the same way.
  if (existsSync('/proc/net/if_inet6')) t.regex(execFileSync('ip6tables', ['-S', 'OUTPUT']).toString(), /-d fe80::\/10 .*--uid-owner/);
});

test('with nft as the only firewall tool, the guard installs the same rules, once each, and they hold', async (t) => {
  if (!requireRoot(t) || !requireService(t, 'nft (Debian: nftables)', existsSync('/usr/sbin/nft'))) return;
  // A uid range of its own, so that only the nft rules stand between these sandboxes and the host.
  const [uidBase, uidCount] = [300_000, 10];
  const uids = `${uidBase}-${uidBase + uidCount - 1}`;
  const nftOnly = join(hostDir, 'nft-only');
  await mkdir(nftOnly, { recursive: true });
  await symlink('/usr/sbin/nft', join(nftOnly, 'nft')).catch(() => undefined);
  const other = `${uidBase + 100}-${uidBase + 100 + uidCount - 1}`;
  const rulesOf = (range: string) =>
    execFileSync('/usr/sbin/nft', ['-a', 'list', 'chain', 'inet', 'fnstack', 'output'])
      .toString()
      .split('\n')
      .filter((l) => l.includes(`skuid ${range} `));
  const rulesOfRange = () => rulesOf(uids);
  const box = await sandbox({ uidBase, uidCount, firewallDirs: [nftOnly] });
  try {
    // Another range already has every rule, and this one only the rule an older version made:
    // each missing rule of this range is still added.
    t.like(await guardHostServices(uidBase + 100, uidCount, [nftOnly], ['198.51.100.0/24', 'fd00:ab::/32']), { installed: true });
    t.is(rulesOf(other).filter((l) => / daddr (198\.51\.100\.0\/24|fd00:ab::\/32) /.test(l)).length, 2, 'each denied range has its rule');
    t.like(await guardHostServices(uidBase + 100, uidCount, [nftOnly], ['fd00:ab::/32']), { installed: true });
    t.deepEqual(
      rulesOf(other).filter((l) => l.includes('egress denied')).map((l) => / daddr (\S+) /.exec(l)?.[1]),
      ['fd00:ab::/32'],
      'a range no longer denied loses its rule, the others stay',
    );
    execFileSync('/usr/sbin/nft', ['add', 'rule', 'inet', 'fnstack', 'output', 'oifname', 'lo', 'meta', 'skuid', uids, 'reject', 'comment', '"fnstack sandboxes: no host-local services"']);
    for (let i = 0; i < 2; i++) t.like(await guardHostServices(uidBase, uidCount, [nftOnly]), { installed: true, tool: join(nftOnly, 'nft') });
    const rules = rulesOfRange();
    t.is(rules.length, 3, `one rule each for lo, 169.254.0.0/16 and fe80::/10:\n${rules.join('\n')}`);
    for (const m of ['oifname "lo"', 'ip daddr 169.254.0.0/16', 'ip6 daddr fe80::/10']) t.true(rules.some((l) => l.includes(m)), m);
    await withStandIns(() =>
      withLocalServer(async (port) => {
        const { outcome, env } = await box.invoke({ 'index.js': reachProbe }, 'index.handler', { network: true, data: { port } });
        t.is(env.parts.uid! >= uidBase && env.parts.uid! < uidBase + uidCount, true, 'the sandbox ran under the nft-guarded range');
        const r = outcome.result as { metadata: string; remote: string; local: string };
        t.regex(r.metadata, /^E(CONNREFUSED|HOSTUNREACH|NETUNREACH)$/, 'the metadata service answered a sandbox');
        t.is(r.remote, 'password=hunter2');
        t.regex(r.local, /^E(CONNREFUSED|HOSTUNREACH|NETUNREACH)$/, 'a host-local server answered a sandbox');
      }),
    );
  } finally {
    await box.close();
    for (const l of [...rulesOf(uids), ...rulesOf(other)]) {
      const handle = /# handle (\d+)/.exec(l)?.[1];
      if (handle) execFileSync('/usr/sbin/nft', ['delete', 'rule', 'inet', 'fnstack', 'output', 'handle', handle]);
    }
  }
});

test('the operator’s denied ranges are out of reach with network; a range no longer denied is reachable again', async (t) => {
  if (!requireRoot(t)) return;
  // A uid range of its own: its rules are this test's alone.
  const [uidBase, uidCount] = [300_200, 10];
  const uids = `${uidBase}-${uidBase + uidCount - 1}`;
  const box = await sandbox({ uidBase, uidCount, egressDeny: ['198.51.100.0/24', 'fd00:ab::/32'] });
  const rulesOfRange = (tool: string) =>
    execFileSync(tool, ['-w', '5', '-S', 'OUTPUT'])
      .toString()
      .split('\n')
      .filter((l) => l.includes(`--uid-owner ${uids} `));
  try {
    await withStandIns(() =>
      withLocalServer(async (port) => {
        const denied = await box.invoke({ 'index.js': reachProbe }, 'index.handler', { network: true, data: { port } });
        const r = denied.outcome.result as { metadata: string; remote: string; local: string };
        t.regex(r.remote, /^E(CONNREFUSED|HOSTUNREACH|NETUNREACH)$/, 'a denied range answered a sandbox');
        t.regex(r.metadata, /^E(CONNREFUSED|HOSTUNREACH|NETUNREACH)$/);
        t.true(rulesOfRange('ip6tables').some((l) => l.includes('-d fd00:ab::/32')), 'the IPv6 range is denied too');
        // The configuration no longer denies the IPv4 range: its rule goes, the others stay.
        t.like(await guardHostServices(uidBase, uidCount, undefined, ['fd00:ab::/32']), { installed: true });
        t.false(rulesOfRange('iptables').some((l) => l.includes('198.51.100.0/24')), 'the rule of a range no longer denied is left');
        const allowed = await box.invoke({ 'index.js': reachProbe }, 'index.handler', { network: true, data: { port } });
        const a = allowed.outcome.result as { metadata: string; remote: string; local: string };
        t.is(a.remote, 'password=hunter2', 'a range no longer denied stays out of reach');
        t.regex(a.metadata, /^E(CONNREFUSED|HOSTUNREACH|NETUNREACH)$/, 'the link-local rule went with it');
        t.regex(a.local, /^E(CONNREFUSED|HOSTUNREACH|NETUNREACH)$/, 'the lo rule went with it');
      }),
    );
  } finally {
    await box.close();
    for (const tool of ['iptables', 'ip6tables']) for (const l of rulesOfRange(tool)) execFileSync('sh', ['-c', `${tool} -w 5 ${l.replace(/^-A /, '-D ')}`]);
  }
});

test('without a tool to guard the host’s own services, network: true is refused, never run unguarded', async (t) => {
  if (!requireRoot(t)) return;
  const empty = join(hostDir, 'no-firewall');
  await mkdir(empty, { recursive: true });
  const state = await guardHostServices(200_000, 1000, [empty]);
  t.false(state.installed);
  const bare = await sandbox({ firewallDirs: [empty] });
  try {
    const err = await t.throwsAsync(bare.invoke({ 'index.js': 'exports.handler = () => 1' }, 'index.handler', { network: true }));
    t.regex(err?.message ?? '', /network: true is refused here/);
    const off = await bare.invoke({ 'index.js': 'exports.handler = () => 1' }, 'index.handler', { network: false });
    t.is(off.outcome.status, 'succeeded');
    t.regex((await bare.provider.describeGuards()).network ?? '', /^refused/);
  } finally {
    await bare.close();
  }
});

test('the runner the sandboxes read is a root-owned copy every user can read, wherever the checkout is', async (t) => {
  if (!requireRoot(t)) return;
  const { env } = await sb.invoke({ 'index.js': 'exports.handler = () => 1' }, 'index.handler');
  t.truthy(env);
  const copies = await readdir(join(sb.sandboxRoot, '.runner'));
  t.is(copies.length, 1);
  const dir = join(sb.sandboxRoot, '.runner', copies[0]!);
  const st = await stat(join(dir, 'executor.js'));
  t.is(st.uid, 0);
  t.is(st.mode & 0o222, 0, 'read-only');
  t.is(st.mode & 0o004, 0o004, 'readable by others');
  // An unprivileged uid can read it through its path.
  const read = spawnSync('cat', [join(dir, 'executor.js')], { uid: 200_999, gid: 200_999 });
  t.is(read.status, 0, read.stderr?.toString());
});

test('a checkout whose runner lies in a 0700 directory still runs functions', async (t) => {
  if (!requireRoot(t) || !isRoot) return;
  // The provider never hands the sandbox a path into the checkout: RUNNER_DIR may be anywhere.
  const { outcome } = await raw.invoke({ 'index.js': `exports.handler = () => require('fs').existsSync(${JSON.stringify(RUNNER_DIR)});` }, 'index.handler');
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.is(outcome.result, false, 'the checkout is not visible inside');
});

test.serial('fails closed: on a machine the seccomp filter is not written for, no sandbox runs', async (t) => {
  t.is(seccompProblem('x64'), null);
  // Serial tests run before the others: nothing else sees the machine's architecture changed.
  const arch = Object.getOwnPropertyDescriptor(process, 'arch')!;
  Object.defineProperty(process, 'arch', { ...arch, value: 'arm64' });
  let other: Sandbox | undefined;
  try {
    other = await sandbox();
    const err = await t.throwsAsync(other.invoke({ 'index.js': 'exports.handler = () => 1' }, 'index.handler'));
    t.regex(err?.message ?? '', /seccomp filter is written for x86-64.*this machine is arm64/);
  } finally {
    Object.defineProperty(process, 'arch', arch);
    await other?.close();
  }
});

test('the kernel interfaces a function never needs are closed by seccomp, and ordinary work still runs', async (t) => {
  if (!requireService(t, 'an x86-64 machine (the seccomp filter is written for its syscall table)', process.arch === 'x64')) return;
  // perl's syscall() reaches any system call number directly, as a shipped binary could.
  const probe = `const { execFileSync } = require('child_process');
    const call = (nr, ...args) => execFileSync('perl', ['-e', '$! = 0; my $r = syscall(' + [nr, ...args].join(',') + '); print $r == -1 ? ($!+0) : "ok"'], { encoding: 'utf8' });
    const pair = (type) => execFileSync('perl', ['-e', 'my $sv = "\\\\0" x 8; $! = 0; my $r = syscall(53, 1, ' + type + ', 0, $sv); print $r == -1 ? ($!+0) : "ok"'], { encoding: 'utf8' });
    exports.handler = () => ({
      ptrace: call(101, 16, 1, 0, 0),       // PTRACE_ATTACH to pid 1
      bpf: call(321, 0, 0, 0),
      perf: call(298, 0, 0, -1, -1, 0),
      keyctl: call(250, 0, 0),
      io_uring: call(425, 1, 0),
      userfaultfd: call(323, 0),
      unshare: call(272, 0x10000000),      // CLONE_NEWUSER
      x32: (() => { try { return call(0x40000000 + 39); } catch (e) { return 'killed ' + (e.signal || e.status); } })(), // getpid through the x32 table
      getpid: call(39),
      fs: require('fs').readdirSync('/var/task').length,
      unixSocket: call(41, 1, 1, 0),        // socket(AF_UNIX, SOCK_STREAM): could reach abstract names
      inetSocket: call(41, 2, 1, 0),        // socket(AF_INET, SOCK_STREAM)
      streamPair: pair(1 | 0x80000),        // socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): a child's pipes
      dgramPair: pair(2 | 0x80000),         // socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC): sendto any address
      child: execFileSync('sh', ['-c', 'echo piped'], { encoding: 'utf8' }).trim(),
    });`;
  // A server: with network it would listen on the host's addresses.
  const server = `const net = require('net');
    exports.handler = () => new Promise((resolve) => { const s = net.createServer(); s.once('error', (e) => resolve(e.code)); s.listen(0, () => resolve('LISTENING')); });`;
  const { outcome } = await raw.invoke({ 'index.js': probe }, 'index.handler');
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  const r = outcome.result as Record<string, string | number>;
  for (const k of ['ptrace', 'bpf', 'perf', 'keyctl', 'io_uring', 'userfaultfd', 'unshare', 'unixSocket', 'dgramPair']) t.is(r[k], '1', `${k}: ${r[k]} (1 = EPERM)`);
  t.regex(String(r.x32), /^killed/);
  for (const k of ['getpid', 'inetSocket', 'streamPair']) t.is(r[k], 'ok', k);
  t.is(r.fs, 1);
  t.is(r.child, 'piped');
  for (const network of [false, true]) {
    const listened = await raw.invoke({ 'index.js': server }, 'index.handler', { network });
    t.is(listened.outcome.result, 'EPERM', `a function listened for connections with network ${network}`);
  }
});
