import { randomUUID } from 'node:crypto';
import { Command, Option } from 'clipanion';
import { JsonCommand } from '../../base-command.js';
import { parseData } from '../../input.js';
import { annotate } from '../../command-spec.js';

export class EventPublishCommand extends JsonCommand {
  static override paths = [['event', 'publish']];

  static override usage = Command.Usage({
    category: 'Events',
    description: 'Publish a CloudEvent; every function whose trigger matches it runs',
    details: 'The event is durable on the work queue before this command returns. A repeated --id runs nothing twice.',
    examples: [
      ['Publish an event with data', `$0 event publish --type com.example.order.created --source shop --data '{"order":42}'`],
      ['Data from a file, with a chosen id', '$0 event publish --type com.example.order.created --source shop --id order-42 --data @order.json'],
    ],
  });

  type = Option.String('--type', { required: true, description: 'The CloudEvent type, e.g. com.example.order.created' });
  source = Option.String('--source', 'fnstack-cli', { description: 'The CloudEvent source (default fnstack-cli)' });
  subject = Option.String('--subject', { description: 'The CloudEvent subject' });
  id = Option.String('--id', { description: 'The CloudEvent id (default: a new UUID)' });
  data = annotate(Option.String('--data', { description: 'JSON data: inline, @FILE or - for stdin' }), { placeholder: 'JSON|@FILE|-' });

  async run(): Promise<number> {
    const event = {
      specversion: '1.0',
      id: this.id ?? randomUUID(),
      source: this.source,
      type: this.type,
      ...(this.subject ? { subject: this.subject } : {}),
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: await parseData(this.data),
    };
    const answer = await this.client().request<{ accepted: string[] }>('POST', '/v1/events', {
      body: JSON.stringify(event),
      headers: { 'content-type': 'application/cloudevents+json' },
    });
    if (this.json) this.outJson(answer);
    else this.out(`accepted event ${answer.accepted.join(', ')}`);
    return 0;
  }
}
