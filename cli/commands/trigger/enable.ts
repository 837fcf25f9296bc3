import { Command, Option } from 'clipanion';
import { ApiCommand } from '../../base-command.js';

export class TriggerEnableCommand extends ApiCommand {
  static override paths = [['trigger', 'enable']];

  static override usage = Command.Usage({
    category: 'Triggers',
    description: 'Enable a trigger',
    examples: [['Enable a trigger', '$0 trigger enable morning']],
  });

  name = Option.String({ name: 'name' });

  async run(): Promise<number> {
    await this.client().request('POST', `/v1/triggers/${encodeURIComponent(this.name)}/enable`);
    this.out(`enabled trigger ${this.name}`);
    return 0;
  }
}
