/** The API's check of a function's `env`: the names policy (../env-policy.ts) plus the bounds. */
import { invalid } from '../errors.js';
import { ENV_NAME_PATTERN, refusalOf } from '../env-policy.js';

export { ENV_NAME_PATTERN, REFUSED_ENV_NAMES, REFUSED_ENV_PREFIXES, refusalOf } from '../env-policy.js';

export const ENV_NAME_MAX_CHARS = 128;
/** All of a function's variables together, as UTF-8 bytes of NAME and VALUE (as Lambda counts). */
export const ENV_TOTAL_MAX_BYTES = 4096;
export const ENV_MAX_COUNT = 200;
const NAME_RE = new RegExp(ENV_NAME_PATTERN);

/**
 * Checks a function's `env` map; throws 400 with `field: "env.NAME"` (or `env`) for the
 * first problem. Runs before the schema check, so the answer names the variable.
 */
export function checkEnv(env: unknown): void {
  if (env === undefined) return;
  if (env === null || typeof env !== 'object' || Array.isArray(env)) throw invalid('env', 'env must be an object of NAME: "value" strings');
  const names = Object.keys(env);
  if (names.length > ENV_MAX_COUNT) throw invalid('env', `env has ${names.length} variables; at most ${ENV_MAX_COUNT}`);
  let total = 0;
  for (const name of names) {
    const field = `env.${name}`;
    if (name.length > ENV_NAME_MAX_CHARS) throw invalid(field, `${field}: a variable name has at most ${ENV_NAME_MAX_CHARS} characters`);
    if (!NAME_RE.test(name)) throw invalid(field, `${field}: a variable name has letters, digits and _ only, and does not start with a digit`);
    const refusal = refusalOf(name);
    if (refusal) throw invalid(field, `${field}: ${refusal}`);
    const value = (env as Record<string, unknown>)[name];
    if (typeof value !== 'string') throw invalid(field, `${field}: the value must be a string`);
    if (value.includes('\0')) throw invalid(field, `${field}: the value may not contain a NUL character`);
    total += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (total > ENV_TOTAL_MAX_BYTES) throw invalid(field, `${field}: the variables exceed the limit of ${ENV_TOTAL_MAX_BYTES} bytes (names and values together, UTF-8)`);
  }
}
