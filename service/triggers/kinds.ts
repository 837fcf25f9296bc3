/** The trigger kinds by name: each one's config preparation (validation, sealing). */
import type { TriggerKind } from '../store/trigger-store.js';
import type { PrepareKind } from './kind.js';
import { prepareEvent } from './kind-event.js';
import { prepareHttp } from './kind-http.js';
import { prepareAmqp } from './kind-amqp.js';
import { prepareSchedule } from './kind-schedule.js';
import { prepareOpenstack } from './kind-openstack.js';

export const PREPARE: Record<TriggerKind, PrepareKind> = {
  event: prepareEvent,
  http: prepareHttp,
  amqp: prepareAmqp,
  schedule: prepareSchedule,
  openstack: prepareOpenstack,
};

/** Kinds whose events reach them through the project's event stream (matched by the router). */
export const STREAM_KINDS: readonly TriggerKind[] = ['event', 'amqp'];
