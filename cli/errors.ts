/**
 * Error kinds the CLI knows how to explain, and the one place that turns any thrown value
 * into what the user sees. User errors are one line on stderr; only unexpected errors can
 * show a stack, and only with FNSTACK_DEBUG=1.
 */
import type { ApiErrorBody } from './api-types.js';

/** Exit codes: 1 for a failed operation, 2 for a command line that does not parse or validate. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error the user can act on; its message is shown as is, without a stack. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** The service answered with an error body `{code, message, field?}` (or a non-JSON error). */
export class ApiRequestError extends CliError {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    readonly field?: string,
  ) {
    super(field ? `${apiMessage} (field: ${field})` : apiMessage);
  }

  static fromBody(status: number, body: unknown, statusText: string): ApiRequestError {
    if (isErrorBody(body)) return new ApiRequestError(status, body.code, body.message, body.field);
    return new ApiRequestError(status, `http_${status}`, `the service answered HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
  }
}

/** The endpoint could not be reached at all (refused, unknown host, reset before an answer). */
export class UnreachableError extends CliError {
  override readonly name = 'UnreachableError';
  constructor(
    readonly endpoint: string,
    readonly reason: string,
  ) {
    super(`cannot reach fnstack at ${endpoint}: is \`fnstack server\` running? (${reason})`);
  }
}

/** The connection broke or timed out after it was made; `code` is the transport's (e.g. UND_ERR_HEADERS_TIMEOUT). */
export class TransportError extends CliError {
  override readonly name = 'TransportError';
  constructor(
    readonly endpoint: string,
    readonly code: string,
  ) {
    super(`lost the connection to fnstack at ${endpoint} (${code})`);
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as ApiErrorBody).code === 'string' &&
    typeof (body as ApiErrorBody).message === 'string'
  );
}

export interface ErrorReport {
  text: string;
  exitCode: number;
}

/** What `--json` / `-f json` print on stderr for an error: the API's error body, plus the HTTP status when there was one. */
export interface JsonErrorBody {
  code: string;
  message: string;
  field?: string;
  status?: number;
}

export interface DescribeOptions {
  debug?: boolean;
  binaryName?: string;
  /** Print the error as one JSON object (JsonErrorBody) instead of an `error:` line. */
  json?: boolean;
}

/** Turns anything thrown into the text for stderr (always ending in a newline) and an exit code. */
export function describeError(error: unknown, options: DescribeOptions = {}): ErrorReport {
  const report = describeErrorText(error, options);
  if (!options.json) return report;
  return { text: `${JSON.stringify(errorBody(error, report))}\n`, exitCode: report.exitCode };
}

function errorBody(error: unknown, report: ErrorReport): JsonErrorBody {
  if (error instanceof ApiRequestError) {
    return { code: error.code, message: error.apiMessage, ...(error.field ? { field: error.field } : {}), status: error.status };
  }
  const message = report.text.replace(/^error: /, '').trim();
  if (error instanceof UnreachableError) return { code: 'unreachable', message };
  if (error instanceof TransportError) return { code: 'connection_lost', message };
  if (report.exitCode === EXIT_USAGE) return { code: 'usage', message };
  if (error instanceof CliError) return { code: 'failed', message };
  return { code: 'unexpected', message };
}

function describeErrorText(error: unknown, options: DescribeOptions): ErrorReport {
  const bin = options.binaryName ?? 'fnstack';
  if (error instanceof CliError) return { text: `error: ${oneLine(error.message)}\n`, exitCode: error.exitCode };
  if (isClipanionError(error)) {
    if (error.name === 'UsageError') return { text: `error: ${oneLine(error.message)}\n`, exitCode: EXIT_USAGE };
    return { text: `error: ${syntaxErrorLine(error, bin)}\n`, exitCode: EXIT_USAGE };
  }
  const err = error instanceof Error ? error : new Error(`non-error thrown: ${String(error)}`);
  if (options.debug) return { text: `error: unexpected: ${err.stack ?? err.message}\n`, exitCode: EXIT_FAILURE };
  return {
    text: `error: unexpected: ${oneLine(err.message)} (set FNSTACK_DEBUG=1 to see the stack)\n`,
    exitCode: EXIT_FAILURE,
  };
}

interface ClipanionError extends Error {
  clipanion: { type: string };
  input?: string[];
  candidates?: Array<{ usage: string; reason: string | null }>;
}

function isClipanionError(error: unknown): error is ClipanionError {
  return error instanceof Error && typeof (error as Partial<ClipanionError>).clipanion === 'object';
}

/** clipanion's syntax errors list every candidate usage; one line with a pointer to --help reads better. */
function syntaxErrorLine(error: ClipanionError, bin: string): string {
  const candidates = error.candidates ?? [];
  const withReason = candidates.find((c) => c.reason);
  if (withReason?.reason && /^Not enough arguments to option -f\b/.test(withReason.reason)) {
    return `-f needs a format (table, json, yaml or value); to follow logs, spell out --follow (see \`${commandPathOf(withReason.usage, bin)} --help\`)`;
  }
  if (withReason?.reason) return `${oneLine(withReason.reason)} (see \`${commandPathOf(withReason.usage, bin)} --help\`)`;
  const missing = candidates.length === 1 ? missingRequiredOptions(candidates[0]!.usage, error.input ?? []) : [];
  if (missing.length > 0) return `missing ${missing.join(', ')} (see \`${commandPathOf(candidates[0]!.usage, bin)} --help\`)`;
  if (candidates.length === 1) return `unknown command; did you mean \`${commandPathOf(candidates[0]!.usage, bin)}\`? (see \`${bin} --help\`)`;
  // clipanion brackets the input with control characters (start/end of input markers).
  const typed = (error.input ?? []).filter((w) => w !== '\u0000' && w !== '\u0001').join(' ');
  return `unknown command \`${bin}${typed ? ` ${typed}` : ''}\` (see \`${bin} --help\`)`;
}

/** clipanion refuses a command line that lacks a required option as if the command were unknown; its usage shows them as `<--type #0>`. */
function missingRequiredOptions(usage: string, input: readonly string[]): string[] {
  const given = new Set(input.map((w) => w.replace(/=.*$/, '')));
  const missing: string[] = [];
  for (const m of usage.matchAll(/<(-[\w-]+(?:,-[\w-]+)*)((?: [^<>]+)?)>/g)) {
    const names = m[1]!.split(',');
    if (!names.some((n) => given.has(n))) missing.push(`${names.at(-1)}${m[2] ?? ''}`);
  }
  return missing;
}

/** "fnstack function create [--memory #0] <name>" → "fnstack function create". */
function commandPathOf(usage: string, bin: string): string {
  const words: string[] = [];
  for (const w of usage.split(' ')) {
    if (!/^[a-z][a-z0-9-]*$/.test(w)) break;
    words.push(w);
  }
  return words.length > 0 ? words.join(' ') : bin;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
