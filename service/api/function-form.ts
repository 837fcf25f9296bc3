/**
 * Reads the multipart body of a function create or update: a `metadata` field (JSON text)
 * and a `code` file, nothing else. Every way the body can be wrong — no boundary, cut off in
 * the middle, a malformed part, a part over its limit, a field we do not take — is a 4xx
 * naming the field and, for sizes, the real limit.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError, invalid } from '../errors.js';
import { BODY_LIMITS, describeBytes } from './body-limits.js';

export interface FunctionForm {
  metadata?: string;
  code?: { filename: string; data: Buffer };
}

export async function readFunctionForm(req: FastifyRequest, codeMaxBytes: number): Promise<FunctionForm> {
  if (!req.isMultipart()) throw new ApiError('unsupported_media_type', 'send multipart/form-data with a "metadata" field and a "code" file');
  const form: FunctionForm = {};
  try {
    const parts = req.parts({ limits: { fileSize: codeMaxBytes, files: 1, fields: 1, parts: 2, fieldSize: BODY_LIMITS.metadata, fieldNameSize: 100, headerPairs: 20 } });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'code') throw invalid(part.fieldname, `unknown file field '${part.fieldname}': send the code as a file field named "code"`);
        form.code = { filename: part.filename, data: await part.toBuffer() };
      } else {
        if (part.fieldname !== 'metadata') throw invalid(part.fieldname, `unknown field '${part.fieldname}': send "metadata" (JSON text) and a "code" file`);
        if (part.valueTruncated) throw tooLarge('metadata', BODY_LIMITS.metadata);
        form.metadata = typeof part.value === 'string' ? part.value : restringified(part.value);
      }
    }
  } catch (err) {
    throw formError(err, codeMaxBytes);
  }
  return form;
}

function formError(err: unknown, codeMaxBytes: number): Error {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge('code', codeMaxBytes);
    case 'FST_FILES_LIMIT':
      return invalid('code', 'send one file only, named "code"');
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return invalid('body', 'send two parts only: a "metadata" field and a "code" file');
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return invalid('metadata', 'metadata is not valid JSON');
    case 'FST_PROTO_VIOLATION':
      return invalid('body', 'a field name may not be a property of Object.prototype');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new ApiError('unsupported_media_type', 'send multipart/form-data with a "metadata" field and a "code" file');
    default:
      // Everything else comes from parsing the body: no or a bad boundary, a body cut off, a malformed part.
      return invalid('body', `the multipart body is malformed: ${e.message ?? String(err)}`);
  }
}

/** A field sent typed application/json comes pre-parsed by the multipart plugin. */
function restringified(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    throw invalid('metadata', 'metadata is nested too deeply');
  }
}

function tooLarge(field: string, limit: number): ApiError {
  return new ApiError('payload_too_large', `${field} is over its limit of ${describeBytes(limit)}`, field);
}
