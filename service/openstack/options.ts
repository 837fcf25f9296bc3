/**
 * How an OpenStackSession is configured. Everything enters through this typed object
 * (built by the service's config module); nothing here reads process.env.
 */
import type { Middleware } from 'openapi-fetch';
import { ConfigError } from '../errors.js';
import type { ServiceType } from './errors.js';

export type EndpointInterface = 'public' | 'internal' | 'admin';

/** A user's password, scoped to a project (fnstack needs a project-scoped token for its catalog). */
export interface PasswordCredentials {
  type: 'password';
  /** User by id, or by name + domain. */
  userId?: string;
  username?: string;
  /** The user's domain by name or id; default: domain id `default`. */
  userDomainName?: string;
  userDomainId?: string;
  password: string;
  /** Project by id, or by name + domain. */
  projectId?: string;
  projectName?: string;
  /** The project's domain by name or id; default: domain id `default`. */
  projectDomainName?: string;
  projectDomainId?: string;
}

/** An application credential; it is bound to one project, so it takes no scope. */
export interface ApplicationCredentialCredentials {
  type: 'application_credential';
  /** By id, or by name + its user (id, or name + domain). */
  id?: string;
  name?: string;
  secret: string;
  userId?: string;
  username?: string;
  userDomainName?: string;
  userDomainId?: string;
}

export type Credentials = PasswordCredentials | ApplicationCredentialCredentials;

export interface SessionOptions {
  /** Keystone, e.g. `http://127.0.0.1:5000/v3` (a trailing `/v3` is optional). */
  authUrl: string;
  credentials: Credentials;
  /** Region of the endpoints to use; default: any (the first match in the catalog). */
  region?: string;
  /** Endpoint interface to pick from the catalog. Default `public`. */
  interface?: EndpointInterface;
  /** Fixed base URLs that bypass the catalog, per service type (e.g. behind a proxy). */
  endpointOverride?: Partial<Record<ServiceType, string>>;
  /**
   * Renew the token this long before it expires. Default 5 min, capped at half the
   * token's lifetime so short-lived tokens are not renewed on every call.
   */
  refreshBeforeExpiryMs?: number;
  /** Per-request deadline. Default 60 s. */
  requestTimeoutMs?: number;
  /** fetch to use; default globalThis.fetch. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Extra openapi-fetch middleware added to every client of this session, after the
   * auth/catalog middleware (so they see the final request and the raw response).
   * The contract tests use it to check every response against the specs.
   */
  middleware?: Middleware[];
}

export interface ResolvedSessionOptions {
  /** Keystone root without the version: the base of the `/v3/...` paths. */
  authRoot: string;
  credentials: Credentials;
  region: string | undefined;
  interface: EndpointInterface;
  endpointOverride: Partial<Record<ServiceType, string>>;
  refreshBeforeExpiryMs: number;
  requestTimeoutMs: number;
  fetch: (request: Request) => Promise<Response>;
  middleware: Middleware[];
}

const INTERFACES: readonly EndpointInterface[] = ['public', 'internal', 'admin'];

/** Checks the options and fills in the defaults; a bad option is a ConfigError naming it. */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  let authUrl: URL;
  try {
    authUrl = new URL(options.authUrl);
  } catch {
    throw new ConfigError('openstack.auth_url', `not a URL: '${options.authUrl}'`);
  }
  if (authUrl.protocol !== 'http:' && authUrl.protocol !== 'https:') throw new ConfigError('openstack.auth_url', 'must be http(s)');
  const iface = options.interface ?? 'public';
  if (!INTERFACES.includes(iface)) throw new ConfigError('openstack.interface', `must be public, internal or admin, not '${iface}'`);
  checkCredentials(options.credentials);
  return {
    authRoot: trimSlash(authUrl.href).replace(/\/v3$/, ''),
    credentials: options.credentials,
    region: options.region || undefined,
    interface: iface,
    endpointOverride: { ...options.endpointOverride },
    refreshBeforeExpiryMs: options.refreshBeforeExpiryMs ?? 5 * 60_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    fetch: options.fetch ?? ((request) => fetch(request)),
    middleware: [...(options.middleware ?? [])],
  };
}

function checkCredentials(c: Credentials): void {
  const key = 'openstack.credentials';
  if (c.type === 'password') {
    if (!c.userId && !c.username) throw new ConfigError(`${key}.username`, 'a password credential needs a user id or name');
    if (!c.password) throw new ConfigError(`${key}.password`, 'missing');
    if (!c.projectId && !c.projectName) throw new ConfigError(`${key}.project_name`, 'a project id or name is required (fnstack needs a project-scoped token)');
  } else if (c.type === 'application_credential') {
    if (!c.secret) throw new ConfigError(`${key}.application_credential_secret`, 'missing');
    if (!c.id && !c.name) throw new ConfigError(`${key}.application_credential_id`, 'an application credential needs an id or a name');
    if (!c.id && !c.userId && !c.username) throw new ConfigError(`${key}.username`, 'an application credential given by name needs its user');
  } else {
    throw new ConfigError(`${key}.type`, `must be password or application_credential, not '${(c as { type?: unknown }).type}'`);
  }
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
