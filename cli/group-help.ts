/**
 * Help for a group of commands (`fnstack function`, `fnstack function --help`,
 * `fnstack help function`, `fnstack help`): the commands under it, one line each. clipanion
 * only knows whole command paths, so these forms are recognised before it parses.
 */
import type { Cli } from 'clipanion';

const HELP_FLAGS = new Set(['--help', '-h']);

/** The group `argv` asks help for (empty: every command), or null when it asks for something else. */
export function groupHelpTarget(argv: readonly string[], groups: ReadonlySet<string>): string[] | null {
  const words = argv[0] === 'help' ? argv.slice(1) : argv.length > 0 && HELP_FLAGS.has(argv.at(-1)!) ? argv.slice(0, -1) : argv;
  if (argv[0] === 'help' && words.length === 0) return [];
  if (words.length === 0 || words.some((w) => w.startsWith('-'))) return null;
  return groups.has(words.join(' ')) ? [...words] : null;
}

/** Every proper prefix of a command path ("function", "event dead-letter"), which is not itself a command. */
export function commandGroups(cli: Cli): Set<string> {
  const paths = cli.definitions().map((d) => d.path.split(' ').slice(1));
  const commands = new Set(paths.map((p) => p.join(' ')));
  const groups = new Set<string>();
  for (const p of paths) for (let n = 1; n < p.length; n++) groups.add(p.slice(0, n).join(' '));
  for (const c of commands) groups.delete(c);
  return groups;
}

export function groupUsage(cli: Cli, group: string[], binaryName = 'fnstack'): string {
  const prefix = [binaryName, ...group].join(' ');
  const rows = cli
    .definitions()
    .filter((d) => d.path === prefix || d.path.startsWith(`${prefix} `))
    .filter((d) => d.path.split(' ').length > 1)
    .map((d) => ({ usage: d.usage.replace(/^\$ /, ''), description: d.description ?? '' }))
    .sort((a, b) => a.usage.localeCompare(b.usage));
  const lines = [`${prefix}: ${rows.length} command${rows.length === 1 ? '' : 's'}`, ''];
  for (const r of rows) lines.push(`  ${r.usage}`, ...(r.description ? [`      ${r.description.trim()}`] : []));
  lines.push('', `Run \`${binaryName} <command> --help\` for a command's options and examples.`, '');
  return lines.join('\n');
}

/** The first words of every command (`function`, `trigger`, `login`, …). */
export function topLevelWords(cli: Cli): Set<string> {
  return new Set(cli.definitions().map((d) => d.path.split(' ')[1]).filter((w): w is string => !!w));
}

/** The known word closest to a mistyped one (at most two edits away), or null. */
export function closestWord(word: string, known: Iterable<string>): string | null {
  let best: { w: string; d: number } | null = null;
  for (const w of known) {
    const d = editDistance(word, w);
    if (d <= 2 && (!best || d < best.d)) best = { w, d };
  }
  return best?.w ?? null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}
