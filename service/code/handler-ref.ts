/** `FILE.EXPORT` handler references, e.g. `index.handler` or `lib/app.main`. */
import { invalid } from '../errors.js';

export interface HandlerRef {
  /** Module path without extension, relative to the code root. */
  modulePath: string;
  exportName: string;
}

const HANDLER = /^(?<mod>[A-Za-z0-9_@][A-Za-z0-9_@\-./]*)\.(?<exp>[A-Za-z_$][A-Za-z0-9_$]*)$/;

export function parseHandler(handler: string): HandlerRef {
  const m = HANDLER.exec(handler);
  const mod = m?.groups?.mod;
  const exp = m?.groups?.exp;
  if (!mod || !exp) throw invalid('handler', `handler '${handler}' must look like FILE.EXPORT, e.g. index.handler`);
  if (mod.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
    throw invalid('handler', `handler '${handler}' must be a path inside the package`);
  }
  return { modulePath: mod, exportName: exp };
}

/** The files a handler's module may be, in lookup order. */
export function candidateFiles(ref: HandlerRef): string[] {
  return ['.js', '.mjs', '.cjs'].map((ext) => ref.modulePath + ext);
}
