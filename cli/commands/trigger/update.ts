import { Command, Option, UsageError } from 'clipanion';
import { TriggerSpecCommand } from './trigger-options.js';
import { triggerDetails, type TriggerInfo } from './trigger-view.js';

export class TriggerUpdateCommand extends TriggerSpecCommand {
  static override paths = [['trigger', 'update']];

  static override usage = Command.Usage({
    category: 'Triggers',
    description: 'Change a trigger’s function, config or filter (its kind stays)',
    details: 'Config flags replace the whole config; an amqp trigger on your own broker keeps its stored --broker-url when you leave it out. --filter replaces the whole filter; --clear-filter removes it.',
    examples: [
      ['Run at 8:00 instead', '$0 trigger update morning --cron "0 8 * * 1-5" --timezone Europe/Berlin'],
      ['Point it at another function', '$0 trigger update orders --function bill-v2'],
    ],
  });

  name = Option.String({ name: 'name' });
  clearFilter = Option.Boolean('--clear-filter', false, { description: 'Remove the filter' });

  async run(): Promise<number> {
    const config = this.configFromFlags();
    const filter = this.clearFilter ? {} : this.filterFromFlags();
    const body = { ...(this.fn !== undefined ? { function: this.fn } : {}), ...(config ? { config } : {}), ...(filter ? { filter } : {}) };
    if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give --function, config flags, --filter or --clear-filter');
    const t = await this.client().request<TriggerInfo>('PATCH', `/v1/triggers/${encodeURIComponent(this.name)}`, { json: body });
    if (this.json) this.outJson(t);
    else this.out(triggerDetails(t));
    return 0;
  }
}
