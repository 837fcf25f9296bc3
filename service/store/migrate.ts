/**
 * Runs the migrations at start. Kysely's Migrator takes a lock table row, so several
 * processes starting at once run each migration exactly once.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './migrations/2026-11-26-0001-initial.js';
import * as runnerSessions from './migrations/2026-11-26-0100-runner-sessions.js';
import * as accountsAudit from './migrations/2026-11-26-0200-accounts-audit.js';
import * as triggers from './migrations/2026-11-26-0300-triggers.js';
import * as accountNamesPerProject from './migrations/2026-12-04-0100-account-names-per-project.js';
import * as executionResults from './migrations/2026-12-04-0200-execution-results.js';
import * as fairScheduling from './migrations/2026-12-05-0100-fair-scheduling.js';
import * as executionRequestId from './migrations/2026-12-05-0200-execution-request-id.js';
import * as queueConsumers from './migrations/2026-12-05-0300-queue-consumers.js';
import * as executionInitTime from './migrations/2026-12-05-1200-execution-init-time.js';
import * as functionDestinations from './migrations/2026-12-05-0200-function-destinations.js';
import * as executionRate from './migrations/2026-12-06-0100-execution-rate.js';
import * as executionAwaited from './migrations/2026-12-07-0100-execution-awaited.js';

const MIGRATIONS: Record<string, Migration> = {
  '2026-11-26-0001-initial': initial,
  '2026-11-26-0100-runner-sessions': runnerSessions,
  '2026-11-26-0200-accounts-audit': accountsAudit,
  '2026-11-26-0300-triggers': triggers,
  '2026-12-04-0100-account-names-per-project': accountNamesPerProject,
  '2026-12-04-0200-execution-results': executionResults,
  '2026-12-05-0100-fair-scheduling': fairScheduling,
  '2026-12-05-0200-execution-request-id': executionRequestId,
  '2026-12-05-0300-queue-consumers': queueConsumers,
  '2026-12-05-1200-execution-init-time': executionInitTime,
  '2026-12-05-0200-function-destinations': functionDestinations,
  '2026-12-06-0100-execution-rate': executionRate,
  '2026-12-07-0100-execution-awaited': executionAwaited,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  // On SQLite the migrator takes no lock: a process that lost the race sees "already exists"
  // and, once the winner has committed, finds nothing left to do.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (attempt >= 5) throw error instanceof Error ? error : new Error(String(error));
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}
