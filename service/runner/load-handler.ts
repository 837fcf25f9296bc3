/**
 * Finds and loads a handler `FILE.EXPORT` from a code directory, the way the service's
 * `handler-ref` validates it: `index.handler` → ./index.js | ./index.mjs | ./index.cjs,
 * export `handler`; `lib/app.main` → ./lib/app.*, export `main`.
 *
 * The module format follows Node's own rules: `.mjs` is ESM, `.cjs` is CommonJS, and `.js`
 * follows the nearest package.json "type". The sandbox puts a `{}` package.json just above
 * the code directory so that nothing outside the package decides the format.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FailureInfo, ModuleFormat } from './protocol.js';

export type Handler = (event: unknown, context: unknown) => unknown;

export type LoadResult = { ok: true; handler: Handler; file: string; format: ModuleFormat } | { ok: false; failure: FailureInfo };

/** The runner's own directory (bundled or not: every runner file lies in it). */
const RUNNER_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * Removes the runner's own files from require.cache, so that the function finds only its
 * own modules there: a bundled executor is a CommonJS module, and so is a warm-up handler.
 */
export function forgetRunnerModules(): void {
  const cache = createRequire(import.meta.url).cache;
  for (const key of Object.keys(cache)) if (key.startsWith(RUNNER_DIR + sep)) delete cache[key];
}

const HANDLER = /^(?<mod>[A-Za-z0-9_@][A-Za-z0-9_@\-./]*)\.(?<exp>[A-Za-z_$][A-Za-z0-9_$]*)$/;
const EXTENSIONS = ['.js', '.mjs', '.cjs'];

export async function loadHandler(codeDir: string, ref: string): Promise<LoadResult> {
  const m = HANDLER.exec(ref);
  const mod = m?.groups?.mod;
  const exportName = m?.groups?.exp;
  if (!mod || !exportName || mod.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    return loadError(`handler '${ref}' must look like FILE.EXPORT with FILE inside the package, e.g. index.handler`);
  }
  const root = resolve(codeDir);
  const candidates = EXTENSIONS.map((ext) => mod + ext);
  const file = candidates.find((c) => isFile(join(root, c)));
  if (!file) return loadError(`handler file not found: none of ${candidates.join(', ')} exists in the code package`);
  const abs = join(root, file);
  if (!abs.startsWith(root + sep)) return loadError(`handler '${ref}' points outside the code package`);

  let exports: Record<string, unknown>;
  const format = formatOf(abs, root);
  try {
    exports = format === 'module' ? await importModule(abs) : exportsOf(createRequire(abs)(abs));
  } catch (err) {
    return loadError(`cannot load ${file}: ${describe(err)}`, err);
  }
  const exported = exports[exportName];
  if (typeof exported !== 'function') {
    const found = exported === undefined ? 'not found' : `is not a function (it is ${exported === null ? 'null' : typeof exported})`;
    return loadError(`handler '${exportName}' ${found} in ${file}; ${exportList(exports)}`);
  }
  return { ok: true, handler: wrapCallbackStyle(exported as (...args: unknown[]) => unknown), file, format };
}

/** An ES module's exports, with those of a default-exported object (CommonJS compiled to ESM) as fallback. */
async function importModule(abs: string): Promise<Record<string, unknown>> {
  const ns = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  const def = ns.default;
  return def !== null && typeof def === 'object' ? { ...(def as Record<string, unknown>), ...ns } : { ...ns };
}

function exportsOf(value: unknown): Record<string, unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') ? { ...(value as Record<string, unknown>) } : {};
}

function exportList(exports: Record<string, unknown>): string {
  const names = Object.keys(exports).filter((k) => k !== 'default' || typeof exports.default === 'function');
  if (names.length === 0) return 'the module exports nothing (did you forget `exports.handler = …` or `export`?)';
  return `the module exports: ${names.sort().join(', ')}`;
}

/**
 * A Lambda-style handler `(event, context, callback)` (three parameters, the way Node Lambda
 * functions were written before async): it finishes by calling `callback(error, result)`.
 * The run ends with whichever comes first, the callback or the settling of a returned promise;
 * a non-promise return value waits for the callback.
 */
function wrapCallbackStyle(fn: (...args: unknown[]) => unknown): Handler {
  if (fn.length < 3) return fn as Handler;
  return (event, context) =>
    new Promise((resolve, reject) => {
      const callback = (error?: unknown, result?: unknown) => (error !== undefined && error !== null ? reject(error instanceof Error ? error : new Error(describe(error))) : resolve(result));
      const returned = fn(event, context, callback);
      if (isThenable(returned)) returned.then(resolve, reject);
    });
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

function formatOf(abs: string, root: string): ModuleFormat {
  if (abs.endsWith('.mjs')) return 'module';
  if (abs.endsWith('.cjs')) return 'commonjs';
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) return packageType(pj);
    if (dir === root || dirname(dir) === dir) return 'commonjs';
  }
}

function packageType(pj: string): ModuleFormat {
  try {
    const parsed = JSON.parse(readFileSync(pj, 'utf8')) as { type?: unknown };
    return parsed.type === 'module' ? 'module' : 'commonjs';
  } catch {
    return 'commonjs'; // Node itself reports a broken package.json when it loads the file
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function loadError(message: string, cause?: unknown): LoadResult {
  const stack = cause instanceof Error ? cause.stack : undefined;
  return { ok: false, failure: stack ? { kind: 'load_error', message, stack } : { kind: 'load_error', message } };
}

/** `Name: message` of anything thrown, including non-Error values. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
