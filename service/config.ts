/**
 * Configuration is read here and nowhere else: defaults ← config file (YAML) ← FNSTACK_*
 * environment ← explicit overrides. The result is validated, typed and frozen; a bad key
 * fails the start and names the key.
 */
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve, join } from 'node:path';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';
import { DEFAULT_UNPACK_UID } from './code/unpack-protocol.js';

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  /** HTTP listen address of the API. Default 127.0.0.1:7700. */
  host: string;
  port: number;
  /** URL clients and runners use to reach the API; default http://<host>:<port>. */
  publicUrl: string | null;
  role: Role;
  /** Data directory (SQLite file, code cache, sandboxes, credentials). Default ./.fnstack */
  dataDir: string;
  /** `sqlite:<path>` (default `<dataDir>/fnstack.db`) or `mariadb://user:pass@host:port/db`. */
  databaseUrl: string;
  store: {
    /** How long a query waits for a pooled MariaDB connection before it fails, ms. Default 10 000 (FNSTACK_DATABASE_ACQUIRE_TIMEOUT_MS / database_acquire_timeout_ms). */
    acquireTimeoutMs: number;
    /** How often an unreachable MariaDB is probed; requests fail fast (503) until a probe answers, ms. Default 1000 (FNSTACK_DATABASE_PROBE_INTERVAL_MS / database_probe_interval_ms). */
    probeIntervalMs: number;
  };
  /** `store` (queue inside the store, the embedded default) or an `amqp://` URL. */
  queueUrl: string;
  /** Compute back end: `local` or `openstack`. */
  provider: 'local' | 'openstack';
  /**
   * Where the local provider makes its sandboxes: every user must be able to traverse it
   * (sandbox uids reach their own directory in it). Default: as root
   * `/var/lib/fnstack/sandboxes` (shared by every service process on the machine), else
   * `<dataDir>/sandboxes`.
   */
  sandboxDir: string | null;
  auth: { mode: 'builtin' | 'keystone' };
  code: {
    /** Upload size cap in bytes. Default 50 MiB. */
    maxBytes: number;
    /** Cap on the unpacked size of an archive (zip bombs). Default 200 MiB. */
    maxUnpackedBytes: number;
    /** Cap on the number of entries in an archive. Default 10 000. */
    maxEntries: number;
    /**
     * uid (and gid) that unpacks archives when the service runs as root; it must own nothing.
     * Default 199999 (FNSTACK_CODE_UNPACK_UID / code_unpack_uid).
     */
    unpackUid: number;
  };
  execution: {
    /** Cap on captured stdout+stderr per execution. Default 1 MiB. */
    logLimitBytes: number;
    /** Executions a worker process runs at once. Default 4. */
    concurrency: number;
    /** Attempts before a work message goes to the dead-letter queue. Default 5. */
    maxAttempts: number;
    /** How long a worker's claim on an execution lasts without a heartbeat, ms. Default 15 s. */
    leaseMs: number;
  };
  limits: {
    /** Largest memory a function may declare, MiB. Default 2048. */
    maxMemoryMb: number;
    /** Longest timeout a function may declare, s. Default 900. */
    maxTimeoutS: number;
    /** Processes/threads one execution may have. Default 64. */
    pidsMax: number;
  };
  /**
   * Per-project quotas: the defaults every project gets; a service admin overrides them per
   * project through `PUT /v1/projects/{id}/quotas`. Over quota the API answers 429
   * `quota_exceeded` with `field` naming the quota; only concurrency makes events wait instead.
   */
  quotas: QuotaLimits;
  /** The cloud the service runs in: used by the `openstack` provider and Keystone auth. Null when not configured. */
  openstack: OpenStackConfig | null;
  /**
   * Key that seals secrets at rest (AES-256-GCM): tenant broker credentials, webhook secrets.
   * 64 hex characters (32 bytes). FNSTACK_SECRETS_KEY / secrets_key; else the file
   * `<data dir>/secrets.key`, generated (mode 0600) on first start. Every process that shares
   * a database must have the same key.
   */
  secretsKey: string;
  /** The cloud's oslo.messaging notification bus (amqp:// URL) for `openstack` triggers; null: none (FNSTACK_OS_NOTIFICATIONS_URL / os_notifications_url). */
  osNotificationsUrl: string | null;
  triggers: TriggerLimits;
  logLevel: string;
}

/** What tenants' triggers may reach and how often they may fire (docs/triggers.md, "Operator limits"). */
export interface TriggerLimits {
  /**
   * `address:port` pairs (IPv4, or [IPv6]) a tenant broker may be at even though the address
   * rules refuse it (loopback, this host, the service's broker). The service's own vhosts stay
   * refused. Default none (FNSTACK_TRIGGER_BROKER_ALLOW, comma-separated / trigger_broker_allow, a list).
   */
  brokerAllow: string[];
  /** Addresses, CIDR ranges or host names no tenant broker may be at. Default none (FNSTACK_TRIGGER_BROKER_DENY / trigger_broker_deny). */
  brokerDeny: string[];
  /** Shortest interval between two ticks of a schedule trigger, s. Default 60 (FNSTACK_SCHEDULE_MIN_INTERVAL_S / schedule_min_interval_s). */
  scheduleMinIntervalS: number;
}

export interface QuotaLimits {
  /** Functions a project may have. Default 100 (FNSTACK_QUOTA_FUNCTIONS / quota_functions). */
  functions: number;
  /** Total size of the distinct code packages of all versions of a project's functions, bytes. Default 1 GiB (FNSTACK_QUOTA_CODE_BYTES). */
  codeBytes: number;
  /** Executions provisioning or running at once; more wait in the queue. Default 10 (FNSTACK_QUOTA_CONCURRENT_EXECUTIONS). */
  concurrentExecutions: number;
  /** Executions accepted per rolling minute. Default 600 (FNSTACK_QUOTA_EXECUTIONS_PER_MINUTE). */
  executionsPerMinute: number;
  /** Largest memory_mb one function may declare. Default 2048 (FNSTACK_QUOTA_MEMORY_MB); limits.max_memory_mb still caps it. */
  memoryMb: number;
}

export interface OpenStackConfig {
  /** Keystone v3 URL, e.g. http://keystone:5000/v3 (FNSTACK_OS_AUTH_URL / os_auth_url). */
  authUrl: string;
  /** The service's own credentials: a password user or an application credential. */
  credentials:
    | { type: 'password'; username: string; password: string; projectName: string; userDomainName: string; projectDomainName: string }
    | { type: 'application_credential'; id: string; secret: string };
  /** Default RegionOne. */
  region: string;
  /** Endpoint interface to use from the catalog. Default public. */
  interface: 'public' | 'internal' | 'admin';
  /** `none` (default), `auto`, or a network UUID for the function servers. */
  network: string;
  /** Flavor names the provider may choose from; empty = every public flavor. */
  flavorAllowList: string[];
  /** Glance image property naming the runtime an image provides. Default fnstack_runtime. */
  imageProperty: string;
  /** Pre-booted, unassigned servers kept per (flavor, image). Default 0. */
  poolSize: number;
  /** Deadline for a server to become ACTIVE, s. Default 300. */
  provisionTimeoutS: number;
  /** How often the reaper looks for orphaned servers, s. Default 60. */
  reaperIntervalS: number;
  /** Prefix of the names of the servers the service creates. Default fnstack-. */
  serverNamePrefix: string;
}

type Env = Record<string, string | undefined>;

export interface ConfigOverrides {
  host?: string;
  port?: number;
  dataDir?: string;
  role?: Role;
}

export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}): Readonly<Config> {
  const dataDir = resolve(overrides.dataDir ?? env.FNSTACK_DATA_DIR ?? '.fnstack');
  const file = readConfigFile(env.FNSTACK_CONFIG ?? join(dataDir, 'config.yaml'), env.FNSTACK_CONFIG !== undefined);
  const pick = (envKey: string, fileKey: string): string | undefined => env[envKey] ?? stringOf(file[fileKey]);

  const host = overrides.host ?? pick('FNSTACK_HOST', 'host') ?? '127.0.0.1';
  const port = overrides.port ?? int('port', pick('FNSTACK_PORT', 'port'), 7700, 0, 65535);
  const role = (overrides.role ?? pick('FNSTACK_ROLE', 'role') ?? 'all') as Role;
  if (!['api', 'worker', 'all'].includes(role)) throw new ConfigError('role', `must be api, worker or all, not '${role}'`);
  const provider = pick('FNSTACK_PROVIDER', 'provider') ?? 'local';
  if (provider !== 'local' && provider !== 'openstack') throw new ConfigError('provider', `must be local or openstack, not '${provider}'`);
  const authMode = pick('FNSTACK_AUTH_MODE', 'auth_mode') ?? 'builtin';
  if (authMode !== 'builtin' && authMode !== 'keystone') throw new ConfigError('auth_mode', `must be builtin or keystone, not '${authMode}'`);

  const databaseUrl = pick('FNSTACK_DATABASE_URL', 'database_url') ?? `sqlite:${join(dataDir, 'fnstack.db')}`;
  if (!/^(sqlite:|mariadb:\/\/|mysql:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('database_url', 'must start with sqlite: or mariadb://');
  }
  const queueUrl = pick('FNSTACK_QUEUE_URL', 'queue_url') ?? 'store';
  if (queueUrl !== 'store' && !/^amqps?:\/\//.test(queueUrl)) throw new ConfigError('queue_url', 'must be "store" or an amqp:// URL');

  const config: Config = {
    host,
    port,
    publicUrl: pick('FNSTACK_PUBLIC_URL', 'public_url') ?? null,
    role,
    dataDir,
    databaseUrl,
    store: {
      acquireTimeoutMs: int('database_acquire_timeout_ms', pick('FNSTACK_DATABASE_ACQUIRE_TIMEOUT_MS', 'database_acquire_timeout_ms'), 10_000, 100, 600_000),
      probeIntervalMs: int('database_probe_interval_ms', pick('FNSTACK_DATABASE_PROBE_INTERVAL_MS', 'database_probe_interval_ms'), 1000, 100, 60_000),
    },
    queueUrl,
    provider,
    sandboxDir: absPathOrNull('sandbox_dir', pick('FNSTACK_SANDBOX_DIR', 'sandbox_dir')),
    auth: { mode: authMode },
    code: {
      maxBytes: int('code_max_bytes', pick('FNSTACK_CODE_MAX_BYTES', 'code_max_bytes'), 50 * 1024 * 1024, 1024),
      maxUnpackedBytes: int('code_max_unpacked_bytes', pick('FNSTACK_CODE_MAX_UNPACKED_BYTES', 'code_max_unpacked_bytes'), 200 * 1024 * 1024, 1024),
      maxEntries: int('code_max_entries', pick('FNSTACK_CODE_MAX_ENTRIES', 'code_max_entries'), 10_000, 1),
      unpackUid: int('code_unpack_uid', pick('FNSTACK_CODE_UNPACK_UID', 'code_unpack_uid'), DEFAULT_UNPACK_UID, 1, 0x7fff_fffe),
    },
    execution: {
      logLimitBytes: int('log_limit_bytes', pick('FNSTACK_LOG_LIMIT_BYTES', 'log_limit_bytes'), 1024 * 1024, 1024),
      concurrency: int('worker_concurrency', pick('FNSTACK_WORKER_CONCURRENCY', 'worker_concurrency'), 4, 1, 1000),
      maxAttempts: int('max_attempts', pick('FNSTACK_MAX_ATTEMPTS', 'max_attempts'), 5, 1, 100),
      leaseMs: int('lease_ms', pick('FNSTACK_LEASE_MS', 'lease_ms'), 15_000, 1000),
    },
    limits: {
      maxMemoryMb: int('max_memory_mb', pick('FNSTACK_MAX_MEMORY_MB', 'max_memory_mb'), 2048, 64),
      maxTimeoutS: int('max_timeout_s', pick('FNSTACK_MAX_TIMEOUT_S', 'max_timeout_s'), 900, 1),
      pidsMax: int('pids_max', pick('FNSTACK_PIDS_MAX', 'pids_max'), 64, 8),
    },
    quotas: {
      functions: int('quota_functions', pick('FNSTACK_QUOTA_FUNCTIONS', 'quota_functions'), 100, 0),
      codeBytes: int('quota_code_bytes', pick('FNSTACK_QUOTA_CODE_BYTES', 'quota_code_bytes'), 1024 * 1024 * 1024, 0),
      concurrentExecutions: int('quota_concurrent_executions', pick('FNSTACK_QUOTA_CONCURRENT_EXECUTIONS', 'quota_concurrent_executions'), 10, 1),
      executionsPerMinute: int('quota_executions_per_minute', pick('FNSTACK_QUOTA_EXECUTIONS_PER_MINUTE', 'quota_executions_per_minute'), 600, 0),
      memoryMb: int('quota_memory_mb', pick('FNSTACK_QUOTA_MEMORY_MB', 'quota_memory_mb'), 2048, 64),
    },
    openstack: openstackConfig(pick),
    secretsKey: secretsKeyOf(pick('FNSTACK_SECRETS_KEY', 'secrets_key'), dataDir),
    osNotificationsUrl: amqpUrlOrNull('os_notifications_url', pick('FNSTACK_OS_NOTIFICATIONS_URL', 'os_notifications_url')),
    triggers: {
      brokerAllow: listOf(env.FNSTACK_TRIGGER_BROKER_ALLOW ?? file.trigger_broker_allow).map((e) => allowEntry('trigger_broker_allow', e)),
      brokerDeny: listOf(env.FNSTACK_TRIGGER_BROKER_DENY ?? file.trigger_broker_deny).map((e) => denyEntry('trigger_broker_deny', e)),
      scheduleMinIntervalS: int('schedule_min_interval_s', pick('FNSTACK_SCHEDULE_MIN_INTERVAL_S', 'schedule_min_interval_s'), 60, 1, 86_400),
    },
    logLevel: pick('FNSTACK_LOG_LEVEL', 'log_level') ?? 'info',
  };
  if (provider === 'openstack' && !config.openstack) throw new ConfigError('os_auth_url', 'the openstack provider needs FNSTACK_OS_AUTH_URL and credentials');
  if (authMode === 'keystone' && !config.openstack) throw new ConfigError('os_auth_url', 'keystone auth needs FNSTACK_OS_AUTH_URL and the service credentials');
  return deepFreeze(config);
}

function absPathOrNull(key: string, value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (!value.startsWith('/')) throw new ConfigError(key, `must be an absolute path, got '${value}'`);
  return value;
}

/** The base URL the service is reachable at, once the port is known. */
export function publicUrlOf(config: Config, boundPort: number): string {
  return config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${boundPort}`;
}

function openstackConfig(pick: (envKey: string, fileKey: string) => string | undefined): OpenStackConfig | null {
  const authUrl = pick('FNSTACK_OS_AUTH_URL', 'os_auth_url');
  if (!authUrl) return null;
  const appId = pick('FNSTACK_OS_APPLICATION_CREDENTIAL_ID', 'os_application_credential_id');
  const need = (envKey: string, fileKey: string) => {
    const v = pick(envKey, fileKey);
    if (!v) throw new ConfigError(fileKey, `is required when os_auth_url is set (${envKey})`);
    return v;
  };
  const credentials: OpenStackConfig['credentials'] = appId
    ? { type: 'application_credential', id: appId, secret: need('FNSTACK_OS_APPLICATION_CREDENTIAL_SECRET', 'os_application_credential_secret') }
    : {
        type: 'password',
        username: need('FNSTACK_OS_USERNAME', 'os_username'),
        password: need('FNSTACK_OS_PASSWORD', 'os_password'),
        projectName: need('FNSTACK_OS_PROJECT_NAME', 'os_project_name'),
        userDomainName: pick('FNSTACK_OS_USER_DOMAIN_NAME', 'os_user_domain_name') ?? 'Default',
        projectDomainName: pick('FNSTACK_OS_PROJECT_DOMAIN_NAME', 'os_project_domain_name') ?? 'Default',
      };
  const iface = pick('FNSTACK_OS_INTERFACE', 'os_interface') ?? 'public';
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin') throw new ConfigError('os_interface', `must be public, internal or admin, not '${iface}'`);
  return {
    authUrl,
    credentials,
    region: pick('FNSTACK_OS_REGION', 'os_region') ?? 'RegionOne',
    interface: iface,
    network: pick('FNSTACK_OS_NETWORK', 'os_network') ?? 'none',
    flavorAllowList: (pick('FNSTACK_OS_FLAVORS', 'os_flavors') ?? '').split(',').map((f) => f.trim()).filter(Boolean),
    imageProperty: pick('FNSTACK_OS_IMAGE_PROPERTY', 'os_image_property') ?? 'fnstack_runtime',
    poolSize: int('os_pool_size', pick('FNSTACK_OS_POOL_SIZE', 'os_pool_size'), 0, 0, 100),
    provisionTimeoutS: int('os_provision_timeout_s', pick('FNSTACK_OS_PROVISION_TIMEOUT_S', 'os_provision_timeout_s'), 300, 1, 3600),
    reaperIntervalS: int('os_reaper_interval_s', pick('FNSTACK_OS_REAPER_INTERVAL_S', 'os_reaper_interval_s'), 60, 1, 86400),
    serverNamePrefix: pick('FNSTACK_OS_SERVER_NAME_PREFIX', 'os_server_name_prefix') ?? 'fnstack-',
  };
}

const SECRETS_KEY = /^[0-9a-f]{64}$/;

/** The configured key, else `<dataDir>/secrets.key`, created once (exclusive create: concurrent starts agree). */
function secretsKeyOf(configured: string | undefined, dataDir: string): string {
  if (configured !== undefined) {
    const k = configured.trim().toLowerCase();
    if (!SECRETS_KEY.test(k)) throw new ConfigError('secrets_key', 'must be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`');
    return k;
  }
  const path = join(dataDir, 'secrets.key');
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const k = readFileSync(path, 'utf8').trim().toLowerCase();
  if (!SECRETS_KEY.test(k)) throw new ConfigError('secrets_key', `${path} must hold 64 hex characters`);
  return k;
}

function amqpUrlOrNull(key: string, raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (!/^amqps?:\/\//.test(raw)) throw new ConfigError(key, 'must be an amqp:// or amqps:// URL');
  return raw;
}

/** A YAML list, or a comma-separated string (environment). */
function listOf(raw: unknown): string[] {
  if (raw === undefined || raw === null || raw === '') return [];
  const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  return items.map((s) => s.trim()).filter(Boolean);
}

/** `1.2.3.4:5672` or `[::1]:5672`, normalized. */
function allowEntry(key: string, raw: string): string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(raw);
  const address = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!address || isIP(address) === 0 || port < 1 || port > 65535) throw new ConfigError(key, `'${raw}' must be address:port with an IP address (e.g. 10.0.0.5:5672 or [fd00::5]:5672)`);
  return `${address.toLowerCase()}:${port}`;
}

/** An IP address, a CIDR range, or a host name. */
function denyEntry(key: string, raw: string): string {
  const [address, bits, extra] = raw.split('/');
  if (bits !== undefined) {
    const family = isIP(address ?? '');
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || !/^\d{1,3}$/.test(bits) || Number(bits) > max) throw new ConfigError(key, `'${raw}' is not a CIDR range like 10.0.0.0/8`);
    return raw.toLowerCase();
  }
  if (isIP(raw) === 0 && !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(raw)) throw new ConfigError(key, `'${raw}' is not an address, a CIDR range or a host name`);
  return raw.toLowerCase();
}

function readConfigFile(path: string, required: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (required) throw new ConfigError('FNSTACK_CONFIG', `file ${path} does not exist`);
    return {};
  }
  const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError('FNSTACK_CONFIG', `${path} must hold a YAML mapping`);
  return parsed as Record<string, unknown>;
}

function stringOf(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

function int(key: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(key, `must be an integer from ${min} to ${max}, not '${raw}'`);
  return n;
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
