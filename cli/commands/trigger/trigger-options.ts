/** Options shared by `trigger create` and `trigger update`, and turning them into the API's config and filter. */
import { Option, UsageError } from 'clipanion';
import { JsonCommand } from '../../base-command.js';
import { annotate } from '../../command-spec.js';

export const KINDS = ['event', 'http', 'amqp', 'schedule', 'openstack'] as const;

export abstract class TriggerSpecCommand extends JsonCommand {
  fn = Option.String('--function', { description: 'The function it runs' });
  config = annotate(Option.String('--config', { description: 'The whole kind-specific config as JSON (instead of the flags below)' }), { placeholder: 'JSON' });
  pattern = Option.String('--pattern', { description: 'event/amqp: topic pattern, e.g. "order.*" or "order.#"' });
  cron = annotate(Option.String('--cron', { description: 'schedule: cron expression (5 fields, or 6 with seconds)' }), { placeholder: 'EXPR' });
  timezone = annotate(Option.String('--timezone', { description: 'schedule: IANA time zone (default UTC)' }), { placeholder: 'ZONE' });
  catchUp = annotate(Option.String('--catch-up', { description: 'schedule: skip (default) or run-once for ticks missed while down' }), { placeholder: 'skip|run-once' });
  data = annotate(Option.String('--data', { description: 'schedule: the event data as JSON' }), { placeholder: 'JSON' });
  brokerUrl = annotate(Option.String('--broker-url', { description: 'amqp on your own broker: amqp://user:pass@host/vhost (stored encrypted, never shown)' }), { placeholder: 'URL' });
  queue = Option.String('--queue', { description: 'amqp on your own broker: the queue to consume' });
  eventType = Option.String('--event-type', { description: 'openstack: notification type pattern, e.g. instance.create.end' });
  projectId = Option.String('--project-id', { description: 'openstack: the OpenStack project id (built-in accounts, admins only)' });
  filters = annotate(Option.Array('--filter', { description: 'K=V condition: type=…, source=…, subject_prefix=…, data.a.b=<JSON or text> (repeatable)' }), { placeholder: 'K=V' });

  /** The config object from the flags, or undefined when none was given. */
  protected configFromFlags(): Record<string, unknown> | undefined {
    if (this.config !== undefined) {
      const parsed = parseJson(this.config, '--config');
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--config must be a JSON object');
      return parsed as Record<string, unknown>;
    }
    const c: Record<string, unknown> = {};
    const set = (key: string, value: unknown) => value !== undefined && (c[key] = value);
    set('pattern', this.pattern);
    set('cron', this.cron);
    set('timezone', this.timezone);
    set('catch_up', this.catchUp);
    set('data', this.data === undefined ? undefined : parseJson(this.data, '--data'));
    set('broker_url', this.brokerUrl);
    set('queue', this.queue);
    set('event_type', this.eventType);
    set('project_id', this.projectId);
    return Object.keys(c).length > 0 ? c : undefined;
  }

  protected filterFromFlags(): Record<string, unknown> | undefined {
    if (!this.filters || this.filters.length === 0) return undefined;
    const f: Record<string, unknown> = {};
    for (const pair of this.filters) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--filter ${pair}: expected K=V, e.g. type=order.created or data.status=paid`);
      const key = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1);
      if (key.startsWith('data.')) {
        const data = (f.data ??= {}) as Record<string, unknown>;
        data[key.slice(5)] = jsonOrText(value);
      } else if (key === 'type' || key === 'source' || key === 'subject_prefix') {
        f[key] = value;
      } else {
        throw new UsageError(`--filter ${pair}: the key must be type, source, subject_prefix or data.<path>`);
      }
    }
    return f;
  }
}

function parseJson(text: string, option: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${option} is not valid JSON: ${(err as Error).message}`);
  }
}

function jsonOrText(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}
