/**
 * /v1/accounts: built-in accounts (Keystone mode has users in Keystone instead; there only
 * GET /v1/accounts/me is served). Managed by the project's admins, and by service admins for
 * any built-in project. Account names are unique within their project.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import { targetProject } from '../../auth/target-project.js';
import type { AccountRow, ProjectRow } from '../../store/schema.js';
import { ROLES, type Role } from '../../store/account-store.js';
import { expiryOf, keyJson, IssuedKeyBody } from './keys.js';

const iso = (t: number) => new Date(Number(t)).toISOString();

export const AccountBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    project_id: { type: 'string' },
    project_name: { type: 'string' },
    created_at: { type: 'string' },
  },
} as const;

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export function accountJson(a: AccountRow, project: Pick<ProjectRow, 'name'>) {
  return { id: a.id, name: a.name, role: a.role, project_id: a.project_id, project_name: project.name, created_at: iso(a.created_at) };
}

export default async function accountRoutes(app: FastifyInstance) {
  const { store, config } = app.fnstack;

  app.get('/v1/accounts/me', {
    config: { access: 'read' },
    schema: {
      summary: 'Who the credentials belong to: project, role, how they authenticated',
      tags: ['accounts'],
      response: {
        200: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            role: { type: 'string' },
            project_id: { type: 'string' },
            project_name: { type: 'string' },
            service_admin: { type: 'boolean' },
            auth_mode: { type: 'string', enum: ['builtin', 'keystone'] },
            key_id: { type: ['string', 'null'] },
          },
        },
        ...errorResponses(401),
      },
    },
    handler: async (req) => {
      const p = req.principal!;
      return { id: p.accountId, name: p.accountName, role: p.role, project_id: p.projectId, project_name: p.projectName, service_admin: p.serviceAdmin, auth_mode: config.auth.mode, key_id: p.keyId };
    },
  });

  if (config.auth.mode !== 'builtin') return;

  app.get('/v1/accounts', {
    config: { access: 'read', requires: 'project_admin' },
    schema: {
      summary: "List a project's accounts (yours; service admins may name another with project_id)",
      tags: ['accounts'],
      querystring: { type: 'object', properties: { project_id: { type: 'string', maxLength: 64 } } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: AccountBody } } }, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const { project_id } = req.query as { project_id?: string };
      const { project, scope } = await targetProject(req, project_id);
      return { items: (await scope.accounts.list()).map((a) => accountJson(a, project)) };
    },
  });

  app.post('/v1/accounts', {
    config: { requires: 'project_admin' },
    schema: {
      summary: 'Create an account (and, unless issue_key is false, its first API key, shown once)',
      tags: ['accounts'],
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$', description: 'unique within the project' },
          role: { type: 'string', enum: [...ROLES], default: 'member' },
          project_id: { type: 'string', maxLength: 64, description: 'default: your project; another one only for service admins' },
          issue_key: { type: 'boolean', default: true },
          key_expires_in_s: { type: 'integer', minimum: 60, description: 'lifetime of the first key; default: no expiry' },
        },
      },
      response: { 201: { type: 'object', properties: { ...AccountBody.properties, api_key: { anyOf: [IssuedKeyBody, { type: 'null' }] } } }, ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      const body = req.body as { name: string; role: Role; project_id?: string; issue_key: boolean; key_expires_in_s?: number };
      const { project, scope } = await targetProject(req, body.project_id);
      if (project.origin !== 'builtin') throw new ApiError('conflict', `project ${project.name} comes from Keystone: its users are managed there`, 'project_id');
      const account = await scope.accounts.create(body.name, body.role);
      if (!account) throw new ApiError('conflict', `account '${body.name}' already exists`, 'name');
      const key = body.issue_key ? await store.accounts.issueKey(account.id, { description: 'first key', expiresAt: expiryOf(body.key_expires_in_s, undefined) }) : null;
      req.auditNote = { projectId: project.id, resourceId: account.id, details: { name: account.name, role: account.role, key_id: key?.id ?? null } };
      return reply.code(201).send({ ...accountJson(account, project), api_key: key ? keyJson(key, account, project) : null });
    },
  });

  app.get('/v1/accounts/:id', {
    config: { access: 'read', requires: 'project_admin' },
    schema: { summary: 'Show an account', tags: ['accounts'], params: idParam, response: { 200: AccountBody, ...errorResponses(401, 403, 404) } },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const { account, project } = await accountInReach(req, id);
      return accountJson(account, project);
    },
  });

  app.delete('/v1/accounts/:id', {
    config: { requires: 'project_admin' },
    schema: { summary: 'Delete an account and its API keys', tags: ['accounts'], params: idParam, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 409) } },
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      const { account, project } = await accountInReach(req, id);
      if (account.id === req.principal!.accountId) throw new ApiError('conflict', 'you cannot delete your own account');
      await store.forProject(project.id).accounts.delete(account.id);
      app.authenticator.forget((p) => p.accountId === account.id);
      req.auditNote = { projectId: project.id, details: { name: account.name } };
      return reply.code(204).send();
    },
  });

  /** An account of the caller's project, or of any project for a service admin; else 404. */
  async function accountInReach(req: Parameters<typeof targetProject>[0], id: string): Promise<{ account: AccountRow; project: ProjectRow }> {
    const own = await req.project().accounts.get(id);
    const account = own ?? (req.principal!.serviceAdmin ? await store.accounts.accountById(id) : null);
    if (!account) throw notFound('account', id);
    const project = await store.accounts.projectById(account.project_id);
    if (!project) throw notFound('account', id);
    return { account, project };
  }
}
