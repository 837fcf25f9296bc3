/** Plain aligned tables: a header row, columns separated by two spaces, no trailing blanks. */

export interface TableOptions {
  /** Columns (by index) aligned to the right, e.g. numbers and sizes. */
  alignRight?: readonly number[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export const visibleWidth = (s: string): number => [...s.replace(ANSI, '')].length;

export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, options: TableOptions = {}): string {
  const right = new Set(options.alignRight ?? []);
  const all = [headers, ...rows].map((row) => headers.map((_, i) => sanitize(row[i] ?? '')));
  const widths = headers.map((_, i) => Math.max(...all.map((row) => visibleWidth(row[i]!))));
  const lines = all.map((row) =>
    row
      .map((cell, i) => {
        const padding = ' '.repeat(widths[i]! - visibleWidth(cell));
        return right.has(i) ? padding + cell : cell + padding;
      })
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** Two-column "key: value" blocks for `show` commands, keys padded to the longest. */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length + 1));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`.trimEnd()).join('\n') + '\n';
}

/** A cell must not break the table: line breaks and tabs become spaces. */
function sanitize(cell: string): string {
  return cell.replace(/[\r\n\t]+/g, ' ');
}
