/**
 * Walks EVERY route of the app's route table (app.routeTable, filled by the auth plugin's
 * onRoute hook, so a route added later is walked too) as three kinds of caller:
 *  - nobody: every non-public route answers 401;
 *  - another project: a route naming the owner's resources answers exactly what it answers
 *    for an id that does not exist (404, or a uniform 403/400 that depends on no id), and
 *    no answer ever contains the owner's identifiers; afterwards the owner's resources are intact;
 *  - a reader of the owner's project: reads are allowed, writes and invocations are 403.
 * Resource ids come from the fixture for the kinds it knows, else from the owner's own
 * GET listing of the collection, else an id that exists nowhere.
 */
import type { ExecutionContext } from 'ava';
import type { RouteEntry } from '../../service/api/plugins/auth.js';
import type { ApiResult, ApiUnderTest, Caller } from '../auth/_helpers/api-under-test.js';

export interface IsolationFixture {
  api: ApiUnderTest;
  owner: Caller;
  other: Caller;
  reader: Caller;
  ownerProjectId: string;
  /** Whether the owner is an admin of its project (may read the admin-only routes). */
  ownerIsAdmin: boolean;
  /** Collection segment (functions, executions, …) → an id of the owner's resource there. */
  ids: Record<string, string>;
  /** Strings that must never appear in an answer to another project or to nobody. */
  secrets: string[];
}

const UNKNOWN = 'zz-no-such-thing-4f1c9e';
const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function tenantRoutes(api: ApiUnderTest): RouteEntry[] {
  return api.app.routeTable.filter((r) => r.access !== 'public' && r.method !== 'OPTIONS');
}

/** The route's path with every parameter filled from `idOf(collection)`. */
export function fillPath(url: string, idOf: (collection: string) => string): string {
  const segments = url.split('/');
  return segments
    .map((s, i) => {
      if (!s.startsWith(':')) return s;
      const collection = segments[i - 1] ?? '';
      return encodeURIComponent(idOf(collection));
    })
    .join('/');
}

export async function discoverIds(f: IsolationFixture): Promise<Record<string, string>> {
  const ids = { ...f.ids };
  for (const r of tenantRoutes(f.api)) {
    const segments = r.url.split('/');
    for (let i = 1; i < segments.length; i++) {
      const collection = segments[i - 1]!;
      if (!segments[i]!.startsWith(':') || ids[collection] || i - 1 < 1) continue;
      const listing = await f.api.call(f.owner, 'GET', segments.slice(0, i).join('/'));
      const first = (listing.body as { items?: Array<{ id?: string; name?: string }> })?.items?.[0];
      const id = first?.id ?? first?.name;
      if (listing.status === 200 && id) ids[collection] = id;
    }
  }
  return ids;
}

const bodyFor = (method: string) => (method === 'POST' || method === 'PUT' || method === 'PATCH' ? {} : undefined);

function normalized(res: ApiResult, id: string): string {
  return `${res.status} ${res.text.split(id).join('<id>').split(UNKNOWN).join('<id>').split(encodeURIComponent(id)).join('<id>')}`;
}

function assertNoSecrets(t: ExecutionContext, f: IsolationFixture, what: string, res: ApiResult, allowed: string[] = []): void {
  for (const s of f.secrets) {
    if (allowed.includes(s)) continue;
    t.false(res.text.includes(s), `${what}: the answer leaks '${s}': ${res.text.slice(0, 300)}`);
  }
}

export async function walkWithoutCredentials(t: ExecutionContext, f: IsolationFixture, ids: Record<string, string>): Promise<void> {
  for (const r of tenantRoutes(f.api)) {
    const path = fillPath(r.url, (c) => ids[c] ?? UNKNOWN);
    const res = await f.api.call({ headers: {} }, r.method, path, bodyFor(r.method));
    t.is(res.status, 401, `${r.method} ${r.url} without credentials: ${res.text.slice(0, 200)}`);
    t.is(res.body?.code, 'unauthorized', `${r.method} ${r.url}`);
    assertNoSecrets(t, f, `${r.method} ${r.url} without credentials`, res);
    // A credential that is not one must not get further either.
    const bogus = await f.api.call({ headers: { authorization: 'Bearer fsk_0123456789abcdef_notthesecretnotthesecret', 'x-auth-token': 'gAAAAAnot-a-token' } }, r.method, path, bodyFor(r.method));
    t.is(bogus.status, 401, `${r.method} ${r.url} with a bogus credential`);
  }
}

export async function walkAsOtherProject(t: ExecutionContext, f: IsolationFixture, ids: Record<string, string>): Promise<void> {
  for (const r of tenantRoutes(f.api)) {
    const what = `${r.method} ${r.url} as another project`;
    const hasParams = r.url.includes('/:');
    if (!hasParams) {
      if (WRITE.has(r.method)) continue; // acts on the caller's own project: nothing of the owner's to reach
      const res = await f.api.call(f.other, r.method, r.url);
      t.true(res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
      assertNoSecrets(t, f, what, res);
      // Naming the owner's project must not widen the view.
      const sep = r.url.includes('?') ? '&' : '?';
      const named = await f.api.call(f.other, r.method, `${r.url}${sep}project_id=${encodeURIComponent(f.ownerProjectId)}`);
      t.true(named.status === 404 || named.status === 403 || named.status === 400 || named.status === 200, `${what} ?project_id=owner: ${named.status}`);
      if (named.status === 404) {
        const unknown = await f.api.call(f.other, r.method, `${r.url}${sep}project_id=${UNKNOWN}`);
        t.is(normalized(named, f.ownerProjectId), normalized(unknown, f.ownerProjectId), `${what} ?project_id=owner answers like an unknown project`);
      }
      assertNoSecrets(t, f, `${what} ?project_id=owner`, named, [f.ownerProjectId]);
      continue;
    }
    const ownerPath = fillPath(r.url, (c) => ids[c] ?? UNKNOWN);
    const unknownPath = fillPath(r.url, () => UNKNOWN);
    const res = await f.api.call(f.other, r.method, ownerPath, bodyFor(r.method));
    const unknown = await f.api.call(f.other, r.method, unknownPath, bodyFor(r.method));
    t.true(res.status >= 400 && res.status < 500, `${what}: must fail, got ${res.status} ${res.text.slice(0, 200)}`);
    // 404 — or an answer that depends on no id at all: body validation (400) before any lookup,
    // or a role the caller lacks (403) on a route that requires one; the comparison below proves it.
    const uniform = (res.status === 400 && res.body?.code === 'invalid_request') || (res.status === 403 && r.requires !== null);
    t.true(res.status === 404 || uniform, `${what}: another project's ids are not found, got ${res.status} ${res.text.slice(0, 200)}`);
    const usedIds = Object.values(ids).filter((id) => ownerPath.includes(encodeURIComponent(id)));
    let a = normalized(res, UNKNOWN);
    for (const id of usedIds) a = a.split(id).join('<id>');
    t.is(a, normalized(unknown, UNKNOWN), `${what}: answers exactly as for an id that does not exist`);
    assertNoSecrets(t, f, what, res, usedIds);
  }
}

export async function assertOwnerIntact(t: ExecutionContext, f: IsolationFixture, ids: Record<string, string>): Promise<void> {
  for (const r of tenantRoutes(f.api)) {
    if (r.method !== 'GET' || !r.url.includes('/:') || r.requires === 'service_admin') continue;
    if (r.requires === 'project_admin' && !f.ownerIsAdmin) continue;
    const path = fillPath(r.url, (c) => ids[c] ?? UNKNOWN);
    if (path.includes(UNKNOWN)) continue;
    const res = await f.api.call(f.owner, 'GET', path);
    // An execution's result exists once it succeeded; before, the owner gets 409, not 404.
    const expected = r.url === '/v1/executions/:id/result' && res.status === 409 ? 409 : 200;
    t.is(res.status, expected, `${r.method} ${r.url} as the owner after the walk: ${res.text.slice(0, 200)}`);
  }
}

export async function walkAsReader(t: ExecutionContext, f: IsolationFixture, ids: Record<string, string>): Promise<void> {
  for (const r of tenantRoutes(f.api)) {
    const what = `${r.method} ${r.url} as a reader`;
    const path = fillPath(r.url, (c) => ids[c] ?? UNKNOWN);
    const res = await f.api.call(f.reader, r.method, path, bodyFor(r.method));
    if (r.access === 'write' || r.requires !== null) {
      t.is(res.status, 403, `${what}: ${res.text.slice(0, 200)}`);
      t.is(res.body?.code, 'forbidden', what);
    } else {
      t.not(res.status, 403, `${what}: a reader may read (${res.text.slice(0, 200)})`);
      t.not(res.status, 401, what);
    }
  }
}
