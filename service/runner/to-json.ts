/**
 * Turns a handler's result into JSON text, refusing what JSON.stringify would silently
 * drop or choke on: functions, symbols, BigInt and cycles anywhere in the value. The
 * rest follows JSON semantics (`undefined` → null at the top, `toJSON` honoured, NaN → null).
 *
 * Bytes (a Buffer, Uint8Array or ArrayBuffer) anywhere in the value become
 * `{"$binary": "<base64>", "content_type": "application/octet-stream"}` instead of Buffer's
 * `{"type":"Buffer","data":[…]}`; a handler names another type by returning
 * `{ $binary: bytes, content_type: 'image/png' }`. The API can answer a result that is such
 * an object with the bytes themselves (docs/api.md, "Binary results").
 */
export type JsonResult = { ok: true; json: string } | { ok: false; message: string };

export const BINARY_KEY = '$binary';
export const DEFAULT_BINARY_TYPE = 'application/octet-stream';

export function toJson(value: unknown): JsonResult {
  const top = value === undefined ? null : value;
  try {
    const problem = findProblem(top, 'result', new Set(), '');
    if (problem) return { ok: false, message: `the result is not JSON-serializable: ${problem}` };
    return { ok: true, json: JSON.stringify(top, encodeBinary) };
  } catch (err) {
    // a throwing toJSON or getter, or nesting too deep for the stack
    return { ok: false, message: `the result is not JSON-serializable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function bytesOf(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return null;
}

/** `{ $binary: bytes, content_type? }` as a handler may return it; null for anything else. */
function taggedBinary(v: unknown): { bytes: Uint8Array; contentType: string } | null {
  if (v === null || typeof v !== 'object' || !(BINARY_KEY in v)) return null;
  const o = v as Record<string, unknown>;
  const bytes = bytesOf(o[BINARY_KEY]);
  if (!bytes) return null;
  const keys = Object.keys(o).filter((k) => k !== BINARY_KEY);
  if (keys.some((k) => k !== 'content_type') || (o.content_type !== undefined && typeof o.content_type !== 'string')) return null;
  return { bytes, contentType: (o.content_type as string | undefined) || DEFAULT_BINARY_TYPE };
}

function binaryOf(v: unknown): { bytes: Uint8Array; contentType: string } | null {
  const bytes = bytesOf(v);
  return bytes ? { bytes, contentType: DEFAULT_BINARY_TYPE } : taggedBinary(v);
}

/** JSON.stringify replacer: `this[key]` is the value before its toJSON ran (Buffer has one). */
function encodeBinary(this: unknown, key: string, value: unknown): unknown {
  const bin = binaryOf((this as Record<string, unknown>)[key]);
  if (!bin) return value;
  return { [BINARY_KEY]: Buffer.from(bin.bytes.buffer, bin.bytes.byteOffset, bin.bytes.byteLength).toString('base64'), content_type: bin.contentType };
}

function findProblem(input: unknown, path: string, ancestors: Set<object>, key: string): string | null {
  if (binaryOf(input)) return null;
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (k: string) => unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'function':
      return `${path} is a function`;
    case 'symbol':
      return `${path} is a symbol`;
    case 'bigint':
      return `${path} is a BigInt (convert it to a string or number)`;
    case 'object':
      break;
    default:
      return null;
  }
  if (value === null) return null;
  if (ancestors.has(value)) return `${path} refers back to one of its parents (a cycle)`;
  if (ancestors.size > 1000) return `${path} is nested more than 1000 levels deep`;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const p = findProblem(value[i], `${path}[${i}]`, ancestors, String(i));
        if (p) return p;
      }
    } else {
      for (const k of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) continue;
        const p = findProblem(v, `${path}.${k}`, ancestors, k);
        if (p) return p;
      }
    }
    return null;
  } finally {
    ancestors.delete(value);
  }
}
