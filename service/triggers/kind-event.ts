/**
 * `event`: matches the project's own event stream (POST /v1/events and the AMQP ingress) by a
 * topic pattern on the CloudEvent type. Config: `{ "pattern": "orders.*" }` (default `#`: all).
 */
import { onlyKeys, type PrepareKind } from './kind.js';
import { validateTopicPattern } from './topic-pattern.js';

export const prepareEvent: PrepareKind = (raw) => {
  onlyKeys(raw, ['pattern'], 'event');
  return { config: { pattern: raw.pattern === undefined ? '#' : validateTopicPattern(raw.pattern, 'config.pattern') } };
};
