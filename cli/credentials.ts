/**
 * Where the CLI finds the endpoint and API key. Each value comes from the first source that
 * has it, in this order:
 *   1. --endpoint / --api-key flags, then FNSTACK_ENDPOINT / FNSTACK_API_KEY;
 *   2. the profile in use (--profile, FNSTACK_PROFILE, or the current one: profiles.ts), and then
 *      no credentials file; else the first credentials file that exists, of:
 *        <config dir>/credentials.json ($FNSTACK_CONFIG_DIR, $XDG_CONFIG_HOME/fnstack or
 *        ~/.config/fnstack), written by `fnstack login`;
 *        ./.fnstack/credentials.json, written by `fnstack server` in the current directory;
 *        $FNSTACK_DATA_DIR/credentials.json, written by a server using that data directory;
 *   3. the default endpoint http://127.0.0.1:7700 (there is no default key).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, EXIT_USAGE } from './errors.js';
import { writePrivateFile } from './private-file.js';
import { configDir, selectProfile } from './profiles.js';

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
  /** The credentials file (or profiles file) consulted, if any. */
  file: string | null;
  /** The profile in use, if any. */
  profile: string | null;
}

export interface DiscoveryInput {
  flags?: { endpoint?: string | undefined; apiKey?: string | undefined; profile?: string | undefined };
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  /** false: leave profiles out (`fnstack login --profile NEW` reads the credentials it will store there). */
  useProfiles?: boolean;
}

/** Where `fnstack login` stores credentials. */
export function userCredentialsPath(env: Record<string, string | undefined>, homeDir: string): string {
  return join(configDir(env, homeDir), 'credentials.json');
}

/** The credentials files consulted, in order. */
export function credentialFileCandidates(input: Omit<DiscoveryInput, 'flags' | 'useProfiles'>): string[] {
  const files = [userCredentialsPath(input.env, input.homeDir), join(resolve(input.cwd), '.fnstack', 'credentials.json')];
  if (input.env.FNSTACK_DATA_DIR) files.push(join(resolve(input.cwd, input.env.FNSTACK_DATA_DIR), 'credentials.json'));
  return [...new Set(files)];
}

export function discoverCredentials(input: DiscoveryInput): Credentials {
  const flags = input.flags ?? {};
  const selected = input.useProfiles === false ? null : selectProfile(flags.profile, input.env, input.homeDir);
  // A profile is a whole set: none of its values is mixed with a credentials file's.
  const file = selected ? null : (credentialFileCandidates(input).find((f) => existsSync(f)) ?? null);
  const stored = selected ? selected.profile : file ? readCredentialsFile(file) : {};
  const storedSource = selected ? `profile '${selected.name}' (${selected.path})` : (file ?? '');

  const endpointChoice =
    pick(flags.endpoint, '--endpoint') ??
    pick(input.env.FNSTACK_ENDPOINT, 'FNSTACK_ENDPOINT') ??
    pick(stored.endpoint, storedSource) ?? { value: DEFAULT_ENDPOINT, source: 'the default' };
  const keyChoice =
    pick(flags.apiKey, '--api-key') ?? pick(input.env.FNSTACK_API_KEY, 'FNSTACK_API_KEY') ?? pick(stored.api_key, storedSource);

  return {
    endpoint: normalizeEndpoint(endpointChoice.value, endpointChoice.source),
    endpointSource: endpointChoice.source,
    apiKey: keyChoice?.value ?? null,
    apiKeySource: keyChoice?.source ?? null,
    file: selected ? selected.path : file,
    profile: selected?.name ?? null,
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
  writePrivateFile(path, `${JSON.stringify(creds, null, 2)}\n`);
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
