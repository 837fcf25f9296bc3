/**
 * A client generated from the served document works without casts: openapi-typescript
 * turns /docs/json into types, and a small program calling invoke through openapi-fetch
 * (body, path and query parameters, required response fields) must type-check under strict.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';

let svc: TestService;
let dir: string;
test.before(async () => {
  svc = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'fnstack-openapi-client-'));
});
test.after.always(async () => {
  await svc?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const CALLER = `
import createClient from 'openapi-fetch';
import type { paths, components } from './api.js';

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:7700', headers: { authorization: 'Bearer key' } });

export async function invoke(name: string): Promise<string> {
  const { data, error } = await client.POST('/v1/functions/{name}/invoke', {
    params: { path: { name }, query: { mode: 'sync' } },
    body: { order: 42, items: ['a', 'b'] },
  });
  if (error) {
    const code: 'invalid_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'request_timeout' | 'conflict' | 'payload_too_large' | 'unsupported_media_type' | 'headers_too_large' | 'invalid_code_package' | 'unprocessable' | 'quota_exceeded' | 'internal' | 'not_ready' = error.code;
    return code;
  }
  if ('execution_id' in data) return data.execution_id; // 202: still running, poll it
  const execution: components['schemas']['Execution'] = data;
  const status: 'queued' | 'provisioning' | 'running' | 'succeeded' | 'failed' | 'timed_out' = execution.status;
  const init: number | null = execution.timings.init_ms;
  const fn: string = execution.function;
  return \`\${execution.id} \${status} \${init} \${fn}\`;
}

export async function create(code: Blob) {
  const { data } = await client.GET('/v1/functions', { params: { query: { limit: 10 } } });
  const names: string[] = (data?.items ?? []).map((f) => f.name);
  return { names, code };
}
`;

function typeErrors(files: string[]): string[] {
  const openapiFetch = dirname(createRequire(import.meta.url).resolve('openapi-fetch'));
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
    paths: { 'openapi-fetch': [join(openapiFetch, 'index.d.mts')] },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

test('openapi-typescript + openapi-fetch: a call to invoke type-checks without casts', async (t) => {
  const doc = (await (await fetch(`${svc.url}/docs/json`)).json()) as OpenAPI3;
  await writeFile(join(dir, 'api.ts'), astToString(await openapiTS(doc, { silent: true })));
  await writeFile(join(dir, 'caller.ts'), CALLER);
  t.deepEqual(typeErrors([join(dir, 'caller.ts')]), []);
});

test('the check has teeth: a wrong body type or a misspelt field is an error', async (t) => {
  const doc = (await (await fetch(`${svc.url}/docs/json`)).json()) as OpenAPI3;
  await writeFile(join(dir, 'api.ts'), astToString(await openapiTS(doc, { silent: true })));
  await writeFile(
    join(dir, 'wrong.ts'),
    `import createClient from 'openapi-fetch';\nimport type { paths } from './api.js';\nconst client = createClient<paths>();\n` +
      `export async function f() { const { data } = await client.POST('/v1/functions/{name}/invoke', { params: { path: { name: 'x' }, query: { mode: 'later' } } }); return data?.stauts; }\n`,
  );
  const errors = typeErrors([join(dir, 'wrong.ts')]);
  t.true(errors.some((e) => /"later"/.test(e)), errors.join('\n'));
  t.true(errors.some((e) => /stauts/.test(e)), errors.join('\n'));
});

test('the generated client talks to the real server', async (t) => {
  await createFunction(svc, 'gen-echo', 'exports.handler = (e) => e.data;');
  const { default: createClient } = await import('openapi-fetch');
  const client = createClient({ baseUrl: svc.url, headers: { authorization: `Bearer ${svc.apiKey}` } });
  const r = await (client as any).POST('/v1/functions/{name}/invoke', { params: { path: { name: 'gen-echo' } }, body: { order: 42 } });
  t.is(r.data.status, 'succeeded');
  t.deepEqual(r.data.result, { order: 42 });
});
