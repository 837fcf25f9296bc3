/** How profiles are shown: never their secrets. */
import { formatFields, formatTable } from '../../output/table.js';
import type { Profile } from '../../profiles.js';

export interface ProfileRow {
  name: string;
  in_use: boolean;
  endpoint: string | null;
  auth: string | null;
  account: string | null;
  project: string | null;
  /** Whether it holds an API key or token (never the value). */
  has_key: boolean;
  token_expires_at: string | null;
  os_auth_url: string | null;
}

export function profileRow(name: string, p: Profile, inUse: string | undefined): ProfileRow {
  return {
    name,
    in_use: name === inUse,
    endpoint: p.endpoint ?? null,
    auth: p.auth ?? null,
    account: p.account ?? null,
    project: p.project ?? null,
    has_key: typeof p.api_key === 'string' && p.api_key !== '',
    token_expires_at: p.token_expires_at ?? null,
    os_auth_url: p.os_auth_url ?? null,
  };
}

export const PROFILE_COLUMNS = ['name', 'in_use', 'endpoint', 'account', 'project'];

export function profileTable(rows: readonly ProfileRow[]): string {
  return formatTable(
    ['', 'NAME', 'ENDPOINT', 'ACCOUNT', 'PROJECT', 'AUTH'],
    rows.map((r) => [r.in_use ? '*' : '', r.name, r.endpoint ?? '-', r.account ?? '-', r.project ?? '-', r.auth ?? '-']),
  );
}

export function profileDetails(r: ProfileRow, path: string): string {
  const fields: Array<[string, string]> = [
    ['name', `${r.name}${r.in_use ? ' (in use)' : ''}`],
    ['endpoint', r.endpoint ?? '-'],
    ['account', r.account ?? '-'],
    ['project', r.project ?? '-'],
    ['auth', r.auth ?? '-'],
    ['key', r.has_key ? 'stored (not shown)' : 'none'],
  ];
  if (r.token_expires_at) fields.push(['token expires', r.token_expires_at]);
  if (r.os_auth_url) fields.push(['keystone', r.os_auth_url]);
  fields.push(['file', path]);
  return formatFields(fields);
}
