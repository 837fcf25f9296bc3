/** Retry delays: exponential with jitter, between half the ceiling and the ceiling, capped. */
import test from 'ava';
import { backoffMs } from '../../service/queue/queue.js';

test('the ceiling doubles with each attempt from the base', (t) => {
  t.is(backoffMs(1, 500, 60_000, () => 1), 500);
  t.is(backoffMs(2, 500, 60_000, () => 1), 1000);
  t.is(backoffMs(5, 500, 60_000, () => 1), 8000);
});

test('jitter keeps a delay between half the ceiling and the ceiling', (t) => {
  t.is(backoffMs(3, 500, 60_000, () => 0), 1000);
  t.is(backoffMs(3, 500, 60_000, () => 0.5), 1500);
  for (let i = 0; i < 100; i++) {
    const d = backoffMs(4);
    t.true(d >= 2000 && d <= 4000, String(d));
  }
});

test('the cap holds however many attempts were made', (t) => {
  t.is(backoffMs(100, 500, 5000, () => 1), 5000);
  t.is(backoffMs(0, 500, 5000, () => 1), 500, 'attempt 0 counts as the first');
});
