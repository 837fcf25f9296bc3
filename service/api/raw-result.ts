/**
 * A result answered as itself rather than inside an Execution (`?raw=true`): a binary result
 * (`{"$binary": base64, "content_type": …}`, see runner/to-json.ts) as its bytes with its
 * content type, any other result as its JSON text. The content type is the function's,
 * hence hostile: only a well-formed `type/subtype` is used, and the answer may not be sniffed
 * or rendered as a page of the API's origin.
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ExecutionSummary } from '../model.js';
import { wholeResultOf, type ExecutionStore } from '../store/execution-store.js';

const BINARY_PREFIX = '{"$binary":"';
const MIME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
export const FALLBACK_BINARY_TYPE = 'application/octet-stream';

export interface BinaryResult {
  bytes: Buffer;
  contentType: string;
}

/** The bytes and content type of a stored result's JSON text, if it is a binary result. */
export function binaryResultOf(json: string): BinaryResult | null {
  if (!json.startsWith(BINARY_PREFIX)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  const o = parsed as { $binary?: unknown; content_type?: unknown };
  if (typeof o.$binary !== 'string' || Object.keys(o).some((k) => k !== '$binary' && k !== 'content_type')) return null;
  const type = typeof o.content_type === 'string' && MIME.test(o.content_type) ? o.content_type : FALLBACK_BINARY_TYPE;
  return { bytes: Buffer.from(o.$binary, 'base64'), contentType: type };
}

/** Sends a succeeded execution's result raw (the caller checked it has one). */
export async function sendRawResult(reply: FastifyReply, executions: ExecutionStore, e: ExecutionSummary): Promise<FastifyReply> {
  void reply.header('x-content-type-options', 'nosniff').header('content-security-policy', "sandbox; default-src 'none'");
  if (e.resultPreview?.startsWith(BINARY_PREFIX)) {
    const text = wholeResultOf(e) ?? (await executions.resultText(e.id));
    const binary = text === null ? null : binaryResultOf(text);
    if (binary) return reply.type(binary.contentType).header('content-length', binary.bytes.length).send(binary.bytes);
    if (text !== null) return reply.type('application/json; charset=utf-8').send(text);
  }
  // Streamed a stored chunk at a time: the result is never whole in this process.
  return reply.type('application/json; charset=utf-8').header('content-length', e.resultBytes).send(Readable.from(executions.resultChunks(e.id)));
}
