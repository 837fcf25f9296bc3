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
import { pathToFileURL } from 'node:url';
import type { FailureInfo } from './protocol.js';

export type Handler = (event: unknown, context: unknown) => unknown;

export type LoadResult = { ok: true; handler: Handler; file: string } | { ok: false; failure: FailureInfo };

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

  let exported: unknown;
  try {
    exported = formatOf(abs, root) === 'module' ? await importExport(abs, exportName) : createRequire(abs)(abs)?.[exportName];
  } catch (err) {
    return loadError(`cannot load ${file}: ${describe(err)}`, err);
  }
  if (typeof exported !== 'function') {
    return loadError(`${file} has no function export '${exportName}' (found ${exported === undefined ? 'nothing' : typeof exported})`);
  }
  return { ok: true, handler: exported as Handler, file };
}

async function importExport(abs: string, name: string): Promise<unknown> {
  const ns = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  if (name in ns) return ns[name];
  const def = ns.default;
  return def !== null && typeof def === 'object' ? (def as Record<string, unknown>)[name] : undefined;
}

function formatOf(abs: string, root: string): 'module' | 'commonjs' {
  if (abs.endsWith('.mjs')) return 'module';
  if (abs.endsWith('.cjs')) return 'commonjs';
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) return packageType(pj);
    if (dir === root || dirname(dir) === dir) return 'commonjs';
  }
}

function packageType(pj: string): 'module' | 'commonjs' {
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
