/**
 * The cloud's hypervisor, played for real: Nova's fake driver boots nothing, so this
 * watches Nova (as admin: microversion 2.79 ≥ 2.3 shows OS-EXT-SRV-ATTR:user_data) for the
 * first ACTIVE server whose name starts with `prefix` and boots it in QEMU (TCG: no KVM
 * here) from the guest image, sized like the server's flavor, with a NoCloud seed (an
 * ISO 9660 disk labelled `cidata`) carrying the server's user_data — what a config drive
 * gives a guest on a real cloud. The guest's cloud-init then runs the user_data like on
 * any cloud. User-mode networking: the guest reaches the host's loopback at 10.0.2.2, so
 * the service's public URL must name that address. When the server disappears from Nova,
 * the VM is powered off (QEMU killed), as the hypervisor would do.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeClient, OpenStackSession, userDataOf, type Server } from '../../service/openstack/index.js';
import type { TestCloud } from '../openstack/_helpers/cloud.js';
import { passwordCredentials } from '../provisioner-openstack/_cloud.js';

/** The guest reaches the host's 127.0.0.1 at this address (QEMU user-mode networking). */
export const HOST_FROM_GUEST = '10.0.2.2';

export const QEMU_TOOLS = ['qemu-system-x86_64', 'qemu-img', 'genisoimage'] as const;

export function missingTools(): string[] {
  return QEMU_TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

export interface QemuGuestOptions {
  cloud: TestCloud;
  prefix: string;
  /** The qcow2 to boot (used read-only, as the backing file of the VM's own disk). */
  image: string;
  pollMs?: number;
}

export interface BootedGuest {
  server: Server;
  /** When QEMU was started (ms since the epoch). */
  startedAt: number;
  /** Resolves with QEMU's exit (code or signal) once the VM is off. */
  exited: Promise<string>;
}

export class QemuGuest {
  private readonly compute: ComputeClient;
  private readonly dir = mkdtempSync(join(tmpdir(), 'fnstack-qemu-'));
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private child: ChildProcess | null = null;
  private booted: BootedGuest | null = null;
  private readonly waiters: ((g: BootedGuest) => void)[] = [];
  readonly consolePath = join(this.dir, 'console.log');

  constructor(private readonly o: QemuGuestOptions) {
    this.compute = new ComputeClient(new OpenStackSession({ authUrl: o.cloud.auth_url, credentials: passwordCredentials(o.cloud.admin), region: o.cloud.region, interface: o.cloud.interface }));
  }

  start(): this {
    const tick = () => {
      this.poll()
        .catch((err: unknown) => console.warn(`qemu guest: ${(err as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.pollMs ?? 500);
        });
    };
    tick();
    return this;
  }

  /** The guest, once a server was seen ACTIVE and QEMU started. */
  guest(): Promise<BootedGuest> {
    return this.booted ? Promise.resolve(this.booted) : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** What the guest wrote on its serial console so far (kernel, systemd, cloud-init, the runner). */
  console(): string {
    try {
      return readFileSync(this.consolePath, 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.powerOff();
    if (this.booted) await Promise.race([this.booted.exited, new Promise((r) => setTimeout(r, 5000))]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private powerOff(): void {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 3000).unref();
  }

  private async poll(): Promise<void> {
    if (this.booted) {
      // The hypervisor's half of a delete: once Nova has forgotten the server, the VM goes.
      if ((await this.compute.getServer(this.booted.server.id)) === null) this.powerOff();
      return;
    }
    const servers = await this.compute.listServers({ allTenants: true, name: `^${this.o.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` });
    const server = servers.find((s) => s.status === 'ACTIVE');
    if (server) this.boot(server);
  }

  private boot(server: Server): void {
    const userData = userDataOf(server);
    const flavor = server.flavor as { ram?: number; vcpus?: number; disk?: number } | undefined;
    if (!userData || !flavor?.ram || !flavor.vcpus || !flavor.disk) throw new Error(`server ${server.id}: no user_data or flavor in Nova's answer`);
    // The NoCloud seed: what Nova's config drive / metadata service tell a guest.
    const seed = join(this.dir, 'seed');
    rmSync(seed, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', seed]);
    writeFileSync(join(seed, 'user-data'), userData);
    writeFileSync(join(seed, 'meta-data'), `instance-id: ${server.id}\nlocal-hostname: ${server.name}\n`);
    run('genisoimage', ['-quiet', '-output', join(this.dir, 'seed.iso'), '-volid', 'cidata', '-joliet', '-rock', join(seed, 'user-data'), join(seed, 'meta-data')]);
    // The VM's own disk: a copy-on-write layer over the image, as large as the flavor's root disk.
    const disk = join(this.dir, 'disk.qcow2');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', this.o.image, disk, `${flavor.disk}G`]);
    const vcpus = Math.min(flavor.vcpus, 2); // TCG on a shared 2-core machine
    const child = spawn(
      'qemu-system-x86_64',
      [
        '-name', `fnstack-guest-${server.id}`,
        '-accel', 'tcg', '-cpu', 'max', '-smp', String(vcpus), '-m', String(flavor.ram),
        '-nodefaults', '-display', 'none', '-no-reboot',
        '-serial', `file:${this.consolePath}`,
        '-drive', `file=${qemuPath(disk)},if=virtio,format=qcow2`,
        '-drive', `file=${qemuPath(join(this.dir, 'seed.iso'))},if=virtio,format=raw,readonly=on`,
        '-netdev', 'user,id=net0', '-device', 'virtio-net-pci,netdev=net0',
        '-device', 'virtio-rng-pci',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}${stderr ? `: ${stderr.trim()}` : ''}`)));
    this.booted = { server, startedAt: Date.now(), exited };
    for (const w of this.waiters.splice(0)) w(this.booted);
  }
}

/** QEMU's -drive values are comma-separated: a comma in a path is written twice. */
function qemuPath(path: string): string {
  return path.replaceAll(',', ',,');
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
}
