/**
 * AMQP topic patterns (RabbitMQ semantics): words separated by dots; `*` stands for exactly
 * one word, `#` for zero or more. Used for routing-key patterns of `amqp`/`event` triggers and
 * for event-type patterns of `openstack` triggers. Pure.
 */
import { invalid } from '../errors.js';

const MAX = 255;
const WORD = /^[^*#\s]+$/;

/** Throws a 400 naming `field` when the pattern is not a valid topic pattern. */
export function validateTopicPattern(pattern: unknown, field: string): string {
  if (typeof pattern !== 'string' || pattern.length === 0) throw invalid(field, `${field} must be a non-empty topic pattern like "orders.*" or "orders.#"`);
  if (pattern.length > MAX) throw invalid(field, `${field} is longer than ${MAX} characters`);
  for (const word of pattern.split('.')) {
    if (word === '*' || word === '#') continue;
    if (!WORD.test(word)) {
      throw invalid(field, `${field} '${pattern}' is not a topic pattern: words are separated by single dots, and * or # must stand alone as a whole word`);
    }
  }
  return pattern;
}

/** Whether `key` (dot-separated words) matches the topic `pattern`. */
export function topicMatches(pattern: string, key: string): boolean {
  return match(pattern.split('.'), 0, key.split('.'), 0);
}

function match(p: string[], i: number, k: string[], j: number): boolean {
  while (i < p.length) {
    const w = p[i]!;
    if (w === '#') {
      if (i === p.length - 1) return true;
      for (let skip = j; skip <= k.length; skip++) if (match(p, i + 1, k, skip)) return true;
      return false;
    }
    if (j >= k.length) return false;
    if (w !== '*' && w !== k[j]) return false;
    i++;
    j++;
  }
  return j === k.length;
}
