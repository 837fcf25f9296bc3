/** A fresh RabbitMQ vhost per test on the real broker (127.0.0.1:5672, guest). */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { reachable } from './requirements.js';

const run = promisify(execFile);
export const rabbitAvailable = () => reachable('127.0.0.1', 5672);

export async function rabbitctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

export interface TestVhost {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestVhost(): Promise<TestVhost> {
  const name = `fnstack-test-${randomBytes(5).toString('hex')}`;
  await rabbitctl('add_vhost', name);
  await rabbitctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return {
    name,
    url: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(name)}`,
    drop: async () => {
      await rabbitctl('delete_vhost', name).catch(() => undefined);
    },
  };
}
