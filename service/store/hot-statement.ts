/**
 * A statement on the hot path of every execution, built by Kysely once per SQL dialect and then
 * run with new arguments, instead of built, walked, frozen and compiled again on every call
 * (Kysely's building was ~15 % of the service's CPU per warm invoke, profiled 2026-12-06).
 *
 * `build` receives stand-ins for its arguments and is called once per dialect: it must use
 * each argument only as a value (`where(col, '=', a.x)`, `values(a)`: one column per key),
 * never branch on one, so that the SQL does not depend on the values. The arguments' keys are
 * the shape: every call passes the same ones (checked); a statement whose shape changes
 * (optional columns, lists) is one hot statement per shape.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';
import { countStatement } from './statement-count.js';

const SLOT = Symbol('hot-statement argument');
interface Slot {
  readonly [SLOT]: string;
}
const isSlot = (v: unknown): v is Slot => typeof v === 'object' && v !== null && SLOT in v;

interface Template {
  sql: string;
  /** Per parameter: the argument's name, or the constant the build put there. */
  parameters: Array<{ arg: string } | { value: unknown }>;
  kind: string;
  argCount: number;
}

/**
 * What `build` sees: the arguments' names (so `values(a)` makes one column per key), each
 * standing for its argument's value.
 */
function standIns<A extends Record<string, unknown>>(args: A): A {
  const slot = (name: string | symbol) => ({ [SLOT]: String(name) });
  return new Proxy(args, {
    get: (_, name) => slot(name),
    getOwnPropertyDescriptor: (target, name) => (Object.prototype.hasOwnProperty.call(target, name) ? { value: slot(name), enumerable: true, configurable: true, writable: false } : undefined),
  });
}

export interface HotStatement<A, O> {
  run(db: Kysely<Database>, args: A): Promise<QueryResult<O>>;
  all(db: Kysely<Database>, args: A): Promise<O[]>;
  first(db: Kysely<Database>, args: A): Promise<O | undefined>;
}

export function hotStatement<A extends Record<string, unknown>, O>(build: (db: Kysely<Database>, args: A) => Compilable<O>): HotStatement<A, O> {
  // Keyed by the dialect's adapter class: the SQL is the same for every Kysely of one dialect
  // (the pool's, a transaction's, a single connection's).
  const templates = new Map<unknown, Template>();
  const templateFor = (db: Kysely<Database>, args: A): Template => {
    const key = db.getExecutor().adapter.constructor;
    let t = templates.get(key);
    if (!t) {
      const compiled = build(db, standIns(args)).compile();
      t = { sql: compiled.sql, parameters: compiled.parameters.map((p) => (isSlot(p) ? { arg: p[SLOT] } : { value: p })), kind: compiled.query.kind, argCount: Object.keys(args).length };
      templates.set(key, t);
    }
    return t;
  };
  const run = async (db: Kysely<Database>, args: A): Promise<QueryResult<O>> => {
    const t = templateFor(db, args);
    const argCount = Object.keys(args).length;
    if (argCount !== t.argCount) throw new TypeError(`a hot statement got ${argCount} arguments, built with ${t.argCount}: its shape must not change`);
    const parameters = t.parameters.map((p) => ('arg' in p ? args[p.arg] : p.value));
    countStatement(t.kind);
    return db.executeQuery<O>(CompiledQuery.raw(t.sql, parameters));
  };
  return {
    run,
    all: async (db, args) => (await run(db, args)).rows,
    first: async (db, args) => (await run(db, args)).rows[0],
  };
}
