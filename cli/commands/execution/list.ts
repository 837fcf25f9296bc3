import { Command, Option } from 'clipanion';
import { ALL_STATUSES } from '../../api-types.js';
import { ReadCommand } from '../../base-command.js';
import { parseChoice, parseIntOption } from '../../input.js';
import { EXECUTION_COLUMNS, executionTable } from '../../output/execution-view.js';
import { annotate } from '../../command-spec.js';

export class ExecutionListCommand extends ReadCommand {
  static override paths = [['execution', 'list'], ['execution', 'ls']];

  static override usage = Command.Usage({
    category: 'Executions',
    description: 'List recent executions, newest first',
    examples: [
      ['The last 20 executions', '$0 execution list'],
      ['Failures of one function', '$0 execution list --function hello --status failed'],
      ['The last 200, as JSON', '$0 execution list --limit 200 --json'],
      ['Ids of the failed ones, one a line', '$0 execution list --status failed -f value -c id'],
    ],
  });

  function = Option.String('--function', { description: 'Only executions of this function' });
  status = annotate(Option.String('--status', { description: `Only this status: ${ALL_STATUSES.join(', ')}` }), { placeholder: ALL_STATUSES.join('|') });
  limit = annotate(Option.String('--limit', { description: 'How many to show (default 20)' }), { placeholder: 'N' });

  async run(): Promise<number> {
    const output = this.output();
    const status = parseChoice(this.status, '--status', ALL_STATUSES);
    const limit = parseIntOption(this.limit, '--limit', 1, 10_000) ?? 20;
    const executions = await this.client().listExecutions({ function: this.function, status, limit });
    this.printList(executions, { table: () => executionTable(executions), valueColumns: EXECUTION_COLUMNS, empty: 'no executions found' }, output);
    return 0;
  }
}
