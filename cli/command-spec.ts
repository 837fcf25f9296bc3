/**
 * What a registered command declares (paths, options with their names and arity, positionals),
 * read back from clipanion's own option definitions, so that help text and shell completion
 * are derived from the commands themselves rather than from a hand-kept list.
 */
import type { CommandClass } from 'clipanion';

const PLACEHOLDER = Symbol('fnstack/placeholder');
const COMMON = Symbol('fnstack/common');

interface Annotated {
  [PLACEHOLDER]?: string;
  [COMMON]?: boolean;
}

/**
 * Names an option's value in help (`--memory MB` rather than clipanion's `--memory #0`); a
 * placeholder like `table|json|yaml` also lists the values shell completion offers. `common`
 * marks options every command of a kind shares (left out of the top-level command list).
 */
export function annotate<T>(option: T, notes: { placeholder?: string; common?: boolean }): T {
  const target = option as unknown as Annotated;
  if (notes.placeholder !== undefined) target[PLACEHOLDER] = notes.placeholder;
  if (notes.common) target[COMMON] = true;
  return option;
}

export interface OptionSpec {
  names: string[];
  /** How many values it takes (0: a flag). */
  arity: number;
  description: string;
  required: boolean;
  hidden: boolean;
  /** What help shows for its value. */
  placeholder: string;
  common: boolean;
}

export interface CommandSpec {
  paths: string[][];
  options: OptionSpec[];
  positionals: string[];
}

interface OptionDefinition {
  definition: (builder: unknown, key: string) => void;
}

/** Reads a command's specs (as clipanion's registration keeps them: field name → option). */
export function commandSpec(commandClass: CommandClass<never>, specs: ReadonlyMap<string, unknown>): CommandSpec {
  const options: OptionSpec[] = [];
  const positionals: string[] = [];
  for (const [key, spec] of specs) {
    const notes = spec as Annotated;
    const recorder = {
      addOption(o: { names: string[]; arity?: number; description?: string; required?: boolean; hidden?: boolean }) {
        options.push({
          names: o.names,
          arity: o.arity ?? 0,
          description: o.description ?? '',
          required: o.required ?? false,
          hidden: o.hidden ?? false,
          placeholder: notes[PLACEHOLDER] ?? defaultPlaceholder(o.names),
          common: notes[COMMON] ?? false,
        });
      },
      addPositional(p: { name?: string } = {}) {
        positionals.push(p.name ?? 'arg');
      },
      addRest(p: { name?: string } = {}) {
        positionals.push(`${p.name ?? 'arg'}...`);
      },
      addProxy() {
        positionals.push('...');
      },
    };
    (spec as OptionDefinition).definition(recorder, key);
  }
  return { paths: (commandClass.paths ?? []).map((p) => [...p]), options, positionals };
}

/** `--api-key` → `API_KEY`, as argparse (and so the openstack CLI) names a value by default. */
function defaultPlaceholder(names: readonly string[]): string {
  const long = names.find((n) => n.startsWith('--')) ?? names[0] ?? 'value';
  return long.replace(/^-+/, '').replace(/-/g, '_').toUpperCase();
}
