/**
 * Shell completion scripts for bash and zsh, generated from the registered commands' specs:
 * the command words, each command's options, and the values an option offers (the choices
 * in its placeholder, `a|b|c`; file names for PATH/DIR/FILE placeholders; the profiles of
 * profiles.yaml, asked of `fnstack profile list`, for PROFILE).
 */
import type { CommandSpec } from './command-spec.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

interface Tables {
  /** Command path so far ('' at the root) → the words that may follow. */
  words: Map<string, Set<string>>;
  /** Full command path → its option names. */
  flags: Map<string, string[]>;
  /** Full command path → the names of its options that take a value. */
  valueFlags: Map<string, string[]>;
  /** `path|flag` → the values offered ('@files': file names, '@profiles': profile names); `path|@arg`: the first argument's. */
  values: Map<string, string>;
}

export function completionScript(shell: Shell, specs: readonly CommandSpec[], bin = 'fnstack'): string {
  const tables = buildTables(specs);
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const helpers = [
    caseFunction(`${fn}_words`, 'the words that may follow a command path', tables.words, (s) => [...s].sort().join(' ')),
    caseFunction(`${fn}_flags`, "a command's options", tables.flags, (s) => s.join(' ')),
    caseFunction(`${fn}_value_flags`, 'the options of a command that take a value', tables.valueFlags, (s) => s.join(' ')),
    caseFunction(`${fn}_values`, "what an option's value may be ('@files': a file name)", tables.values, (s) => s),
    `${fn}_has() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }`,
  ].join('\n\n');
  return shell === 'bash' ? bashScript(fn, bin, helpers) : zshScript(fn, bin, helpers);
}

function buildTables(specs: readonly CommandSpec[]): Tables {
  const words = new Map<string, Set<string>>([['', new Set(['help'])]]);
  const flags = new Map<string, string[]>([['', ['--help', '--version']]]);
  const valueFlags = new Map<string, string[]>([['', []]]);
  const values = new Map<string, string>();
  for (const spec of specs) {
    const visible = spec.options.filter((o) => !o.hidden);
    // Options shared by every command may come before the command words too.
    for (const o of visible.filter((v) => v.common)) {
      for (const name of o.names) {
        if (flags.get('')!.includes(name)) continue;
        flags.get('')!.push(name);
        if (o.arity > 0) valueFlags.get('')!.push(name);
        const offered = offeredValues(o.arity, o.placeholder);
        if (offered) values.set(`|${name}`, offered);
      }
    }
    for (const path of spec.paths) {
      if (path.length === 0 || path.some((w) => w.startsWith('-'))) continue;
      for (let n = 0; n < path.length; n++) {
        const prefix = path.slice(0, n).join(' ');
        if (!words.has(prefix)) words.set(prefix, new Set());
        words.get(prefix)!.add(path[n]!);
      }
      const key = path.join(' ');
      flags.set(key, [...visible.flatMap((o) => o.names), '--help']);
      valueFlags.set(key, visible.filter((o) => o.arity > 0).flatMap((o) => o.names));
      for (const o of visible) {
        const offered = offeredValues(o.arity, o.placeholder);
        if (offered) for (const name of o.names) values.set(`${key}|${name}`, offered);
      }
      const argument = spec.positionals[0] ? offeredValues(1, spec.positionals[0]) : null;
      if (argument) values.set(`${key}|@arg`, argument);
    }
  }
  return { words, flags, valueFlags, values };
}

function offeredValues(arity: number, placeholder: string): string | null {
  if (arity === 0) return null;
  if (/^[a-z0-9_-]+(\|[a-z0-9_-]+)+$/.test(placeholder)) return placeholder.split('|').join(' ');
  if (/\b(PATH|DIR|FILE)\b/.test(placeholder)) return '@files';
  if (placeholder === 'PROFILE') return '@profiles';
  return null;
}

/** A shell function answering one table by a `case` on its argument (same syntax in bash and zsh). */
function caseFunction<V>(name: string, what: string, table: Map<string, V>, show: (v: V) => string): string {
  const arms = [...table.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, v]) => `    ${shellQuote(key)}) echo ${shellQuote(show(v))} ;;`);
  return `# ${what}\n${name}() {\n  case "$1" in\n${arms.join('\n')}\n  esac\n}`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Shared walk over the words before the cursor: the command path is the run of known command
 * words; an option that takes a value swallows the next word.
 */
function walk(fn: string, first: string, words: string, current: string): string {
  return `  local cmdpath="" word i=${first}
  while [ "$i" -lt "${current}" ]; do
    word="${words}[i]}"
    case "$word" in
      -*=*) ;;
      -*) if ${fn}_has "$(${fn}_value_flags "$cmdpath")" "$word"; then i=$((i + 1)); fi ;;
      *) if ${fn}_has "$(${fn}_words "$cmdpath")" "$word"; then cmdpath="\${cmdpath:+$cmdpath }$word"; fi ;;
    esac
    i=$((i + 1))
  done`;
}

function bashScript(fn: string, bin: string, helpers: string): string {
  return `# bash completion for ${bin}, generated by \`${bin} completion bash\` from its commands.
# Install: ${bin} completion bash > ~/.local/share/bash-completion/completions/${bin}
#      or: echo 'source <(${bin} completion bash)' >> ~/.bashrc

${helpers}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" values
${walk(fn, '1', '${COMP_WORDS', '$COMP_CWORD')}
  COMPREPLY=()
  if [ "$COMP_CWORD" -gt 1 ] && ${fn}_has "$(${fn}_value_flags "$cmdpath")" "$prev"; then
    values="$(${fn}_values "$cmdpath|$prev")"
    [ "$values" = "@profiles" ] && values="$(${bin} profile list -f value -c name 2>/dev/null)"
    if [ "$values" = "@files" ]; then COMPREPLY=($(compgen -f -- "$cur"))
    elif [ -n "$values" ]; then COMPREPLY=($(compgen -W "$values" -- "$cur")); fi
    return 0
  fi
  case "$cur" in
    -*) COMPREPLY=($(compgen -W "$(${fn}_flags "$cmdpath")" -- "$cur")) ;;
    *)
      values="$(${fn}_words "$cmdpath")"
      [ -n "$values" ] || values="$(${fn}_values "$cmdpath|@arg")"
      COMPREPLY=($(compgen -W "$values" -- "$cur")) ;;
  esac
  return 0
}

complete -F ${fn} ${bin}
`;
}

function zshScript(fn: string, bin: string, helpers: string): string {
  return `#compdef ${bin}
# zsh completion for ${bin}, generated by \`${bin} completion zsh\` from its commands.
# Install: ${bin} completion zsh > "\${fpath[1]}/_${bin}"   (then start a new shell)
#      or: echo 'source <(${bin} completion zsh)' >> ~/.zshrc   (after compinit)

${helpers}

${fn}() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" values
${walk(fn, '2', '${words', '$CURRENT')}
  if [ "$CURRENT" -gt 2 ] && ${fn}_has "$(${fn}_value_flags "$cmdpath")" "$prev"; then
    values="$(${fn}_values "$cmdpath|$prev")"
    [ "$values" = "@profiles" ] && values="$(${bin} profile list -f value -c name 2>/dev/null)"
    if [ "$values" = "@files" ]; then _files
    elif [ -n "$values" ]; then compadd -- \${=values}; fi
    return 0
  fi
  case "$cur" in
    -*) compadd -- \${=$(${fn}_flags "$cmdpath")} ;;
    *)
      values="$(${fn}_words "$cmdpath")"
      [ -n "$values" ] || values="$(${fn}_values "$cmdpath|@arg")"
      compadd -- \${=values} ;;
  esac
}

if [ "\${funcstack[1]}" = "${fn}" ]; then
  ${fn} "$@"
else
  compdef ${fn} ${bin}
fi
`;
}
