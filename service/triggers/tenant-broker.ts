/**
 * `amqp` triggers on the tenant's own broker: one consumer per enabled trigger, on the queue the
 * tenant named (checked, never declared: the tenant owns its topology). Reconnects by itself
 * (amqp-connection-manager); each message becomes an event addressed to the trigger and is
 * acked only once that event is durable on the service's work queue. Broker trouble is shown
 * as the trigger's last_error. The set of consumers follows the store (re-read every `refreshMs`).
 *
 * The broker is the tenant's choice, so: every connection goes to an address the broker
 * policy checked just before (broker-policy.ts); what last_error says about a failed
 * connection never tells what answered on the port (one neutral message; only a refused login
 * is named); and a message that arrives after its trigger was deleted, disabled or changed is
 * handed back to the tenant's queue and the consumer stops there and then.
 */
import type { Logger } from 'pino';
import type { Ingest } from '../listener/ingest.js';
import type { EventSource } from '../listener/event-source.js';
import type { Store } from '../store/store.js';
import { TriggerCatalog, type Trigger, type TriggerSecrets } from '../store/trigger-store.js';
import { AmqpSubscription } from './amqp-subscription.js';
import { eventFromMessage, UnreadableMessage } from './amqp-message.js';
import { TRIGGER_ATTR } from './event-attrs.js';
import { isTenantBroker } from './kind-amqp.js';
import { openJson } from './secret-box.js';
import { BrokerRefused, type BrokerPolicy } from './broker-policy.js';

export interface TenantBrokerOptions {
  refreshMs?: number;
  retryMs?: number;
}

interface Running {
  version: string;
  sub: AmqpSubscription;
}

export class TenantBrokers implements EventSource {
  readonly name = 'tenant brokers';
  private readonly catalog: TriggerCatalog;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly ingest: Ingest,
    private readonly secretsKey: string,
    private readonly policy: BrokerPolicy,
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

  /** Stops a trigger's consumer now (its trigger is gone or changed); the next reconcile starts what is wanted. */
  private async stop(triggerId: string, sub: AmqpSubscription): Promise<void> {
    if (this.running.get(triggerId)?.sub === sub) this.running.delete(triggerId);
    await sub.close();
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
    const sub: AmqpSubscription = new AmqpSubscription({
      url,
      resolve: () => this.policy.target(url),
      name: `fnstack trigger ${trigger.id}`,
      prefetch: Number(trigger.config.prefetch ?? 10),
      retryMs: this.opts.retryMs ?? 2000,
      declare: async (ch) => {
        await ch.checkQueue(queue);
        return queue;
      },
      handle: async (msg, ch) => {
        const current = await triggers.getById(trigger.id);
        if (!current || !current.enabled || current.updatedAt !== trigger.updatedAt) {
          ch.nack(msg, false, true); // still the tenant's message
          void this.stop(trigger.id, sub);
          return;
        }
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
        await this.ingest.events(trigger.projectId, [event], 'later');
        ch.ack(msg);
      },
      onError: (err, phase) => {
        const text = `tenant broker: ${tenantVisibleError(err, phase)}`;
        if (text !== lastError) void note(text);
        lastError = text;
      },
      onConnect: () => {
        if (lastError !== null) void note(null);
        lastError = null;
      },
    });
    return sub;
  }
}

/**
 * What a tenant may read about a broker error. Before an AMQP session is up, anything but a
 * refused login or a refused address reads the same (refused, timed out, not AMQP, TLS…), so
 * that last_error cannot scan ports. Later errors come from the tenant's own broker (a
 * missing queue, no permission) and are shown.
 */
export function tenantVisibleError(err: Error, phase: 'connect' | 'channel' | 'handle'): string {
  if (phase === 'handle') return 'a message could not be handed to the service; it is retried';
  if (phase === 'channel') return err.message;
  if (err instanceof BrokerRefused) return err.message;
  if (/\b403 \(ACCESS[-_]REFUSED\)/.test(err.message)) return 'the broker refused the login (ACCESS_REFUSED): check the user and password';
  if (/\b530 \(NOT[-_]ALLOWED\)/.test(err.message)) return 'the broker refused access to the virtual host (NOT_ALLOWED)';
  return 'cannot connect to the broker';
}
