import { Command, Option, UsageError } from 'clipanion';
import { isFinalStatus } from '../../api-types.js';
import { ReadCommand } from '../../base-command.js';
import { forTerminal, LogTail } from '../../log-tail.js';
import { pollDelay, sleep } from '../../wait-execution.js';

export class ExecutionLogsCommand extends ReadCommand {
  static override paths = [['execution', 'logs']];

  static override usage = Command.Usage({
    category: 'Executions',
    description: 'Print the logs (stdout and stderr) of an execution',
    details: 'With `--follow`, prints the output while the function runs, until the execution reaches a final status. (`-f` is `--format`, as in every read command; `--follow` has no short form.)',
    examples: [
      ['Print the logs', '$0 execution logs 01JD5Z8Q3W4E5R6T7Y8U9I0OPA'],
      ['Follow a running execution', '$0 execution logs "$($0 function invoke report --async)" --follow'],
      ['Status and logs as YAML', '$0 execution logs 01JD5Z8Q3W4E5R6T7Y8U9I0OPA -f yaml'],
    ],
  });

  id = Option.String({ name: 'id' });
  follow = Option.Boolean('--follow', false, { description: 'Keep printing new output until the execution ends' });

  async run(): Promise<number> {
    const output = this.output();
    const raw = output.format === 'table' && output.columns.length === 0;
    if (this.follow && !raw) throw new UsageError('--follow prints the logs as they come: it cannot be combined with --json, -f or -c');
    const client = this.client();
    if (!raw) {
      const logs = await client.getLogs(this.id);
      this.printOne(logs, () => logs.logs, output);
      return 0;
    }
    const tty = (this.context.stdout as { isTTY?: boolean }).isTTY === true;
    const tail = new LogTail(client, this.id);
    let endsWithNewline = true;
    let wrote = false;
    for (let quiet = 0; ; ) {
      const logs = await tail.next();
      if (logs.reset && wrote) this.err(`(execution ${this.id} was retried: its logs start again)`);
      if (logs.fresh.length > 0) {
        this.context.stdout.write(forTerminal(logs.fresh, tty));
        endsWithNewline = logs.fresh.endsWith('\n');
        wrote = true;
        quiet = 0;
      } else quiet++;
      if (!this.follow || isFinalStatus(logs.status)) {
        if (!endsWithNewline) this.context.stdout.write('\n');
        if (logs.truncated) this.err('(logs were truncated: the execution wrote more than the service keeps)');
        if (this.follow) this.err(`execution ${logs.execution_id ?? this.id} ${logs.status}`);
        return 0;
      }
      await sleep(pollDelay(quiet));
    }
  }
}
