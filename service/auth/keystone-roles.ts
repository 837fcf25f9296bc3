/** How Keystone role names on a project map onto fnstack's roles. Pure. */
import type { Role } from '../store/account-store.js';

/**
 * The strongest fnstack role among a token's roles (Keystone lists implied roles too):
 * `admin` → admin; `member` or the legacy `_member_` → member; `reader` → reader; none → null.
 */
export function fnstackRoleOf(keystoneRoles: readonly string[]): Role | null {
  const names = new Set(keystoneRoles.map((r) => r.toLowerCase()));
  if (names.has('admin')) return 'admin';
  if (names.has('member') || names.has('_member_')) return 'member';
  if (names.has('reader')) return 'reader';
  return null;
}
