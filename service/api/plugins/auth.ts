/**
 * Authentication and the project scope. Credentials: `Authorization: Bearer <api key>` or
 * `X-API-Key` (built-in accounts). A route's `config.access` says who may call it.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';
import type { Principal } from '../../store/account-store.js';
import type { ProjectStore } from '../../store/store.js';

const CACHE_MS = 30_000;

export default fp(async function auth(app: FastifyInstance) {
  const cache = new Map<string, { principal: Principal; until: number }>();

  app.decorateRequest('principal', null);
  app.decorateRequest('project', function (this: FastifyRequest): ProjectStore {
    if (!this.principal) throw new ApiError('unauthorized', 'credentials required');
    return app.fnstack.store.forProject(this.principal.projectId);
  });

  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config?.access ?? 'write';
    if (access === 'public' || req.url.startsWith('/docs')) return;
    const key = credentialOf(req);
    if (!key) throw new ApiError('unauthorized', 'credentials required: send Authorization: Bearer <api key>');
    const now = Date.now();
    let hit = cache.get(key);
    if (!hit || hit.until < now) {
      const principal = await app.fnstack.store.accounts.authenticate(key, now);
      if (!principal) {
        cache.delete(key);
        throw new ApiError('unauthorized', 'the API key is unknown, revoked or expired');
      }
      hit = { principal, until: now + CACHE_MS };
      cache.set(key, hit);
    }
    req.principal = hit.principal;
    if (access === 'write' && hit.principal.role === 'reader') {
      throw new ApiError('forbidden', `account ${hit.principal.accountName} has the reader role: it may read but not change or invoke`);
    }
  });
});

function credentialOf(req: FastifyRequest): string | null {
  const authz = req.headers.authorization;
  if (authz?.startsWith('Bearer ')) return authz.slice(7).trim();
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k ? k : null;
}
