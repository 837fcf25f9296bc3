/**
 * One authenticated identity towards an OpenStack cloud, and the openapi-fetch middleware
 * that every client of that identity goes through.
 *
 *   const session = new OpenStackSession({ authUrl, credentials, region, interface: 'public' });
 *   const compute = new ComputeClient(session);
 *
 * The session:
 *  - authenticates (password or application credential) on first use, keeps the token and
 *    renews it before it expires; concurrent callers share one authentication;
 *  - picks each service's base URL from the token's catalog (type + interface + region),
 *    except `identity`, which is the configured auth URL;
 *  - on a 401 from a service, drops the token, authenticates once more and resends the
 *    request once; a second 401 is the caller's OpenStackError;
 *  - turns a request that got no response (refused, timeout) into an OpenStackError (status 0).
 *
 * Clients are created with a placeholder base URL (`http://<type>.openstack.invalid`); the
 * middleware moves each request onto the real endpoint and adds X-Auth-Token.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths as KeystonePaths } from './generated/keystone-v3.js';
import { endpointFromCatalog, normalizeEndpoint } from './catalog.js';
import { errorFromResponse, OpenStackError, type ServiceType } from './errors.js';
import { resolveSessionOptions, type ResolvedSessionOptions, type SessionOptions } from './options.js';
import { authRequestBody, tokenInfo, type Catalog, type TokenInfo } from './token.js';
import { bufferRequest, buildRequest, noResponseError, plainMiddleware, type BufferedRequest } from './transport.js';

/** The session's own token. */
export interface SessionToken extends TokenInfo {
  /** The token ID, sent as X-Auth-Token. */
  value: string;
  catalog: Catalog;
  /** Local clock (ms since epoch) from which the session renews the token. */
  renewAt: number;
}

const placeholder = (service: ServiceType) => `http://${service}.openstack.invalid`;

export class OpenStackSession {
  readonly options: ResolvedSessionOptions;
  #current: SessionToken | undefined;
  #pending: Promise<SessionToken> | undefined;
  readonly #keystone: Client<KeystonePaths>;

  constructor(options: SessionOptions) {
    this.options = resolveSessionOptions(options);
    this.#keystone = createClient<KeystonePaths>({ baseUrl: placeholder('identity'), fetch: this.options.fetch });
    this.#keystone.use(plainMiddleware('identity', this.options.authRoot, this.options.requestTimeoutMs), ...this.options.middleware);
  }

  /** A valid token, authenticating first when there is none or it is due for renewal. */
  async token(): Promise<SessionToken> {
    const current = this.#current;
    if (current && Date.now() < current.renewAt) return current;
    this.#pending ??= this.#authenticate().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets the token (only if it is still `value`, when given); the next call authenticates. */
  invalidate(value?: string): void {
    if (!value || this.#current?.value === value) this.#current = undefined;
  }

  /** The base URL the session uses for a service. */
  async endpoint(service: ServiceType): Promise<string> {
    return this.#baseUrl(service, await this.token());
  }

  /** An openapi-fetch client for one service; all its requests go through the session. */
  client<Paths extends object>(service: ServiceType, headers: Record<string, string> = {}): Client<Paths> {
    const client = createClient<Paths>({ baseUrl: placeholder(service), fetch: this.options.fetch, headers });
    client.use(this.#middleware(service), ...this.options.middleware);
    return client;
  }

  async #authenticate(): Promise<SessionToken> {
    const sentAt = Date.now();
    const { data, error, response } = await this.#keystone.POST('/v3/auth/tokens', {
      body: authRequestBody(this.options.credentials),
    });
    if (!response.ok || !data) throw errorFromResponse('identity', response, error, 'POST');
    const value = response.headers.get('x-subject-token');
    if (!value) throw new OpenStackError({ service: 'identity', status: response.status, message: 'token issued without an X-Subject-Token header' });
    const info = tokenInfo(data.token);
    if (!info.project) throw new OpenStackError({ service: 'identity', status: response.status, message: 'the token is not project-scoped' });
    // Keystone's clock may differ from ours: count the lifetime from when we asked.
    const lifetime = info.expiresAt.getTime() - info.issuedAt.getTime();
    const margin = Math.min(this.options.refreshBeforeExpiryMs, lifetime / 2);
    const token: SessionToken = { ...info, value, catalog: data.token.catalog ?? [], renewAt: sentAt + lifetime - margin };
    this.#current = token;
    return token;
  }

  #baseUrl(service: ServiceType, token: SessionToken): string {
    const override = this.options.endpointOverride[service];
    if (override) return normalizeEndpoint(service, override);
    if (service === 'identity') return this.options.authRoot;
    return endpointFromCatalog(token.catalog, service, this.options.interface, this.options.region);
  }

  /** The auth/catalog middleware of one service's clients. */
  #middleware(service: ServiceType): Middleware {
    const sent = new WeakMap<Request, BufferedRequest>();
    const send = async (buffered: BufferedRequest): Promise<Request> => {
      const token = await this.token();
      const request = buildRequest(this.#baseUrl(service, token), buffered, { 'X-Auth-Token': token.value }, this.options.requestTimeoutMs);
      sent.set(request, buffered);
      return request;
    };
    return {
      onRequest: async ({ request }) => send(await bufferRequest(request)),
      onResponse: async ({ request, response }) => {
        const buffered = sent.get(request);
        if (response.status !== 401 || !buffered) return undefined;
        sent.delete(request);
        this.invalidate(request.headers.get('x-auth-token') ?? undefined);
        await response.body?.cancel();
        const retry = await send(buffered);
        sent.delete(retry);
        try {
          return await this.options.fetch(retry);
        } catch (error) {
          throw noResponseError(service, retry, error);
        }
      },
      onError: ({ request, error }) => noResponseError(service, request, error),
    };
  }
}
