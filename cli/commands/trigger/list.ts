import { Command, Option } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { TRIGGER_COLUMNS, triggerTable, type TriggerInfo } from './trigger-view.js';
import { annotate } from '../../command-spec.js';

export class TriggerListCommand extends ReadCommand {
  static override paths = [['trigger', 'list'], ['trigger', 'ls']];

  static override usage = Command.Usage({
    category: 'Triggers',
    description: 'List the triggers of the project',
    examples: [
      ['List triggers', '$0 trigger list'],
      ['Those of one function, as JSON', '$0 trigger list --function report --json'],
    ],
  });

  fn = Option.String('--function', { description: 'Only the triggers of this function' });
  kind = annotate(Option.String('--kind', { description: 'Only triggers of this kind' }), { placeholder: 'KIND' });

  async run(): Promise<number> {
    const output = this.output();
    const items = await this.client().listAll<TriggerInfo>('/v1/triggers', { function: this.fn, kind: this.kind });
    this.printList(items, { table: () => triggerTable(items), valueColumns: TRIGGER_COLUMNS, empty: 'no triggers yet: create one with `fnstack trigger create`' }, output);
    return 0;
  }
}
