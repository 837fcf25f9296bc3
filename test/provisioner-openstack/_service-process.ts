/**
 * A service in a process of its own, so that a test can kill -9 it:
 *   node dist/test/provisioner-openstack/_service-process.js <port>
 * with the whole configuration in FNSTACK_* variables. Prints `READY <url>` once listening.
 */
import { startService } from '../../service/main.js';

const port = Number(process.argv[2]);
const service = await startService({ port, host: '127.0.0.1', env: process.env, log: process.env.FNSTACK_TEST_LOG === '1' });
process.stdout.write(`READY ${service.url}\n`);
process.on('SIGTERM', () => {
  void service.close().then(() => process.exit(0));
});
