/** One place decides a function's limits: the check, the API schema and the config agree. */
import test from 'ava';
import { checkLimits, LIMIT_BOUNDS } from '../../service/function-limits.js';
import { FunctionMetadataProps } from '../../service/api/schemas.js';
import { checkCreate } from '../../service/api/function-input.js';
import { loadConfig } from '../../service/config.js';
import { ApiError } from '../../service/errors.js';

const ceilings = { maxMemoryMb: 1024, maxTimeoutS: 60 };
const ok = { memoryMb: 128, vcpus: 1, diskGb: 1, timeoutS: 30 };

test('limits within bounds pass', (t) => {
  t.notThrows(() => checkLimits(ok, ceilings));
  t.notThrows(() => checkLimits({ memoryMb: 1024, vcpus: 64, diskGb: 1000, timeoutS: 60 }, ceilings));
});

for (const [what, limits, field] of [
  ['memory under the floor', { ...ok, memoryMb: 32 }, 'memory_mb'],
  ['memory over the service ceiling', { ...ok, memoryMb: 2048 }, 'memory_mb'],
  ['a fractional memory', { ...ok, memoryMb: 100.5 }, 'memory_mb'],
  ['no vcpus', { ...ok, vcpus: 0 }, 'vcpus'],
  ['too many vcpus', { ...ok, vcpus: 65 }, 'vcpus'],
  ['too big a disk', { ...ok, diskGb: 1001 }, 'disk_gb'],
  ['a timeout over the ceiling', { ...ok, timeoutS: 61 }, 'timeout_s'],
] as const) {
  test(`${what} is refused naming ${field}`, (t) => {
    const err = t.throws(() => checkLimits(limits, ceilings), { instanceOf: ApiError });
    t.is(err?.field, field);
    t.is(err?.status, 400);
  });
}

test('the API schema documents the same bounds', (t) => {
  t.is(FunctionMetadataProps.memory_mb.minimum, LIMIT_BOUNDS.memory_mb.minimum);
  t.is(FunctionMetadataProps.vcpus.maximum, LIMIT_BOUNDS.vcpus.maximum);
  t.is(FunctionMetadataProps.disk_gb.maximum, LIMIT_BOUNDS.disk_gb.maximum);
});

test('the service ceiling cannot be set under the floor', (t) => {
  const err = t.throws(() => loadConfig({ FNSTACK_MAX_MEMORY_MB: '32' }));
  t.regex(err?.message ?? '', /max_memory_mb/);
});

test('metadata is judged with the API-wide Ajv options: unknown fields refused, numbers in text coerced', (t) => {
  const config = loadConfig({});
  const unknown = t.throws(() => checkCreate({ name: 'f', runtime: 'nodejs20', handler: 'index.handler', memroy_mb: 128 }, config), { instanceOf: ApiError });
  t.is(unknown?.field, 'memroy_mb');
  t.is(checkCreate({ name: 'f', runtime: 'nodejs20', handler: 'index.handler', memory_mb: '256' }, config).spec.memoryMb, 256);
});
