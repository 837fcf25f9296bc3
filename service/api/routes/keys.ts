/**
 * /v1/keys: API keys of built-in accounts. A key is shown once, when it is created; the
 * store keeps a salted hash. Members manage their own keys; the project's admins manage every
 * key of the project. Revoking keeps the key (for the audit trail) but it stops working.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError, invalid, notFound } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import { isProjectAdmin } from '../../auth/target-project.js';
import type { AccountRow, ProjectRow } from '../../store/schema.js';
import type { ApiKeyInfo, IssuedKey } from '../../store/account-store.js';

const iso = (t: number | null) => (t === null ? null : new Date(Number(t)).toISOString());
const nullableTime = { type: ['string', 'null'] } as const;

export const KeyBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    account_id: { type: 'string' },
    account_name: { type: 'string' },
    description: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
    created_at: { type: 'string' },
    expires_at: nullableTime,
    revoked_at: nullableTime,
    last_used_at: nullableTime,
  },
} as const;

export const IssuedKeyBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    key: { type: 'string', description: 'the secret key: shown only in this answer' },
    account_id: { type: 'string' },
    account_name: { type: 'string' },
    project_id: { type: 'string' },
    project_name: { type: 'string' },
    expires_at: nullableTime,
  },
} as const;

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export function keyJson(k: IssuedKey, account: AccountRow, project: Pick<ProjectRow, 'id' | 'name'>) {
  return { id: k.id, key: k.key, account_id: account.id, account_name: account.name, project_id: project.id, project_name: project.name, expires_at: iso(k.expiresAt) };
}

export function keyInfoJson(k: ApiKeyInfo, now = Date.now()) {
  const status = k.revokedAt !== null ? 'revoked' : k.expiresAt !== null && k.expiresAt <= now ? 'expired' : 'active';
  return {
    id: k.id,
    account_id: k.accountId,
    account_name: k.accountName,
    description: k.description,
    status,
    created_at: iso(k.createdAt),
    expires_at: iso(k.expiresAt),
    revoked_at: iso(k.revokedAt),
    last_used_at: iso(k.lastUsedAt),
  };
}

/** `expires_in_s` or `expires_at` (ISO) → epoch ms, or null for a key that does not expire. */
export function expiryOf(expiresInS: number | undefined, expiresAt: string | undefined, now = Date.now()): number | null {
  if (expiresInS !== undefined && expiresAt !== undefined) throw invalid('expires_at', 'give expires_in_s or expires_at, not both');
  if (expiresInS !== undefined) return now + expiresInS * 1000;
  if (expiresAt === undefined) return null;
  const t = Date.parse(expiresAt);
  if (Number.isNaN(t)) throw invalid('expires_at', `'${expiresAt}' is not an ISO 8601 time`);
  if (t <= now) throw invalid('expires_at', 'expires_at is in the past');
  return t;
}

export default async function keyRoutes(app: FastifyInstance) {
  const { store, config } = app.fnstack;
  if (config.auth.mode !== 'builtin') return;

  app.post('/v1/keys', {
    schema: {
      summary: 'Create an API key (for yourself, or — project admins — for an account of the project); the key is shown once',
      tags: ['keys'],
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          account_id: { type: 'string', maxLength: 64, description: 'default: your own account' },
          description: { type: 'string', maxLength: 255 },
          expires_in_s: { type: 'integer', minimum: 60 },
          expires_at: { type: 'string', maxLength: 64, description: 'ISO 8601 time' },
        },
      },
      response: { 201: { type: 'object', properties: { ...IssuedKeyBody.properties, description: { type: ['string', 'null'] } } }, ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (req, reply) => {
      const body = (req.body ?? {}) as { account_id?: string; description?: string; expires_in_s?: number; expires_at?: string };
      const p = req.principal!;
      const scope = req.project();
      const accountId = body.account_id ?? p.accountId;
      const account = await scope.accounts.get(accountId);
      if (!account) throw notFound('account', accountId);
      if (account.id !== p.accountId && !isProjectAdmin(req)) throw new ApiError('forbidden', "only the project's admins may create keys for other accounts");
      const expiresAt = expiryOf(body.expires_in_s, body.expires_at);
      const key = await store.accounts.issueKey(account.id, { description: body.description ?? null, expiresAt });
      req.auditNote = { resourceId: key.id, details: { account_id: account.id, account_name: account.name, expires_at: iso(expiresAt) } };
      return reply.code(201).send({ ...keyJson(key, account, { id: scope.projectId, name: p.projectName }), description: body.description ?? null });
    },
  });

  app.get('/v1/keys', {
    config: { access: 'read' },
    schema: {
      summary: "List API keys (never their secrets): your own, or — project admins — the project's",
      tags: ['keys'],
      querystring: { type: 'object', properties: { account_id: { type: 'string', maxLength: 64 } } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: KeyBody } } }, ...errorResponses(401) },
    },
    handler: async (req) => {
      const { account_id } = req.query as { account_id?: string };
      const filter = isProjectAdmin(req) ? account_id : req.principal!.accountId;
      const keys = await req.project().accounts.keys(filter);
      const visible = account_id && filter !== account_id ? [] : keys;
      return { items: visible.map((k) => keyInfoJson(k)) };
    },
  });

  app.get('/v1/keys/:id', {
    config: { access: 'read' },
    schema: { summary: 'Show an API key (not its secret)', tags: ['keys'], params: idParam, response: { 200: KeyBody, ...errorResponses(401, 404) } },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const key = await keyInReach(req, id);
      return keyInfoJson(key);
    },
  });

  app.delete('/v1/keys/:id', {
    schema: { summary: 'Revoke an API key: it stops working at once', tags: ['keys'], params: idParam, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      const key = await keyInReach(req, id);
      await req.project().accounts.revokeKey(key.id);
      app.authenticator.forget((p) => p.keyId === key.id);
      req.auditNote = { action: 'revoke', details: { account_id: key.accountId, account_name: key.accountName } };
      return reply.code(204).send();
    },
  });

  /** A key of the caller (or, for admins, of the caller's project); anything else is a 404. */
  async function keyInReach(req: Parameters<typeof isProjectAdmin>[0], id: string): Promise<ApiKeyInfo> {
    const key = await req.project().accounts.key(id);
    if (!key || (key.accountId !== req.principal!.accountId && !isProjectAdmin(req))) throw notFound('key', id);
    return key;
  }
}
