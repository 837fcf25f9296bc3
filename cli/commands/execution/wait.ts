import { Command, Option } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { executionDetails } from '../../output/execution-view.js';
import { Spinner } from '../../output/spinner.js';
import { waitForExecution } from '../../wait-execution.js';

export class ExecutionWaitCommand extends ReadCommand {
  static override paths = [['execution', 'wait']];

  static override usage = Command.Usage({
    category: 'Executions',
    description: 'Wait for an execution to finish, then show it; exit 1 unless it succeeded',
    details: 'Shows the status while it waits (on stderr). Handy after `function invoke --async`.',
    examples: [
      ['Wait for an execution started with --async', '$0 execution wait $(fnstack function invoke report --async)'],
      ['Wait, then only its result', '$0 execution wait 01JD5Z8Q3W4E5R6T7Y8U9I0OPA --json | jq .result'],
    ],
  });

  id = Option.String({ name: 'id' });

  async run(): Promise<number> {
    const output = this.output();
    const client = this.client();
    const spinner = new Spinner(this.context.stderr, `execution ${this.id}`).start();
    let final;
    try {
      final = await waitForExecution(client, this.id, (status) => spinner.setText(`execution ${this.id}: ${status}`));
    } finally {
      spinner.stop();
    }
    const execution = await client.withWholeResult(final);
    this.printOne(execution, () => executionDetails(execution), output);
    return execution.status === 'succeeded' ? 0 : 1;
  }
}
