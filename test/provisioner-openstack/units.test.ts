/** Pure parts of the openstack provider: sizing, backoffs, user_data, the code tar and its untar, phase deadlines. */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chooseFlavor, chooseImage, compareFlavors, type FlavorInfo, type ImageInfo } from '../../service/provisioner/openstack/sizing.js';
import { pollDelayMs, provisioningErrorOf } from '../../service/provisioner/openstack/server-boot.js';
import { poolRetryDelayMs } from '../../service/provisioner/openstack/warm-pool.js';
import { buildUserData, parseUserData } from '../../service/provisioner/openstack/user-data.js';
import { entry, tarGzDirectory } from '../../service/provisioner/openstack/code-tar.js';
import { untarGz } from '../../service/runner/agent-untar.js';
import { DEFAULT_TIMINGS, phaseOverdue } from '../../service/provisioner/openstack/openstack-environment.js';
import { initBoundMs } from '../../service/runner/protocol.js';
import { networksOf, serviceTagOf } from '../../service/provisioner/openstack/server-factory.js';
import { ProvisioningError } from '../../service/provisioner/provider.js';
import { OpenStackError, MAX_USER_DATA_BASE64 } from '../../service/openstack/index.js';

const F = (name: string, ram: number, vcpus: number, disk: number, disabled = false): FlavorInfo => ({ id: `id-${name}`, name, ram, vcpus, disk, disabled });
const CLOUD = [F('fn.xlarge', 4096, 4, 20), F('fn.tiny', 256, 1, 1), F('fn.medium', 1024, 1, 5), F('fn.small', 512, 1, 2), F('fn.large', 2048, 2, 10)];
const need = (memoryMb: number, vcpus = 1, diskGb = 1) => ({ memoryMb, runtimeOverheadMb: 64, vcpus, diskGb });

test('sizing: the smallest flavor that fits memory + overhead, vCPUs and disk, with the reason', (t) => {
  const c = chooseFlavor(CLOUD, need(128));
  t.is(c.flavor.name, 'fn.tiny');
  t.is(c.reason, 'smallest of 5 flavors with ≥ 192 MiB, ≥ 1 vCPU, ≥ 1 GB disk');
  t.is(chooseFlavor(CLOUD, need(192)).flavor.name, 'fn.tiny'); // 256 exactly
  t.is(chooseFlavor(CLOUD, need(193)).flavor.name, 'fn.small');
  t.is(chooseFlavor(CLOUD, need(128, 2)).flavor.name, 'fn.large');
  t.is(chooseFlavor(CLOUD, need(128, 1, 3)).flavor.name, 'fn.medium');
  const big = chooseFlavor(CLOUD, need(2000));
  t.is(big.flavor.name, 'fn.xlarge');
  t.is(big.reason, 'smallest of 1 flavor with ≥ 2064 MiB, ≥ 1 vCPU, ≥ 1 GB disk');
});

test('sizing: tie-breaks are least RAM, then fewest vCPUs, then least disk, then name', (t) => {
  const flavors = [F('b', 512, 2, 1), F('a', 512, 2, 1), F('c', 512, 1, 5), F('d', 512, 1, 2), F('e', 1024, 1, 1)];
  t.is(chooseFlavor(flavors, need(128)).flavor.name, 'd'); // 512/1: less disk than c
  t.is(chooseFlavor(flavors, need(128, 2)).flavor.name, 'a'); // same size: by name
  t.deepEqual([...flavors].sort(compareFlavors).map((f) => f.name), ['d', 'c', 'a', 'b', 'e']);
});

test('sizing: allow-list, disabled and zero-disk flavors, image minimums', (t) => {
  t.is(chooseFlavor(CLOUD, need(128), ['fn.medium', 'fn.large']).flavor.name, 'fn.medium');
  t.regex(chooseFlavor(CLOUD, need(128), ['fn.medium', 'fn.large']).reason, /smallest of 2 flavors on the allow-list/);
  t.is(chooseFlavor([F('off', 256, 1, 1, true), ...CLOUD], need(128)).flavor.name, 'fn.tiny');
  t.is(chooseFlavor([F('zero', 256, 1, 0), F('one', 300, 1, 1)], need(128)).flavor.name, 'one');
  const c = chooseFlavor(CLOUD, need(128), [], { id: 'img', min_ram: 600, min_disk: 3 });
  t.is(c.flavor.name, 'fn.medium');
  t.regex(c.reason, /≥ 600 MiB, ≥ 1 vCPU, ≥ 3 GB disk \(raised to the image's minimums\)/);
});

test('sizing: nothing fits → no_fitting_flavor naming the largest flavor available', (t) => {
  const err = t.throws(() => chooseFlavor(CLOUD, need(8192)), { instanceOf: ProvisioningError });
  t.is(err.code, 'no_fitting_flavor');
  t.regex(err.message, /no flavor has ≥ 8256 MiB.*8192 MiB \+ 64 MiB runtime overhead.*the largest flavor available is fn\.xlarge \(4096 MiB, 4 vCPU, 20 GB disk\)/);
  const onList = t.throws(() => chooseFlavor(CLOUD, need(600), ['fn.tiny', 'fn.small']), { instanceOf: ProvisioningError });
  t.regex(onList.message, /largest flavor available on the allow-list is fn\.small/);
  t.regex(t.throws(() => chooseFlavor([], need(128)))!.message, /no flavor is available at all/);
});

test('image: the newest active image with the property', (t) => {
  const img = (id: string, created: string, extra: Partial<ImageInfo> = {}): ImageInfo => ({ id, name: id, status: 'active', created_at: created, fnstack_runtime: 'nodejs20', ...extra });
  const images = [img('old', '2026-01-01T00:00:00Z'), img('new', '2026-06-01T00:00:00Z'), img('newest-queued', '2026-09-01T00:00:00Z', { status: 'queued' }), img('other', '2026-10-01T00:00:00Z', { fnstack_runtime: 'nodejs22' })];
  t.is(chooseImage(images, 'fnstack_runtime', 'nodejs20').id, 'new');
  const err = t.throws(() => chooseImage(images, 'fnstack_runtime', 'python3'), { instanceOf: ProvisioningError });
  t.is(err.code, 'invalid_params');
  t.regex(err.message, /fnstack_runtime=python3/);
});

test('backoffs are pure and capped', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map((n) => pollDelayMs(n)), [250, 325, 423, 549, 714, 928, 1000, 1000]);
  t.deepEqual([1, 2, 3, 10, 20].map(poolRetryDelayMs), [1000, 2000, 4000, 300_000, 300_000]);
});

test('Nova errors become provisioning errors: quota, transient, other', (t) => {
  const quota = provisioningErrorOf(new OpenStackError({ service: 'compute', status: 403, message: 'Quota exceeded for instances: Requested 1, but already used 0 of 0 instances' }), 'x');
  t.is(quota.code, 'quota_exceeded');
  t.is(quota.message, 'Quota exceeded for instances: Requested 1, but already used 0 of 0 instances');
  t.false(quota.retryable);
  t.is(provisioningErrorOf(new OpenStackError({ service: 'compute', status: 413, message: 'Quota exceeded for cores' }), 'x').code, 'quota_exceeded');
  const down = provisioningErrorOf(new OpenStackError({ service: 'compute', status: 503, message: 'unavailable' }), 'x');
  t.is(down.code, 'provider_unavailable');
  t.true(down.retryable);
  t.is(provisioningErrorOf(new OpenStackError({ service: 'compute', status: 400, message: 'Invalid flavorRef' }), 'x').code, 'invalid_params');
});

test('user_data: a small shell script carrying the URL and token, far below Nova’s limit', (t) => {
  const token = 'A'.repeat(43);
  const ud = buildUserData({ serviceUrl: 'http://10.0.0.5:7700/', token });
  t.true(ud.startsWith('#!/bin/sh\n'));
  t.deepEqual(parseUserData(ud), { serviceUrl: 'http://10.0.0.5:7700', token });
  const encoded = Buffer.from(ud).toString('base64').length;
  t.log(`user_data: ${ud.length} bytes, ${encoded} base64 characters (Nova's limit: ${MAX_USER_DATA_BASE64})`);
  t.true(encoded < 4096);
  t.throws(() => buildUserData({ serviceUrl: "http://x'; rm -rf /", token }));
  t.throws(() => buildUserData({ serviceUrl: 'http://x', token: "a'b" }));
  t.is(spawnSync('/bin/sh', ['-n', '-c', ud]).status, 0, 'the script parses');
  t.false(ud.includes('FNSTACK_MEMORY_MB'));
  const sized = buildUserData({ serviceUrl: 'http://10.0.0.5:7700/', token, memoryMb: 128 });
  t.regex(sized, /^FNSTACK_MEMORY_MB='128'$/m, 'the runner is told the heap size to start its executor with');
  t.regex(sized, /^export FNSTACK_MEMORY_MB$/m, 'exported to the runner');
  t.is(spawnSync('/bin/sh', ['-n', '-c', sized]).status, 0, 'the script parses');
  for (const memoryMb of [0, -1, 1.5, Number.NaN]) t.throws(() => buildUserData({ serviceUrl: 'http://x', token, memoryMb }), { message: /not a memory size/ });
});

test('user_data: a 401 from the service (server released) ends the script at once with 3', async (t) => {
  let requests = 0;
  const server = http.createServer((_req, res) => (requests++, res.writeHead(401).end('{}')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const tmp = mkdtempSync(join(tmpdir(), 'fnstack-ud-'));
  try {
    const ud = buildUserData({ serviceUrl: `http://127.0.0.1:${port}`, token: 'tok' });
    const r = await new Promise<number | null>((resolve) => {
      const child = spawn('/bin/sh', ['-c', ud], { env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, TMPDIR: tmp }, stdio: 'ignore' });
      child.once('exit', (code: number | null) => resolve(code));
    });
    t.is(r, 3);
    t.is(requests, 1, 'no retry after the 401');
  } finally {
    server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('code tar: directories, files, modes, symlinks and long names round-trip through the runner’s untar', async (t) => {
  const src = mkdtempSync(join(tmpdir(), 'fnstack-tar-src-'));
  const dst = mkdtempSync(join(tmpdir(), 'fnstack-tar-dst-'));
  try {
    const long = `${'deep/'.repeat(30)}file-with-a-long-name.js`;
    await mkdir(join(src, dirname(long)), { recursive: true });
    await writeFile(join(src, long), 'long');
    await mkdir(join(src, 'lib'));
    await writeFile(join(src, 'lib', 'a.js'), 'exports.a = 1;');
    await writeFile(join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(src, 'ü.txt'), Buffer.alloc(1500, 7));
    await symlink('lib/a.js', join(src, 'link.js'));
    const stats = untarGz(await tarGzDirectory(src), dst);
    t.is(stats.files, 4);
    t.is(readFileSync(join(dst, long), 'utf8'), 'long');
    t.is(readFileSync(join(dst, 'lib', 'a.js'), 'utf8'), 'exports.a = 1;');
    t.is(statSync(join(dst, 'run.sh')).mode & 0o777, 0o755);
    t.deepEqual(readFileSync(join(dst, 'ü.txt')), Buffer.alloc(1500, 7));
    t.is(readlinkSync(join(dst, 'link.js')), 'lib/a.js');
  } finally {
    rmSync(src, { recursive: true, force: true });
    rmSync(dst, { recursive: true, force: true });
  }
});

test('untar refuses names and links that leave the destination', (t) => {
  const dst = mkdtempSync(join(tmpdir(), 'fnstack-tar-evil-'));
  try {
    const tar = (...parts: Buffer[][]) => gzipSync(Buffer.concat([...parts.flat(), Buffer.alloc(1024)]));
    t.throws(() => untarGz(tar(entry('../escape.js', '0', 0o644, Buffer.from('x'))), dst), { message: /escapes/ });
    t.throws(() => untarGz(tar(entry('ok/../../escape.js', '0', 0o644, Buffer.from('x'))), dst), { message: /escapes/ });
    t.throws(() => untarGz(tar(entry('l', '2', 0o777, Buffer.alloc(0), '/etc/passwd')), dst), { message: /outside/ });
    t.throws(() => untarGz(tar(entry('l', '2', 0o777, Buffer.alloc(0), '../../etc/passwd')), dst), { message: /escapes/ });
    const corrupt = Buffer.concat(entry('a.js', '0', 0o644, Buffer.from('x')));
    corrupt[0] = 66;
    t.throws(() => untarGz(gzipSync(Buffer.concat([corrupt, Buffer.alloc(1024)])), dst), { message: /corrupt/ });
  } finally {
    rmSync(dst, { recursive: true, force: true });
  }
});

test('phase deadlines: pickup, code download, init bound + run + grace', (t) => {
  const T = DEFAULT_TIMINGS;
  const at = 1_000_000;
  t.is(phaseOverdue({ state: 'assigned', pickedAt: null, startedAt: null }, at, 10, T, at + T.pickupTimeoutMs), null);
  t.is(phaseOverdue({ state: 'assigned', pickedAt: null, startedAt: null }, at, 10, T, at + T.pickupTimeoutMs + 1)?.kind, 'runner_error');
  t.is(phaseOverdue({ state: 'picked', pickedAt: at, startedAt: null }, at, 10, T, at + T.codeTimeoutMs + 1)?.kind, 'runner_error');
  const run = initBoundMs(10) + 10_000;
  t.is(phaseOverdue({ state: 'started', pickedAt: at, startedAt: at }, at, 10, T, at + run + T.reportGraceMs), null);
  const late = phaseOverdue({ state: 'started', pickedAt: at, startedAt: at }, at, 10, T, at + run + T.reportGraceMs + 1);
  t.is(late?.kind, 'timeout');
  t.regex(late!.message, /timeout of 10 s/);
});

test('service tag: one per store, independent of the database password; networks from config', (t) => {
  const a = serviceTagOf('mariadb://fn:old@db.example:3306/fnstack');
  t.is(a, serviceTagOf('mariadb://fn:new@db.example/fnstack'));
  t.not(a, serviceTagOf('mariadb://fn:old@db.example:3306/other'));
  t.not(serviceTagOf('sqlite:/a/fnstack.db'), serviceTagOf('sqlite:/b/fnstack.db'));
  t.regex(a, /^[0-9a-f]{16}$/);
  t.is(networksOf('none'), 'none');
  t.is(networksOf('auto'), 'auto');
  t.deepEqual(networksOf('6d3c1f2e-0000-4000-8000-000000000001'), [{ uuid: '6d3c1f2e-0000-4000-8000-000000000001' }]);
});
