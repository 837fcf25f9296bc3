/**
 * `-f table|json|yaml|value` and `-c COLUMN`, as in `openstack … -f json -c id`. Columns are
 * field names of the API's objects (a dot reaches into a nested one: `code.sha256`). Lists
 * print the API's `items` array (not the `{items, next}` page around it); one object prints
 * as the API returned it. Without `-c`, `table` is the human view each command draws.
 */
import YAML from 'yaml';
import { CliError, EXIT_USAGE } from '../errors.js';
import { closestWord } from '../group-help.js';
import { formatFields, formatTable } from './table.js';

export const FORMATS = ['table', 'json', 'yaml', 'value'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export interface OutputChoice {
  format: OutputFormat;
  /** Chosen with -c; empty: the view's own columns. */
  columns: readonly string[];
}

type Row = Readonly<Record<string, unknown>>;

/** Reads the -f/--json/-c flags into a choice; a bad or contradictory value is a usage error. */
export function outputChoice(flags: { format?: string | undefined; json?: boolean; columns?: readonly string[] | undefined }): OutputChoice {
  let format: OutputFormat = 'table';
  if (flags.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(flags.format)) {
      throw new CliError(`-f/--format must be one of ${FORMATS.join(', ')}, not '${flags.format}'`, EXIT_USAGE);
    }
    format = flags.format as OutputFormat;
  }
  if (flags.json) {
    if (flags.format !== undefined && format !== 'json') throw new CliError(`--json means -f json; it cannot be combined with -f ${format}`, EXIT_USAGE);
    format = 'json';
  }
  const columns = (flags.columns ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter((c) => c !== '');
  return { format, columns };
}

export interface ListView {
  /** The human table (format table without -c). */
  table: () => string;
  /** What `-f value` prints without -c: the fields behind the human table. */
  valueColumns: readonly string[];
  /** Said on stderr instead of an empty human table. */
  empty?: string;
}

export function renderList(rows: readonly Row[], choice: OutputChoice, view: ListView): string {
  if (choice.format === 'table' && choice.columns.length === 0) return view.table();
  const columns = choice.columns.length > 0 ? checkColumns(choice.columns, rows) : null;
  switch (choice.format) {
    case 'json':
      return `${JSON.stringify(columns ? rows.map((r) => pick(r, columns)) : rows, null, 2)}\n`;
    case 'yaml':
      return YAML.stringify(columns ? rows.map((r) => pick(r, columns)) : rows);
    case 'value':
      return rows.map((r) => `${(columns ?? view.valueColumns).map((c) => cell(valueAt(r, c))).join(' ')}\n`).join('');
    case 'table':
      return formatTable(columns!.map((c) => c.toUpperCase()), rows.map((r) => columns!.map((c) => cell(valueAt(r, c)))));
  }
}

/** One object: `value` prints each field on its own line, `table` with -c as `field: value` lines. */
export function renderOne(row: Row, choice: OutputChoice, details: () => string): string {
  if (choice.format === 'table' && choice.columns.length === 0) return details();
  const columns = choice.columns.length > 0 ? checkColumns(choice.columns, [row]) : null;
  switch (choice.format) {
    case 'json':
      return `${JSON.stringify(columns ? pick(row, columns) : row, null, 2)}\n`;
    case 'yaml':
      return YAML.stringify(columns ? pick(row, columns) : row);
    case 'value':
      return (columns ?? Object.keys(row)).map((c) => `${cell(valueAt(row, c))}\n`).join('');
    case 'table':
      return formatFields(columns!.map((c) => [c, cell(valueAt(row, c))] as const));
  }
}

/** Every column must name a field of the rows (an empty list has nothing to check against). */
function checkColumns(columns: readonly string[], rows: readonly Row[]): readonly string[] {
  if (rows.length === 0) return columns;
  const known = new Set(rows.flatMap((r) => Object.keys(r)));
  for (const c of columns) {
    if (rows.some((r) => valueAt(r, c) !== undefined) || known.has(c)) continue;
    const near = closestWord(c, known);
    throw new CliError(`-c ${c}: no such column${near ? `; did you mean '${near}'?` : ''} (columns: ${[...known].join(', ')})`, EXIT_USAGE);
  }
  return columns;
}

function pick(row: Row, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c, valueAt(row, c) ?? null]));
}

function valueAt(row: Row, column: string): unknown {
  if (column in row) return row[column];
  let v: unknown = row;
  for (const part of column.split('.')) {
    if (v === null || typeof v !== 'object' || !(part in v)) return undefined;
    v = (v as Row)[part];
  }
  return v;
}

/** One value as text: strings as they are, objects as compact JSON, nothing as an empty string. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
