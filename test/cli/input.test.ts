import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parseData, parseEnvPairs, parseHandler, parseIntOption } from '../../cli/input.js';
import { CliError } from '../../cli/errors.js';

test('--env pairs: values may hold "=" and be empty; a later key wins', (t) => {
  t.deepEqual(parseEnvPairs(['A=1', 'URL=http://x/?a=b', 'EMPTY=', 'A=2']), { A: '2', URL: 'http://x/?a=b', EMPTY: '' });
  t.deepEqual(parseEnvPairs(undefined), {});
});

test('--env pairs: a missing "=" or a bad name is a usage error naming the pair', (t) => {
  t.throws(() => parseEnvPairs(['NOVALUE']), { name: 'UsageError', message: /--env 'NOVALUE' must look like KEY=VALUE/ });
  t.throws(() => parseEnvPairs(['=x']), { name: 'UsageError' });
  t.throws(() => parseEnvPairs(['1X=y']), { name: 'UsageError', message: /'1X' is not a valid variable name/ });
  t.throws(() => parseEnvPairs(['A-B=y']), { name: 'UsageError' });
});

test('integer options: whole numbers in range, anything else names the option', (t) => {
  t.is(parseIntOption('256', '--memory', 1, 4096), 256);
  t.is(parseIntOption(undefined, '--memory', 1, 4096), undefined);
  for (const bad of ['abc', '12.5', '-1', '0', '', '1e3', '99999']) {
    t.throws(() => parseIntOption(bad, '--memory', 1, 4096, 'MiB'), { name: 'UsageError', message: /^--memory must be a whole number from 1 to 4096 \(MiB\)/ }, bad);
  }
});

test('handler: FILE.EXPORT with optional directories', (t) => {
  t.is(parseHandler('index.handler'), 'index.handler');
  t.is(parseHandler('lib/main.run'), 'lib/main.run');
  t.is(parseHandler('src/app.module.main'), 'src/app.module.main');
  for (const bad of ['index', '.handler', 'index.', 'index.1x', '/abs.handler']) t.throws(() => parseHandler(bad), { name: 'UsageError' }, bad);
});

const noSources = {
  readStdin: async () => {
    throw new Error('stdin must not be read');
  },
  readFile: async () => {
    throw new Error('no file must be read');
  },
};

test('--data: inline JSON, absent and empty give {}', async (t) => {
  t.deepEqual(await parseData('{"a":[1,2]}', noSources), { a: [1, 2] });
  t.is(await parseData('42', noSources), 42);
  t.deepEqual(await parseData(undefined, noSources), {});
  t.deepEqual(await parseData('', noSources), {});
});

test('--data @file reads a JSON file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fnstack-data-'));
  const file = join(dir, 'event.json');
  writeFileSync(file, '{"bucket":"photos","size":3}\n');
  t.deepEqual(await parseData(`@${file}`), { bucket: 'photos', size: 3 });
});

test('--data @file: a missing file or bad JSON is a one-line error naming the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fnstack-data-'));
  const missing = join(dir, 'nope.json');
  const err = await t.throwsAsync(parseData(`@${missing}`), { instanceOf: CliError });
  t.is(err?.message, `--data: ${missing} does not exist`);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{oops');
  await t.throwsAsync(parseData(`@${bad}`), { instanceOf: CliError, message: new RegExp(`--data: ${bad} is not valid JSON`) });
  await t.throwsAsync(parseData('@', noSources), { name: 'UsageError' });
});

test('--data - reads stdin', async (t) => {
  t.deepEqual(await parseData('-', { ...noSources, readStdin: async () => ' {"from":"stdin"} ' }), { from: 'stdin' });
  t.deepEqual(await parseData('-', { ...noSources, readStdin: async () => '' }), {});
});

test('--data inline but not JSON is a usage error that points to @FILE and -', async (t) => {
  await t.throwsAsync(parseData('{name: x}', noSources), { name: 'UsageError', message: /--data is not valid JSON .*@FILE.* - for stdin/ });
});
