/**
 * The project a request acts on when it names one (`/v1/projects/:id/…`, `project_id`):
 * the caller's own, or — for a service admin only — any existing project. Anything else is
 * a 404 exactly like a project that does not exist, so no caller learns other projects' ids.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError, notFound } from '../errors.js';
import type { ProjectRow } from '../store/schema.js';
import type { ProjectStore } from '../store/store.js';

export async function targetProject(req: FastifyRequest, projectId: string | undefined): Promise<{ project: ProjectRow; scope: ProjectStore }> {
  const principal = req.principal;
  if (!principal) throw new ApiError('unauthorized', 'credentials required');
  const { store } = req.server.fnstack;
  if (projectId === undefined || projectId === principal.projectId) {
    const scope = req.project();
    const project = (await store.accounts.projectById(scope.projectId)) ?? { id: principal.projectId, name: principal.projectName, origin: 'keystone', created_at: 0 };
    return { project, scope };
  }
  if (!principal.serviceAdmin) throw notFound('project', projectId);
  const project = await store.accounts.projectById(projectId);
  if (!project) throw notFound('project', projectId);
  return { project, scope: store.forProject(project.id) };
}

/** True when the caller may manage the project's accounts and keys (its admins, service admins). */
export function isProjectAdmin(req: FastifyRequest): boolean {
  return req.principal?.role === 'admin' || req.principal?.serviceAdmin === true;
}
