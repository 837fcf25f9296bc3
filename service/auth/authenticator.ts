/**
 * The one contract between the HTTP API and whatever proves who a caller is. The auth
 * plugin asks the configured authenticator (built-in API keys or Keystone tokens, chosen by
 * `config.auth.mode` in create-authenticator.ts) and never looks at credentials itself.
 */
import type { Principal } from '../store/account-store.js';

/** Request headers as Fastify gives them. */
export type Headers = Record<string, string | string[] | undefined>;

export interface Authenticator {
  readonly mode: 'builtin' | 'keystone';
  /** The credential the request carries, or null when it carries none (→ 401). */
  credentialOf(headers: Headers): string | null;
  /**
   * Who the credential belongs to, or null when it is unknown, wrong, revoked or expired
   * (→ 401). Throws `ApiError('forbidden')` for a valid credential that grants no fnstack
   * role, and `ApiError('not_ready')` when the identity back end cannot be asked now.
   */
  authenticate(credential: string): Promise<Principal | null>;
  /** What to tell a caller who sent no credential. */
  readonly challenge: string;
  /** Drops cached results for a credential (e.g. a key revoked in this process). */
  forget(match: (principal: Principal) => boolean): void;
}

/** The bearer token of `Authorization: Bearer <token>`, or null. */
export function bearerOf(headers: Headers): string | null {
  const authz = headers.authorization;
  if (typeof authz === 'string' && /^bearer /i.test(authz)) return authz.slice(7).trim() || null;
  return null;
}

export function headerOf(headers: Headers, name: string): string | null {
  const v = headers[name];
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}
