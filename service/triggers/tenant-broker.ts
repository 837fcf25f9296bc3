/**
 * `amqp` triggers on the tenant's own broker: one consumer per enabled trigger, on the queue the
 * tenant named (checked, never declared: the tenant owns its topology). Reconnects by itself
 * (amqp-connection-manager); each message becomes an event addressed to the trigger and is
 * acked only once that event is durable on the service's work queue. Broker trouble is shown
 * as the trigger's last_error. The set of consumers follows the store (re-read every `refreshMs`).
 */
import type { Logger } from 'pino';
import type { WorkQueue } from '../queue/queue.js';
import type { Store } from '../store/store.js';
import { TriggerCatalog, type Trigger, type TriggerSecrets } from '../store/trigger-store.js';
import { AmqpSubscription } from './amqp-subscription.js';
import { eventFromMessage, UnreadableMessage } from './amqp-message.js';
import { TRIGGER_ATTR } from './event-attrs.js';
import { isTenantBroker } from './kind-amqp.js';
import { openJson } from './secret-box.js';

export interface TenantBrokerOptions {
  refreshMs?: number;
  retryMs?: number;
}

interface Running {
  version: string;
  sub: AmqpSubscription;
}

export class TenantBrokers {
  private readonly catalog: TriggerCatalog;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly work: WorkQueue,
    private readonly secretsKey: string,
    private readonly logger: Logger,
    private readonly opts: TenantBrokerOptions = {},
  ) {
    this.catalog = new TriggerCatalog(store.db);
  }

  start(): void {
    const loop = () => {
      if (this.closed) return;
      this.pass = this.reconcile()
        .catch((err: unknown) => this.logger.warn({ err }, 'tenant brokers: could not read triggers'))
        .finally(() => {
          this.pass = null;
          if (!this.closed) this.timer = setTimeout(loop, this.opts.refreshMs ?? 2000);
        });
    };
    loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
    await Promise.all([...this.running.values()].map((r) => r.sub.close()));
    this.running.clear();
  }

  private async reconcile(): Promise<void> {
    const wanted = (await this.catalog.enabledOfKind('amqp')).filter(({ trigger }) => isTenantBroker(trigger.config));
    const seen = new Set<string>();
    for (const { trigger, secrets } of wanted) {
      if (this.closed) return;
      seen.add(trigger.id);
      const version = `${trigger.updatedAt}:${trigger.functionName}`;
      const current = this.running.get(trigger.id);
      if (current?.version === version) continue;
      if (current) await current.sub.close();
      const sub = this.subscribe(trigger, secrets);
      if (sub) {
        this.running.set(trigger.id, { version, sub });
        sub.start();
      } else this.running.delete(trigger.id);
    }
    for (const [id, r] of this.running) {
      if (seen.has(id)) continue;
      this.running.delete(id);
      await r.sub.close();
    }
  }

  private subscribe(trigger: Trigger, secrets: TriggerSecrets): AmqpSubscription | null {
    const triggers = this.store.forProject(trigger.projectId).triggers;
    const note = (error: string | null) => triggers.recordError(trigger.id, error).catch(() => undefined);
    let url: string;
    try {
      url = String(openJson(this.secretsKey, secrets.sealedSecret ?? '', trigger.id).broker_url);
    } catch {
      void note('the broker credentials cannot be opened with this service’s secrets key');
      return null;
    }
    const queue = String(trigger.config.queue);
    let lastError: string | null = null;
    return new AmqpSubscription({
      url,
      name: `fnstack trigger ${trigger.id}`,
      prefetch: Number(trigger.config.prefetch ?? 10),
      retryMs: this.opts.retryMs ?? 2000,
      declare: async (ch) => {
        await ch.checkQueue(queue);
        return queue;
      },
      handle: async (msg, ch) => {
        let event;
        try {
          event = eventFromMessage(msg, { source: `fnstack:/triggers/${trigger.name}`, type: 'fnstack.amqp.message' });
        } catch (err) {
          if (!(err instanceof UnreadableMessage)) throw err;
          void note(`a message on ${queue} was rejected: ${err.message}`);
          ch.nack(msg, false, false); // the tenant's dead-lettering, if any, applies
          return;
        }
        event[TRIGGER_ATTR] = trigger.id;
        await this.work.publish({ kind: 'event', projectId: trigger.projectId, event });
        ch.ack(msg);
      },
      onError: (err) => {
        const text = `tenant broker: ${err.message}`;
        if (text !== lastError) void note(text);
        lastError = text;
      },
      onConnect: () => {
        if (lastError !== null) void note(null);
        lastError = null;
      },
    });
  }
}
