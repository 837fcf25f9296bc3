import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { ApiClient } from '../../cli/api-client.js';
import { loadCodePackage } from '../../cli/code-package.js';
import { buildMultipart } from '../../cli/multipart.js';
import { fakeServer, sendJson } from './_helpers/fake-server.js';
import { tempDir } from './_helpers/tmp.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('a 20 MB upload reports progress as it is sent, and the service gets a parseable body', async (t) => {
  const file = join(tempDir(), 'big.zip');
  const content = randomBytes(20 * 1024 * 1024);
  writeFileSync(file, content);
  const server = await fakeServer((_req, res) => sendJson(res, 201, { name: 'big', version: 1 }));
  t.teardown(() => server.close());

  const progress: Array<[number, number]> = [];
  const client = new ApiClient({ endpoint: server.url, apiKey: 'k' });
  const code = await loadCodePackage(file);
  const created = await client.createFunction({ name: 'big', runtime: 'nodejs20', handler: 'index.handler' }, code, (sent, total) => progress.push([sent, total]));
  t.like(created, { name: 'big' });

  const [req] = server.requests;
  const total = Number(req!.headers['content-length']);
  t.is(req!.body.length, total, 'content-length matches the bytes sent');
  t.true(progress.length >= 100, `expected many progress reports, got ${progress.length}`);
  t.true(progress.every(([, tot]) => tot === total));
  t.true(progress.every(([sent], i) => i === 0 || sent > progress[i - 1]![0]), 'progress only grows');
  t.deepEqual(progress.at(-1), [total, total]);
  t.true(progress[0]![0] < total / 10, 'the first report comes early');

  const form = await new Response(req!.body, { headers: { 'content-type': req!.headers['content-type']! } }).formData();
  t.deepEqual(JSON.parse(form.get('metadata') as string), { name: 'big', runtime: 'nodejs20', handler: 'index.handler' });
  const uploaded = form.get('code') as File;
  t.is(uploaded.name, 'big.zip');
  t.is(uploaded.type, 'application/zip');
  t.is(sha(new Uint8Array(await uploaded.arrayBuffer())), sha(content));
  t.is(req!.headers.authorization, 'Bearer k');
});

test('field parts come before the file, and names are escaped', async (t) => {
  const encoder = new TextEncoder();
  const { body, contentType, length } = buildMultipart(
    [
      { name: 'metadata', value: '{"a":1}' },
      { name: 'code', filename: 'we"ird\nname.js', contentType: 'text/javascript', size: 3, open: async function* () { yield encoder.encode('abc'); } },
    ],
    undefined,
    'BOUNDARY',
  );
  const text = await new Response(body).text();
  t.is(contentType, 'multipart/form-data; boundary=BOUNDARY');
  t.is(Buffer.byteLength(text), length);
  t.is(
    text,
    '--BOUNDARY\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"a":1}' +
      '\r\n--BOUNDARY\r\nContent-Disposition: form-data; name="code"; filename="we%22ird%0Aname.js"\r\nContent-Type: text/javascript\r\n\r\nabc' +
      '\r\n--BOUNDARY--\r\n',
  );
});

test('a file that changes size while uploading fails the upload instead of sending a corrupt body', async (t) => {
  const encoder = new TextEncoder();
  const { body } = buildMultipart([
    { name: 'code', filename: 'a.js', contentType: 'text/javascript', size: 10, open: async function* () { yield encoder.encode('abc'); } },
  ]);
  await t.throwsAsync(new Response(body).text(), { message: /a\.js changed while it was being uploaded/ });
});
