/**
 * Authentication, the project scope, the role checks and the audit trail of the API.
 *
 * - Credentials are read and checked by the configured Authenticator (service/auth/):
 *   built-in API keys (`Authorization: Bearer <key>` / `X-API-Key`) or Keystone tokens
 *   (`X-Auth-Token`). No credential → 401; a wrong, revoked or expired one → 401.
 * - A route's `config.access` says who may call it: `public` (no credentials), `read` (any
 *   role), `write` (admin or member; the default). `config.requires` narrows further:
 *   `project_admin` (the project's admins, and service admins) or `service_admin`.
 * - `req.project()` is the caller's project scope: every tenant query goes through it.
 * - Every successful POST/PUT/PATCH/DELETE by an authenticated caller is written to the
 *   audit trail of the project it touched (routes may say more through `req.auditNote`).
 * - Every route is recorded in `app.routeTable` as it is added (the isolation tests walk it).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';
import type { ProjectStore } from '../../store/store.js';
import type { Authenticator } from '../../auth/authenticator.js';
import { createAuthenticator } from '../../auth/create-authenticator.js';
import type { AuditActor } from '../../store/audit-store.js';

export interface RouteEntry {
  method: string;
  url: string;
  access: 'public' | 'read' | 'write';
  requires: 'project_admin' | 'service_admin' | null;
}

/** What a route may add to its audit entry. */
export interface AuditNote {
  /** The project the change belongs to, when it is not the caller's (service admins). */
  projectId?: string;
  resourceType?: string;
  resourceId?: string | null;
  action?: string;
  details?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticator: Authenticator;
    /** Every route of the app, in the order they were added. */
    routeTable: RouteEntry[];
  }
  interface FastifyRequest {
    auditNote: AuditNote | null;
  }
  interface FastifyContextConfig {
    /** Narrows `access`: only the project's admins (and service admins), or only service admins. */
    requires?: 'project_admin' | 'service_admin';
    /** false: not written to the audit trail (e.g. invocations, which are executions). */
    audit?: boolean;
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Action routes (`POST …/:id/<verb>`) that change nothing worth auditing. */
const UNAUDITED_ACTIONS = new Set(['invoke']);

export default fp(async function auth(app: FastifyInstance) {
  const authenticator = createAuthenticator(app.fnstack.config, app.fnstack.store);
  app.decorate('authenticator', authenticator);
  app.decorate('routeTable', [] as RouteEntry[]);

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = (route.config ?? {}) as { access?: RouteEntry['access']; requires?: RouteEntry['requires'] };
    for (const method of methods) {
      if (method === 'HEAD') continue;
      const access = route.url.startsWith('/docs') ? 'public' : (config.access ?? 'write');
      app.routeTable.push({ method, url: route.url, access, requires: config.requires ?? null });
    }
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('auditNote', null);
  app.decorateRequest('project', function (this: FastifyRequest): ProjectStore {
    if (!this.principal) throw new ApiError('unauthorized', 'credentials required');
    return app.fnstack.store.forProject(this.principal.projectId);
  });

  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config ?? {};
    const access = config.access ?? 'write';
    if (access === 'public' || req.url.startsWith('/docs')) return;
    const credential = authenticator.credentialOf(req.headers);
    if (!credential) throw new ApiError('unauthorized', authenticator.challenge);
    const principal = await authenticator.authenticate(credential);
    if (!principal) {
      throw new ApiError('unauthorized', authenticator.mode === 'builtin' ? 'the API key is unknown, revoked or expired' : 'the Keystone token is invalid, revoked or expired');
    }
    req.principal = principal;
    if (access === 'write' && principal.role === 'reader') {
      throw new ApiError('forbidden', `${principal.accountName} has the reader role on project ${principal.projectName}: it may read but not change or invoke`);
    }
    if (config.requires === 'service_admin' && !principal.serviceAdmin) {
      throw new ApiError('forbidden', 'only a service admin may do this');
    }
    if (config.requires === 'project_admin' && principal.role !== 'admin' && !principal.serviceAdmin) {
      throw new ApiError('forbidden', `only an admin of project ${principal.projectName} may do this`);
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.principal || !WRITE_METHODS.has(req.method) || reply.statusCode >= 400) return payload;
    if (req.routeOptions.config?.audit === false || !req.routeOptions.url) return payload;
    const entry = auditEntryOf(req, reply, payload);
    if (!entry) return payload;
    const p = req.principal;
    const actor: AuditActor = {
      kind: p.method === 'keystone' ? 'keystone_user' : 'account',
      id: p.accountId,
      name: p.accountName,
      projectId: p.projectId,
      keyId: p.keyId,
    };
    try {
      await app.fnstack.store.forProject(entry.projectId).audit.record({ ...entry, actor, requestId: req.id });
    } catch (err) {
      // The change is done; a lost audit row must not turn it into an error, but must be seen.
      req.log.error({ err, entry }, 'could not write the audit entry');
    }
    return payload;
  });
});

/**
 * Derives the audit entry from the route: `POST /v1/things` → create thing (id from the
 * answer), `PATCH|PUT /v1/things/:id` → update, `DELETE` → delete, `POST /v1/things/:id/verb`
 * → verb; `req.auditNote` overrides any part.
 */
function auditEntryOf(req: FastifyRequest, reply: FastifyReply, payload: unknown) {
  const url = req.routeOptions.url ?? '';
  const segments = url.split('/').filter((s) => s && s !== 'v1');
  const params = (req.params ?? {}) as Record<string, string>;
  const note = req.auditNote ?? {};
  const literals = segments.filter((s) => !s.startsWith(':'));
  const paramNames = segments.filter((s) => s.startsWith(':')).map((s) => s.slice(1));
  const last = segments.at(-1) ?? '';
  const lastParam = paramNames.at(-1);

  let action: string = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' }[req.method] ?? req.method.toLowerCase();
  let resourceType = singular(literals.at(-1) ?? 'resource');
  let resourceId: string | null = lastParam ? (params[lastParam] ?? null) : null;
  if (req.method === 'POST' && !last.startsWith(':') && segments.length >= 3 && segments.at(-2)?.startsWith(':')) {
    // POST /v1/things/:id/verb — an action on one thing.
    action = last;
    resourceType = singular(literals.at(-2) ?? last);
    if (UNAUDITED_ACTIONS.has(action)) return null;
  }
  if (resourceId === null && req.method === 'POST') resourceId = idFromAnswer(payload);
  const details = note.details ?? fieldsOf(req.body);
  return {
    projectId: note.projectId ?? req.principal!.projectId,
    action: note.action ?? action,
    resourceType: note.resourceType ?? resourceType,
    resourceId: note.resourceId !== undefined ? note.resourceId : resourceId,
    details: { status: reply.statusCode, ...details },
  };
}

function singular(word: string): string {
  return word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.endsWith('s') ? word.slice(0, -1) : word;
}

function idFromAnswer(payload: unknown): string | null {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return null;
  try {
    const body = JSON.parse(payload) as { id?: unknown; name?: unknown };
    if (typeof body.id === 'string') return body.id;
    if (typeof body.name === 'string') return body.name;
  } catch {
    /* not JSON */
  }
  return null;
}

/** The names of the fields a change sent (never their values: env vars and keys are secrets). */
function fieldsOf(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const fields = Object.keys(body as object).sort();
  return fields.length > 0 ? { fields } : {};
}
