import { Command, Option } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { executionDetails } from '../../output/execution-view.js';

export class ExecutionShowCommand extends ReadCommand {
  static override paths = [['execution', 'show']];

  static override usage = Command.Usage({
    category: 'Executions',
    description: 'Show one execution: status, result or error, limits, timings',
    examples: [
      ['Show an execution', '$0 execution show 01JD5Z8Q3W4E5R6T7Y8U9I0OPA'],
      ['Only its result, with jq', '$0 execution show 01JD5Z8Q3W4E5R6T7Y8U9I0OPA --json | jq .result'],
      ['Only its result, as stored (any size)', '$0 execution result 01JD5Z8Q3W4E5R6T7Y8U9I0OPA > result.json'],
    ],
  });

  id = Option.String({ name: 'id' });

  async run(): Promise<number> {
    const output = this.output();
    const client = this.client();
    // A result too large to come inline is fetched whole: `show` shows the result.
    const execution = await client.withWholeResult(await client.getExecution(this.id));
    this.printOne(execution, () => executionDetails(execution), output);
    return 0;
  }
}
