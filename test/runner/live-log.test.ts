/** LiveLog batches output for the store; fencePrefixAtEnd holds back only a possible fence start. */
import test from 'ava';
import { LiveLog } from '../../service/runner/live-log.js';
import { fencePrefixAtEnd } from '../../service/runner/warm-session.js';
import { logFence } from '../../service/runner/protocol.js';

test('LiveLog writes batches, decodes characters split across chunks, and flushes the rest on close', async (t) => {
  const writes: string[] = [];
  const live = new LiveLog(async (text) => {
    writes.push(text);
  }, 20);
  const euro = Buffer.from('€\n'); // 3 bytes + newline
  live.push(Buffer.from('a\n'));
  live.push(euro.subarray(0, 1));
  await new Promise((r) => setTimeout(r, 60));
  t.deepEqual(writes, ['a\n'], 'one batch; the half character waits');
  live.push(euro.subarray(1));
  live.push(Buffer.from('b'));
  await live.close();
  t.is(writes.join(''), 'a\n€\nb');
  live.push(Buffer.from('after'));
  await new Promise((r) => setTimeout(r, 40));
  t.false(writes.join('').includes('after'), 'nothing is written after close');
});

test('LiveLog keeps a failed batch for the next write', async (t) => {
  const writes: string[] = [];
  let fail = true;
  const live = new LiveLog(async (text) => {
    if (fail) {
      fail = false;
      throw new Error('store down');
    }
    writes.push(text);
  }, 10);
  live.push(Buffer.from('one\n'));
  await new Promise((r) => setTimeout(r, 30));
  live.push(Buffer.from('two\n'));
  await live.close();
  t.is(writes.join(''), 'one\ntwo\n');
});

test('fencePrefixAtEnd: only an end that begins the fence is held back', (t) => {
  const fence = Buffer.from(logFence('tok', 'exec'));
  t.is(fencePrefixAtEnd(Buffer.from('first line\n'), fence), 0);
  t.is(fencePrefixAtEnd(Buffer.concat([Buffer.from('x\n'), fence.subarray(0, 5)]), fence), 5);
  t.is(fencePrefixAtEnd(Buffer.from('\u0000fnst'), fence), 5);
  t.is(fencePrefixAtEnd(Buffer.from('\u0000fnsX'), fence), 0);
});
