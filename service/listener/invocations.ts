/** The CloudEvent of a direct invocation (POST /v1/functions/{name}/invoke): the body is its data. */
import type { FnFunction } from '../model.js';
import type { CloudEvent } from '../runner/protocol.js';
import { newCloudEvent } from './cloudevents.js';

export interface CloudEventAttributes {
  id?: string;
  type?: string;
  source?: string;
  subject?: string;
}

export function invocationEvent(fn: FnFunction, data: unknown, attrs: CloudEventAttributes): CloudEvent {
  return newCloudEvent({
    id: attrs.id,
    source: attrs.source ?? `fnstack:/functions/${fn.name}/invoke`,
    type: attrs.type ?? 'fnstack.invoke',
    subject: attrs.subject,
    data,
  });
}
