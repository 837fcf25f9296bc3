import { Command, Option } from 'clipanion';
import { annotate } from '../../command-spec.js';
import { KINDS, TriggerSpecCommand } from './trigger-options.js';
import { triggerDetails, type TriggerInfo } from './trigger-view.js';

export class TriggerCreateCommand extends TriggerSpecCommand {
  static override paths = [['trigger', 'create']];

  static override usage = Command.Usage({
    category: 'Triggers',
    description: 'Bind an event source to a function',
    details: 'Kinds: event (POST /v1/events), http (webhook; the secret is shown once), amqp (service broker pattern, or --broker-url/--queue on your own broker), schedule (cron), openstack (Nova/Glance notifications). See docs/triggers.md.',
    examples: [
      ['A webhook', '$0 trigger create gh --function build --kind http'],
      ['Every weekday at 7:00 Berlin time', '$0 trigger create morning --function report --kind schedule --cron "0 7 * * 1-5" --timezone Europe/Berlin'],
      ['Orders published on the service broker', '$0 trigger create orders --function bill --kind amqp --pattern "order.*" --filter data.status=paid'],
      ['A queue on your own RabbitMQ', '$0 trigger create jobs --function work --kind amqp --broker-url amqp://me:pw@mq.example/prod --queue jobs'],
      ['New servers in your project', '$0 trigger create on-boot --function tag --kind openstack --event-type instance.create.end'],
    ],
  });

  name = Option.String({ name: 'name' });
  override fn = Option.String('--function', { required: true, description: 'The function it runs' });
  kind = annotate(Option.String('--kind', { required: true, description: `One of ${KINDS.join(', ')}` }), { placeholder: KINDS.join('|') });
  disabled = Option.Boolean('--disabled', false, { description: 'Create it disabled' });

  async run(): Promise<number> {
    const config = this.configFromFlags();
    const filter = this.filterFromFlags();
    const body = { name: this.name, function: this.fn, kind: this.kind, ...(config ? { config } : {}), ...(filter ? { filter } : {}), ...(this.disabled ? { enabled: false } : {}) };
    const t = await this.client().request<TriggerInfo>('POST', '/v1/triggers', { json: body });
    if (this.json) this.outJson(t);
    else this.out(triggerDetails(t));
    return 0;
  }
}
