/**
 * Named sets of credentials for several services or clouds, like OpenStack's clouds.yaml and
 * `--os-cloud`. They live in `profiles.yaml` in the CLI's config directory ($FNSTACK_CONFIG_DIR,
 * else $XDG_CONFIG_HOME/fnstack, else ~/.config/fnstack), readable by its owner only:
 *
 *   current: prod            # the profile used when none is named (`fnstack profile use`)
 *   profiles:
 *     prod:
 *       endpoint: https://fnstack.example.org
 *       api_key: fsk_…
 *
 * The profile in use is the one named by --profile, else FNSTACK_PROFILE, else `current`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { CliError, EXIT_USAGE } from './errors.js';
import { writePrivateFile } from './private-file.js';

/** One profile: the fields of a credentials file, and what a Keystone login needs to renew. */
export interface Profile {
  endpoint?: string;
  api_key?: string;
  auth?: 'api_key' | 'keystone';
  account?: string;
  project?: string;
  token_expires_at?: string;
  os_auth_url?: string;
  os_application_credential_id?: string;
  os_application_credential_secret?: string;
}

export interface ProfilesFile {
  current?: string;
  profiles: Record<string, Profile>;
}

const PROFILE_KEYS = [
  'endpoint',
  'api_key',
  'auth',
  'account',
  'project',
  'token_expires_at',
  'os_auth_url',
  'os_application_credential_id',
  'os_application_credential_secret',
] as const satisfies ReadonlyArray<keyof Profile>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The CLI's own config directory (credentials.json of `fnstack login`, profiles.yaml). */
export function configDir(env: Record<string, string | undefined>, homeDir: string): string {
  if (env.FNSTACK_CONFIG_DIR) return resolve(env.FNSTACK_CONFIG_DIR);
  return join(env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(homeDir, '.config'), 'fnstack');
}

export function profilesPath(env: Record<string, string | undefined>, homeDir: string): string {
  return join(configDir(env, homeDir), 'profiles.yaml');
}

export function checkProfileName(name: string, source: string): string {
  if (!NAME.test(name)) throw new CliError(`${source}: '${name}' is not a profile name (letters, digits, '.', '_', '-'; at most 64)`, EXIT_USAGE);
  return name;
}

/** The file's profiles (none when it does not exist); a malformed file is an error naming the field. */
export function readProfiles(path: string): ProfilesFile {
  if (!existsSync(path)) return { profiles: {} };
  // It holds API keys: refuse it when others can read it, as ssh does for its keys.
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new CliError(`${path} is readable by others (mode ${mode.toString(8)}): run chmod 600 ${path}`);
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { profiles: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`${path}: expected a mapping with 'current' and 'profiles'`);
  const { current, profiles = {} } = doc as { current?: unknown; profiles?: unknown };
  if (current !== undefined && current !== null && typeof current !== 'string') throw new CliError(`${path}: 'current' must be a profile name`);
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) throw new CliError(`${path}: 'profiles' must be a mapping of names to profiles`);
  const out: ProfilesFile = { profiles: {}, ...(typeof current === 'string' ? { current } : {}) };
  for (const [name, raw] of Object.entries(profiles)) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CliError(`${path}: profiles.${name} must be a mapping`);
    const profile: Profile = {};
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      if (!(PROFILE_KEYS as readonly string[]).includes(key)) throw new CliError(`${path}: profiles.${name}.${key} is not a profile field (${PROFILE_KEYS.join(', ')})`);
      if (typeof value !== 'string') throw new CliError(`${path}: profiles.${name}.${key} must be a string`);
      (profile as Record<string, string>)[key] = value;
    }
    out.profiles[name] = profile;
  }
  return out;
}

export function writeProfiles(path: string, file: ProfilesFile): void {
  const doc = { ...(file.current ? { current: file.current } : {}), profiles: file.profiles };
  writePrivateFile(path, `# fnstack CLI profiles (fnstack login --profile NAME, fnstack profile use NAME)\n${YAML.stringify(doc)}`);
}

export interface SelectedProfile {
  name: string;
  profile: Profile;
  /** What chose it: --profile, FNSTACK_PROFILE or the file's `current`. */
  source: string;
  path: string;
}

/** The profile in use, or null when none is named; a named profile that does not exist is an error. */
export function selectProfile(flag: string | undefined, env: Record<string, string | undefined>, homeDir: string): SelectedProfile | null {
  const path = profilesPath(env, homeDir);
  const named = flag ? { name: flag, source: '--profile' } : env.FNSTACK_PROFILE ? { name: env.FNSTACK_PROFILE, source: 'FNSTACK_PROFILE' } : null;
  if (named) checkProfileName(named.name, named.source);
  if (!named && !existsSync(path)) return null;
  const file = readProfiles(path);
  const choice = named ?? (file.current ? { name: file.current, source: `'current' in ${path}` } : null);
  if (!choice) return null;
  const profile = file.profiles[choice.name];
  if (!profile) {
    const known = Object.keys(file.profiles);
    throw new CliError(
      `${choice.source}: no profile '${choice.name}' in ${path} (${known.length > 0 ? `profiles: ${known.join(', ')}` : 'there are none yet'}; \`fnstack login --profile ${choice.name}\` creates it)`,
      EXIT_USAGE,
    );
  }
  return { name: choice.name, profile, source: choice.source, path };
}
