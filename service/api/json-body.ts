/**
 * JSON from clients, parsed the one way every route uses (request bodies, the multipart
 * `metadata` field, webhook bodies): UTF-8 that is not valid is refused rather than
 * replaced, and so are documents nested deeper than MAX_JSON_DEPTH (they overflow the
 * stack wherever they are serialized again), duplicate keys (which one counts is a matter
 * of the parser), and `__proto__` or `constructor.prototype` keys (prototype poisoning in
 * whatever merges them later). Each refusal is a 400 naming the field.
 */
import type { FastifyRequest } from 'fastify';
import { invalid } from '../errors.js';

export const MAX_JSON_DEPTH = 100;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Route option (`config.jsonMaxDepth`) for a body that may nest deeper, e.g. a run's result. */
export interface JsonRouteConfig {
  jsonMaxDepth?: number;
}

export function parseJsonBytes(bytes: Buffer, field: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw invalid(field, `${field} is not valid UTF-8`);
  }
  return parseJsonText(text, field, maxDepth);
}

export function parseJsonText(text: string, field: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (text.trim() === '') throw invalid(field, `${field} is empty: send a JSON document`);
  const problem = shapeProblem(text, maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(field, `${field} is not valid JSON: ${(err as Error).message}`);
  }
  // Checked after parsing, so that a malformed document reads as such first.
  if (problem) throw invalid(field, `${field}: ${problem}`);
  return value;
}

/** Fastify content-type parser (parseAs: 'buffer') for JSON request bodies. */
export function jsonBodyParser(req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const depth = (req.routeOptions.config as JsonRouteConfig | undefined)?.jsonMaxDepth ?? MAX_JSON_DEPTH;
  try {
    done(null, parseJsonBytes(Buffer.isBuffer(body) ? body : Buffer.from(body), 'body', depth));
  } catch (err) {
    done(err as Error);
  }
}

interface Frame {
  object: boolean;
  /** The key under which this container sits in its parent object, if any. */
  viaKey: string | null;
  keys: Set<string> | null;
  expectKey: boolean;
  lastKey: string | null;
}

/**
 * One pass over the text, without building anything: the nesting depth, and each object's
 * keys. Returns what is wrong, or null. Syntax is left to JSON.parse.
 */
function shapeProblem(text: string, maxDepth: number): string | null {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (top?.object && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? decodeKey(text.slice(i, end + 1)) : raw;
        if (key === null) return null; // a malformed escape: JSON.parse says so
        if (key === '__proto__') return `the key "__proto__" is not allowed`;
        if (key === 'prototype' && top.viaKey === 'constructor') return `the key "constructor.prototype" is not allowed`;
        if (top.keys!.has(key)) return `the key "${key.length > 64 ? `${key.slice(0, 64)}…` : key}" appears twice in one object`;
        top.keys!.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return `nested deeper than ${maxDepth} levels`;
      const parent = stack.at(-1);
      const object = c === 0x7b;
      stack.push({ object, viaKey: parent?.object ? parent.lastKey : null, keys: object ? new Set() : null, expectKey: object, lastKey: null });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack.at(-1);
      if (top?.object) top.expectKey = true;
    }
  }
  return null;
}

function decodeKey(quoted: string): string | null {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return null;
  }
}

/** Index of the quote that closes the string opening at `start` (or the text's end). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}
