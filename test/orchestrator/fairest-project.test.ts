/** Whose turn it is across projects: fewest running, then least recently served, then waiting longest. */
import test from 'ava';
import { fairestOf } from '../../service/orchestrator/orchestrator.js';

const b = (projectId: string, active: number, oldestQueuedAt: number) => ({ projectId, queued: 1, active, oldestQueuedAt });

test('nothing queued: nobody', (t) => {
  t.is(fairestOf([], new Map()), null);
});

test('the project with fewer executions running goes first', (t) => {
  t.is(fairestOf([b('a', 3, 1), b('b', 1, 100)], new Map()), 'b');
});

test('at equal running, the project served least recently goes first, one never served before all', (t) => {
  t.is(fairestOf([b('a', 0, 1), b('b', 0, 100)], new Map([['a', 5]])), 'b');
  t.is(fairestOf([b('a', 0, 1), b('b', 0, 100)], new Map([['a', 5], ['b', 9]])), 'a');
});

test('otherwise the one waiting longest', (t) => {
  t.is(fairestOf([b('a', 0, 50), b('b', 0, 10)], new Map()), 'b');
});
