/**
 * The store, as the stages see it. Tenant-facing reads and writes go through
 * `forProject(id)`, the one place where every query gets its project scope.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { openStore, type Dialect, type OpenStoreOptions } from './connect.js';
import type { StoreHealth } from './store-health.js';
import { FunctionStore } from './function-store.js';
import { ExecutionLedger, ExecutionStore } from './execution-store.js';
import { AccountStore, ProjectAccounts } from './account-store.js';
import { QuotaStore } from './quota-store.js';
import { AuditStore } from './audit-store.js';
import { CodeStore } from './code-store.js';
import { DeadLetterStore } from './dead-letter-store.js';
import { TriggerStore } from './trigger-store.js';
import { DestinationStore } from './destination-store.js';

export interface ProjectStore {
  readonly projectId: string;
  readonly functions: FunctionStore;
  readonly executions: ExecutionStore;
  readonly deadLetters: DeadLetterStore;
  readonly accounts: ProjectAccounts;
  readonly quotas: QuotaStore;
  readonly audit: AuditStore;
  readonly triggers: TriggerStore;
  readonly destinations: DestinationStore;
}

export class Store {
  readonly ledger: ExecutionLedger;
  readonly accounts: AccountStore;
  readonly code: CodeStore;

  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    /** Whether the database answers; while it does not, every store call fails at once with a 503. */
    readonly health: StoreHealth,
    private readonly closeFn: () => Promise<void>,
  ) {
    this.ledger = new ExecutionLedger(db, dialect);
    this.accounts = new AccountStore(db);
    this.code = new CodeStore(db);
  }

  static async open(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
    const opened = await openStore(databaseUrl, options);
    return new Store(opened.db, opened.dialect, opened.health, opened.close);
  }

  forProject(projectId: string): ProjectStore {
    return {
      projectId,
      functions: new FunctionStore(this.db, projectId),
      executions: new ExecutionStore(this.db, projectId),
      deadLetters: new DeadLetterStore(this.db, projectId),
      accounts: new ProjectAccounts(this.db, projectId),
      quotas: new QuotaStore(this.db, projectId),
      audit: new AuditStore(this.db, projectId),
      triggers: new TriggerStore(this.db, projectId),
      destinations: new DestinationStore(this.db, projectId),
    };
  }

  /** Dead letters of every project (operator metrics). */
  async deadLetterCount(): Promise<number> {
    const r = await this.db.selectFrom('dead_letters').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Whether a query answers now; false at once while the store is known to be unreachable. */
  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.closeFn();
  }
}
