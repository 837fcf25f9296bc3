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
