/**
 * Admin-side changes a failure test makes to the real cloud, with plain fetch (the
 * service's client only wraps what the service itself calls): throwaway projects with a
 * tiny Nova quota, and images with extra properties. Every helper returns its undo.
 */
import { randomBytes } from 'node:crypto';
import type { CloudUser, TestCloud } from '../openstack/_helpers/cloud.js';

async function tokenOf(cloud: TestCloud, user: CloudUser): Promise<string> {
  const res = await fetch(`${cloud.auth_url.replace(/\/+$/, '')}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user.username, password: user.password, domain: { name: user.user_domain_name } } } },
        scope: { project: { name: user.project_name, domain: { name: user.project_domain_name } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token for ${user.username}: HTTP ${res.status} ${await res.text()}`);
  await res.body?.cancel();
  return res.headers.get('x-subject-token')!;
}

async function call(token: string, method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, 'content-type': contentType, 'openstack-api-version': 'compute 2.79', 'x-openstack-nova-api-version': '2.79' },
    body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

export interface ThrowawayProject {
  id: string;
  name: string;
  /** The fnstack service user with the member role in this project. */
  user: CloudUser;
  remove(): Promise<void>;
}

/** A new project where the fnstack user is a member, with the given Nova quota (e.g. `{ instances: 0 }`). */
export async function throwawayProject(cloud: TestCloud, quota: Record<string, number>): Promise<ThrowawayProject> {
  const admin = await tokenOf(cloud, cloud.admin);
  const identity = cloud.auth_url.replace(/\/+$/, '');
  const compute = cloud.endpoints.compute.replace(/\/+$/, '');
  const name = `fnstack-test-${randomBytes(4).toString('hex')}`;
  const { project } = await call(admin, 'POST', `${identity}/projects`, { project: { name, domain_id: 'default', description: 'fnstack openstack-provider test (throwaway)' } });
  const remove = async () => {
    await call(admin, 'DELETE', `${compute}/os-quota-sets/${project.id}`).catch(() => undefined);
    await call(admin, 'DELETE', `${identity}/projects/${project.id}`).catch(() => undefined);
  };
  try {
    const { roles } = await call(admin, 'GET', `${identity}/roles?name=member`);
    await call(admin, 'PUT', `${identity}/projects/${project.id}/users/${cloud.user_ids.fnstack}/roles/${roles[0].id}`);
    await call(admin, 'PUT', `${compute}/os-quota-sets/${project.id}`, { quota_set: quota });
  } catch (err) {
    await remove();
    throw err;
  }
  return { id: project.id, name, user: { ...cloud.fnstack_service, project_name: name, project_domain_name: 'Default' }, remove };
}

/** A private image of `user`'s project with these properties (and a few bytes of data, so it is active). */
export async function uploadImage(cloud: TestCloud, user: CloudUser, properties: Record<string, string>): Promise<{ id: string; remove(): Promise<void> }> {
  const token = await tokenOf(cloud, user);
  const glance = cloud.endpoints.image.replace(/\/+$/, '');
  const image = await call(token, 'POST', `${glance}/v2/images`, {
    name: `fnstack-test-${randomBytes(4).toString('hex')}`,
    disk_format: 'raw',
    container_format: 'bare',
    visibility: 'private',
    ...properties,
  });
  const remove = async () => {
    await call(token, 'DELETE', `${glance}/v2/images/${image.id}`).catch(() => undefined);
  };
  try {
    await call(token, 'PUT', `${glance}/v2/images/${image.id}/file`, new Uint8Array(4096), 'application/octet-stream');
  } catch (err) {
    await remove();
    throw err;
  }
  return { id: image.id as string, remove };
}
