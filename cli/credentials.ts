/**
 * Where the CLI finds the endpoint and API key. Each value comes from the first source that
 * has it, in this order:
 *   1. --endpoint / --api-key flags, then FNSTACK_ENDPOINT / FNSTACK_API_KEY;
 *   2. the first credentials file that exists, of:
 *        $XDG_CONFIG_HOME/fnstack/credentials.json (or ~/.config/fnstack/…), written by `fnstack login`;
 *        ./.fnstack/credentials.json, written by `fnstack server` in the current directory;
 *        $FNSTACK_DATA_DIR/credentials.json, written by a server using that data directory;
 *   3. the default endpoint http://127.0.0.1:7700 (there is no default key).
 */
import { existsSync, readFileSync, mkdirSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { CliError, EXIT_USAGE } from './errors.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:7700';

/** The file format shared with the service's `<data-dir>/credentials.json`. */
export interface CredentialsFile {
  endpoint?: string;
  api_key?: string;
  account?: string;
  project?: string;
}

export interface Credentials {
  endpoint: string;
  apiKey: string | null;
  /** Human description of where each value came from, for messages. */
  endpointSource: string;
  apiKeySource: string | null;
  /** The credentials file consulted, if any. */
  file: string | null;
}

export interface DiscoveryInput {
  flags?: { endpoint?: string | undefined; apiKey?: string | undefined };
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
}

/** Where `fnstack login` stores credentials. */
export function userCredentialsPath(env: Record<string, string | undefined>, homeDir: string): string {
  const base = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(homeDir, '.config');
  return join(base, 'fnstack', 'credentials.json');
}

/** The credentials files consulted, in order. */
export function credentialFileCandidates(input: Omit<DiscoveryInput, 'flags'>): string[] {
  const files = [userCredentialsPath(input.env, input.homeDir), join(resolve(input.cwd), '.fnstack', 'credentials.json')];
  if (input.env.FNSTACK_DATA_DIR) files.push(join(resolve(input.cwd, input.env.FNSTACK_DATA_DIR), 'credentials.json'));
  return [...new Set(files)];
}

export function discoverCredentials(input: DiscoveryInput): Credentials {
  const flags = input.flags ?? {};
  const file = credentialFileCandidates(input).find((f) => existsSync(f)) ?? null;
  const stored = file ? readCredentialsFile(file) : {};

  const endpointChoice =
    pick(flags.endpoint, '--endpoint') ??
    pick(input.env.FNSTACK_ENDPOINT, 'FNSTACK_ENDPOINT') ??
    pick(stored.endpoint, file ?? '') ?? { value: DEFAULT_ENDPOINT, source: 'the default' };
  const keyChoice =
    pick(flags.apiKey, '--api-key') ?? pick(input.env.FNSTACK_API_KEY, 'FNSTACK_API_KEY') ?? pick(stored.api_key, file ?? '');

  return {
    endpoint: normalizeEndpoint(endpointChoice.value, endpointChoice.source),
    endpointSource: endpointChoice.source,
    apiKey: keyChoice?.value ?? null,
    apiKeySource: keyChoice?.source ?? null,
    file,
  };
}

function pick(value: string | undefined, source: string): { value: string; source: string } | undefined {
  return value !== undefined && value.trim() !== '' ? { value: value.trim(), source } : undefined;
}

export function readCredentialsFile(path: string): CredentialsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CliError(`cannot read credentials file ${path}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`credentials file ${path} must hold a JSON object`);
  }
  const out: CredentialsFile = {};
  for (const key of ['endpoint', 'api_key', 'account', 'project'] as const) {
    const v = (parsed as Record<string, unknown>)[key];
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

/** Writes the file readable by its owner only (dir 0700, file 0600), atomically. */
export function writeCredentialsFile(path: string, creds: CredentialsFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function normalizeEndpoint(raw: string, source = '--endpoint'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`${source}: '${raw}' is not a URL (expected e.g. ${DEFAULT_ENDPOINT})`, EXIT_USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`${source}: '${raw}' must be an http:// or https:// URL`, EXIT_USAGE);
  }
  return url.href.replace(/\/+$/, '');
}
