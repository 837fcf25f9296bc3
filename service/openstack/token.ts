/**
 * Keystone tokens: the request body for POST /v3/auth/tokens, and what fnstack reads from a
 * token body (its subject, scope, roles and expiry). Pure functions; no I/O.
 */
import type { components } from './generated/keystone-v3.js';
import type { Credentials } from './options.js';

export type KeystoneToken = components['schemas']['Token'];
export type Catalog = components['schemas']['Catalog'];
type AuthRequest = components['schemas']['AuthRequest'];
type DomainRef = components['schemas']['DomainRef'];

export interface NamedRef {
  id: string;
  name: string;
  domainId: string;
  domainName: string;
}

/** What a token says about its holder. */
export interface TokenInfo {
  user: NamedRef;
  /** null for an unscoped or domain-scoped token. */
  project: NamedRef | null;
  /** Role names on the project. */
  roles: string[];
  /** Keystone's clock. */
  issuedAt: Date;
  expiresAt: Date;
  /** e.g. ['password'] or ['application_credential']. */
  methods: string[];
  /** Set when the token was issued for an application credential. */
  applicationCredentialId: string | undefined;
}

export function authRequestBody(c: Credentials): AuthRequest {
  if (c.type === 'application_credential') {
    const user = c.id ? undefined : c.userId ? { id: c.userId } : { name: c.username, domain: domainRef(c.userDomainId, c.userDomainName) };
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: c.id ? { id: c.id, secret: c.secret } : { name: c.name, secret: c.secret, user },
        },
      },
    };
  }
  const user = c.userId
    ? { id: c.userId, password: c.password }
    : { name: c.username, domain: domainRef(c.userDomainId, c.userDomainName), password: c.password };
  const project = c.projectId ? { id: c.projectId } : { name: c.projectName, domain: domainRef(c.projectDomainId, c.projectDomainName) };
  return {
    auth: {
      identity: { methods: ['password'], password: { user } },
      scope: { project },
    },
  };
}

export function tokenInfo(token: KeystoneToken): TokenInfo {
  return {
    user: namedRef(token.user),
    project: token.project ? namedRef(token.project) : null,
    roles: (token.roles ?? []).map((r) => r.name),
    issuedAt: parseOpenStackTime(token.issued_at),
    expiresAt: parseOpenStackTime(token.expires_at),
    methods: token.methods,
    applicationCredentialId: token.application_credential?.id,
  };
}

/**
 * Parses the timestamps OpenStack services send: RFC 3339 (`…T01:42:57.527363Z`) and
 * Nova's zone-less UTC (`…T01:42:57.000000`), which JavaScript would read as local time.
 */
export function parseOpenStackTime(value: string): Date {
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  const date = new Date(zoned);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not an OpenStack timestamp: '${value}'`);
  return date;
}

function domainRef(id: string | undefined, name: string | undefined): DomainRef {
  if (id) return { id };
  if (name) return { name };
  return { id: 'default' };
}

function namedRef(x: { id: string; name: string; domain: { id: string; name: string } }): NamedRef {
  return { id: x.id, name: x.name, domainId: x.domain.id, domainName: x.domain.name };
}
