/** /v1/functions: create (multipart), list, show, update (new version), delete, versions. */
import type { FastifyInstance } from 'fastify';
import { ApiError, invalid, notFound } from '../../errors.js';
import { errorResponses, pageOf, FunctionCreateMetadata } from '../schemas.js';
import { functionJson, versionJson } from '../serialize.js';
import { checkCreate, checkUpdate, parseMetadataText } from '../function-input.js';
import { inspectPackage, assertHandlerExists } from '../../code/inspect-package.js';
import { packageWarnings } from '../../code/package-warnings.js';
import type { CodeRef, FunctionSpec } from '../../model.js';
import { findRuntime } from '../../runtimes.js';
import { ProvisioningError } from '../../provisioner/provider.js';
import { sizingParams } from '../../orchestrator/provisioning-params.js';
import { docsOnlyBody } from '../docs-only-body.js';
import { readFunctionForm, type FunctionForm } from '../function-form.js';
import { QuotaGuard } from '../../quota/quota-guard.js';
import type { ProjectStore } from '../../store/store.js';

const nameParam = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 128 } } } as const;

/** Multipart bodies are validated by hand (function-input.ts); the schema here documents them. */
const multipartBody = (metadataRef: { $id: string }, codeRequired: boolean) => ({
  type: 'object',
  required: codeRequired ? ['metadata', 'code'] : [],
  properties: {
    metadata: { $ref: `${metadataRef.$id}#`, description: 'JSON text of this object' },
    code: { type: 'string', format: 'binary', description: 'one .js/.mjs/.cjs file, or a .zip / .tar.gz with package.json and node_modules' },
  },
});


export default async function functionRoutes(app: FastifyInstance) {
  const { config, store, codeCache, provider } = app.fnstack;
  const limits = { maxUnpackedBytes: config.code.maxUnpackedBytes, maxEntries: config.code.maxEntries };
  const quota = new QuotaGuard(config.quotas);

  /** The accepted package, and what it may lack (returned to the caller as `warnings`). */
  async function acceptCode(file: FunctionForm['code'], handler: string, scope: ProjectStore): Promise<{ ref: CodeRef; warnings: string[] }> {
    if (!file) throw invalid('code', 'code is required: a file field named "code"');
    const blob = file.data;
    if (blob.length === 0) throw new ApiError('invalid_code_package', 'the code file is empty', 'code');
    const ref = await inspectPackage(blob, file.filename || 'code', handler, limits, codeCache);
    await quota.beforeCode(scope, ref);
    await store.code.put(ref, blob);
    return { ref, warnings: await packageWarnings(await codeCache.ensure(ref)) };
  }

  async function checkHostable(name: string, spec: FunctionSpec, projectId: string): Promise<void> {
    const runtime = findRuntime(spec.runtime)!;
    try {
      await provider.check(sizingParams(projectId, name, 0, spec, runtime));
    } catch (err) {
      if (err instanceof ProvisioningError) {
        // The machine cannot run anything right now (e.g. no sandbox tool): not the request's fault.
        if (err.code === 'provider_unavailable' && !err.field) throw new ApiError('not_ready', `cannot host functions right now: ${err.message}`);
        throw new ApiError('unprocessable', `cannot host this function: ${err.message}`, err.field ?? (err.code === 'no_fitting_flavor' ? 'memory_mb' : undefined));
      }
      throw err;
    }
  }

  app.post('/v1/functions', {
    schema: {
      summary: 'Create a function (version 1)',
      tags: ['functions'],
      consumes: ['multipart/form-data'],
      body: multipartBody(FunctionCreateMetadata, true),
      response: { 201: { $ref: 'FunctionAccepted#' }, ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429) },
    },
    validatorCompiler: docsOnlyBody,
    handler: async (req, reply) => {
      const body = await readFunctionForm(req, config.code.maxBytes);
      const { name, spec } = checkCreate(parseMetadataText(body.metadata), config);
      const scope = req.project();
      if (await scope.functions.get(name)) throw new ApiError('conflict', `function '${name}' already exists`, 'name');
      await quota.beforeCreate(scope, spec.memoryMb);
      await checkHostable(name, spec, scope.projectId);
      const code = await acceptCode(body.code, spec.handler, scope);
      const fn = await scope.functions.create(name, spec, code.ref);
      if (!fn) throw new ApiError('conflict', `function '${name}' already exists`, 'name');
      return reply.code(201).send({ ...functionJson(fn), warnings: code.warnings });
    },
  });

  app.get('/v1/functions', {
    config: { access: 'read' },
    schema: {
      summary: 'List functions',
      tags: ['functions'],
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, cursor: { type: 'string' } } },
      response: { 200: pageOf('Function'), ...errorResponses(400, 401) },
    },
    handler: async (req) => {
      const q = req.query as { limit: number; cursor?: string };
      const page = await req.project().functions.list(q.limit, q.cursor ?? null);
      return { items: page.items.map(functionJson), next_cursor: page.nextCursor };
    },
  });

  app.get('/v1/functions/:name', {
    config: { access: 'read' },
    schema: { summary: 'Show a function', tags: ['functions'], params: nameParam, response: { 200: { $ref: 'Function#' }, ...errorResponses(401, 404) } },
    handler: async (req) => {
      const { name } = req.params as { name: string };
      const fn = await req.project().functions.get(name);
      if (!fn) throw notFound('function', name);
      return functionJson(fn);
    },
  });

  app.patch('/v1/functions/:name', {
    schema: {
      summary: 'Update a function: new code and/or configuration make a new immutable version',
      tags: ['functions'],
      consumes: ['application/json', 'multipart/form-data'],
      params: nameParam,
      body: { $ref: 'FunctionUpdateMetadata#' },
      response: { 200: { $ref: 'FunctionAccepted#' }, ...errorResponses(400, 401, 403, 404, 413, 415, 422, 429) },
    },
    validatorCompiler: docsOnlyBody,
    handler: async (req) => {
      const { name } = req.params as { name: string };
      const scope = req.project();
      const current = await scope.functions.get(name);
      if (!current) throw notFound('function', name);
      let raw: unknown;
      let file: FunctionForm['code'];
      if (req.isMultipart()) {
        const body = await readFunctionForm(req, config.code.maxBytes);
        raw = body.metadata !== undefined ? parseMetadataText(body.metadata) : undefined;
        file = body.code;
      } else {
        raw = req.body ?? {};
      }
      const spec = checkUpdate(raw, current.spec, config);
      await quota.beforeUpdate(scope, spec.memoryMb);
      await checkHostable(name, spec, scope.projectId);
      let code: CodeRef = current.spec.code;
      let warnings: string[] = [];
      if (file) ({ ref: code, warnings } = await acceptCode(file, spec.handler, scope));
      else if (spec.handler !== current.spec.handler) await assertHandlerExists(await codeCache.ensure(code), spec.handler);
      const fn = await scope.functions.update(name, spec, code);
      if (!fn) throw notFound('function', name);
      return { ...functionJson(fn), warnings };
    },
  });

  app.delete('/v1/functions/:name', {
    schema: { summary: 'Delete a function and all its versions (executions are kept)', tags: ['functions'], params: nameParam, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
    handler: async (req, reply) => {
      const { name } = req.params as { name: string };
      if (!(await req.project().functions.delete(name))) throw notFound('function', name);
      return reply.code(204).send();
    },
  });

  app.get('/v1/functions/:name/versions', {
    config: { access: 'read' },
    schema: {
      summary: "List a function's versions, newest first",
      tags: ['functions'],
      params: nameParam,
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'FunctionVersion#' } } } }, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      const { name } = req.params as { name: string };
      const versions = await req.project().functions.versions(name);
      if (!versions) throw notFound('function', name);
      return { items: versions.map(versionJson) };
    },
  });
}
