/** `fnstack event dead-letters …`: work the service gave up on, with the reason; retry or discard it. */
import { Command, Option } from 'clipanion';
import { ApiCommand, ReadCommand } from '../../base-command.js';
import { formatFields, formatTable } from '../../output/table.js';
import { annotate } from '../../command-spec.js';

interface DeadLetter {
  id: string;
  queue: string;
  reason: string;
  attempts: number;
  message: Record<string, unknown>;
  created_at: string;
}

const what = (m: Record<string, unknown>) =>
  m.kind === 'run' ? `run ${String(m.executionId)}` : m.kind === 'event' ? `event ${String((m.event as { id?: string } | undefined)?.id)}` : 'unreadable';

export class DeadLetterListCommand extends ReadCommand {
  static override paths = [['event', 'dead-letters'], ['event', 'dead-letters', 'list']];
  static override usage = Command.Usage({
    category: 'Events',
    description: 'List the work messages given up on after repeated failures, with the reason',
    examples: [['List them', '$0 event dead-letters'], ['As JSON', '$0 event dead-letters --json']],
  });

  limit = annotate(Option.String('--limit', '50', { description: 'How many (newest first), 1-500' }), { placeholder: 'N' });

  async run(): Promise<number> {
    const output = this.output();
    const { items } = await this.client().request<{ items: DeadLetter[] }>('GET', '/v1/dead-letters', { query: { limit: this.limit } });
    const table = () =>
      items.length === 0 ? 'no dead letters\n' : formatTable(['ID', 'WHAT', 'ATTEMPTS', 'WHEN', 'REASON'], items.map((d) => [d.id, what(d.message), String(d.attempts), d.created_at, d.reason.slice(0, 80)]));
    this.printList(items, { table, valueColumns: ['id', 'queue', 'attempts', 'created_at', 'reason'] }, output);
    return 0;
  }
}

export class DeadLetterShowCommand extends ReadCommand {
  static override paths = [['event', 'dead-letters', 'show']];
  static override usage = Command.Usage({ category: 'Events', description: 'Show one dead letter with its message and reason', examples: [['Show one', '$0 event dead-letters show 6f1c…']] });

  id = Option.String({ name: 'id' });

  async run(): Promise<number> {
    const output = this.output();
    const d = await this.client().request<DeadLetter>('GET', `/v1/dead-letters/${encodeURIComponent(this.id)}`);
    const details = () =>
      formatFields([['id', d.id], ['queue', d.queue], ['attempts', String(d.attempts)], ['when', d.created_at], ['reason', d.reason], ['what', what(d.message)]]) +
      `message:\n${JSON.stringify(d.message, null, 2).replace(/^/gm, '  ')}\n`;
    this.printOne(d, details, output);
    return 0;
  }
}

export class DeadLetterRetryCommand extends ApiCommand {
  static override paths = [['event', 'dead-letters', 'retry']];
  static override usage = Command.Usage({
    category: 'Events',
    description: 'Put a dead letter back on the work queue (its execution runs again)',
    examples: [['Retry one', '$0 event dead-letters retry 6f1c…']],
  });

  id = Option.String({ name: 'id' });

  async run(): Promise<number> {
    await this.client().request('POST', `/v1/dead-letters/${encodeURIComponent(this.id)}/retry`);
    this.out(`retried ${this.id}`);
    return 0;
  }
}

export class DeadLetterDiscardCommand extends ApiCommand {
  static override paths = [['event', 'dead-letters', 'discard']];
  static override usage = Command.Usage({ category: 'Events', description: 'Discard a dead letter for good', examples: [['Discard one', '$0 event dead-letters discard 6f1c…']] });

  id = Option.String({ name: 'id' });

  async run(): Promise<number> {
    await this.client().request('DELETE', `/v1/dead-letters/${encodeURIComponent(this.id)}`);
    this.out(`discarded ${this.id}`);
    return 0;
  }
}
