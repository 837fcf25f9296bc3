/**
 * Large results must not make list pages unusable for everyone: lists carry a size and a
 * short preview, never the result; the detail carries it only when small; the whole result
 * streams back byte for byte from its own route. On the embedded default and on MariaDB.
 */
import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';
import { mariadbAvailable } from '../_helpers/mariadb.js';
import { requireService } from '../_helpers/requirements.js';

const COUNT = 20;
const RESULT_BYTES = 4 * 1024 * 1024;
// 10 bytes of UTF-8 in 4 characters of 1 to 4 bytes: chunk boundaries fall inside characters.
const UNIT = 'aé€😀';
const SOURCE = `exports.handler = async (e) => ${JSON.stringify(UNIT)}.repeat(e.data.units) + e.data.n;`;
const units = Math.floor(RESULT_BYTES / 10);
const expectedJson = (n: number) => Buffer.from(JSON.stringify(UNIT.repeat(units) + n));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function get(svc: TestService, path: string): Promise<{ status: number; bytes: Buffer; type: string | null }> {
  const r = await fetch(svc.url + path, { headers: { authorization: `Bearer ${svc.apiKey}` } });
  return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type') };
}

async function untilFinal(svc: TestService, fn: string): Promise<any[]> {
  for (;;) {
    const r = await get(svc, `/v1/executions?function=${fn}&limit=${COUNT}`);
    const items = JSON.parse(r.bytes.toString()).items as any[];
    if (items.length === COUNT && items.every((e) => ['succeeded', 'failed', 'timed_out'].includes(e.status))) return items;
    await new Promise((res) => setTimeout(res, 500));
  }
}

async function largeResults(t: ExecutionContext, svc: TestService) {
  await createFunction(svc, 'big', SOURCE, { memory_mb: 256, timeout_s: 120 });
  for (let n = 0; n < COUNT; n++) {
    const r = await svc.api('POST', '/v1/functions/big/invoke?mode=async', { units, n });
    t.is(r.status, 202, JSON.stringify(r.body));
  }
  const finals = await untilFinal(svc, 'big');
  t.true(finals.every((e) => e.status === 'succeeded'), JSON.stringify(finals.map((e) => [e.status, e.error])));

  // The list page, fetched while /health is asked too: small, and without any result.
  const started = Date.now();
  const [page, health] = await Promise.all([get(svc, `/v1/executions?limit=${COUNT}`), get(svc, '/health'), get(svc, `/v1/executions?function=big&limit=${COUNT}`)]);
  t.log(`list of ${COUNT} executions with ${RESULT_BYTES} byte results: ${page.bytes.length} bytes, ${Date.now() - started} ms (with /health alongside)`);
  t.is(page.status, 200);
  t.is(health.status, 200);
  t.true(page.bytes.length < 64 * 1024, `the page is ${page.bytes.length} bytes`);
  const items = JSON.parse(page.bytes.toString()).items as any[];
  t.is(items.length, COUNT);
  for (const e of items) {
    t.false('result' in e, 'no result in a list');
    t.true([expectedJson(0).length, expectedJson(10).length].includes(e.result_bytes), `result_bytes ${e.result_bytes}`);
    t.true(Buffer.byteLength(e.result_preview) <= 1024);
    t.true(expectedJson(0).toString().startsWith(e.result_preview), 'the preview is the start of the JSON text');
  }

  // The detail: no inline result, a flag and the URL; the result route streams it whole.
  const one = finals[0];
  const detail = await svc.api('GET', `/v1/executions/${one.id}`);
  t.is(detail.status, 200);
  t.is(detail.body.result, null);
  t.true(detail.body.result_truncated);
  t.is(detail.body.result_url, `/v1/executions/${one.id}/result`);
  const whole = await get(svc, detail.body.result_url);
  t.is(whole.status, 200);
  t.regex(whole.type ?? '', /^application\/json/);
  t.is(whole.bytes.length, one.result_bytes);
  const n = Number(JSON.parse(whole.bytes.toString()).slice(UNIT.length * units));
  t.is(sha(whole.bytes), sha(expectedJson(n)), 'byte-identical');
}

test.serial('embedded default: 20 results of 4 MiB leave list pages small and /health answering; each result streams back whole', async (t) => {
  const svc = await startTestService();
  try {
    await largeResults(t, svc);
  } finally {
    await svc.close();
  }
});

test.serial('MariaDB: 20 results of 4 MiB leave list pages small and /health answering; each result streams back whole', async (t) => {
  if (!requireService(t, 'MariaDB', await mariadbAvailable())) return;
  const svc = await startTestService({ dialect: 'mariadb' });
  try {
    await largeResults(t, svc);
  } finally {
    await svc.close();
  }
});

test('a small result comes inline in the detail and in a sync invoke; no result answers 409 at the result route', async (t) => {
  const svc = await startTestService();
  try {
    await createFunction(svc, 'small', 'exports.handler = async (e) => ({ echo: e.data, s: "é😀" });');
    await createFunction(svc, 'boom', 'exports.handler = async () => { throw new Error("no"); };');
    const r = await svc.api('POST', '/v1/functions/small/invoke', { a: 1 });
    t.is(r.status, 200);
    t.deepEqual(r.body.result, { echo: { a: 1 }, s: 'é😀' });
    t.false(r.body.result_truncated);
    const text = JSON.stringify(r.body.result);
    t.is(r.body.result_bytes, Buffer.byteLength(text));
    t.is(r.body.result_preview, text);
    const whole = await get(svc, r.body.result_url);
    t.is(whole.bytes.toString(), text);
    const failed = await svc.api('POST', '/v1/functions/boom/invoke', {});
    t.is(failed.body.status, 'failed');
    t.is(failed.body.result_url, null);
    const none = await svc.api('GET', `/v1/executions/${failed.body.id}/result`);
    t.is(none.status, 409);
    t.is(none.body.code, 'conflict');
    t.is((await svc.api('GET', '/v1/executions/nope/result')).status, 404);
  } finally {
    await svc.close();
  }
});
