/**
 * The options create and update share (what a function declares), and turning them into
 * the API's metadata. Values are checked here only for shape; the service enforces limits.
 */
import { Option, UsageError } from 'clipanion';
import type { Destination, FunctionInfo, FunctionMetadata, Isolation } from '../../api-types.js';
import { ApiCommand } from '../../base-command.js';
import { loadCodePackage, type CodePackage } from '../../code-package.js';
import { parseChoice, parseEnvPairs, parseHandler, parseIntOption } from '../../input.js';
import { ProgressBar } from '../../output/progress-bar.js';
import { humanSize } from '../../output/units.js';
import type { ProgressListener } from '../../multipart.js';
import { annotate } from '../../command-spec.js';

export const ISOLATIONS: readonly Isolation[] = ['per-event', 'reuse'];

/** What create requires and update takes optionally. */
export const CODE_OPTIONS = {
  runtime: { flag: '--runtime', description: 'Runtime, e.g. nodejs20 (see `fnstack runtime list`)', placeholder: 'RUNTIME' },
  handler: { flag: '--handler', description: 'FILE.EXPORT inside the code, e.g. index.handler', placeholder: 'FILE.EXPORT' },
  code: { flag: '--code', description: 'A .js/.mjs/.cjs file, a .zip/.tar.gz archive, or a directory (packed as .tar.gz)', placeholder: 'PATH' },
} as const;

export abstract class FunctionSpecCommand extends ApiCommand {
  runtime = annotate(Option.String(CODE_OPTIONS.runtime.flag, { description: CODE_OPTIONS.runtime.description }), CODE_OPTIONS.runtime);
  handler = annotate(Option.String(CODE_OPTIONS.handler.flag, { description: CODE_OPTIONS.handler.description }), CODE_OPTIONS.handler);
  code = annotate(Option.String(CODE_OPTIONS.code.flag, { description: CODE_OPTIONS.code.description }), CODE_OPTIONS.code);
  memory = annotate(Option.String('--memory', { description: 'Memory in MiB (service default 128)' }), { placeholder: 'MB' });
  vcpus = annotate(Option.String('--vcpus', { description: 'Virtual CPUs (service default 1)' }), { placeholder: 'N' });
  disk = annotate(Option.String('--disk', { description: 'Disk in GiB (service default 1)' }), { placeholder: 'GB' });
  timeout = annotate(Option.String('--timeout', { description: 'Timeout in seconds (service default 30)' }), { placeholder: 'SECONDS' });
  envPairs = annotate(Option.Array('--env', { description: 'Environment variable KEY=VALUE (repeatable)' }), { placeholder: 'KEY=VALUE' });
  network = Option.Boolean('--network', { description: 'Allow network access (the default); --no-network denies it' });
  isolation = annotate(Option.String('--isolation', { description: 'per-event (a fresh environment per event, the default) or reuse' }), { placeholder: 'per-event|reuse' });
  onSuccess = Option.String('--on-success', { description: 'Send each success as a CloudEvent: events, events:ROUTING.KEY, an http(s):// URL, or none' });
  onFailure = Option.String('--on-failure', { description: 'Send each failure (or timeout) as a CloudEvent: events, events:ROUTING.KEY, an http(s):// URL, or none' });
  json = Option.Boolean('--json', false, { description: 'Print the resulting function as JSON' });

  /** The destinations given (null: none), checked for shape; undefined where not given. */
  protected destinationFields(): { on_success?: Destination | null; on_failure?: Destination | null } {
    const out: { on_success?: Destination | null; on_failure?: Destination | null } = {};
    if (this.onSuccess !== undefined) out.on_success = parseDestination(this.onSuccess, '--on-success');
    if (this.onFailure !== undefined) out.on_failure = parseDestination(this.onFailure, '--on-failure');
    return out;
  }

  /** The declared fields that were given, in the API's names (env is left to the caller). */
  protected specFields(): FunctionMetadata {
    const fields: FunctionMetadata = {};
    if (this.runtime !== undefined) fields.runtime = this.runtime;
    const handler = parseHandler(this.handler);
    if (handler !== undefined) fields.handler = handler;
    const memory = parseIntOption(this.memory, '--memory', 1, 1_048_576, 'MiB');
    if (memory !== undefined) fields.memory_mb = memory;
    const vcpus = parseIntOption(this.vcpus, '--vcpus', 1, 1024);
    if (vcpus !== undefined) fields.vcpus = vcpus;
    const disk = parseIntOption(this.disk, '--disk', 1, 1_048_576, 'GiB');
    if (disk !== undefined) fields.disk_gb = disk;
    const timeout = parseIntOption(this.timeout, '--timeout', 1, 86_400, 'seconds');
    if (timeout !== undefined) fields.timeout_s = timeout;
    if (this.network !== undefined) fields.network = this.network;
    const isolation = parseChoice(this.isolation, '--isolation', ISOLATIONS);
    if (isolation !== undefined) fields.isolation = isolation;
    return fields;
  }

  protected envFields(): Record<string, string> {
    return parseEnvPairs(this.envPairs);
  }

  protected async loadCode(): Promise<CodePackage | undefined> {
    if (this.code === undefined) return undefined;
    const pkg = await loadCodePackage(this.code);
    if (pkg.packed) {
      const { files, ignored, devPackages } = pkg.packed;
      const left = ignored > 0 ? `; left out ${ignored} by .fnstackignore and devDependencies${devPackages > 0 ? ` (${devPackages} dev-only packages)` : ''}` : '';
      this.err(`packed ${this.code}: ${files} files, ${humanSize(pkg.size)} (${pkg.filename})${left}`);
      if (pkg.packed.skipped.length > 0) this.err(`warning: left out (links outside the directory, special files): ${pkg.packed.skipped.join(', ')}`);
    }
    return pkg;
  }

  /** The service's warnings about the uploaded package, on stderr (stdout stays the result). */
  protected printWarnings(fn: FunctionInfo): void {
    for (const w of fn.warnings ?? []) this.err(`warning: ${w}`);
  }

  /** Runs an upload with a progress bar on stderr (drawn only on a terminal). */
  protected async withProgress<T>(code: CodePackage | undefined, send: (onProgress?: ProgressListener) => Promise<T>): Promise<T> {
    if (!code) return send();
    const bar = new ProgressBar(this.context.stderr, `uploading ${code.filename}`);
    try {
      return await send((sent, total) => bar.update(sent, total));
    } finally {
      bar.done();
    }
  }
}

/** `events`, `events:KEY`, `http(s)://…` or `none`. */
export function parseDestination(raw: string, option: string): Destination | null {
  if (raw === 'none') return null;
  if (raw === 'events') return { kind: 'events' };
  if (raw.startsWith('events:')) return { kind: 'events', routing_key: raw.slice('events:'.length) };
  if (/^https?:\/\//.test(raw)) return { kind: 'url', url: raw };
  throw new UsageError(`${option} must be events, events:ROUTING.KEY, an http(s):// URL or none, not '${raw}'`);
}

/** The API's form: a slot set to none is left out. */
export function withoutNone(d: { on_success?: Destination | null; on_failure?: Destination | null }): { on_success?: Destination; on_failure?: Destination } {
  return { ...(d.on_success ? { on_success: d.on_success } : {}), ...(d.on_failure ? { on_failure: d.on_failure } : {}) };
}
