import test from 'ava';
import { OutputCapture } from '../../service/runner/output-capture.js';

test('keeps everything under the cap, untruncated', (t) => {
  const c = new OutputCapture(100);
  c.push(Buffer.from('a\n'));
  c.push(Buffer.from('b\n'));
  t.false(c.truncated);
  t.is(c.text(), 'a\nb\n');
});

test('cuts at exactly the cap, keeps counting, and ends with the marker', (t) => {
  const c = new OutputCapture(10);
  c.push(Buffer.from('123456'));
  c.push(Buffer.from('7890abc'));
  c.push(Buffer.from('more'));
  t.true(c.truncated);
  t.is(c.totalBytes, 17);
  t.is(c.text(), '1234567890\n[fnstack: output truncated after 10 bytes]\n');
});

test('notices V8 heap exhaustion even past the cap and split across chunks', (t) => {
  const c = new OutputCapture(4);
  c.push(Buffer.from('lots of output'));
  t.false(c.sawHeapOutOfMemory);
  c.push(Buffer.from('FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript he'));
  c.push(Buffer.from('ap out of memory\n'));
  t.true(c.sawHeapOutOfMemory);
});
