/**
 * Checks real OpenStack responses against openapi/*.yaml, so that a spec that lies fails
 * the contract tests. As openapi-fetch middleware added to a session (after the auth
 * middleware, so it sees the real request and the raw response), it finds the operation by
 * the client's schema path and method, then requires that
 *  - the status is one the operation declares,
 *  - the content type is one that response declares (none for an empty body),
 *  - the body validates against that media type's schema (ajv, JSON Schema 2020-12),
 *  - every header the response marks `required` is present.
 * A mismatch throws from the client call, failing the test with the body and ajv's errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Middleware } from 'openapi-fetch';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from './paths.js';

export const SPEC_FILES = ['keystone-v3.yaml', 'nova-v2.1.yaml', 'glance-v2.yaml'] as const;

type Json = Record<string, unknown>;

export interface CheckedResponse {
  spec: string;
  method: string;
  path: string;
  status: number;
}

export interface ResponseToCheck {
  method: string;
  /** The spec's path template, e.g. `/servers/{id}`. */
  path: string;
  status: number;
  headers: Headers;
  /** The raw body text ('' when empty). */
  body: string;
}

export class SpecViolation extends Error {
  override readonly name = 'SpecViolation';
}

export class SpecValidator {
  readonly checked: CheckedResponse[] = [];
  readonly #ajv: InstanceType<typeof Ajv2020.default>;
  readonly #specs = new Map<string, Json>();

  constructor(specDir = join(repoRoot, 'openapi')) {
    this.#ajv = new Ajv2020.default({ strict: true, allowUnionTypes: true, allErrors: true, validateFormats: true });
    addFormats.default(this.#ajv);
    // The document's top-level OpenAPI fields are not JSON Schema keywords: declare them
    // so that strict mode accepts the document as the root that `$ref`s point into.
    this.#ajv.addVocabulary(['openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags', 'webhooks', 'jsonSchemaDialect', 'externalDocs']);
    for (const file of SPEC_FILES) {
      const doc = parseYaml(readFileSync(join(specDir, file), 'utf8')) as Json;
      this.#specs.set(file, doc);
      this.#ajv.addSchema(doc, specId(file));
    }
  }

  /** Throws a SpecViolation unless the response is what the spec says. */
  check(r: ResponseToCheck): CheckedResponse {
    const method = r.method.toLowerCase();
    const found = this.#operation(method, r.path);
    if (!found) throw new SpecViolation(`${r.method} ${r.path} is in no spec`);
    const { file, doc, operationPointer } = found;
    const where = `${file}: ${r.method} ${r.path} → ${r.status}`;
    const responsesPointer = `${operationPointer}/responses`;
    const declared = at(doc, responsesPointer) as Json;
    if (!(String(r.status) in declared)) {
      throw new SpecViolation(`${where}: status not declared (declared: ${Object.keys(declared).join(', ')}); body: ${r.body.slice(0, 500)}`);
    }
    const responsePointer = follow(doc, `${responsesPointer}/${String(r.status)}`);
    const response = at(doc, responsePointer) as Json;

    for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
      const h = at(doc, follow(doc, pointerOf(header, `${responsePointer}/headers/${esc(name)}`))) as Json;
      if (h.required === true && !r.headers.has(name)) throw new SpecViolation(`${where}: required header ${name} missing`);
    }

    const content = (response.content ?? {}) as Record<string, Json>;
    const mediaType = (r.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (r.body === '') {
      if (Object.keys(content).length > 0 && r.status !== 204) throw new SpecViolation(`${where}: empty body, spec declares ${Object.keys(content).join(', ')}`);
    } else {
      if (!(mediaType in content)) {
        throw new SpecViolation(`${where}: content type '${mediaType}' not declared (declared: ${Object.keys(content).join(', ') || 'none'}); body: ${r.body.slice(0, 500)}`);
      }
      const data = mediaType.endsWith('json') ? (JSON.parse(r.body) as unknown) : r.body;
      const schemaRef = `${specId(file)}#${responsePointer}/content/${esc(mediaType)}/schema`;
      const validate = this.#ajv.getSchema(schemaRef);
      if (!validate) throw new SpecViolation(`${where}: cannot compile ${schemaRef}`);
      if (!validate(data)) {
        throw new SpecViolation(`${where}: body does not match the spec:\n${this.#ajv.errorsText(validate.errors, { separator: '\n' })}\nbody: ${r.body.slice(0, 2000)}`);
      }
    }
    const checked = { spec: file, method: r.method.toUpperCase(), path: r.path, status: r.status };
    this.checked.push(checked);
    return checked;
  }

  /** Middleware for OpenStackSession's `middleware` option. */
  middleware(): Middleware {
    return {
      onResponse: async ({ schemaPath, request, response }) => {
        const body = await response.clone().text();
        this.check({ method: request.method, path: schemaPath, status: response.status, headers: response.headers, body });
        return undefined;
      },
    };
  }

  /** Operations (`METHOD path`) of one spec. */
  operations(file: string): string[] {
    const paths = (this.#specs.get(file)?.paths ?? {}) as Record<string, Json>;
    return Object.entries(paths).flatMap(([p, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete', 'head'].includes(m))
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
  }

  #operation(method: string, path: string): { file: string; doc: Json; operationPointer: string } | undefined {
    for (const [file, doc] of this.#specs) {
      const item = ((doc.paths ?? {}) as Record<string, Json>)[path];
      if (item && method in item) return { file, doc, operationPointer: `/paths/${esc(path)}/${method}` };
    }
    return undefined;
  }
}

function specId(file: string): string {
  return `https://fnstack.invalid/openapi/${file}`;
}

/** JSON pointer escaping, then URI escaping (for `{id}` and `/` in media types). */
function esc(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

function at(doc: Json, pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Json)[key];
    if (node === undefined) throw new SpecViolation(`no ${pointer} in the spec`);
  }
  return node;
}

/** The pointer of the object at `pointer`, following local `$ref`s. */
function follow(doc: Json, pointer: string): string {
  for (let i = 0; i < 10; i++) {
    const node = at(doc, pointer) as Json;
    if (typeof node.$ref !== 'string') return pointer;
    pointer = refPointer(node.$ref);
  }
  throw new SpecViolation(`$ref loop at ${pointer}`);
}

function pointerOf(node: Json, pointer: string): string {
  return typeof node.$ref === 'string' ? refPointer(node.$ref) : pointer;
}

function refPointer(ref: string): string {
  if (!ref.startsWith('#/')) throw new SpecViolation(`only local $refs are supported: ${ref}`);
  return ref
    .slice(1)
    .split('/')
    .map((s) => (s ? encodeURIComponent(s) : s))
    .join('/');
}
