/**
 * Turns a handler's result into JSON text, refusing what JSON.stringify would silently
 * drop or choke on: functions, symbols, BigInt and cycles anywhere in the value. The
 * rest follows JSON semantics (`undefined` → null at the top, `toJSON` honoured, NaN → null).
 */
export type JsonResult = { ok: true; json: string } | { ok: false; message: string };

export function toJson(value: unknown): JsonResult {
  const top = value === undefined ? null : value;
  try {
    const problem = findProblem(top, 'result', new Set(), '');
    if (problem) return { ok: false, message: `the result is not JSON-serializable: ${problem}` };
    return { ok: true, json: JSON.stringify(top) };
  } catch (err) {
    // a throwing toJSON or getter, or nesting too deep for the stack
    return { ok: false, message: `the result is not JSON-serializable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function findProblem(input: unknown, path: string, ancestors: Set<object>, key: string): string | null {
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
