/**
 * Several real fnstack service processes sharing one MariaDB database and one RabbitMQ vhost,
 * started as child processes of the compiled CLI (`fnstack server --role …`), so that a test
 * can kill -9 one of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface Member {
  role: 'api' | 'worker' | 'all';
  child: ChildProcess;
  dataDir: string;
  url: string | null;
  output: () => string;
  /** kill -9 */
  kill(): void;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface ClusterOptions {
  databaseUrl: string;
  queueUrl: string;
  env?: Record<string, string>;
}

export class Cluster {
  readonly members: Member[] = [];
  constructor(private readonly options: ClusterOptions) {}

  async start(role: Member['role'], env: Record<string, string> = {}): Promise<Member> {
    const dataDir = await mkdtemp(join(tmpdir(), `fnstack-${role}-`));
    // FNSTACK_CLUSTER_NODE_ARGS: extra node options for the members (e.g. `--cpu-prof` in a bench).
    const nodeArgs = process.env.FNSTACK_CLUSTER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...nodeArgs, CLI, 'server', '--role', role, '--port', '0', '--data-dir', dataDir], {
      env: {
        PATH: process.env.PATH,
        FNSTACK_DATABASE_URL: this.options.databaseUrl,
        FNSTACK_QUEUE_URL: this.options.queueUrl,
        FNSTACK_LOG_LEVEL: 'info',
        ...this.options.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string | null>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`${role} did not start in 60 s:\n${out}`)), 60_000);
      const check = () => {
        const m = /listening on (http:\/\/[^\s]+)/.exec(out) ?? /"url":"(http:\/\/[^"]+)"/.exec(out);
        const workerUp = role === 'worker' && /worker started|fnstack worker/i.test(out);
        if (m || workerUp) {
          clearTimeout(deadline);
          resolve(m ? m[1]! : null);
        }
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      void exited.then((code) => {
        clearTimeout(deadline);
        reject(new Error(`${role} exited with ${code} while starting:\n${out}`));
      });
    });
    const member: Member = {
      role,
      child,
      dataDir,
      url,
      output: () => out,
      kill: () => child.kill('SIGKILL'),
      stop: async () => {
        child.kill('SIGTERM');
        return exited;
      },
      exited,
    };
    this.members.push(member);
    return member;
  }

  async apiKey(member: Member): Promise<string> {
    return (JSON.parse(await readFile(join(member.dataDir, 'credentials.json'), 'utf8')) as { api_key: string }).api_key;
  }

  async stopAll(): Promise<void> {
    for (const m of this.members) {
      if (m.child.exitCode === null && m.child.signalCode === null) {
        m.child.kill('SIGTERM');
        const t = setTimeout(() => m.child.kill('SIGKILL'), 15_000);
        await m.exited;
        clearTimeout(t);
      }
      await rm(m.dataDir, { recursive: true, force: true });
    }
  }
}
