/**
 * Keystone mode: `X-Auth-Token: <token>` (or `Authorization: Bearer <token>`) is validated
 * against Keystone v3 (GET /v3/auth/tokens) with the service's own token, like every
 * OpenStack service does. A validation is cached until the token expires or `cacheMs` has
 * passed, whichever is first, so a revoked token stops working within `cacheMs`; a token
 * Keystone does not know is refused without asking again for `negativeCacheMs`. The token's
 * project is mirrored into the `projects` table on first use.
 */
import { ApiError } from '../errors.js';
import type { TokenInfo } from '../openstack/index.js';
import type { AccountStore, Principal } from '../store/account-store.js';
import { bearerOf, headerOf, type Authenticator, type Headers } from './authenticator.js';
import { fnstackRoleOf } from './keystone-roles.js';
import { TtlCache } from './ttl-cache.js';

/** What the authenticator needs from Keystone (IdentityClient has it). */
export interface TokenValidator {
  validateUserToken(token: string): Promise<TokenInfo | null>;
}

export interface KeystoneAuthenticatorOptions {
  /** Longest time a validation is trusted, ms (keystonemiddleware's token_cache_time). Default 300 s. */
  cacheMs?: number;
  /** How long a token Keystone refused is refused without asking again, ms. Default 5 s. */
  negativeCacheMs?: number;
  /** Cached validations at most. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

type Outcome = { principal: Principal } | { refused: 'unknown' } | { refused: 'forbidden' | 'unscoped'; message: string };

export class KeystoneAuthenticator implements Authenticator {
  readonly mode = 'keystone' as const;
  readonly challenge = 'credentials required: send X-Auth-Token: <Keystone token>';
  readonly #cache: TtlCache<Outcome>;
  readonly #cacheMs: number;
  readonly #negativeMs: number;
  readonly #now: () => number;
  readonly #mirrored = new Set<string>();
  /** Keystone round trips made (tests read it to see the cache at work). */
  validations = 0;

  constructor(
    private readonly identity: TokenValidator,
    private readonly accounts: AccountStore,
    options: KeystoneAuthenticatorOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#cacheMs = options.cacheMs ?? 300_000;
    this.#negativeMs = options.negativeCacheMs ?? 5_000;
    this.#cache = new TtlCache(options.maxEntries ?? 10_000, this.#now);
  }

  credentialOf(headers: Headers): string | null {
    return headerOf(headers, 'x-auth-token') ?? bearerOf(headers);
  }

  async authenticate(token: string): Promise<Principal | null> {
    const outcome = this.#cache.get(token) ?? (await this.#validate(token));
    if ('principal' in outcome) return outcome.principal;
    if (outcome.refused === 'unknown') return null;
    if (outcome.refused === 'unscoped') throw new ApiError('unauthorized', outcome.message);
    throw new ApiError('forbidden', outcome.message);
  }

  forget(match: (principal: Principal) => boolean): void {
    this.#cache.deleteWhere((o) => 'principal' in o && match(o.principal));
  }

  async #validate(token: string): Promise<Outcome> {
    let info: TokenInfo | null;
    this.validations++;
    try {
      info = await this.identity.validateUserToken(token);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new ApiError('not_ready', `cannot validate the token with Keystone now: ${why}`);
    }
    const now = this.#now();
    if (!info || info.expiresAt.getTime() <= now) {
      const outcome: Outcome = { refused: 'unknown' };
      this.#cache.set(token, outcome, now + this.#negativeMs);
      return outcome;
    }
    const until = Math.min(info.expiresAt.getTime(), now + this.#cacheMs);
    let outcome: Outcome;
    if (!info.project) {
      outcome = { refused: 'unscoped', message: 'the Keystone token is not scoped to a project: get a project-scoped token' };
    } else {
      const role = fnstackRoleOf(info.roles);
      if (!role) {
        outcome = { refused: 'forbidden', message: `the token has no fnstack role on project ${info.project.name} (needs admin, member or reader)` };
      } else {
        await this.#mirror(info.project.id, info.project.name);
        outcome = {
          principal: {
            projectId: info.project.id,
            projectName: info.project.name,
            accountId: info.user.id,
            accountName: info.user.name,
            role,
            serviceAdmin: role === 'admin',
            method: 'keystone',
            keyId: null,
          },
        };
      }
    }
    this.#cache.set(token, outcome, until);
    return outcome;
  }

  async #mirror(projectId: string, name: string): Promise<void> {
    if (this.#mirrored.has(projectId)) return;
    await this.accounts.ensureProject(projectId, name, 'keystone');
    this.#mirrored.add(projectId);
  }
}
