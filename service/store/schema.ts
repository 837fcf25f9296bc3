/**
 * Row types of every table, combined into one Database type (Kysely style). Times are
 * epoch milliseconds (bigint columns) and JSON is stored as text, so SQLite and MariaDB
 * run the very same migrations and queries.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface ProjectsTable {
  id: string;
  name: string;
  /** `builtin` or `keystone` (a Keystone project id mirrored here on first use). */
  origin: string;
  created_at: number;
}

export interface AccountsTable {
  id: string;
  project_id: string;
  name: string;
  /** admin | member | reader */
  role: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  /** HMAC-SHA256(salt, secret), hex. The secret itself is never stored. */
  secret_hash: string;
  salt: string;
  description: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface CodePackagesTable {
  sha256: string;
  size_bytes: number;
  /** js | mjs | cjs | zip | tar.gz */
  format: string;
  /** For single-file packages, the file name the handler refers to. */
  file_name: string | null;
  created_at: number;
}

/** Code blobs are chunked so that every service process on every machine can read them. */
export interface CodeChunksTable {
  sha256: string;
  seq: number;
  data: Buffer;
}

export interface FunctionsTable {
  id: string;
  project_id: string;
  name: string;
  current_version: number;
  created_at: number;
  updated_at: number;
}

export interface FunctionVersionsTable {
  function_id: string;
  version: number;
  runtime: string;
  handler: string;
  memory_mb: number;
  vcpus: number;
  disk_gb: number;
  timeout_s: number;
  network: number;
  isolation: string;
  env_json: string;
  code_sha256: string;
  created_at: number;
}

export interface ExecutionsTable {
  id: string;
  project_id: string;
  function_id: string;
  function_name: string;
  function_version: number;
  event_id: string;
  event_json: string;
  status: string;
  attempts: number;
  /** Emptied by migration 2026-12-04-0100: results live in execution_result_chunks. */
  result_json: string | null;
  /** Size of the result's JSON text in bytes (UTF-8); null when there is none. */
  result_bytes: number | null;
  /** The result's JSON text cut to at most 1 KiB, at a character boundary. */
  result_preview: string | null;
  error_json: string | null;
  limits_json: string;
  placement_json: string | null;
  peak_memory_bytes: number | null;
  /** How long loading the handler's module took, ms; null when it never loaded. */
  init_ms: number | null;
  logs: string | null;
  logs_truncated: number;
  worker_id: string | null;
  lease_until: number | null;
  queued_at: number;
  /** When the work message was confirmed on the queue; null: not (yet), the sweeper's business. */
  published_at: number | null;
  provisioning_at: number | null;
  running_at: number | null;
  finished_at: number | null;
  created_at: number;
  updated_at: number;
  /** The X-Request-Id of the API call that caused the execution; null when none did. */
  request_id: string | null;
  /** 1 when a sync invoke waits for it (its finish is announced on the finished bus), else 0. */
  awaited: number;
}

/** A succeeded execution's result: its JSON text as UTF-8 bytes, in chunks of at most 1 MiB. */
export interface ExecutionResultChunksTable {
  execution_id: string;
  seq: number;
  data: Buffer;
}

/** The embedded default's durable work queue. */
export interface QueueMessagesTable {
  id: Generated<number>;
  queue: string;
  payload: string;
  attempts: number;
  available_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
}

/** A live consumer of the store queue (see migration 2026-12-05-0300). */
export interface QueueConsumersTable {
  id: string;
  queue: string;
  seen_at: number;
}

export interface DeadLettersTable {
  id: string;
  project_id: string | null;
  queue: string;
  payload: string;
  reason: string;
  attempts: number;
  created_at: number;
}

export interface FunctionDestinationsTable {
  function_id: string;
  project_id: string;
  config_json: string;
  sealed_secret: string | null;
  last_delivered_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  updated_at: number;
}

export interface RunnerSessionsTable {
  id: string;
  token_hash: string;
  server_name: string;
  server_id: string | null;
  execution_id: string | null;
  pool_key: string | null;
  owner: string;
  state: string;
  assignment_json: string | null;
  outcome_json: string | null;
  hello_at: number | null;
  picked_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  lease_until: number;
  created_at: number;
  updated_at: number;
}

export interface TriggersTable {
  id: string;
  project_id: string;
  name: string;
  function_name: string;
  kind: string;
  config_json: string;
  filter_json: string;
  secret_hash: string | null;
  sealed_secret: string | null;
  enabled: number;
  enabled_at: number;
  last_fired_at: number | null;
  fire_count: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface TriggerTicksTable {
  trigger_id: string;
  tick_at: number;
  claimed_by: string;
  created_at: number;
}

export interface AuditEventsTable {
  id: string;
  project_id: string;
  at: number;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_project_id: string | null;
  key_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  request_id: string | null;
  details_json: string | null;
}

/** Executions created per project and second (execution-rate.ts). */
export interface ExecutionRateTable {
  project_id: string;
  second: number;
  n: number;
}

export interface ProjectQuotasTable {
  project_id: string;
  functions: number | null;
  code_bytes: number | null;
  concurrent_executions: number | null;
  executions_per_minute: number | null;
  memory_mb: number | null;
  updated_at: number;
}

export interface Database {
  projects: ProjectsTable;
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  code_packages: CodePackagesTable;
  code_chunks: CodeChunksTable;
  functions: FunctionsTable;
  function_versions: FunctionVersionsTable;
  executions: ExecutionsTable;
  execution_result_chunks: ExecutionResultChunksTable;
  queue_messages: QueueMessagesTable;
  queue_consumers: QueueConsumersTable;
  dead_letters: DeadLettersTable;
  function_destinations: FunctionDestinationsTable;
  runner_sessions: RunnerSessionsTable;
  triggers: TriggersTable;
  trigger_ticks: TriggerTicksTable;
  audit_events: AuditEventsTable;
  project_quotas: ProjectQuotasTable;
  execution_rate: ExecutionRateTable;
}

export type ProjectRow = Selectable<ProjectsTable>;
export type AccountRow = Selectable<AccountsTable>;
export type FunctionRow = Selectable<FunctionsTable>;
export type FunctionVersionRow = Selectable<FunctionVersionsTable>;
export type ExecutionRow = Selectable<ExecutionsTable>;
export type NewExecution = Insertable<ExecutionsTable>;
export type ExecutionUpdate = Updateable<ExecutionsTable>;
export type QueueMessageRow = Selectable<QueueMessagesTable>;

const TABLES = {
  projects: true,
  accounts: true,
  api_keys: true,
  code_packages: true,
  code_chunks: true,
  functions: true,
  function_versions: true,
  executions: true,
  execution_result_chunks: true,
  queue_messages: true,
  queue_consumers: true,
  dead_letters: true,
  function_destinations: true,
  runner_sessions: true,
  triggers: true,
  trigger_ticks: true,
  audit_events: true,
  project_quotas: true,
  execution_rate: true,
} satisfies Record<keyof Database, true>;

/** Every table the Database type declares (a test holds this to what the migrations create). */
export const TABLE_NAMES = Object.keys(TABLES) as (keyof Database)[];
