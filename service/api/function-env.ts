/**
 * Which environment variables a function may declare. A tenant's variables reach the
 * process that runs its code, and some variables steer the dynamic loader, libc, Node or a
 * shell from outside the code (LD_PRELOAD loads a shared object before anything else runs).
 * Those are refused at create and update, whatever the launcher does with them later.
 *
 * The list: glibc's "unsecure" variables (sysdeps/generic/unsecvars.h, the ones ld.so
 * strips for setuid programs, MALLOC_* from its pre-tunables versions), the variables Node,
 * libuv and OpenSSL read at start, the shell's start-up variables, the ones the service
 * sets itself, and fnstack's own namespace. Names are compared without regard to case.
 */
import { invalid } from '../errors.js';

/** Each variable: a name of letters, digits and _, not starting with a digit. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const ENV_NAME_MAX_CHARS = 128;
/** All of a function's variables together, as UTF-8 bytes of NAME and VALUE (as Lambda counts). */
export const ENV_TOTAL_MAX_BYTES = 4096;
export const ENV_MAX_COUNT = 200;
const NAME_RE = new RegExp(ENV_NAME_PATTERN);

/** Refused by exact name. */
export const REFUSED_ENV_NAMES: readonly string[] = [
  // glibc unsecvars.h
  'GCONV_PATH', 'GETCONF_DIR', 'GLIBC_TUNABLES', 'HOSTALIASES', 'LOCALDOMAIN', 'LOCPATH',
  'NIS_PATH', 'NLSPATH', 'RESOLV_HOST_CONF', 'RES_OPTIONS', 'TMPDIR', 'TZDIR',
  // OpenSSL configuration (its config file can load engines: shared objects)
  'SSL_CERT_FILE', 'SSL_CERT_DIR',
  // shells read these at start; PATH and HOME decide what runs and where
  'BASH_ENV', 'ENV', 'IFS', 'CDPATH', 'PS4', 'SHELLOPTS', 'BASHOPTS', 'PATH', 'HOME',
  // a JavaScript object's prototype, never a variable worth having
  '__PROTO__',
];

/** Refused by prefix: the loader (LD_), glibc malloc, Node, libuv, OpenSSL, fnstack's own. */
export const REFUSED_ENV_PREFIXES: readonly string[] = ['LD_', 'MALLOC_', 'NODE_', 'UV_', 'OPENSSL_', 'FNSTACK_'];

/** Why `name` may not be declared, or null when it may. */
export function refusalOf(name: string): string | null {
  const upper = name.toUpperCase();
  if (REFUSED_ENV_NAMES.includes(upper)) return `${name} is reserved: it steers the loader, libc, the runtime or the shell from outside the code`;
  const prefix = REFUSED_ENV_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix === 'FNSTACK_') return `${name} is reserved: fnstack sets the FNSTACK_* variables itself`;
  if (prefix) return `${name} is reserved: variables starting with ${prefix} steer the loader, libc or the runtime from outside the code`;
  return null;
}

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
