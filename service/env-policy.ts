/**
 * Which environment variables a function may have. A tenant's variables reach the process
 * that runs its code, and some variables steer the dynamic loader, libc, Node or a shell from
 * outside the code (LD_PRELOAD loads a shared object before anything else runs). The API
 * refuses them at create and update (api/function-env.ts); the sandbox drops them again
 * before a run (provisioner/local/launch-command.ts), should one ever get past the API.
 *
 * The list: glibc's "unsecure" variables (sysdeps/generic/unsecvars.h, the ones ld.so
 * strips for setuid programs, MALLOC_* from its pre-tunables versions), the variables Node,
 * libuv and OpenSSL read at start, the shell's start-up variables, the ones the service
 * sets itself, and fnstack's own namespace. Names are compared without regard to case.
 */

/** Each variable: a name of letters, digits and _, not starting with a digit. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

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

/** Allowed although a refused prefix matches: read by libraries, not by Node itself. */
const ALLOWED_ENV_NAMES: readonly string[] = ['NODE_ENV'];

/** Why `name` may not be declared, or null when it may. */
export function refusalOf(name: string): string | null {
  const upper = name.toUpperCase();
  if (ALLOWED_ENV_NAMES.includes(upper)) return null;
  if (REFUSED_ENV_NAMES.includes(upper)) return `${name} is reserved: it steers the loader, libc, the runtime or the shell from outside the code`;
  const prefix = REFUSED_ENV_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix === 'FNSTACK_') return `${name} is reserved: fnstack sets the FNSTACK_* variables itself`;
  if (prefix) return `${name} is reserved: variables starting with ${prefix} steer the loader, libc or the runtime from outside the code`;
  return null;
}

