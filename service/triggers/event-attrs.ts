/**
 * CloudEvent extension attributes the triggers put on events (names: 1-20 lower-case letters
 * or digits, as CloudEvents requires).
 *
 * - `fnstacktrigger`: the id of the trigger an event is addressed to (webhooks, schedules,
 *   tenant brokers, OpenStack notifications). The router sends such an event to that trigger
 *   only, and only within the event's own project.
 * - `fnstackkey`: the routing key an event was published with on the service broker, without
 *   the `<project_id>.` prefix (the AMQP ingress sets it; `amqp` trigger patterns match it).
 */
export const TRIGGER_ATTR = 'fnstacktrigger';
export const ROUTING_KEY_ATTR = 'fnstackkey';

/**
 * `fnstackdepth`: how many outcome events (destinations) lie behind an event: an execution's
 * outcome event carries its event's depth + 1, and none is sent past `destination_max_depth`,
 * so functions that trigger each other through their outcomes cannot loop for ever.
 */
export const DEPTH_ATTR = 'fnstackdepth';

/** An event's chain depth; anything but a non-negative integer counts as 0. */
export function depthOf(event: Record<string, unknown>): number {
  const n = Number(event[DEPTH_ATTR]);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
