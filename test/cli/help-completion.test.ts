/** Help names option values and marks required options; `fnstack completion` prints scripts that complete from the commands. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { writeProfiles } from '../../cli/profiles.js';
import { assertOneLineError, CLI_MAIN, cliSandbox, runCli } from './_helpers/cli-harness.js';
import { tempDir } from './_helpers/tmp.js';

const sandbox = cliSandbox({});
const cli = (args: string[]) => runCli(args, { cwd: sandbox.cwd, env: sandbox.env });

test('the top-level help has no #0 placeholders and shows required options in usage lines', async (t) => {
  const r = await cli(['--help']);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, /#\d/);
  t.regex(r.stdout, /^ {2}fnstack function create <--runtime RUNTIME> <--handler FILE\.EXPORT> <--code PATH> <name> \[options\]$/m);
  t.regex(r.stdout, /^ {2}fnstack trigger create <--function FUNCTION> <--kind [a-z|]+> <name> \[options\]$/m);
  t.regex(r.stdout, /^ {2}fnstack event publish <--type TYPE> \[options\]$/m);
  t.regex(r.stdout, /--profile PROFILE/);
  t.regex(r.stdout, /completion bash/);
});

test('a command’s help names every value and marks required options', async (t) => {
  const r = await cli(['function', 'create', '--help']);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, /#\d/);
  t.regex(r.stdout, /\$ fnstack function create <--runtime RUNTIME> <--handler FILE\.EXPORT> <--code PATH> <name>\n/);
  t.regex(r.stdout, /^ {2}--runtime RUNTIME\s+\(required\) Runtime/m);
  t.regex(r.stdout, /^ {2}--memory MB\s+Memory in MiB/m);
  t.regex(r.stdout, /^ {2}--isolation per-event\|reuse\s/m);
  t.regex(r.stdout, /^ {2}--endpoint URL\s/m);
  t.notRegex(r.stdout, /\(required\) Memory/);

  const list = await cli(['execution', 'list', '--help']);
  t.regex(list.stdout, /^ {2}-f,--format table\|json\|yaml\|value\s/m);
  t.regex(list.stdout, /^ {2}-c,--column COLUMN\s/m);
  t.regex(list.stdout, /^ {2}--status queued\|provisioning\|running\|/m);
});

test('group help shows the same usage lines', async (t) => {
  const r = await cli(['trigger']);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, /#\d/);
  t.regex(r.stdout, /fnstack trigger create <--function FUNCTION> <--kind /);
});

test('a missing required option is named, with its value', async (t) => {
  assertOneLineError(t, await cli(['trigger', 'create', 't1', '--function', 'f']), /^error: missing --kind [a-z|]+ \(see `fnstack trigger create --help`\)$/, 2);
  assertOneLineError(t, await cli(['event', 'publish', '--data', '{}']), /^error: missing --type TYPE /, 2);
});

const script = async (t: import('ava').ExecutionContext, shell: string): Promise<string> => {
  const r = await cli(['completion', shell]);
  t.is(r.code, 0, r.stderr);
  return r.stdout;
};

test('completion bash: bash -n accepts it, and it completes commands, options and their values', async (t) => {
  const text = await script(t, 'bash');
  const file = join(tempDir('fnstack-completion-'), 'fnstack.bash');
  writeFileSync(file, text);
  t.notThrows(() => execFileSync('bash', ['-n', file]));
  // Every command path is in the script: it is derived from the commands, not a list kept by hand.
  for (const word of ['function', 'trigger', 'profile', 'completion', 'whoami', 'dead-letters']) t.true(text.includes(word), word);

  // Profile names are asked of `fnstack profile list`: a `fnstack` on PATH and a profiles.yaml.
  const bin = tempDir('fnstack-bin-');
  writeFileSync(join(bin, 'fnstack'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_MAIN)} "$@"\n`, { mode: 0o755 });
  const configDir = tempDir('fnstack-config-');
  writeProfiles(join(configDir, 'profiles.yaml'), { profiles: { prod: { endpoint: 'http://prod:1' }, staging: { endpoint: 'http://staging:1' } } });
  const env = { PATH: `${bin}:${process.env.PATH}`, HOME: sandbox.home, FNSTACK_CONFIG_DIR: configDir };
  const complete = (...words: string[]): string[] => {
    const probe = `source ${JSON.stringify(file)}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _fnstack; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', probe], { encoding: 'utf8', env }).split('\n').filter(Boolean).sort();
  };
  t.deepEqual(complete('fnstack', 'fun'), ['function']);
  t.deepEqual(complete('fnstack', 'function', 'cr'), ['create']);
  t.deepEqual(complete('fnstack', 'profile', ''), ['list', 'ls', 'show', 'use']);
  t.deepEqual(complete('fnstack', 'function', 'create', 'x', '--iso'), ['--isolation']);
  t.deepEqual(complete('fnstack', 'function', 'create', 'x', '--isolation', ''), ['per-event', 'reuse']);
  t.deepEqual(complete('fnstack', 'function', 'list', '-f', ''), ['json', 'table', 'value', 'yaml']);
  t.deepEqual(complete('fnstack', 'execution', 'list', '--status', 'f'), ['failed']);
  t.deepEqual(complete('fnstack', '--endpoint', 'http://h', 'execution', 'l'), ['list', 'logs', 'ls']);
  t.deepEqual(complete('fnstack', 'completion', ''), ['bash', 'zsh']);
  t.true(complete('fnstack', 'execution', 'logs', 'ID', '--').includes('--follow'));
  t.deepEqual(complete('fnstack', '--pro'), ['--profile']);
  t.deepEqual(complete('fnstack', '--profile', ''), ['prod', 'staging']);
  t.deepEqual(complete('fnstack', 'function', 'list', '--profile', 'st'), ['staging']);
  t.deepEqual(complete('fnstack', '--profile', 'prod', 'fun'), ['function']);
});

test('completion zsh: a #compdef script over the same tables', async (t) => {
  const text = await script(t, 'zsh');
  t.regex(text, /^#compdef fnstack\n/);
  t.regex(text, /compdef _fnstack fnstack/);
  t.regex(text, /'function create'\) echo '[^']*--runtime[^']*--isolation[^']*'/);
  t.regex(text, /'function create\|--isolation'\) echo 'per-event reuse'/);
  // zsh is not installed here; its syntax shares the generated helpers with the bash script.
  const helpers = text.slice(text.indexOf('# the words'), text.indexOf('_fnstack() {'));
  const file = join(tempDir('fnstack-completion-'), 'helpers.sh');
  writeFileSync(file, helpers);
  t.notThrows(() => execFileSync('bash', ['-n', file]));
});

test('completion for another shell is a usage error', async (t) => {
  assertOneLineError(t, await cli(['completion', 'fish']), /the shell must be bash or zsh, not 'fish'/, 2);
});
