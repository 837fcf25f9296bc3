import test from 'ava';
import { formatFields, formatTable } from '../../../cli/output/table.js';

test('columns are aligned to the widest cell, two spaces apart, no trailing blanks', (t) => {
  const out = formatTable(
    ['NAME', 'VERSION', 'MEMORY'],
    [
      ['hello', '1', '128 MiB'],
      ['image-resize', '12', '1024 MiB'],
    ],
    { alignRight: [1, 2] },
  );
  t.is(
    out,
    ['NAME          VERSION    MEMORY', 'hello               1   128 MiB', 'image-resize       12  1024 MiB', ''].join('\n'),
  );
});

test('left-aligned last column leaves no trailing spaces; missing cells are blank', (t) => {
  const out = formatTable(['A', 'B'], [['x'], ['longer', 'y']]);
  t.is(out, 'A       B\nx\nlonger  y\n');
  for (const line of out.split('\n')) t.false(line.endsWith(' '));
});

test('a line break in a cell does not break the table', (t) => {
  const out = formatTable(['K', 'V'], [['a', 'two\nlines']]);
  t.is(out.split('\n').length, 3);
  t.true(out.includes('two lines'));
});

test('colour codes do not count towards the width', (t) => {
  const out = formatTable(['S', 'X'], [['\u001b[32mok\u001b[0m', '1'], ['failed', '2']]);
  const [, first, second] = out.split('\n');
  t.is(first!.replace('\u001b[32m', '').replace('\u001b[0m', '').indexOf('1'), second!.indexOf('2'));
});

test('fields: keys padded to the longest', (t) => {
  t.is(formatFields([['name', 'hello'], ['memory', '128 MiB']]), 'name:    hello\nmemory:  128 MiB\n');
});
