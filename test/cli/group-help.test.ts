/** Help for a group of commands, in every form a user tries: `fnstack function`, `--help`, `help function`, `help`. */
import test from 'ava';
import { cliSandbox, runCli } from './_helpers/cli-harness.js';

const sandbox = cliSandbox({});
const cli = (args: string[]) => runCli(args, { cwd: sandbox.cwd, env: sandbox.env });

for (const args of [['function'], ['function', '--help'], ['function', '-h'], ['help', 'function']]) {
  test(`fnstack ${args.join(' ')} lists the function commands`, async (t) => {
    const r = await cli(args);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^fnstack function: \d+ commands/);
    for (const sub of ['create', 'update', 'list', 'show', 'delete', 'invoke', 'versions']) t.regex(r.stdout, new RegExp(`fnstack function ${sub}\\b`));
    t.notRegex(r.stdout, /fnstack trigger /);
  });
}

test('fnstack help lists every command', async (t) => {
  const r = await cli(['help']);
  t.is(r.code, 0, r.stderr);
  for (const group of ['function', 'trigger', 'execution', 'account', 'key', 'event']) t.regex(r.stdout, new RegExp(`fnstack ${group} `));
});

test('a command’s own --help is still the command’s', async (t) => {
  const r = await cli(['trigger', 'create', '--help']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /\$ fnstack trigger create/);
});

test('an unknown group is still an error', async (t) => {
  const r = await cli(['functon', '--help']);
  t.not(r.code, 0);
});

test('a mistyped command names the one meant', async (t) => {
  const r = await cli(['functon', 'list']);
  t.is(r.code, 2);
  t.regex(r.stderr, /unknown command `fnstack functon`; did you mean `fnstack function`\?/);
});
