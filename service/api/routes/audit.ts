/** GET /v1/audit: who created, changed or deleted what in a project, newest first (its admins). */
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../schemas.js';
import { targetProject } from '../../auth/target-project.js';
import type { AuditEvent } from '../../store/audit-store.js';

const AuditEventBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    project_id: { type: 'string' },
    action: { type: 'string' },
    resource_type: { type: 'string' },
    resource_id: { type: ['string', 'null'] },
    actor: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['account', 'keystone_user', 'system'] },
        id: { type: ['string', 'null'] },
        name: { type: ['string', 'null'] },
        project_id: { type: ['string', 'null'] },
        key_id: { type: ['string', 'null'] },
      },
    },
    request_id: { type: ['string', 'null'] },
    details: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

function auditJson(e: AuditEvent) {
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    project_id: e.projectId,
    action: e.action,
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    actor: { kind: e.actor.kind, id: e.actor.id, name: e.actor.name, project_id: e.actor.projectId, key_id: e.actor.keyId },
    request_id: e.requestId,
    details: e.details,
  };
}

export default async function auditRoutes(app: FastifyInstance) {
  app.get('/v1/audit', {
    config: { access: 'read', requires: 'project_admin' },
    schema: {
      summary: "The project's audit trail, newest first (the project's admins; service admins may name a project)",
      tags: ['audit'],
      querystring: {
        type: 'object',
        properties: {
          project_id: { type: 'string', maxLength: 64 },
          resource_type: { type: 'string', maxLength: 32 },
          resource_id: { type: 'string', maxLength: 255 },
          action: { type: 'string', maxLength: 32 },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          cursor: { type: 'string', maxLength: 512 },
        },
      },
      response: {
        200: { type: 'object', properties: { items: { type: 'array', items: AuditEventBody }, next_cursor: { type: ['string', 'null'] } } },
        ...errorResponses(400, 401, 403, 404),
      },
    },
    handler: async (req) => {
      const q = req.query as { project_id?: string; resource_type?: string; resource_id?: string; action?: string; limit: number; cursor?: string };
      const { scope } = await targetProject(req, q.project_id);
      const page = await scope.audit.list({ resourceType: q.resource_type, resourceId: q.resource_id, action: q.action }, q.limit, q.cursor ?? null);
      return { items: page.items.map(auditJson), next_cursor: page.nextCursor };
    },
  });
}
