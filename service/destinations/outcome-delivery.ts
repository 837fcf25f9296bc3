/**
 * Sends each execution's outcome to its function's destination, after the outcome is recorded
 * (the orchestrator calls `afterFinal`). Never blocks or fails the pipeline: delivery runs in
 * the background, and what it did (delivered, or why not) is recorded on the function's
 * destinations (GET /v1/functions/{name}/destinations: last_delivered_at, last_error).
 *
 * The outcome event: type `org.fnstack.execution.succeeded` or `.failed` (failed or timed out),
 * source `fnstack:/functions/<name>`, subject and data: the execution as GET
 * /v1/executions/{id} shows it (result inline up to 256 KiB), id `<execution id>.<status>` (so
 * a repeat is known), and `fnstackdepth` = its event's depth + 1 (event-attrs.ts).
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Config } from '../config.js';
import type { Execution } from '../model.js';
import { isFinal } from '../model.js';
import type { CloudEvent } from '../runner/protocol.js';
import { Ingest } from '../listener/ingest.js';
import type { WorkQueue } from '../queue/queue.js';
import { newCloudEvent } from '../listener/cloudevents.js';
import { executionDetailJson } from '../api/execution-detail.js';
import { DEPTH_ATTR, ROUTING_KEY_ATTR, depthOf } from '../triggers/event-attrs.js';
import { brokerPolicyOf, urlPolicyOf, type BrokerPolicy } from '../triggers/broker-policy.js';
import { openBrokerUrl, type ShownDestination } from './destination-spec.js';
import { postEvent, withRetries, type UrlDeliveryOptions } from './url-delivery.js';
import { publishEvent } from './broker-delivery.js';

export const OUTCOME_TYPES = { succeeded: 'org.fnstack.execution.succeeded', failed: 'org.fnstack.execution.failed' } as const;

export interface OutcomeDeliveryDeps {
  config: Readonly<Config>;
  store: Store;
  queue: WorkQueue;
  logger: Logger;
  url?: UrlDeliveryOptions;
}

/** What the caller knows of a final execution's function. */
export interface KnownFunction extends Pick<Execution, 'projectId' | 'functionId'> {
  /** Whether the function had outcome destinations when the execution's run read it (unknown: not read). */
  hasDestinations?: boolean | undefined;
}

export class OutcomeDelivery {
  private readonly pending = new Set<Promise<void>>();
  private readonly ingest: Ingest;
  private readonly policy: BrokerPolicy;
  private readonly brokerPolicy: BrokerPolicy;

  constructor(private readonly deps: OutcomeDeliveryDeps) {
    this.ingest = new Ingest(deps.store, deps.queue, deps.config.quotas);
    this.policy = urlPolicyOf(deps.config);
    this.brokerPolicy = brokerPolicyOf(deps.config);
  }

  /**
   * Starts delivering the execution's outcome, if its function has a destination for it.
   * `known`: its project and function, so that a function without destinations costs one
   * read and the execution is read only when there is somewhere to send it; and whether the
   * function had destinations when the execution's run read it: none then costs no read at
   * all (destinations set while an execution runs apply from the next one).
   */
  afterFinal(executionId: string, known?: KnownFunction): void {
    const p: Promise<void> = this.deliver(executionId, known)
      .catch((err: unknown) => this.deps.logger.warn({ err, executionId }, 'outcome delivery failed'))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits for the deliveries under way (each ends by its own timeouts). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async deliver(executionId: string, known?: KnownFunction): Promise<void> {
    const { store, config } = this.deps;
    if (known?.hasDestinations === false) return;
    if (known && !(await store.forProject(known.projectId).destinations.get(known.functionId))) return;
    const execution = await store.ledger.get(executionId);
    if (!execution || !isFinal(execution.status)) return;
    const scope = store.forProject(execution.projectId);
    const row = await scope.destinations.get(execution.functionId);
    const slot = execution.status === 'succeeded' ? 'on_success' : 'on_failure';
    const destination = row?.config[slot] as ShownDestination | undefined;
    if (!row || !destination) return;
    const depth = depthOf(execution.event) + 1;
    if (depth > config.destinations.maxDepth) {
      await scope.destinations.recordDelivery(execution.functionId, `execution ${executionId}: outcome not sent: the chain of outcome events is ${depth} deep, over the limit of ${config.destinations.maxDepth}`);
      return;
    }
    const event = await outcomeEvent(store, execution, depth);
    try {
      if (destination.kind === 'events') {
        await this.ingest.events(execution.projectId, [{ ...event, [ROUTING_KEY_ATTR]: destination.routing_key ?? event.type }], 'later');
      } else if (destination.kind === 'url') {
        await postEvent(destination.url, event, this.policy, this.deps.url);
      } else {
        const url = openBrokerUrl(row.sealedSecret, slot, config.secretsKey, execution.functionId);
        await withRetries(() => publishEvent(url, destination.exchange, destination.routing_key, event, this.brokerPolicy), this.deps.url);
      }
      await scope.destinations.recordDelivery(execution.functionId, null);
    } catch (err) {
      await scope.destinations.recordDelivery(execution.functionId, `execution ${executionId}: ${(err as Error).message}`);
    }
  }
}

async function outcomeEvent(store: Store, execution: Execution, depth: number): Promise<CloudEvent> {
  const status = execution.status === 'succeeded' ? 'succeeded' : 'failed';
  return newCloudEvent({
    id: `${execution.id}.${execution.status}`,
    source: `fnstack:/functions/${execution.functionName}`,
    type: OUTCOME_TYPES[status],
    subject: execution.id,
    data: await executionDetailJson(store.forProject(execution.projectId).executions, execution),
    extensions: { [DEPTH_ATTR]: depth },
  });
}
