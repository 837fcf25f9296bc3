import test from 'ava';
import { humanAge, humanDuration, humanSize, humanTime } from '../../../cli/output/units.js';
import { renderProgressBar } from '../../../cli/output/progress-bar.js';

test('sizes in binary units', (t) => {
  t.is(humanSize(0), '0 B');
  t.is(humanSize(1023), '1023 B');
  t.is(humanSize(1536), '1.5 KiB');
  t.is(humanSize(20 * 1024 * 1024), '20 MiB');
  t.is(humanSize(5.25 * 1024 * 1024), '5.3 MiB');
  t.is(humanSize(null), '-');
});

test('durations from milliseconds to hours', (t) => {
  t.is(humanDuration(850), '850 ms');
  t.is(humanDuration(1234), '1.23 s');
  t.is(humanDuration(12_345), '12.3 s');
  t.is(humanDuration(125_000), '2m 05s');
  t.is(humanDuration(3_720_000), '1h 02m');
  t.is(humanDuration(null), '-');
});

test('ages relative to now, times in UTC', (t) => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  t.is(humanAge('2026-11-26T11:59:30Z', now), '30s ago');
  t.is(humanAge('2026-11-26T11:00:00Z', now), '1h ago');
  t.is(humanAge('2026-11-24T12:00:00Z', now), '2d ago');
  t.is(humanAge('2025-01-01T00:00:00Z', now), '2025-01-01');
  t.is(humanTime('2026-11-26T22:48:01.123Z'), '2026-11-26 22:48:01Z');
});

test('progress bar shows bytes, total and percent', (t) => {
  const line = renderProgressBar('uploading app.zip', 10 * 1024 * 1024, 20 * 1024 * 1024, 100);
  t.regex(line, /^uploading app\.zip {2}\[#+-+\] {2}10 MiB \/ 20 MiB {2}50%$/);
  t.regex(renderProgressBar('x', 5, 5), /\[#+\] {2}5 B \/ 5 B 100%$/);
});
