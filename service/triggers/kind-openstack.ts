/**
 * `openstack`: the cloud's notification bus (oslo.messaging notifications on RabbitMQ: Nova's
 * versioned notifications on exchange `nova`, Glance's on `glance`). Config:
 * `{ "event_type": "instance.create.end", "project_id": "<keystone project id>" }`, the event
 * type being a topic pattern (`instance.*.end`, `image.#`).
 *
 * A trigger only ever sees notifications about its owner's own OpenStack project: the
 * payload's project (tenant_id / project_id / owner) must equal the trigger's project_id.
 * With Keystone auth that is the caller's own project (naming another is refused); with
 * built-in accounts there is no Keystone project to go by, so only an admin-role account may
 * create one, naming the OpenStack project id explicitly.
 */
import { ApiError, invalid } from '../errors.js';
import type { CloudEvent } from '../runner/protocol.js';
import { newCloudEvent } from '../listener/cloudevents.js';
import { onlyKeys, type PrepareKind } from './kind.js';
import { validateTopicPattern } from './topic-pattern.js';

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const prepareOpenstack: PrepareKind = (raw, ctx) => {
  onlyKeys(raw, ['event_type', 'project_id'], 'openstack');
  if (!ctx.osNotificationsUrl) throw invalid('kind', 'openstack triggers need the service to be configured with os_notifications_url (FNSTACK_OS_NOTIFICATIONS_URL)');
  const eventType = validateTopicPattern(raw.event_type, 'config.event_type');
  const p = ctx.principal;
  let projectId: string;
  if (p.method === 'keystone') {
    if (raw.project_id !== undefined && raw.project_id !== p.projectId) {
      throw new ApiError('forbidden', 'an openstack trigger sees only your own project’s notifications: config.project_id must be your project id or left out', 'config.project_id');
    }
    projectId = p.projectId;
  } else {
    if (p.role !== 'admin') throw new ApiError('forbidden', `only an admin-role account may create openstack triggers with built-in accounts (${p.accountName} is ${p.role})`, 'kind');
    if (typeof raw.project_id !== 'string' || !PROJECT_ID.test(raw.project_id)) {
      throw invalid('config.project_id', 'config.project_id is required with built-in accounts: the OpenStack (Keystone) project id whose notifications run the function');
    }
    projectId = raw.project_id;
  }
  return { config: { event_type: eventType, project_id: projectId } };
};

/** One notification off the bus, unwrapped from the oslo messaging v2 envelope. */
export interface OsNotification {
  /** The exchange it came from (`nova`, `glance`, …). */
  service: string;
  messageId: string;
  eventType: string;
  publisherId: string;
  timestamp: string | null;
  payload: unknown;
  /** The project the notification is about, from its payload; null when it names none. */
  projectId: string | null;
  /** The instance / image / … id, when the payload names one. */
  resourceId: string | null;
}

/** Parses a message body; null when it is not a notification. */
export function parseNotification(body: Buffer, service: string): OsNotification | null {
  let outer: unknown;
  try {
    outer = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  let msg = outer as Record<string, unknown>;
  if (msg && typeof msg['oslo.message'] === 'string') {
    try {
      msg = JSON.parse(msg['oslo.message']) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  if (!msg || typeof msg.event_type !== 'string') return null;
  const payload = msg.payload;
  const fields = objectFields(payload);
  const pick = (...names: string[]) => {
    for (const n of names) if (typeof fields[n] === 'string' && fields[n]) return fields[n] as string;
    return null;
  };
  return {
    service,
    messageId: typeof msg.message_id === 'string' ? msg.message_id : `${service}-${msg.event_type}-${String(msg.timestamp)}`,
    eventType: msg.event_type,
    publisherId: typeof msg.publisher_id === 'string' ? msg.publisher_id : service,
    timestamp: typeof msg.timestamp === 'string' ? msg.timestamp : null,
    payload,
    projectId: pick('tenant_id', 'project_id', 'owner', 'project'),
    resourceId: pick('uuid', 'instance_id', 'id', 'resource_id'),
  };
}

/** Versioned notifications wrap their payload in `nova_object.data`; unversioned ones are flat. */
function objectFields(payload: unknown): Record<string, unknown> {
  if (!payload || typeof payload !== 'object') return {};
  const p = payload as Record<string, unknown>;
  const inner = p['nova_object.data'];
  return inner && typeof inner === 'object' ? (inner as Record<string, unknown>) : p;
}

/** The CloudEvent for one notification, addressed to one trigger. */
export function notificationEvent(n: OsNotification): CloudEvent {
  return newCloudEvent({
    id: n.messageId,
    source: `openstack:/${n.service}/${n.publisherId}`,
    type: `org.openstack.${n.service}.${n.eventType}`,
    ...(n.resourceId ? { subject: n.resourceId } : {}),
    time: toIso(n.timestamp),
    data: n.payload ?? null,
    extensions: { openstackevent: n.eventType, ...(n.projectId ? { openstackproject: n.projectId } : {}) },
  });
}

/** oslo timestamps look like `2026-11-26 10:00:00.123456` (UTC, no zone). */
function toIso(ts: string | null): string {
  if (!ts) return new Date().toISOString();
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(ts) ? ts : `${ts.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? new Date().toISOString() : d.toISOString();
}
