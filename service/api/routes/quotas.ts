/**
 * /v1/projects/{id}/quotas: the limits in force for a project (defaults from the
 * configuration, overrides set by service admins) and the project's usage against them.
 */
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../schemas.js';
import { targetProject } from '../../auth/target-project.js';
import { QUOTA_FIELD, QUOTA_NAMES, type QuotaOverrides } from '../../store/quota-store.js';
import type { QuotaLimits } from '../../config.js';
import type { ProjectStore } from '../../store/store.js';
import { LIMIT_BOUNDS } from '../../function-limits.js';

const QuotaSet = {
  type: 'object',
  properties: {
    functions: { type: 'integer', minimum: 0, description: 'functions the project may have' },
    code_bytes: { type: 'integer', minimum: 0, description: 'total bytes of the distinct code packages of all versions' },
    concurrent_executions: { type: 'integer', minimum: 1, description: 'executions provisioning or running at once; more wait queued' },
    executions_per_minute: { type: 'integer', minimum: 0, description: 'executions accepted per rolling minute' },
    memory_mb: { type: 'integer', ...LIMIT_BOUNDS.memory_mb, description: 'largest memory_mb one function may declare' },
  },
} as const;

const QuotasBody = {
  type: 'object',
  properties: { project_id: { type: 'string' }, limits: QuotaSet, defaults: QuotaSet, overrides: QuotaSet, usage: QuotaSet },
} as const;

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

function toApi(q: Partial<QuotaLimits>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of QUOTA_NAMES) if (q[name] !== undefined) out[QUOTA_FIELD[name]] = q[name];
  return out;
}

function fromApi(body: Record<string, number | undefined>): QuotaOverrides {
  const out: QuotaOverrides = {};
  for (const name of QUOTA_NAMES) {
    const v = body[QUOTA_FIELD[name]];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export default async function quotaRoutes(app: FastifyInstance) {
  const { config } = app.fnstack;

  async function quotasJson(projectId: string, scope: ProjectStore) {
    const overrides = await scope.quotas.overrides();
    return {
      project_id: projectId,
      limits: toApi({ ...config.quotas, ...overrides }),
      defaults: toApi(config.quotas),
      overrides: toApi(overrides),
      usage: toApi(await scope.quotas.usage()),
    };
  }

  app.get('/v1/projects/:id/quotas', {
    config: { access: 'read' },
    schema: { summary: "A project's quotas and usage", tags: ['projects'], params: idParam, response: { 200: QuotasBody, ...errorResponses(401, 404) } },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const { project, scope } = await targetProject(req, id);
      return quotasJson(project.id, scope);
    },
  });

  app.put('/v1/projects/:id/quotas', {
    config: { requires: 'service_admin' },
    schema: {
      summary: "Set a project's quota overrides (service admins); a quota left out goes back to the default",
      tags: ['projects'],
      params: idParam,
      body: { ...QuotaSet, additionalProperties: false },
      response: { 200: QuotasBody, ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const { project, scope } = await targetProject(req, id);
      const overrides = fromApi((req.body ?? {}) as Record<string, number>);
      await scope.quotas.setOverrides(overrides);
      req.auditNote = { projectId: project.id, resourceType: 'quota', resourceId: project.id, details: { overrides: toApi(overrides) } };
      return quotasJson(project.id, scope);
    },
  });

  app.delete('/v1/projects/:id/quotas', {
    config: { requires: 'service_admin' },
    schema: { summary: "Remove a project's quota overrides (service admins)", tags: ['projects'], params: idParam, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      const { project, scope } = await targetProject(req, id);
      await scope.quotas.setOverrides({});
      req.auditNote = { projectId: project.id, resourceType: 'quota', resourceId: project.id };
      return reply.code(204).send();
    },
  });
}
