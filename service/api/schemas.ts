/** JSON schemas shared by routes: the single source for validation, serialization and /docs. */
import { RESULT_INLINE_MAX_BYTES } from './execution-detail.js';
import { ENV_MAX_COUNT, ENV_NAME_MAX_CHARS, ENV_NAME_PATTERN, ENV_TOTAL_MAX_BYTES, REFUSED_ENV_NAMES, REFUSED_ENV_PREFIXES } from './function-env.js';
import { LIMIT_BOUNDS } from '../function-limits.js';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';

export const ErrorBody = {
  $id: 'Error',
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_STATUS) as ErrorCode[], description: 'Stable: clients branch on it (the message is for people)' },
    message: { type: 'string' },
    field: { type: 'string', description: 'The request field at fault, e.g. memory_mb, env.PATH, headers.content-type' },
  },
  examples: [{ code: 'not_found', message: "function 'resize' not found" }],
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
  required: ['sha256', 'size_bytes', 'format', 'file_name'],
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

const VERSION_REQUIRED = Object.keys(VersionProps) as Array<keyof typeof VersionProps>;

const FUNCTION_EXAMPLE = {
  name: 'resize',
  version: 3,
  runtime: 'nodejs20',
  handler: 'index.handler',
  memory_mb: 256,
  vcpus: 1,
  disk_gb: 1,
  timeout_s: 30,
  network: true,
  isolation: 'per-event',
  env: { SIZE: '128' },
  code: { sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', size_bytes: 48213, format: 'tar.gz', file_name: null },
  created_at: '2026-12-01T09:30:00.000Z',
  updated_at: '2026-12-05T11:02:17.000Z',
};

export const FunctionBody = {
  $id: 'Function',
  type: 'object',
  required: ['name', ...VERSION_REQUIRED, 'created_at', 'updated_at'],
  properties: { name: { type: 'string' }, ...VersionProps, created_at: { type: 'string' }, updated_at: { type: 'string' } },
  examples: [FUNCTION_EXAMPLE],
} as const;

/** A function as create and update answer it: with what its new code package may lack. */
export const FunctionAcceptedBody = {
  $id: 'FunctionAccepted',
  type: 'object',
  required: [...FunctionBody.required, 'warnings'],
  examples: [{ ...FUNCTION_EXAMPLE, warnings: [] }],
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
  required: [...VERSION_REQUIRED, 'created_at'],
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
    required: ['kind', 'message'],
    properties: {
      kind: { type: 'string', enum: ['load_error', 'handler_error', 'result_not_serializable', 'out_of_memory', 'timeout', 'crashed', 'runner_error'] },
      message: { type: 'string' },
      stack: { type: 'string' },
    },
  },
  limits: {
    type: 'object',
    required: ['memory_mb', 'vcpus', 'disk_gb', 'timeout_s', 'network'],
    properties: { memory_mb: { type: 'integer' }, vcpus: { type: 'integer' }, disk_gb: { type: 'integer' }, timeout_s: { type: 'integer' }, network: { type: 'boolean' } },
  },
  placement: {
    type: ['object', 'null'],
    properties: { provider: { type: 'string' }, details: { type: 'object', additionalProperties: true }, warm: { type: 'boolean' }, reuse_count: { type: 'integer' } },
  },
  peak_memory_bytes: nullableInt,
  timings: {
    type: 'object',
    required: ['queued_at', 'provisioning_at', 'running_at', 'finished_at', 'queue_ms', 'provision_ms', 'run_ms', 'init_ms', 'total_ms'],
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
  request_id: { type: ['string', 'null'], description: 'The X-Request-Id of the API call that caused the execution; null when none did (schedules, brokers, notifications)' },
  created_at: { type: 'string' },
  updated_at: { type: 'string' },
} as const;

const SUMMARY_REQUIRED = Object.keys(ExecutionSummaryProps) as Array<keyof typeof ExecutionSummaryProps>;

const EXECUTION_SUMMARY_EXAMPLE = {
  id: '0b7e4c2a-2f6d-4a51-9a43-7f1d2c3b4a59',
  function: 'resize',
  function_version: 3,
  event_id: 'orders-42',
  status: 'succeeded',
  attempts: 1,
  result_bytes: 11,
  result_preview: '{"ok":true}',
  error: null,
  limits: { memory_mb: 256, vcpus: 1, disk_gb: 1, timeout_s: 30, network: true },
  placement: { provider: 'local', details: {}, warm: false, reuse_count: 0 },
  peak_memory_bytes: 52428800,
  timings: {
    queued_at: '2026-12-05T11:03:00.000Z',
    provisioning_at: '2026-12-05T11:03:00.012Z',
    running_at: '2026-12-05T11:03:00.150Z',
    finished_at: '2026-12-05T11:03:00.420Z',
    queue_ms: 12,
    provision_ms: 138,
    run_ms: 270,
    init_ms: 85,
    total_ms: 420,
  },
  logs_truncated: false,
  created_at: '2026-12-05T11:03:00.000Z',
  updated_at: '2026-12-05T11:03:00.420Z',
};

/** An execution in a list: never its result, only its size and a preview. */
export const ExecutionSummaryBody = {
  $id: 'ExecutionSummary',
  type: 'object',
  required: SUMMARY_REQUIRED,
  properties: ExecutionSummaryProps,
  examples: [EXECUTION_SUMMARY_EXAMPLE],
} as const;

export const ExecutionBody = {
  $id: 'Execution',
  type: 'object',
  required: [...SUMMARY_REQUIRED, 'result', 'result_truncated', 'result_url'],
  examples: [{ ...EXECUTION_SUMMARY_EXAMPLE, result: { ok: true }, result_truncated: false, result_url: '/v1/executions/0b7e4c2a-2f6d-4a51-9a43-7f1d2c3b4a59/result' }],
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
    required: ['items', 'next_cursor'],
    properties: { items: { type: 'array', items: { $ref: `${ref}#` } }, next_cursor: { type: ['string', 'null'] } },
  }) as const;
