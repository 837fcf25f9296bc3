/**
 * clipanion's Cli with help that reads right: option values named (`--memory MB`, not
 * `--memory #0`), required options shown in the usage line and marked in the option list,
 * and the top-level list kept to one short line per command.
 */
import { Cli, type CommandClass } from 'clipanion';
import { commandSpec, type CommandSpec, type OptionSpec } from './command-spec.js';

interface Usage {
  usage: string;
  options: Array<{ definition: string; description: string; required: boolean }>;
}

export class FnstackCli extends Cli {
  /** What every registered command declares, for completion and help. */
  commandSpecs(): CommandSpec[] {
    return [...this.registrations].map(([klass, r]) => commandSpec(klass as CommandClass<never>, r.specs));
  }

  override usage(command?: Parameters<Cli['usage']>[0], opts?: Parameters<Cli['usage']>[1]): string {
    const text = super.usage(command, opts);
    if (command) return text;
    return (
      `${text.trimEnd()}\n\n` +
      'Commands that talk to the service also take --endpoint URL, --api-key KEY and --profile PROFILE; ' +
      'read commands take -f table|json|yaml|value, -c COLUMN (repeatable) and --json. ' +
      'Shell completion: `fnstack completion bash` (or zsh).\n'
    );
  }

  protected override getUsageByIndex(n: number, opts?: { detailed?: boolean; inlineOptions?: boolean }): Usage {
    // clipanion asks without options only for the top-level list of commands.
    const topLevel = opts === undefined;
    const base = super.getUsageByIndex(n, topLevel ? { detailed: true, inlineOptions: false } : opts);
    const spec = this.specAt(n);
    if (!spec || opts?.detailed === false) return base;

    const rename = (text: string) => nameValues(text, spec.options);
    let usage = rename(base.usage);
    const required = base.options.filter((o) => o.required).map((o) => `<${rename(o.definition)}>`);
    const prefix = [this.binaryName, ...(spec.paths[0] ?? [])].join(' ');
    if (required.length > 0 && usage.startsWith(prefix)) usage = [prefix, ...required, usage.slice(prefix.length).trim()].filter((s) => s !== '').join(' ');
    if (topLevel && base.options.some((o) => !o.required)) usage += ' [options]';
    const options = base.options.map((o) => ({ ...o, definition: rename(o.definition), description: o.required ? `(required) ${o.description}` : o.description }));
    return { usage, options };
  }

  /** A usage line as clipanion writes it in errors (`--memory #0`), with the values named. */
  readableUsage(usage: string): string {
    let best: CommandSpec | null = null;
    let bestLength = -1;
    for (const spec of this.commandSpecs()) {
      for (const path of spec.paths) {
        const prefix = [this.binaryName, ...path].join(' ');
        if ((usage === prefix || usage.startsWith(`${prefix} `)) && path.length > bestLength) [best, bestLength] = [spec, path.length];
      }
    }
    return best ? nameValues(usage, best.options) : usage;
  }

  private specAt(n: number): CommandSpec | null {
    for (const [klass, r] of this.registrations) if (r.index === n) return commandSpec(klass as CommandClass<never>, r.specs);
    return null;
  }
}

/** `--memory #0` → `--memory MB`, for every option of the command that takes a value. */
function nameValues(text: string, options: readonly OptionSpec[]): string {
  let out = text;
  for (const o of options) {
    if (o.arity === 0) continue;
    const names = o.names.join(',');
    out = out.split(`${names}${Array.from({ length: o.arity }, (_, t) => ` #${t}`).join('')}`).join(`${names}${` ${o.placeholder}`.repeat(o.arity)}`);
  }
  return out;
}
