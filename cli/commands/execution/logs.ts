import { Command, Option, UsageError } from 'clipanion';
import { isFinalStatus } from '../../api-types.js';
import { ReadCommand } from '../../base-command.js';
import { pollDelay, sleep } from '../../wait-execution.js';

export class ExecutionLogsCommand extends ReadCommand {
  static override paths = [['execution', 'logs']];

  static override usage = Command.Usage({
    category: 'Executions',
    description: 'Print the logs (stdout and stderr) of an execution',
    details: 'With `--follow`, keeps printing new output until the execution reaches a final status. (`-f` is `--format`, as in every read command; `--follow` has no short form.)',
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
    let logs = await client.getLogs(this.id);
    if (!raw) {
      this.printOne(logs, () => logs.logs, output);
      return 0;
    }
    let printed = 0;
    for (let attempt = 0; ; attempt++) {
      // Logs only grow while an execution runs; print what is new since the last poll.
      if (logs.logs.length > printed) {
        this.context.stdout.write(logs.logs.slice(printed));
        printed = logs.logs.length;
      }
      if (!this.follow || isFinalStatus(logs.status)) break;
      await sleep(pollDelay(attempt));
      logs = await client.getLogs(this.id);
    }
    if (printed > 0 && !logs.logs.endsWith('\n')) this.context.stdout.write('\n');
    if (logs.truncated) this.err('(logs were truncated: the execution wrote more than the service keeps)');
    if (this.follow) this.err(`execution ${logs.execution_id ?? this.id} ${logs.status}`);
    return 0;
  }
}
