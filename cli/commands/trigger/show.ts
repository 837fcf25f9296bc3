import { Command, Option } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { triggerDetails, type TriggerInfo } from './trigger-view.js';

export class TriggerShowCommand extends ReadCommand {
  static override paths = [['trigger', 'show']];

  static override usage = Command.Usage({
    category: 'Triggers',
    description: 'Show a trigger: its source, filter, and when it last fired',
    examples: [['Show a trigger', '$0 trigger show morning']],
  });

  name = Option.String({ name: 'name' });

  async run(): Promise<number> {
    const output = this.output();
    const t = await this.client().request<TriggerInfo>('GET', `/v1/triggers/${encodeURIComponent(this.name)}`);
    this.printOne(t, () => triggerDetails(t), output);
    return 0;
  }
}
