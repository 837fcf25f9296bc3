/**
 * Keystone calls made with the session's own token: validating a user's token (the
 * service's `keystone` auth mode) and reading the catalog.
 */
import type { Client } from 'openapi-fetch';
import type { OpenStackSession } from './auth-session.js';
import { errorFromResponse } from './errors.js';
import type { paths } from './generated/keystone-v3.js';
import { tokenInfo, type Catalog, type TokenInfo } from './token.js';

export class IdentityClient {
  /** The typed openapi-fetch client, for calls this class does not wrap. */
  readonly http: Client<paths>;

  constructor(session: OpenStackSession) {
    this.http = session.client<paths>('identity');
  }

  /**
   * Who a user's token belongs to: project, user, roles and expiry, or null when Keystone
   * does not know it (invalid, revoked or expired → 404). The session's user needs the
   * `service` role (policy `identity:validate_token`); without it this throws a 403.
   */
  async validateUserToken(subjectToken: string): Promise<TokenInfo | null> {
    if (!subjectToken) return null;
    const { data, error, response } = await this.http.GET('/v3/auth/tokens', {
      params: { header: { 'X-Subject-Token': subjectToken }, query: { nocatalog: '1' } },
    });
    if (response.status === 404) return null;
    if (!response.ok || !data) throw errorFromResponse('identity', response, error, 'GET');
    return tokenInfo(data.token);
  }

  /** The catalog of the session's token, as Keystone serves it now. */
  async getCatalog(): Promise<Catalog> {
    const { data, error, response } = await this.http.GET('/v3/auth/catalog');
    if (!response.ok || !data) throw errorFromResponse('identity', response, error, 'GET');
    return data.catalog;
  }
}
