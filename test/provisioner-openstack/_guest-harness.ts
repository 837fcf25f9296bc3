/**
 * Plays the booted VM for Nova's fake driver, which boots nothing. It watches, as admin
 * (all projects; microversion 2.79 ≥ 2.3 so Nova shows user_data), for ACTIVE servers
 * whose name starts with `prefix`, reads their user_data and does what cloud-init does
 * with a shell-script user_data: runs it once (here as a local child process in its own
 * process group, with node on PATH and a private TMPDIR). When the server disappears from
 * Nova, the "VM" is gone: its processes are killed. Everything else on the path — Keystone,
 * Nova's API/scheduler/conductor/compute, Glance, the service — is the real thing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ComputeClient, OpenStackSession, userDataOf, type Server } from '../../service/openstack/index.js';
import type { TestCloud } from '../openstack/_helpers/cloud.js';
import { passwordCredentials } from './_cloud.js';

export interface HarnessOptions {
  cloud: TestCloud;
  /** Only servers whose name starts with this are played. */
  prefix: string;
  /** How long after ACTIVE "cloud-init" runs the user_data of this server, ms (default 0). */
  bootDelayMs?: (server: Server) => number;
  pollMs?: number;
}

export interface Guest {
  serverId: string;
  serverName: string;
  activeSeenAt: number;
  startedAt: number | null;
  exitCode: number | null;
  /** What the user_data script and the runner wrote: the VM's console, so to speak. */
  console: string;
  child: ChildProcess | null;
  userData: string | null;
}

export class GuestHarness {
  readonly guests = new Map<string, Guest>();
  private readonly compute: ComputeClient;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dirs: string[] = [];

  constructor(private readonly o: HarnessOptions) {
    const admin = new OpenStackSession({ authUrl: o.cloud.auth_url, credentials: passwordCredentials(o.cloud.admin), region: o.cloud.region, interface: o.cloud.interface });
    this.compute = new ComputeClient(admin);
  }

  start(): this {
    const tick = () => {
      this.poll()
        .catch((err: unknown) => console.warn(`guest harness: ${(err as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.pollMs ?? 150);
        });
    };
    tick();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.timers) clearTimeout(t);
    for (const g of this.guests.values()) kill(g);
    await new Promise((r) => setTimeout(r, 200));
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }

  /** The VM "crashes": every process of its guest dies at once (the server stays ACTIVE in Nova). */
  crash(serverId: string): boolean {
    const g = this.guests.get(serverId);
    if (!g?.child) return false;
    kill(g);
    return true;
  }

  guestByName(name: string): Guest | undefined {
    return [...this.guests.values()].find((g) => g.serverName === name);
  }

  private async poll(): Promise<void> {
    const servers = await this.compute.listServers({ allTenants: true, name: `^${this.o.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` });
    const present = new Set(servers.map((s) => s.id));
    for (const g of this.guests.values()) if (!present.has(g.serverId)) kill(g); // the VM is gone
    for (const s of servers) {
      if (s.status !== 'ACTIVE' || this.guests.has(s.id)) continue;
      const guest: Guest = { serverId: s.id, serverName: s.name, activeSeenAt: Date.now(), startedAt: null, exitCode: null, console: '', child: null, userData: userDataOf(s) };
      this.guests.set(s.id, guest);
      const delay = this.o.bootDelayMs?.(s) ?? 0;
      if (delay <= 0) this.boot(guest);
      else {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (!this.stopped && guest.exitCode === null) this.boot(guest);
        }, delay);
        this.timers.add(t);
      }
    }
  }

  /** cloud-init's part: a user_data that starts with `#!` is a script, run once. */
  private boot(g: Guest): void {
    if (!g.userData?.startsWith('#!')) {
      g.console += '[harness] no script user_data: nothing to run\n';
      return;
    }
    const tmp = mkdtempSync(join(tmpdir(), 'fnstack-guest-'));
    this.dirs.push(tmp);
    g.startedAt = Date.now();
    const child = spawn('/bin/sh', ['-c', g.userData], {
      cwd: tmp,
      env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: tmp, TMPDIR: tmp, LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    g.child = child;
    child.stdout?.on('data', (c: Buffer) => (g.console += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (g.console += c.toString()));
    child.once('exit', (code, signal) => {
      g.exitCode = code ?? (signal ? 128 : -1);
      g.child = null;
    });
  }
}

function kill(g: Guest): void {
  const pid = g.child?.pid;
  if (pid === undefined || g.exitCode !== null) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
