import { Command, Option } from 'clipanion';
import { ApiCommand } from '../../base-command.js';

export class TriggerDisableCommand extends ApiCommand {
  static override paths = [['trigger', 'disable']];

  static override usage = Command.Usage({
    category: 'Triggers',
    description: 'Disable a trigger',
    examples: [['Disable a trigger', '$0 trigger disable morning']],
  });

  name = Option.String({ name: 'name' });

  async run(): Promise<number> {
    await this.client().request('POST', `/v1/triggers/${encodeURIComponent(this.name)}/disable`);
    this.out(`disabled trigger ${this.name}`);
    return 0;
  }
}
