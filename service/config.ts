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
import { LIMIT_BOUNDS } from './function-limits.js';
import { canonicalCidr } from './cidr.js';

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  /** HTTP listen address of the API. Default 127.0.0.1:7700. */
  host: string;
  port: number;
  /** URL clients and runners use to reach the API; default http://<host>:<port>. */
  publicUrl: string | null;
  role: Role;
  /**
   * The operator listener (/health, /ready, /metrics without authentication; the only port
   * of a worker): `port` null (default) keeps it closed, 0 takes any free port
   * (FNSTACK_OPERATOR_PORT / operator_port). `host` default 127.0.0.1 (FNSTACK_OPERATOR_HOST /
   * operator_host): whoever reaches it sees every project's function names in the metrics.
   */
  operator: { host: string; port: number | null };
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
  /**
   * CIDR ranges the local provider's sandboxes may not send to, even with `network: true` (say
   * a cloud's management network, with its unauthenticated services); the host's own
   * addresses and link-local ones are always refused. Default none
   * (FNSTACK_SANDBOX_EGRESS_DENY, comma-separated / sandbox_egress_deny, a list).
   */
  sandboxEgressDeny: string[];
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
  /** Warm and pre-started sandboxes of the local provider (service/provisioner/local/README.md, "Warm sandboxes"). */
  warm: {
    /** How long an idle warm sandbox of an `isolation: reuse` function is kept, ms. Default 60 000 (FNSTACK_WARM_IDLE_MS / warm_idle_ms). */
    idleMs: number;
    /** Warm sandboxes per function version at once. Default 4 (FNSTACK_WARM_MAX_PER_FUNCTION / warm_max_per_function). */
    maxPerFunction: number;
    /** Warm sandboxes per project at once, all its functions together. Default 8 (FNSTACK_WARM_MAX_PER_PROJECT / warm_max_per_project). */
    maxPerProject: number;
    /**
     * Pre-started single-use sandboxes kept ready per sandbox shape (memory, vcpus, disk,
     * network) for `per-event` functions, once a shape has been asked for; 0: none, every
     * event starts its own. Default 2 (FNSTACK_SANDBOX_POOL_SIZE / sandbox_pool_size).
     */
    poolSize: number;
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
  /** True when the key was generated by this load and is not in `<data dir>/secrets.key` yet: `persistSecretsKey` writes it. */
  secretsKeyUnsaved: boolean;
  /** The cloud's oslo.messaging notification bus (amqp:// URL) for `openstack` triggers; null: none (FNSTACK_OS_NOTIFICATIONS_URL / os_notifications_url). */
  osNotificationsUrl: string | null;
  triggers: TriggerLimits;
  destinations: DestinationLimits;
  logLevel: string;
}

/** Where functions' outcome events may be sent (docs/api.md, "Destinations"). */
export interface DestinationLimits {
  /**
   * `address:port` pairs (IPv4, or [IPv6]) a `url` destination may be at even though the address
   * rules refuse it (loopback, link-local, private ranges, this host). The deny-list
   * (trigger_broker_deny) still applies. Default none (FNSTACK_DESTINATION_URL_ALLOW,
   * comma-separated / destination_url_allow, a list).
   */
  urlAllow: string[];
  /** How deep a chain of outcome events may go (each outcome of an execution its event caused is one deeper). Default 5 (FNSTACK_DESTINATION_MAX_DEPTH / destination_max_depth). */
  maxDepth: number;
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
  const configPath = env.FNSTACK_CONFIG ?? join(dataDir, 'config.yaml');
  const rawFile = readConfigFile(configPath, env.FNSTACK_CONFIG !== undefined);
  // Every key read is remembered, so that a key nothing reads (a typo) fails the start.
  const known = new Set<string>();
  const file = new Proxy(rawFile, { get: (target, key: string) => (known.add(key), target[key]) });
  const pick = (envKey: string, fileKey: string): string | undefined => {
    const fromFile = stringOf(file[fileKey]);
    return env[envKey] ?? fromFile;
  };

  const [configuredHost, configuredPort, configuredRole] = [pick('FNSTACK_HOST', 'host'), int('port', pick('FNSTACK_PORT', 'port'), 7700, 0, 65535), pick('FNSTACK_ROLE', 'role')];
  const host = overrides.host ?? configuredHost ?? '127.0.0.1';
  const port = overrides.port ?? configuredPort;
  const role = (overrides.role ?? configuredRole ?? 'all') as Role;
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
  const secrets = secretsKeyOf(pick('FNSTACK_SECRETS_KEY', 'secrets_key'), dataDir);
  if (queueUrl !== 'store' && !/^amqps?:\/\//.test(queueUrl)) throw new ConfigError('queue_url', 'must be "store" or an amqp:// URL');

  const config: Config = {
    host,
    port,
    publicUrl: pick('FNSTACK_PUBLIC_URL', 'public_url') ?? null,
    role,
    operator: operatorListenerOf(pick('FNSTACK_OPERATOR_HOST', 'operator_host'), pick('FNSTACK_OPERATOR_PORT', 'operator_port')),
    dataDir,
    databaseUrl,
    store: {
      acquireTimeoutMs: int('database_acquire_timeout_ms', pick('FNSTACK_DATABASE_ACQUIRE_TIMEOUT_MS', 'database_acquire_timeout_ms'), 10_000, 100, 600_000),
      probeIntervalMs: int('database_probe_interval_ms', pick('FNSTACK_DATABASE_PROBE_INTERVAL_MS', 'database_probe_interval_ms'), 1000, 100, 60_000),
    },
    queueUrl,
    provider,
    sandboxDir: absPathOrNull('sandbox_dir', pick('FNSTACK_SANDBOX_DIR', 'sandbox_dir')),
    sandboxEgressDeny: listOf(firstOf(env.FNSTACK_SANDBOX_EGRESS_DENY, file.sandbox_egress_deny)).map((e) => cidrEntry('sandbox_egress_deny', e)),
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
    warm: {
      idleMs: int('warm_idle_ms', pick('FNSTACK_WARM_IDLE_MS', 'warm_idle_ms'), 60_000, 1, 86_400_000),
      maxPerFunction: int('warm_max_per_function', pick('FNSTACK_WARM_MAX_PER_FUNCTION', 'warm_max_per_function'), 4, 1, 1000),
      maxPerProject: int('warm_max_per_project', pick('FNSTACK_WARM_MAX_PER_PROJECT', 'warm_max_per_project'), 8, 1, 10_000),
      poolSize: int('sandbox_pool_size', pick('FNSTACK_SANDBOX_POOL_SIZE', 'sandbox_pool_size'), 2, 0, 100),
    },
    limits: {
      maxMemoryMb: int('max_memory_mb', pick('FNSTACK_MAX_MEMORY_MB', 'max_memory_mb'), 2048, LIMIT_BOUNDS.memory_mb.minimum),
      maxTimeoutS: int('max_timeout_s', pick('FNSTACK_MAX_TIMEOUT_S', 'max_timeout_s'), 900, LIMIT_BOUNDS.timeout_s.minimum),
      pidsMax: int('pids_max', pick('FNSTACK_PIDS_MAX', 'pids_max'), 64, 8),
    },
    quotas: {
      functions: int('quota_functions', pick('FNSTACK_QUOTA_FUNCTIONS', 'quota_functions'), 100, 0),
      codeBytes: int('quota_code_bytes', pick('FNSTACK_QUOTA_CODE_BYTES', 'quota_code_bytes'), 1024 * 1024 * 1024, 0),
      concurrentExecutions: int('quota_concurrent_executions', pick('FNSTACK_QUOTA_CONCURRENT_EXECUTIONS', 'quota_concurrent_executions'), 10, 1),
      executionsPerMinute: int('quota_executions_per_minute', pick('FNSTACK_QUOTA_EXECUTIONS_PER_MINUTE', 'quota_executions_per_minute'), 600, 0),
      memoryMb: int('quota_memory_mb', pick('FNSTACK_QUOTA_MEMORY_MB', 'quota_memory_mb'), 2048, LIMIT_BOUNDS.memory_mb.minimum),
    },
    openstack: openstackConfig(pick),
    secretsKey: secrets.key,
    secretsKeyUnsaved: secrets.unsavedAt !== null,
    osNotificationsUrl: amqpUrlOrNull('os_notifications_url', pick('FNSTACK_OS_NOTIFICATIONS_URL', 'os_notifications_url')),
    triggers: {
      brokerAllow: listOf(firstOf(env.FNSTACK_TRIGGER_BROKER_ALLOW, file.trigger_broker_allow)).map((e) => allowEntry('trigger_broker_allow', e)),
      brokerDeny: listOf(firstOf(env.FNSTACK_TRIGGER_BROKER_DENY, file.trigger_broker_deny)).map((e) => denyEntry('trigger_broker_deny', e)),
      scheduleMinIntervalS: int('schedule_min_interval_s', pick('FNSTACK_SCHEDULE_MIN_INTERVAL_S', 'schedule_min_interval_s'), 60, 1, 86_400),
    },
    destinations: {
      urlAllow: listOf(firstOf(env.FNSTACK_DESTINATION_URL_ALLOW, file.destination_url_allow)).map((e) => allowEntry('destination_url_allow', e)),
      maxDepth: int('destination_max_depth', pick('FNSTACK_DESTINATION_MAX_DEPTH', 'destination_max_depth'), 5, 1, 100),
    },
    logLevel: pick('FNSTACK_LOG_LEVEL', 'log_level') ?? 'info',
  };
  rejectUnknownKeys(configPath, rawFile, known);
  if (provider === 'openstack' && !config.openstack) throw new ConfigError('os_auth_url', 'the openstack provider needs FNSTACK_OS_AUTH_URL and credentials');
  if (authMode === 'keystone' && !config.openstack) throw new ConfigError('os_auth_url', 'keystone auth needs FNSTACK_OS_AUTH_URL and the service credentials');
  return deepFreeze(config);
}

function operatorListenerOf(host: string | undefined, port: string | undefined): Config['operator'] {
  if (host !== undefined && host.trim() === '') throw new ConfigError('operator_host', 'must not be empty');
  return { host: host ?? '127.0.0.1', port: port === undefined || port === '' ? null : int('operator_port', port, 0, 0, 65535) };
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
  // Every key is read before deciding anything, so that each counts as known (see rejectUnknownKeys).
  const v = (envKey: string, fileKey: string) => ({ envKey, fileKey, value: pick(envKey, fileKey) });
  const keys = {
    authUrl: v('FNSTACK_OS_AUTH_URL', 'os_auth_url'),
    appId: v('FNSTACK_OS_APPLICATION_CREDENTIAL_ID', 'os_application_credential_id'),
    appSecret: v('FNSTACK_OS_APPLICATION_CREDENTIAL_SECRET', 'os_application_credential_secret'),
    username: v('FNSTACK_OS_USERNAME', 'os_username'),
    password: v('FNSTACK_OS_PASSWORD', 'os_password'),
    projectName: v('FNSTACK_OS_PROJECT_NAME', 'os_project_name'),
    userDomainName: v('FNSTACK_OS_USER_DOMAIN_NAME', 'os_user_domain_name'),
    projectDomainName: v('FNSTACK_OS_PROJECT_DOMAIN_NAME', 'os_project_domain_name'),
    iface: v('FNSTACK_OS_INTERFACE', 'os_interface'),
    region: v('FNSTACK_OS_REGION', 'os_region'),
    network: v('FNSTACK_OS_NETWORK', 'os_network'),
    flavors: v('FNSTACK_OS_FLAVORS', 'os_flavors'),
    imageProperty: v('FNSTACK_OS_IMAGE_PROPERTY', 'os_image_property'),
    poolSize: v('FNSTACK_OS_POOL_SIZE', 'os_pool_size'),
    provisionTimeoutS: v('FNSTACK_OS_PROVISION_TIMEOUT_S', 'os_provision_timeout_s'),
    reaperIntervalS: v('FNSTACK_OS_REAPER_INTERVAL_S', 'os_reaper_interval_s'),
    serverNamePrefix: v('FNSTACK_OS_SERVER_NAME_PREFIX', 'os_server_name_prefix'),
  };
  const authUrl = keys.authUrl.value;
  if (!authUrl) return null;
  const need = (k: { envKey: string; fileKey: string; value: string | undefined }) => {
    if (!k.value) throw new ConfigError(k.fileKey, `is required when os_auth_url is set (${k.envKey})`);
    return k.value;
  };
  const credentials: OpenStackConfig['credentials'] = keys.appId.value
    ? { type: 'application_credential', id: keys.appId.value, secret: need(keys.appSecret) }
    : {
        type: 'password',
        username: need(keys.username),
        password: need(keys.password),
        projectName: need(keys.projectName),
        userDomainName: keys.userDomainName.value ?? 'Default',
        projectDomainName: keys.projectDomainName.value ?? 'Default',
      };
  const iface = keys.iface.value ?? 'public';
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin') throw new ConfigError('os_interface', `must be public, internal or admin, not '${iface}'`);
  return {
    authUrl,
    credentials,
    region: keys.region.value ?? 'RegionOne',
    interface: iface,
    network: keys.network.value ?? 'none',
    flavorAllowList: (keys.flavors.value ?? '').split(',').map((f) => f.trim()).filter(Boolean),
    imageProperty: keys.imageProperty.value ?? 'fnstack_runtime',
    poolSize: int('os_pool_size', keys.poolSize.value, 0, 0, 100),
    provisionTimeoutS: int('os_provision_timeout_s', keys.provisionTimeoutS.value, 300, 1, 3600),
    reaperIntervalS: int('os_reaper_interval_s', keys.reaperIntervalS.value, 60, 1, 86400),
    serverNamePrefix: keys.serverNamePrefix.value ?? 'fnstack-',
  };
}

const SECRETS_KEY = /^[0-9a-f]{64}$/;

/**
 * The configured key, else the one in `<dataDir>/secrets.key`, else a new one that
 * `persistSecretsKey` writes there at start: loading the configuration writes nothing.
 */
function secretsKeyOf(configured: string | undefined, dataDir: string): { key: string; unsavedAt: string | null } {
  if (configured !== undefined) {
    const k = configured.trim().toLowerCase();
    if (!SECRETS_KEY.test(k)) throw new ConfigError('secrets_key', 'must be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`');
    return { key: k, unsavedAt: null };
  }
  const path = secretsKeyPath(dataDir);
  if (!existsSync(path)) return { key: randomBytes(32).toString('hex'), unsavedAt: path };
  return { key: readSecretsKeyFile(path), unsavedAt: null };
}

function secretsKeyPath(dataDir: string): string {
  return join(dataDir, 'secrets.key');
}

function readSecretsKeyFile(path: string): string {
  const k = readFileSync(path, 'utf8').trim().toLowerCase();
  if (!SECRETS_KEY.test(k)) throw new ConfigError('secrets_key', `${path} must hold 64 hex characters`);
  return k;
}

/**
 * Writes a newly generated secrets key to the data directory (mode 0600, exclusive create),
 * and returns the configuration with the key that is on disk: when two processes start at
 * once, the first file wins and both use it.
 */
export function persistSecretsKey(config: Readonly<Config>): Readonly<Config> {
  if (!config.secretsKeyUnsaved) return config;
  const path = secretsKeyPath(config.dataDir);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${config.secretsKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return deepFreeze({ ...config, secretsKey: readSecretsKeyFile(path), secretsKeyUnsaved: false });
}

function amqpUrlOrNull(key: string, raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (!/^amqps?:\/\//.test(raw)) throw new ConfigError(key, 'must be an amqp:// or amqps:// URL');
  return raw;
}

/** The environment's value if set, else the file's (both always evaluated by the caller). */
function firstOf(fromEnv: string | undefined, fromFile: unknown): unknown {
  return fromEnv ?? fromFile;
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

/** A CIDR range (or one address), in its canonical spelling. */
function cidrEntry(key: string, raw: string): string {
  const c = canonicalCidr(raw);
  if (!c) throw new ConfigError(key, `'${raw}' is not a CIDR range like 10.0.0.0/8 or fd00::/8`);
  return c.text;
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

/** Names every key of the config file that nothing reads, with the known key it most resembles. */
function rejectUnknownKeys(path: string, file: Record<string, unknown>, known: ReadonlySet<string>): void {
  const unknown = Object.keys(file).filter((k) => !known.has(k));
  if (unknown.length === 0) return;
  const described = unknown.map((k) => {
    const near = closest(k, [...known]);
    return near ? `'${k}' (did you mean '${near}'?)` : `'${k}'`;
  });
  throw new ConfigError(unknown[0]!, `unknown key${unknown.length > 1 ? 's' : ''} in ${path}: ${described.join(', ')}`);
}

/** The candidate within edit distance 2 (or sharing a long prefix) of `word`, if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d <= Math.max(2, Math.floor(word.length / 4)) && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
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
