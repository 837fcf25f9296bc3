/**
 * /v1/projects: every caller sees their own project; service admins see and manage all.
 * Built-in mode: service admins create and delete projects. Keystone mode: projects come from
 * Keystone and appear here on their first request (read-only).
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import { targetProject } from '../../auth/target-project.js';
import type { ProjectRow } from '../../store/schema.js';

const iso = (t: number) => new Date(Number(t)).toISOString();

export const ProjectBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    origin: { type: 'string', enum: ['builtin', 'keystone'] },
    admin_project: { type: 'boolean', description: "true for the built-in project whose admins are the service's admins" },
    created_at: { type: 'string' },
  },
} as const;

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export default async function projectRoutes(app: FastifyInstance) {
  const { store, config } = app.fnstack;
  const projectJson = async (p: ProjectRow) => ({ id: p.id, name: p.name, origin: p.origin, admin_project: p.id === (await store.accounts.adminProjectId()), created_at: iso(p.created_at) });

  app.get('/v1/projects', {
    config: { access: 'read' },
    schema: {
      summary: 'List projects: your own, or every project for a service admin',
      tags: ['projects'],
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: ProjectBody } } }, ...errorResponses(401) },
    },
    handler: async (req) => {
      const rows = req.principal!.serviceAdmin ? await store.accounts.listProjects() : [(await targetProject(req, undefined)).project];
      return { items: await Promise.all(rows.map(projectJson)) };
    },
  });

  app.get('/v1/projects/:id', {
    config: { access: 'read' },
    schema: { summary: 'Show a project', tags: ['projects'], params: idParam, response: { 200: ProjectBody, ...errorResponses(401, 404) } },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      return projectJson((await targetProject(req, id)).project);
    },
  });

  if (config.auth.mode !== 'builtin') return;

  app.post('/v1/projects', {
    config: { requires: 'service_admin' },
    schema: {
      summary: 'Create a built-in project (service admins)',
      tags: ['projects'],
      body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } } },
      response: { 201: ProjectBody, ...errorResponses(400, 401, 403, 409) },
    },
    handler: async (req, reply) => {
      const { name } = req.body as { name: string };
      if (await store.accounts.projectByName(name, 'builtin')) throw new ApiError('conflict', `project '${name}' already exists`, 'name');
      const project = await store.accounts.createProject(name, 'builtin');
      req.auditNote = { projectId: project.id, details: { name } };
      return reply.code(201).send(await projectJson(project));
    },
  });

  app.delete('/v1/projects/:id', {
    config: { requires: 'service_admin' },
    schema: {
      summary: 'Delete an empty built-in project with its accounts and keys (service admins)',
      tags: ['projects'],
      params: idParam,
      response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      const { project, scope } = await targetProject(req, id);
      if (project.id === (await store.accounts.adminProjectId())) throw new ApiError('conflict', 'the admin project cannot be deleted');
      if (project.id === req.principal!.projectId) throw new ApiError('conflict', 'you cannot delete your own project');
      const functions = await scope.functions.count();
      if (functions > 0) throw new ApiError('conflict', `project ${project.name} still has ${functions} function(s): delete them first`);
      await scope.quotas.setOverrides({});
      await store.accounts.deleteProject(project.id);
      app.authenticator.forget((p) => p.projectId === project.id);
      req.auditNote = { projectId: req.principal!.projectId, details: { name: project.name } };
      return reply.code(204).send();
    },
  });
}
