/**
 * SQL statements per execution on the embedded default (SQLite + store queue + local provider),
 * counted by the store's statement counter (service/store/statement-count.ts) over N sync
 * invokes of a trivial function, for `isolation: reuse` and `per-event`; the counts of the
 * service's own background work in the same time (sweepers) are included, as they are paid too.
 * Run: `npm run build && node dist/bench/sql-per-execution.js [N]`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../service/main.js';
import { statementCounts } from '../service/store/statement-count.js';

const N = Number(process.argv[2] ?? 50);
const HANDLER = 'exports.handler = async () => ({ ok: true });\n';
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-bench-sql-'));
  const svc = await startService({ port: 0, env: { FNSTACK_DATA_DIR: dataDir, FNSTACK_SANDBOX_POOL_SIZE: '2' }, log: false });
  try {
    const { api_key: key } = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { api_key: string };
    const auth = { authorization: `Bearer ${key}` };
    for (const isolation of ['reuse', 'per-event']) {
      const form = new FormData();
      form.append('metadata', JSON.stringify({ name: `f-${isolation}`, runtime: RUNTIME, handler: 'index.handler', isolation }));
      form.append('code', new Blob([HANDLER]), 'index.js');
      const created = await fetch(`${svc.url}/v1/functions`, { method: 'POST', headers: auth, body: form });
      if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
      const invoke = async () => {
        const r = await fetch(`${svc.url}/v1/functions/f-${isolation}/invoke`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
        const body = (await r.json()) as { status: string };
        if (body.status !== 'succeeded') throw new Error(`invoke: ${JSON.stringify(body)}`);
      };
      for (let i = 0; i < 3; i++) await invoke(); // warm up: sandbox, pool, caches
      const before = statementCounts();
      for (let i = 0; i < N; i++) await invoke();
      const after = statementCounts();
      const per = (k: keyof typeof after) => ((after[k] - before[k]) / N).toFixed(1);
      console.log(`${isolation.padEnd(9)} N=${N}: ${per('total')} statements per execution (select ${per('select')}, insert ${per('insert')}, update ${per('update')}, delete ${per('delete')}, other ${per('other')})`);
    }
  } finally {
    await svc.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
