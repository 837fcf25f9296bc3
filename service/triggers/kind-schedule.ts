/**
 * `schedule`: cron with a time zone. Config:
 * `{ "cron": "0 7 * * 1-5", "timezone": "Europe/Berlin", "catch_up": "skip" | "run-once", "data": {…} }`.
 * Five fields (minutes) or six (with seconds first), croner syntax. Missed ticks (the service
 * was down, or no process ran the scheduler) are dropped with `skip` (default) or run once,
 * for the latest of them, with `run-once`. The event's data is `data` (default `{}`).
 */
import { Cron } from 'croner';
import { invalid } from '../errors.js';
import { onlyKeys, type PrepareKind } from './kind.js';

export type CatchUp = 'skip' | 'run-once';

export interface ScheduleConfig {
  cron: string;
  timezone: string;
  catch_up: CatchUp;
  data: unknown;
}

export const prepareSchedule: PrepareKind = (raw, ctx) => {
  onlyKeys(raw, ['cron', 'timezone', 'catch_up', 'data'], 'schedule');
  if (typeof raw.cron !== 'string' || raw.cron.trim() === '') throw invalid('config.cron', 'config.cron is required, e.g. "*/5 * * * *"');
  const timezone = raw.timezone === undefined ? 'UTC' : raw.timezone;
  if (typeof timezone !== 'string' || !validTimeZone(timezone)) throw invalid('config.timezone', `config.timezone '${String(timezone)}' is not an IANA time zone like Europe/Berlin`);
  const catchUp = raw.catch_up === undefined ? 'skip' : raw.catch_up;
  if (catchUp !== 'skip' && catchUp !== 'run-once') throw invalid('config.catch_up', 'config.catch_up must be skip or run-once');
  const cron = raw.cron.trim();
  let c: Cron;
  try {
    c = cronOf({ cron, timezone });
  } catch (err) {
    throw invalid('config.cron', `config.cron '${cron}' is not a cron expression: ${(err as Error).message}`);
  }
  if (c.nextRun() === null) throw invalid('config.cron', `config.cron '${cron}' never fires`);
  const gap = shortestGapS(c);
  if (gap < ctx.scheduleMinIntervalS) {
    throw invalid('config.cron', `config.cron '${cron}' fires ${gap} s apart; this service allows schedules at most once every ${ctx.scheduleMinIntervalS} s`);
  }
  if (raw.data !== undefined && JSON.stringify(raw.data).length > 64 * 1024) throw invalid('config.data', 'config.data is larger than 64 KiB');
  return { config: { cron, timezone, catch_up: catchUp, data: raw.data ?? {} } };
};

/** A paused Cron (used only to compute ticks; the scheduler drives the firing itself). */
export function cronOf(config: { cron: string; timezone: string }): Cron {
  return new Cron(config.cron, { timezone: config.timezone, paused: true });
}

/**
 * The shortest time between two consecutive ticks among the next 200. Consecutive values of
 * the finest field come first in that list, so a seconds field with two values, or a minutes
 * field with neighbours, shows its gap there.
 */
export function shortestGapS(c: Cron): number {
  const runs = c.nextRuns(200);
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) gap = Math.min(gap, (runs[i]!.getTime() - runs[i - 1]!.getTime()) / 1000);
  return gap;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
