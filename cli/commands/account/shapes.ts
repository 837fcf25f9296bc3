/** Shapes of /v1/accounts, /v1/projects and /v1/keys (docs/api.md), and lookups by name or id shared by the account and key commands. */
import type { ApiClient } from '../../api-client.js';
import { CliError } from '../../errors.js';

export interface AccountInfo {
  id: string;
  name: string;
  role: 'admin' | 'member' | 'reader';
  project_id: string;
  project_name: string;
  created_at: string;
}

export interface IssuedKeyInfo {
  id: string;
  key: string;
  account_id: string;
  account_name: string;
  project_id: string;
  project_name: string;
  expires_at: string | null;
  description?: string | null;
}

export interface KeyInfo {
  id: string;
  account_id: string;
  account_name: string;
  description: string | null;
  status: 'active' | 'expired' | 'revoked';
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface ProjectInfo {
  id: string;
  name: string;
  origin: string;
  admin_project: boolean;
  created_at: string;
}

export interface Me {
  id: string;
  name: string;
  role: string;
  project_id: string;
  project_name: string;
  service_admin: boolean;
  auth_mode: 'builtin' | 'keystone';
  key_id: string | null;
}

/** A project by id or name among those the caller sees; null when there is none. */
export async function findProject(client: ApiClient, idOrName: string): Promise<ProjectInfo | null> {
  const { items } = await client.request<{ items: ProjectInfo[] }>('GET', '/v1/projects');
  return items.find((p) => p.id === idOrName) ?? items.find((p) => p.name === idOrName) ?? null;
}

/** An account by id or name, in the caller's project or (service admins) in `projectId`. */
export async function findAccount(client: ApiClient, idOrName: string, projectId?: string): Promise<AccountInfo> {
  const { items } = await client.request<{ items: AccountInfo[] }>('GET', '/v1/accounts', { query: { project_id: projectId } });
  const found = items.find((a) => a.id === idOrName) ?? items.find((a) => a.name === idOrName);
  if (!found) throw new CliError(`no account '${idOrName}' in ${projectId ? `project ${projectId}` : 'your project'}`);
  return found;
}

/** `30d`, `12h`, `15m`, `90s` or plain seconds → seconds. */
export function parseDuration(raw: string | undefined, option: string): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!m) throw new CliError(`${option} must be a duration like 90d, 12h, 30m or 3600 (seconds), not '${raw}'`, 2);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export const when = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');
