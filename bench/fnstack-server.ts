/** Starts one fnstack service for a benchmark in its own process (config from FNSTACK_*); prints its URL. */
import { startService } from '../service/main.js';

const svc = await startService({ port: Number(process.env.BENCH_PORT ?? 0), log: false });
process.stdout.write(`${svc.url}\n`);
process.on('SIGTERM', () => void svc.close().then(() => process.exit(0)));
