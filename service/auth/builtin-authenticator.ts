/**
 * Built-in accounts: `Authorization: Bearer <api key>` or `X-API-Key: <api key>`, checked
 * against the salted hashes in the store. Results are cached briefly; a key revoked through
 * this process's API stops working at once, on other processes within `cacheMs`.
 */
import type { AccountStore, Principal } from '../store/account-store.js';
import { bearerOf, headerOf, type Authenticator, type Headers } from './authenticator.js';
import { TtlCache } from './ttl-cache.js';

export interface BuiltinAuthenticatorOptions {
  /** How long a verified key is trusted without asking the store again, ms. Default 10 s. */
  cacheMs?: number;
  /** How long an unknown key is refused without asking again, ms. Default 2 s. */
  negativeCacheMs?: number;
  now?: () => number;
}

export class BuiltinAuthenticator implements Authenticator {
  readonly mode = 'builtin' as const;
  readonly challenge = 'credentials required: send Authorization: Bearer <api key>';
  readonly #cache: TtlCache<Principal | null>;
  readonly #cacheMs: number;
  readonly #negativeMs: number;
  readonly #now: () => number;

  constructor(
    private readonly accounts: AccountStore,
    options: BuiltinAuthenticatorOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#cacheMs = options.cacheMs ?? 10_000;
    this.#negativeMs = options.negativeCacheMs ?? 2_000;
    this.#cache = new TtlCache(10_000, this.#now);
  }

  credentialOf(headers: Headers): string | null {
    return bearerOf(headers) ?? headerOf(headers, 'x-api-key');
  }

  async authenticate(key: string): Promise<Principal | null> {
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const now = this.#now();
    const principal = await this.accounts.authenticate(key, now);
    this.#cache.set(key, principal, now + (principal ? this.#cacheMs : this.#negativeMs));
    return principal;
  }

  forget(match: (principal: Principal) => boolean): void {
    this.#cache.deleteWhere((p) => p !== null && match(p));
  }
}
