import test from 'ava';
import { ProgressBar } from '../../../cli/output/progress-bar.js';
import { Spinner } from '../../../cli/output/spinner.js';
import { pollUntil } from '../../_helpers/poll.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 100, write: (s: string) => writes.push(s) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('on a terminal the spinner redraws in place with the elapsed time, and clears its line', async (t) => {
  const out = stream(true);
  const spinner = new Spinner(out, 'running hello', { frameMs: 10, plainAfterMs: 0, plainEveryMs: 0 }).start();
  await pollUntil('a redraw', async () => (out.writes.length >= 2 ? true : undefined), { everyMs: 5 });
  spinner.setText('hello: running');
  await pollUntil('a redraw with the new text', async () => (out.writes.some((w) => w.includes('hello: running')) ? true : undefined), { everyMs: 5 });
  spinner.stop();
  t.true(out.writes.length >= 4);
  t.true(out.writes[0]!.startsWith('\r\u001b[K'));
  t.regex(out.writes[0]!.slice(4), /^\S running hello \(0\.0 s\)$/);
  t.true(out.writes.some((w) => w.includes('hello: running')));
  t.is(out.writes.at(-1), '\r\u001b[K');
  const count = out.writes.length;
  await sleep(30);
  t.is(out.writes.length, count, 'nothing after stop');
});

test('off a terminal the spinner is silent for short waits, then writes plain lines', async (t) => {
  const quick = stream(false);
  new Spinner(quick, 'running hello', { frameMs: 10, plainAfterMs: 50, plainEveryMs: 20 }).start().stop();
  await sleep(80);
  t.deepEqual(quick.writes, []);

  const slow = stream(false);
  const spinner = new Spinner(slow, 'running slow', { frameMs: 10, plainAfterMs: 20, plainEveryMs: 20 }).start();
  await pollUntil('two plain lines', async () => (slow.writes.length >= 2 ? true : undefined), { everyMs: 5 });
  spinner.stop();
  t.true(slow.writes.length >= 2);
  for (const w of slow.writes) t.regex(w, /^running slow… \(\d+\.\d s\)\n$/);
});

test('the progress bar draws only on a terminal, always at 100%, and clears itself', (t) => {
  const tty = stream(true);
  const bar = new ProgressBar(tty, 'uploading a.zip', 1_000_000);
  bar.update(10, 100);
  bar.update(50, 100);
  bar.update(100, 100);
  bar.done();
  t.is(tty.writes.length, 3, 'throttled in between, but the end is always drawn');
  t.regex(tty.writes[1]!, /100 B \/ 100 B 100%$/);
  t.is(tty.writes[2], '\r\u001b[K');

  const pipe = stream(false);
  const quiet = new ProgressBar(pipe, 'uploading a.zip');
  quiet.update(50, 100);
  quiet.update(100, 100);
  quiet.done();
  t.deepEqual(pipe.writes, []);
});
