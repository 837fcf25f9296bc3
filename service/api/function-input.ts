/**
 * Validates function metadata (multipart `metadata` field or a JSON PATCH body) against
 * the same schemas the API documents, and turns it into a FunctionSpec.
 */
import type { ErrorObject } from 'ajv';
import { FunctionCreateMetadata, FunctionUpdateMetadata } from './schemas.js';
import { ApiError, invalid } from '../errors.js';
import { findRuntime, RUNTIMES } from '../runtimes.js';
import type { Config } from '../config.js';
import type { FunctionSpec, Isolation } from '../model.js';
import { parseHandler } from '../code/handler-ref.js';
import { checkEnv } from './function-env.js';
import { parseJsonText } from './json-body.js';
import { checkLimits } from '../function-limits.js';
import { createAjv } from './ajv-options.js';

const ajv = createAjv();
const validateCreate = ajv.compile(strip(FunctionCreateMetadata));
const validateUpdate = ajv.compile(strip(FunctionUpdateMetadata));

export interface CreateMetadata {
  name: string;
  runtime: string;
  handler: string;
  memory_mb?: number;
  vcpus?: number;
  disk_gb?: number;
  timeout_s?: number;
  network?: boolean;
  isolation?: Isolation;
  env?: Record<string, string>;
}
export type UpdateMetadata = Partial<Omit<CreateMetadata, 'name'>>;

export const DEFAULTS = { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 30, network: true, isolation: 'per-event' as Isolation, env: {} as Record<string, string> };

/** Parses the multipart `metadata` field (JSON text). */
export function parseMetadataText(text: string | undefined): unknown {
  if (text === undefined) throw invalid('metadata', 'metadata is required: a JSON object with name, runtime and handler');
  return parseJsonText(text, 'metadata');
}

export function checkCreate(raw: unknown, config: Readonly<Config>): { name: string; spec: FunctionSpec } {
  checkEnv(envOf(raw));
  if (!validateCreate(raw)) throw schemaError(validateCreate.errors);
  const m = raw as CreateMetadata;
  const spec = specFrom({ ...DEFAULTS, ...m }, config);
  return { name: m.name, spec };
}

export function checkUpdate(raw: unknown, current: FunctionSpec, config: Readonly<Config>): FunctionSpec {
  checkEnv(envOf(raw));
  if (raw !== undefined && !validateUpdate(raw)) throw schemaError(validateUpdate.errors);
  const m = (raw ?? {}) as UpdateMetadata;
  if (m.env === undefined) checkStoredEnv(current.env);
  return specFrom(
    {
      runtime: m.runtime ?? current.runtime,
      handler: m.handler ?? current.handler,
      memory_mb: m.memory_mb ?? current.memoryMb,
      vcpus: m.vcpus ?? current.vcpus,
      disk_gb: m.disk_gb ?? current.diskGb,
      timeout_s: m.timeout_s ?? current.timeoutS,
      network: m.network ?? current.network,
      isolation: m.isolation ?? current.isolation,
      env: m.env ?? current.env,
    },
    config,
  );
}

function specFrom(m: Required<Omit<CreateMetadata, 'name'>>, config: Readonly<Config>): FunctionSpec {
  if (!findRuntime(m.runtime)) throw invalid('runtime', `runtime '${m.runtime}' is not available; available: ${RUNTIMES.map((r) => r.name).join(', ')}`);
  parseHandler(m.handler);
  checkLimits({ memoryMb: m.memory_mb, vcpus: m.vcpus, diskGb: m.disk_gb, timeoutS: m.timeout_s }, config.limits);
  return {
    runtime: m.runtime,
    handler: m.handler,
    memoryMb: m.memory_mb,
    vcpus: m.vcpus,
    diskGb: m.disk_gb,
    timeoutS: m.timeout_s,
    network: m.network,
    isolation: m.isolation,
    env: m.env,
  };
}

/** Variables stored before the check (checkEnv) are not carried into a new version. */
function checkStoredEnv(env: Record<string, string>): void {
  try {
    checkEnv(env);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw invalid(err.field ?? 'env', `${err.message} (stored before this check: send env without it)`);
  }
}

const envOf = (raw: unknown) => (raw !== null && typeof raw === 'object' ? (raw as { env?: unknown }).env : undefined);

function schemaError(errors: ErrorObject[] | null | undefined) {
  const e = errors?.[0];
  const path = (e?.instancePath ?? '').split('/').filter(Boolean);
  const params = e?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
  if (params?.missingProperty) path.push(params.missingProperty);
  if (params?.additionalProperty) return invalid(params.additionalProperty, `unknown field '${params.additionalProperty}'`);
  const field = path.join('.') || 'metadata';
  return invalid(field, `${field}: ${e?.message ?? 'is invalid'}`);
}

/** Ajv does not need the OpenAPI-only keywords. */
function strip<T extends object>(schema: T): object {
  const { $id: _id, ...rest } = schema as { $id?: string };
  return rest;
}
