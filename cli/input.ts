/** Parsing and validation of option values; bad input is a UsageError naming the option. */
import { readFile } from 'node:fs/promises';
import { UsageError } from 'clipanion';
import { CliError } from './errors.js';

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--env K=V` repeated → a map; the value may contain '=' and may be empty; a later K wins. */
export function parseEnvPairs(pairs: readonly string[] | undefined, option = '--env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${option} '${pair}' must look like KEY=VALUE`);
    const key = pair.slice(0, eq);
    if (!ENV_KEY.test(key)) throw new UsageError(`${option} '${pair}': '${key}' is not a valid variable name (letters, digits, _; not starting with a digit)`);
    env[key] = pair.slice(eq + 1);
  }
  return env;
}

/** A whole number in [min, max], or undefined when the option was not given. */
export function parseIntOption(raw: string | undefined, option: string, min: number, max: number, unit = ''): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max}${unit ? ` (${unit})` : ''}, not '${raw}'`);
  }
  return n;
}

/** `FILE.EXPORT`, where FILE may have directories: `index.handler`, `lib/main.run`. */
export function parseHandler(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const dot = raw.lastIndexOf('.');
  const file = raw.slice(0, dot);
  const exportName = raw.slice(dot + 1);
  if (dot <= 0 || !/^[A-Za-z_$][\w$]*$/.test(exportName) || file.endsWith('/') || file.startsWith('/')) {
    throw new UsageError(`--handler '${raw}' must look like FILE.EXPORT, e.g. index.handler or lib/main.run`);
  }
  return raw;
}

export function parseChoice<T extends string>(raw: string | undefined, option: string, choices: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`${option} must be one of ${choices.join(', ')}, not '${raw}'`);
  return raw as T;
}

export interface DataSources {
  readStdin: () => Promise<string>;
  readFile: (path: string) => Promise<string>;
}

const defaultSources: DataSources = {
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  readFile: (path) => readFile(path, 'utf8'),
};

/**
 * `--data`: inline JSON, `@FILE` (a JSON file) or `-` (JSON on stdin). Absent or empty → `{}`,
 * which is what the service uses for an invocation without data.
 */
export async function parseData(raw: string | undefined, sources: DataSources = defaultSources): Promise<unknown> {
  if (raw === undefined) return {};
  let text: string;
  let origin: string;
  if (raw === '-') {
    text = await sources.readStdin();
    origin = 'stdin';
  } else if (raw.startsWith('@')) {
    const path = raw.slice(1);
    if (!path) throw new UsageError("--data '@' needs a file name, e.g. --data @event.json");
    text = await sources.readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new CliError(`--data: ${path} does not exist`);
      throw new CliError(`--data: cannot read ${path} (${err.code ?? err.message})`);
    });
    origin = path;
  } else {
    text = raw;
    origin = '';
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    const why = (err as Error).message;
    if (origin) throw new CliError(`--data: ${origin} is not valid JSON (${why})`);
    throw new UsageError(`--data is not valid JSON (${why}); use --data @FILE for a file or --data - for stdin`);
  }
}
