/**
 * A fresh RabbitMQ vhost per test on the real broker (FNSTACK_TEST_RABBITMQ_URL, default
 * amqp://guest:guest@127.0.0.1:5672), so that `close_all_connections -p <vhost>` touches only
 * the test's own connections and deleting the vhost cleans everything up.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { reachable } from './requirements.js';

export const RABBIT = new URL(process.env.FNSTACK_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672');

const run = promisify(execFile);

export async function rabbitctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

let ctlOk: Promise<boolean> | null = null;
/** The broker answers, and rabbitmqctl can manage it (vhosts are made with it). */
export const rabbitAvailable = async (): Promise<boolean> =>
  (await reachable(RABBIT.hostname, Number(RABBIT.port || 5672))) &&
  (await (ctlOk ??= rabbitctl('list_vhosts').then(
    () => true,
    () => false,
  )));

export interface TestVhost {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Vhosts are named fnstack_qtest_<unix seconds>_<random>. A test worker killed by a timeout
 * never cleans up, so the first call in a process also deletes such vhosts older than an hour.
 */
const VHOST_PREFIX = 'fnstack_qtest_';
let swept: Promise<void> | null = null;

async function sweepStaleVhosts(): Promise<void> {
  const cutoff = Date.now() / 1000 - 3600;
  const stale = (await rabbitctl('list_vhosts', '--no-table-headers', 'name'))
    .split('\n')
    .map((l) => l.trim())
    .filter((v) => v.startsWith(VHOST_PREFIX) && Number(v.slice(VHOST_PREFIX.length).split('_')[0]) < cutoff);
  for (const v of stale) await rabbitctl('delete_vhost', v).catch(() => undefined);
}

export async function createTestVhost(): Promise<TestVhost> {
  await (swept ??= sweepStaleVhosts().catch(() => undefined));
  const name = `${VHOST_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  await rabbitctl('add_vhost', name);
  await rabbitctl('set_permissions', '-p', name, decodeURIComponent(RABBIT.username || 'guest'), '.*', '.*', '.*');
  const url = new URL(RABBIT.toString());
  url.pathname = `/${encodeURIComponent(name)}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await rabbitctl('delete_vhost', name).catch(() => undefined);
    },
  };
}
