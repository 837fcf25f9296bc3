/** The runtimes functions can declare. The version is the exact one the runner uses. */
export interface Runtime {
  name: string;
  language: 'nodejs';
  /** Exact interpreter version, e.g. 20.20.2. */
  version: string;
  default: boolean;
  /** Memory the runtime needs on top of the function's own, MiB (runner + interpreter baseline). */
  overheadMb: number;
}

const NODE_MAJOR = process.versions.node.split('.')[0];

export const RUNTIMES: readonly Runtime[] = Object.freeze([
  { name: `nodejs${NODE_MAJOR}`, language: 'nodejs', version: process.versions.node, default: true, overheadMb: 64 },
]);

export function findRuntime(name: string): Runtime | undefined {
  return RUNTIMES.find((r) => r.name === name);
}
