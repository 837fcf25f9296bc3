/**
 * Counts the SQL statements this process sends, by kind (select, insert, update, delete,
 * other): one increment per query, cheap enough to stay on. bench/sql-per-execution reads it
 * to measure statements per execution; nothing else depends on it.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'other';

const counts: Record<StatementKind, number> = { select: 0, insert: 0, update: 0, delete: 0, other: 0 };

/** A copy of the counts so far (all stores of this process together). */
export function statementCounts(): Record<StatementKind, number> & { total: number } {
  return { ...counts, total: counts.select + counts.insert + counts.update + counts.delete + counts.other };
}

const KIND: Record<string, StatementKind> = { SelectQueryNode: 'select', InsertQueryNode: 'insert', UpdateQueryNode: 'update', DeleteQueryNode: 'delete' };

/** Counts one statement by its root node's kind (for statements run already compiled: hot-statement.ts). */
export function countStatement(nodeKind: string): void {
  counts[KIND[nodeKind] ?? 'other']++;
}

export const countStatements: KyselyPlugin = {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    countStatement(args.node.kind);
    return args.node;
  },
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  },
};
