/**
 * What every trigger kind module provides: turning the tenant's `config` into what is stored
 * (the shown config, and secrets sealed or hashed), naming the offending field on bad input.
 */
import { invalid } from '../errors.js';
import type { Principal } from '../store/account-store.js';
import type { TriggerSecrets } from '../store/trigger-store.js';
import type { BrokerPolicy } from './broker-policy.js';

export interface KindContext {
  triggerId: string;
  /** The service's secrets key (hex), for sealing. */
  secretsKey: string;
  principal: Principal;
  /** The cloud's notification bus, when the service has one (openstack kind). */
  osNotificationsUrl: string | null;
  /** Where a tenant broker may be (amqp kind). */
  brokerPolicy: BrokerPolicy;
  /** The operator's shortest schedule interval, s (schedule kind). */
  scheduleMinIntervalS: number;
  /** On update: the stored config and secrets (an update may keep secrets it does not restate). */
  existing?: { config: Record<string, unknown>; secrets: TriggerSecrets };
}

export interface PreparedConfig {
  /** Stored and shown as is: no secrets in here. */
  config: Record<string, unknown>;
  secrets?: Partial<TriggerSecrets>;
  /** Shown once in the create answer (the webhook secret). */
  reveal?: { secret: string };
  /** A check that needs I/O (name resolution), run before anything is stored; throws like the rest. */
  verify?: () => Promise<void>;
}

export type PrepareKind = (raw: Record<string, unknown>, ctx: KindContext) => PreparedConfig;

/** Rejects keys a kind does not know, naming the first. */
export function onlyKeys(raw: Record<string, unknown>, allowed: readonly string[], kind: string): void {
  for (const k of Object.keys(raw)) {
    if (!allowed.includes(k)) throw badField(`config.${k}`, `a ${kind} trigger has no setting '${k}' (it takes ${allowed.join(', ') || 'none'})`);
  }
}

export const badField = (field: string, message: string) => invalid(field, message);
