/**
 * Where `fnstack login` keeps what it verified: the profile in use (--profile, FNSTACK_PROFILE
 * or the current one of profiles.yaml), else `<config dir>/credentials.json`. Either way the
 * next commands read the credentials from where login wrote them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userCredentialsPath, writeCredentialsFile } from './credentials.js';
import { checkProfileName, profilesPath, readProfiles, writeProfiles, type Profile } from './profiles.js';

export interface LoginStore {
  /** For messages: "profile 'prod' in …/profiles.yaml" or the credentials file's path. */
  where: string;
  /** The profile written, if any. */
  profile: string | null;
  /** Whether there is something stored already. */
  exists: boolean;
  /** Whether the profile written is also the current one (always true for the credentials file). */
  isCurrent: boolean;
  read(): Profile;
  write(login: Profile): void;
}

export function loginStore(flag: string | undefined, env: Record<string, string | undefined>, homeDir: string): LoginStore {
  const path = profilesPath(env, homeDir);
  const current = existsSync(path) ? readProfiles(path).current : undefined;
  const name = flag ? checkProfileName(flag, '--profile') : env.FNSTACK_PROFILE ? checkProfileName(env.FNSTACK_PROFILE, 'FNSTACK_PROFILE') : current;
  if (name) {
    const stored = readProfiles(path).profiles[name];
    return {
      where: `profile '${name}' in ${path}`,
      profile: name,
      exists: stored !== undefined,
      isCurrent: name === current,
      read: () => readProfiles(path).profiles[name] ?? {},
      write: (login) => {
        const file = readProfiles(path);
        writeProfiles(path, { ...file, profiles: { ...file.profiles, [name]: login } });
      },
    };
  }
  const file = userCredentialsPath(env, homeDir);
  return { where: file, profile: null, exists: existsSync(file), isCurrent: true, read: () => readLenient(file), write: (login) => writeCredentialsFile(file, login) };
}

/** A previous login, or nothing when the file is missing or unreadable (login replaces it). */
function readLenient(path: string): Profile {
  if (!existsSync(path)) return {};
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Profile) : {};
  } catch {
    return {};
  }
}
