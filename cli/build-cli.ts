/**
 * The command tree, and running one command line through it. Parse errors and command
 * failures are reported on stderr by describeError (clipanion writes its own errors to
 * stdout, so parsing is done here rather than inside Cli#run).
 */
import { readFileSync } from 'node:fs';
import { Builtins, type Command } from 'clipanion';
import { FnstackCli } from './fnstack-cli.js';
import { describeError } from './errors.js';
import { closestWord, commandGroups, groupHelpTarget, groupUsage, topLevelWords } from './group-help.js';
import { EventPublishCommand } from './commands/event/publish.js';
import { DeadLetterDiscardCommand, DeadLetterListCommand, DeadLetterRetryCommand, DeadLetterShowCommand } from './commands/event/dead-letters.js';
import { AccountCreateCommand } from './commands/account/create.js';
import { AccountDeleteCommand } from './commands/account/delete.js';
import { AccountListCommand } from './commands/account/list.js';
import { ExecutionListCommand } from './commands/execution/list.js';
import { ExecutionLogsCommand } from './commands/execution/logs.js';
import { ExecutionResultCommand } from './commands/execution/result.js';
import { ExecutionShowCommand } from './commands/execution/show.js';
import { ExecutionWaitCommand } from './commands/execution/wait.js';
import { FunctionCreateCommand } from './commands/function/create.js';
import { FunctionDeleteCommand } from './commands/function/delete.js';
import { FunctionInvokeCommand } from './commands/function/invoke.js';
import { FunctionListCommand } from './commands/function/list.js';
import { FunctionLogsCommand } from './commands/function/logs.js';
import { FunctionShowCommand } from './commands/function/show.js';
import { FunctionUpdateCommand } from './commands/function/update.js';
import { FunctionVersionsCommand } from './commands/function/versions.js';
import { RootHelpCommand } from './commands/help.js';
import { CompletionCommand } from './commands/completion.js';
import { ProfileListCommand } from './commands/profile/list.js';
import { ProfileShowCommand } from './commands/profile/show.js';
import { ProfileUseCommand } from './commands/profile/use.js';
import { KeyCreateCommand } from './commands/key/create.js';
import { KeyListCommand } from './commands/key/list.js';
import { KeyRevokeCommand } from './commands/key/revoke.js';
import { LoginCommand } from './commands/login.js';
import { WhoamiCommand } from './commands/whoami.js';
import { RuntimeListCommand } from './commands/runtime/list.js';
import { ServerCommand } from './commands/server.js';
import { TriggerCreateCommand } from './commands/trigger/create.js';
import { TriggerDeleteCommand } from './commands/trigger/delete.js';
import { TriggerDisableCommand } from './commands/trigger/disable.js';
import { TriggerEnableCommand } from './commands/trigger/enable.js';
import { TriggerListCommand } from './commands/trigger/list.js';
import { TriggerShowCommand } from './commands/trigger/show.js';
import { TriggerUpdateCommand } from './commands/trigger/update.js';

export function buildCli(): FnstackCli {
  const enableColors = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const cli = new FnstackCli({ binaryLabel: 'fnstack', binaryName: 'fnstack', binaryVersion: readVersion(), enableColors });
  for (const command of [
    RootHelpCommand,
    Builtins.HelpCommand,
    Builtins.VersionCommand,
    ServerCommand,
    LoginCommand,
    WhoamiCommand,
    CompletionCommand,
    ProfileListCommand,
    ProfileShowCommand,
    ProfileUseCommand,
    FunctionCreateCommand,
    FunctionUpdateCommand,
    FunctionListCommand,
    FunctionShowCommand,
    FunctionDeleteCommand,
    FunctionVersionsCommand,
    FunctionInvokeCommand,
    FunctionLogsCommand,
    ExecutionListCommand,
    ExecutionShowCommand,
    ExecutionWaitCommand,
    ExecutionResultCommand,
    ExecutionLogsCommand,
    RuntimeListCommand,
    TriggerCreateCommand,
    TriggerUpdateCommand,
    TriggerListCommand,
    TriggerShowCommand,
    TriggerDeleteCommand,
    TriggerEnableCommand,
    TriggerDisableCommand,
    AccountCreateCommand,
    AccountListCommand,
    AccountDeleteCommand,
    KeyCreateCommand,
    KeyListCommand,
    KeyRevokeCommand,
    EventPublishCommand,
    DeadLetterListCommand,
    DeadLetterShowCommand,
    DeadLetterRetryCommand,
    DeadLetterDiscardCommand,
  ]) {
    cli.register(command);
  }
  return cli;
}

export async function runCli(argv: string[]): Promise<number> {
  const debug = process.env.FNSTACK_DEBUG === '1';
  const cli = buildCli();
  const group = groupHelpTarget(argv, commandGroups(cli));
  if (group) {
    process.stdout.write(groupUsage(cli, group));
    return 0;
  }
  const first = argv[0];
  const known = topLevelWords(cli);
  if (first && !first.startsWith('-') && first !== 'help' && !known.has(first)) {
    const near = closestWord(first, known);
    process.stderr.write(`error: unknown command \`fnstack ${first}\`${near ? `; did you mean \`fnstack ${near}\`?` : ''} (see \`fnstack --help\`)\n`);
    return 2;
  }
  let command: Command;
  try {
    command = cli.process(argv);
  } catch (error) {
    for (const c of (error as { candidates?: Array<{ usage: string }> }).candidates ?? []) c.usage = cli.readableUsage(c.usage);
    const report = describeError(error, { debug, binaryName: 'fnstack', json: asksForJson(argv) });
    process.stderr.write(report.text);
    return report.exitCode;
  }
  return cli.run(command);
}

/** Whether a command line that did not parse asked for JSON output (`--json`, `-f json`, `--format=json`, `-fjson`). */
export function asksForJson(argv: readonly string[]): boolean {
  return argv.some((w, i) => w === '--json' || /^(?:--format=|-f=?)json$/.test(w) || ((w === '-f' || w === '--format') && argv[i + 1] === 'json'));
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

