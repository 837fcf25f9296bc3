/**
 * A stand-in for the guests of the test cloud's fake Nova servers (nothing boots there).
 *
 * For every ACTIVE server of one project it builds what a booted VM would be from the
 * outside: a network namespace holding the server's Neutron fixed IP (a veth pair; the host
 * routes that /32 into it, so the IP answers from the host as the VM's would) and a private
 * mount namespace (the guest's /etc/fnstack, /opt/fnstack, /var/lib/fnstack, /etc/murano,
 * /var/murano and /var/log are its own directories under `root`). The guest reaches
 * only the host services listed in `hostPorts`, on its own 127.0.0.1, through socat relays
 * (as a VM reaches RabbitMQ or Heat through the cloud's network). Then it boots the
 * server's real user_data, read from Nova (admin, microversion >= 2.3):
 *  - a shell script (the Heat template's install.sh): run as cloud-init runs it;
 *  - Murano's MIME user_data: its boot script writes /etc/murano/agent.conf from the
 *    base64 in `AgentConfigBase64='…'` and starts the murano agent service; the stand-in does
 *    those two steps (it does not run the script's init-system plumbing) and runs Debian's
 *    murano-agent 10.0.0 with its Python 3 plan-queue bug patched (see patchedAgent()).
 * What is real: Nova/Neutron/Heat/Murano and their messages, the user_data, the agent and
 * its RabbitMQ protocol, the package's scripts, the installed service. What stands in: the
 * kernel and init of a VM (the host's kernel, namespaces, no cloud-init program).
 * When the server is gone from Nova, its namespaces, processes and files go too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PY = '/usr/bin/python3';
const STATE = '/var/lib/fnstack-guests';
const AGENT_SRC = '/usr/lib/python3/dist-packages/muranoagent';
const PRIVATE_DIRS = ['/etc/fnstack', '/opt/fnstack', '/var/lib/fnstack', '/var/lib/fnstack-install', '/etc/murano', '/var/murano', '/var/log'];

export interface StandinOptions {
  computeUrl: string;
  networkUrl: string;
  /** an admin token (re-asked for when Nova says 401) */
  adminToken: () => Promise<string>;
  projectId: string;
  /** host loopback ports the guest may reach on its own 127.0.0.1 */
  hostPorts: number[];
  log: (line: string) => void;
}

export interface Guest {
  serverId: string;
  ip: string;
  kind: 'script' | 'murano-agent' | 'unknown';
  root: string;
  netns: string;
  booted: Date;
}

interface Running extends Guest { procs: ChildProcess[]; hostIf: string }

function sh(cmd: string, args: string[], okFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !okFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Debian's murano-agent 10.0.0 writes a str to a file it opened 'wb' in
 * execution_plan_queue.py (TypeError under Python 3: the plan is lost, and the empty
 * plan.json breaks the next start). Upstream later opens it 'w'. A guest image would ship
 * the fixed agent; this copy is that agent.
 */
export function patchedAgent(): string {
  const lib = join(STATE, 'agent-lib');
  const file = join(lib, 'muranoagent', 'execution_plan_queue.py');
  if (!existsSync(file)) {
    mkdirSync(lib, { recursive: true });
    cpSync(AGENT_SRC, join(lib, 'muranoagent'), { recursive: true });
    const text = readFileSync(file, 'utf8');
    const fixed = text.replace(/open\(([^()]*), 'wb'\)/g, "open($1, 'w')");
    if (fixed === text) throw new Error(`${file}: the 'wb' open to patch is not there (another murano-agent version?)`);
    writeFileSync(file, fixed);
  }
  return lib;
}

/** `AgentConfigBase64='…'` of Murano's boot script (linux-init.sh), decoded. */
export function muranoAgentConfig(userData: string): string | null {
  const m = /AgentConfigBase64='([A-Za-z0-9+/=\s]+)'/.exec(userData);
  return m ? Buffer.from(m[1]!.replace(/\s/g, ''), 'base64').toString('utf8') : null;
}

/** The user_data as cloud-init would see it: MIME parts decoded (base64 or not), else as is. */
export function userDataText(b64: string): string {
  const raw = Buffer.from(b64, 'base64').toString('utf8');
  if (!/^Content-Type: multipart\//im.test(raw)) return raw;
  const parts = raw.split(/^--=+[0-9A-Za-z_=-]*$/m);
  return parts.map((p) => {
    const [head = '', ...body] = p.split(/\r?\n\r?\n/);
    const text = body.join('\n\n');
    return /Content-Transfer-Encoding:\s*base64/i.test(head) ? Buffer.from(text.replace(/\s/g, ''), 'base64').toString('utf8') : text;
  }).join('\n');
}

export class GuestStandin {
  readonly guests = new Map<string, Running>();
  readonly seen: Guest[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private token: string | undefined;

  constructor(private readonly o: StandinOptions) {}

  start(): this {
    mkdirSync(STATE, { recursive: true });
    this.timer = setInterval(() => void this.poll(), 2000);
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.polling) await new Promise((r) => setTimeout(r, 100));
    for (const id of [...this.guests.keys()]) this.shutdown(id);
  }

  private async api(url: string): Promise<any> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.token ??= await this.o.adminToken();
      const res = await fetch(url, { headers: { 'x-auth-token': this.token, 'openstack-api-version': 'compute 2.79' } });
      if (res.status === 401) { this.token = undefined; continue; }
      if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    }
    throw new Error(`GET ${url}: 401 twice`);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { servers } = await this.api(`${this.o.computeUrl}/servers/detail?all_tenants=1&project_id=${this.o.projectId}`);
      const present = new Set<string>();
      for (const s of servers as any[]) {
        present.add(s.id);
        if (s.status === 'ACTIVE' && !this.guests.has(s.id) && !this.seen.some((g) => g.serverId === s.id)) await this.boot(s);
      }
      for (const id of [...this.guests.keys()]) if (!present.has(id)) this.shutdown(id);
    } catch (e) {
      this.o.log(`guest stand-in: ${String(e)}`);
    } finally {
      this.polling = false;
    }
  }

  private async boot(server: any): Promise<void> {
    const { ports } = await this.api(`${this.o.networkUrl}/v2.0/ports?device_id=${server.id}`);
    const fixed = ports?.[0]?.fixed_ips?.[0];
    if (!fixed) return; // no port yet: next round
    const { subnet } = await this.api(`${this.o.networkUrl}/v2.0/subnets/${fixed.subnet_id}`);
    const ip: string = fixed.ip_address;
    const prefix = String(subnet.cidr).split('/')[1];
    const gw: string = subnet.gateway_ip;
    const id8 = server.id.replace(/-/g, '').slice(0, 8);
    const netns = `fng-${id8}`;
    const hostIf = `fngh-${id8}`;
    const dir = join(STATE, server.id);
    const root = join(dir, 'root');
    const text = userDataText(server['OS-EXT-SRV-ATTR:user_data'] ?? '');
    const agentConf = muranoAgentConfig(text);
    const kind: Guest['kind'] = agentConf ? 'murano-agent' : text.startsWith('#!') ? 'script' : 'unknown';
    const guest: Running = { serverId: server.id, ip, kind, root, netns, booted: new Date(), procs: [], hostIf };
    this.guests.set(server.id, guest);
    this.seen.push({ serverId: guest.serverId, ip, kind, root, netns, booted: guest.booted });
    this.o.log(`guest stand-in: server ${server.id} ACTIVE at ${ip}: ${kind} guest in netns ${netns}`);

    for (const d of PRIVATE_DIRS) mkdirSync(join(root, d), { recursive: true });
    sh('ip', ['netns', 'add', netns]);
    sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    sh('ip', ['link', 'set', hostIf, 'up']);
    sh('ip', ['addr', 'add', `${gw}/32`, 'dev', hostIf]);
    sh('ip', ['route', 'add', `${ip}/32`, 'dev', hostIf, 'src', gw]);
    sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', netns, 'addr', 'add', `${ip}/${prefix}`, 'dev', 'eth0']);
    sh('ip', ['-n', netns, 'route', 'add', 'default', 'via', gw, 'dev', 'eth0']);
    for (const port of this.o.hostPorts) {
      const sock = join(dir, `relay-${port}.sock`);
      guest.procs.push(spawn('socat', [`UNIX-LISTEN:${sock},fork,unlink-early,mode=600`, `TCP:127.0.0.1:${port}`], { stdio: 'ignore' }));
      guest.procs.push(spawn('ip', ['netns', 'exec', netns, 'socat', `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${sock}`], { stdio: 'ignore' }));
    }

    let command: string[];
    if (kind === 'murano-agent') {
      writeFileSync(join(root, 'etc/murano/agent.conf'), agentConf!, { mode: 0o600 });
      const lib = patchedAgent();
      command = ['/usr/bin/env', '-i', 'PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', `PYTHONPATH=${lib}`, 'HOME=/root',
        PY, '-c', 'import sys; sys.argv[0] = "muranoagent"; from muranoagent.cmd.run import main; main()', '--config-file', '/etc/murano/agent.conf'];
    } else if (kind === 'script') {
      writeFileSync(join(dir, 'user-data'), text, { mode: 0o700 });
      command = ['/usr/bin/env', '-i', 'PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'HOME=/root', join(dir, 'user-data')];
    } else {
      this.o.log(`guest stand-in: server ${server.id}: user_data neither a script nor Murano's; nothing boots`);
      return;
    }
    // the guest's own directories over the host's, in a mount namespace of its own
    const mounts = PRIVATE_DIRS.map((d) => `mkdir -p '${d}' && mount --bind '${join(root, d)}' '${d}'`).join(' && ');
    await new Promise((r) => setTimeout(r, 300)); // the relays listen
    const console_ = join(dir, 'console.log');
    const boot = spawn('ip', ['netns', 'exec', netns, 'unshare', '--mount', '--propagation', 'private', '--',
      '/bin/sh', '-c', `${mounts} && exec "$@" >>'${console_}' 2>&1`, 'boot', ...command], { stdio: 'ignore' });
    guest.procs.push(boot);
  }

  /** Kills everything in the guest's network namespace, removes it and the guest's files. */
  shutdown(serverId: string): void {
    const g = this.guests.get(serverId);
    if (!g) return;
    this.guests.delete(serverId);
    const pids = sh('ip', ['netns', 'pids', g.netns], true).split('\n').filter(Boolean);
    for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
    for (const p of g.procs) p.kill('SIGKILL');
    sh('ip', ['netns', 'del', g.netns], true); // takes the veth pair (and the host route) along
    this.o.log(`guest stand-in: server ${serverId} gone: netns ${g.netns} and ${pids.length} process(es) removed`);
    rmSync(join(STATE, serverId), { recursive: true, force: true });
  }

  /** The guest's console log (its boot command's output), for a failing test's message. */
  console(serverId: string): string {
    const f = join(STATE, serverId, 'console.log');
    return existsSync(f) ? readFileSync(f, 'utf8').slice(-4000) : '';
  }
}
