import { once } from 'node:events';
import { Command, Option } from 'clipanion';
import { ApiCommand } from '../../base-command.js';

export class ExecutionResultCommand extends ApiCommand {
  static override paths = [['execution', 'result']];

  static override usage = Command.Usage({
    category: 'Executions',
    description: "Print an execution's whole result, as the JSON text the service stored",
    details: 'Streams the result whatever its size (`execution show` leaves out results over 256 KiB in lists and details).',
    examples: [
      ['Save a large result', '$0 execution result 01JD5Z8Q3W4E5R6T7Y8U9I0OPA > result.json'],
      ['One field of it, with jq', '$0 execution result 01JD5Z8Q3W4E5R6T7Y8U9I0OPA | jq .rows[0]'],
    ],
  });

  id = Option.String({ name: 'id' });

  async run(): Promise<number> {
    const stream = await this.client().resultStream(this.id);
    const out = this.context.stdout;
    for await (const chunk of stream) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    if ((out as { isTTY?: boolean }).isTTY) out.write('\n');
    return 0;
  }
}
