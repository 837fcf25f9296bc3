/** JSON schemas shared by routes: the single source for validation, serialization and /docs. */
import { RESULT_INLINE_MAX_BYTES } from './execution-detail.js';
import { ENV_MAX_COUNT, ENV_NAME_MAX_CHARS, ENV_NAME_PATTERN, ENV_TOTAL_MAX_BYTES, REFUSED_ENV_NAMES, REFUSED_ENV_PREFIXES } from './function-env.js';
import { LIMIT_BOUNDS } from '../function-limits.js';

export const ErrorBody = {
  $id: 'Error',
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
} as const;

const nullableInt = { type: ['integer', 'null'] } as const;

export const FunctionMetadataProps = {
  runtime: { type: 'string', description: 'Runtime name, see GET /v1/runtimes', examples: ['nodejs20'] },
  handler: { type: 'string', description: 'FILE.EXPORT, e.g. index.handler', maxLength: 255 },
  memory_mb: { type: 'integer', ...LIMIT_BOUNDS.memory_mb, description: 'Memory limit, MiB (default 128)' },
  vcpus: { type: 'integer', ...LIMIT_BOUNDS.vcpus, description: 'vCPUs (default 1)' },
  disk_gb: { type: 'integer', ...LIMIT_BOUNDS.disk_gb, description: 'Disk, GB (default 1)' },
  timeout_s: { type: 'integer', ...LIMIT_BOUNDS.timeout_s, description: 'Timeout, seconds (default 30)' },
  network: { type: 'boolean', description: 'false: the function runs with no network at all (default true)' },
  isolation: { type: 'string', enum: ['per-event', 'reuse'], description: 'per-event (default): a fresh environment for every event' },
  env: {
    type: 'object',
    description:
      `Environment variables of the function: names of letters, digits and _ (not starting with a digit, at most ${ENV_NAME_MAX_CHARS} characters), ` +
      `values without NUL, at most ${ENV_TOTAL_MAX_BYTES} bytes for all names and values together (UTF-8). ` +
      `Refused (400 naming env.NAME), whatever the case: ${REFUSED_ENV_NAMES.join(', ')} and any name starting with ${REFUSED_ENV_PREFIXES.join(', ')}.`,
    propertyNames: { pattern: ENV_NAME_PATTERN, maxLength: ENV_NAME_MAX_CHARS },
    additionalProperties: { type: 'string', maxLength: ENV_TOTAL_MAX_BYTES, pattern: '^[^\\u0000]*$' },
    maxProperties: ENV_MAX_COUNT,
  },
} as const;

export const FunctionCreateMetadata = {
  $id: 'FunctionCreateMetadata',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'runtime', 'handler'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'lower-case letters, digits and -, at most 63' },
    ...FunctionMetadataProps,
  },
} as const;

export const FunctionUpdateMetadata = {
  $id: 'FunctionUpdateMetadata',
  type: 'object',
  additionalProperties: false,
  properties: { ...FunctionMetadataProps },
} as const;

const CodeInfo = {
  type: 'object',
  properties: { sha256: { type: 'string' }, size_bytes: { type: 'integer' }, format: { type: 'string' }, file_name: { type: ['string', 'null'] } },
} as const;

const VersionProps = {
  version: { type: 'integer' },
  runtime: { type: 'string' },
  handler: { type: 'string' },
  memory_mb: { type: 'integer' },
  vcpus: { type: 'integer' },
  disk_gb: { type: 'integer' },
  timeout_s: { type: 'integer' },
  network: { type: 'boolean' },
  isolation: { type: 'string' },
  env: { type: 'object', additionalProperties: { type: 'string' } },
  code: CodeInfo,
} as const;

export const FunctionBody = {
  $id: 'Function',
  type: 'object',
  properties: { name: { type: 'string' }, ...VersionProps, created_at: { type: 'string' }, updated_at: { type: 'string' } },
} as const;

/** A function as create and update answer it: with what its new code package may lack. */
export const FunctionAcceptedBody = {
  $id: 'FunctionAccepted',
  type: 'object',
  properties: {
    ...FunctionBody.properties,
    warnings: {
      type: 'array',
      items: { type: 'string' },
      description: 'What the uploaded package may lack without being refused, e.g. dependencies in package.json with no node_modules; empty when none (or no new code)',
    },
  },
} as const;

export const FunctionVersionBody = {
  $id: 'FunctionVersion',
  type: 'object',
  properties: { ...VersionProps, created_at: { type: 'string' } },
} as const;

const ExecutionSummaryProps = {
  id: { type: 'string' },
  function: { type: 'string' },
  function_version: { type: 'integer' },
  event_id: { type: 'string' },
  status: { type: 'string', enum: ['queued', 'provisioning', 'running', 'succeeded', 'failed', 'timed_out'] },
  attempts: { type: 'integer' },
  result_bytes: { ...nullableInt, description: "Size of the result's JSON text in bytes (UTF-8); null when there is no result" },
  result_preview: { type: ['string', 'null'], description: "The result's JSON text cut to at most 1 KiB (not JSON itself when cut)" },
  error: {
    type: ['object', 'null'],
    properties: { kind: { type: 'string' }, message: { type: 'string' }, stack: { type: 'string' } },
  },
  limits: {
    type: 'object',
    properties: { memory_mb: { type: 'integer' }, vcpus: { type: 'integer' }, disk_gb: { type: 'integer' }, timeout_s: { type: 'integer' }, network: { type: 'boolean' } },
  },
  placement: {
    type: ['object', 'null'],
    properties: { provider: { type: 'string' }, details: { type: 'object', additionalProperties: true }, warm: { type: 'boolean' }, reuse_count: { type: 'integer' } },
  },
  peak_memory_bytes: nullableInt,
  timings: {
    type: 'object',
    properties: {
      queued_at: { type: 'string' },
      provisioning_at: { type: ['string', 'null'] },
      running_at: { type: ['string', 'null'] },
      finished_at: { type: ['string', 'null'] },
      queue_ms: nullableInt,
      provision_ms: nullableInt,
      run_ms: nullableInt,
      init_ms: { ...nullableInt, description: "Loading the handler's module (its top-level code), part of run_ms but not of the function's timeout: loading has its own bound, the timeout but at least 10 s; null when it never loaded" },
      total_ms: nullableInt,
    },
  },
  logs_truncated: { type: 'boolean' },
  created_at: { type: 'string' },
  updated_at: { type: 'string' },
} as const;

/** An execution in a list: never its result, only its size and a preview. */
export const ExecutionSummaryBody = {
  $id: 'ExecutionSummary',
  type: 'object',
  properties: ExecutionSummaryProps,
} as const;

export const ExecutionBody = {
  $id: 'Execution',
  type: 'object',
  properties: {
    ...ExecutionSummaryProps,
    result: { description: `The result (any JSON) when its JSON text is at most ${RESULT_INLINE_MAX_BYTES} bytes; else null and result_truncated` },
    result_truncated: { type: 'boolean', description: 'true: the result is too large to come inline; GET result_url streams it' },
    result_url: { type: ['string', 'null'], description: 'GET it for the whole result (application/json), when there is one' },
  },
} as const;

export const SHARED_SCHEMAS = [ErrorBody, FunctionCreateMetadata, FunctionUpdateMetadata, FunctionBody, FunctionAcceptedBody, FunctionVersionBody, ExecutionSummaryBody, ExecutionBody];

/**
 * The 503 every route that reaches the store, the queue or Keystone may answer (the error
 * plugin adds it to each route's documentation).
 */
export const UnavailableResponse = {
  description:
    'not_ready: the store or the work queue (in Keystone mode also Keystone) is unreachable for now. Nothing was accepted or changed; send the same request again after Retry-After seconds (a repeated event id runs nothing twice).',
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string', enum: ['not_ready'] }, message: { type: 'string' } },
  headers: { 'retry-after': { type: 'integer', description: 'Seconds to wait before trying again' } },
} as const;

export const errorResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'Error#' }]));

export const pageOf = (ref: string) =>
  ({
    type: 'object',
    properties: { items: { type: 'array', items: { $ref: `${ref}#` } }, next_cursor: { type: ['string', 'null'] } },
  }) as const;
