/**
 * Group admission on MariaDB (a group commit of the quota's statements). While one admission of
 * a project is on its way to the database, the next ones of that project wait for it, then go
 * together: counted with one increment of the second's counter, checked with one read of the
 * minute, created with one multi-row INSERT. Alone (no admission in flight) an admission goes at
 * once, with the same statements as before; under load a group costs the statements of one.
 *
 * The quota stays exact (see ExecutionLedger.createWithinQuota): a group is one admission of
 * weight k. It counts k first, then reads the minute's sum, its k included; when the k do not
 * all fit, or the INSERT finds an event already recorded (a replay), it gives the k back and its
 * members are admitted one by one as before (near the limit and on replays only). The same
 * event twice in one group is created once; the second gets that execution as a replay.
 */
import type { Kysely } from 'kysely';
import type { Database, ExecutionRow } from './schema.js';
import type { NewExecutionInput, QuotaAdmission } from './execution-store.js';
import { countCreated, minuteAndLimit, uncountCreated } from './execution-rate.js';
import { isUniqueViolation } from './function-store.js';

/** At most this many executions per group, and (but for a single one) this many bytes of events. */
const MAX_GROUP = 64;
const MAX_GROUP_EVENT_BYTES = 2 * 1024 * 1024;

type Single = (input: NewExecutionInput, defaultPerMinute: number, now: number) => Promise<QuotaAdmission>;
type RowOf = (input: NewExecutionInput, now: number) => ExecutionRow;
type ExecutionOf = (row: ExecutionRow) => NonNullable<QuotaAdmission['execution']>;

interface Waiting {
  input: NewExecutionInput;
  defaultPerMinute: number;
  now: number;
  resolve: (a: QuotaAdmission) => void;
  reject: (err: unknown) => void;
  /** Its row, once a group is formed. */
  row?: ExecutionRow;
}

const secondOf = (ms: number) => Math.floor(ms / 1000);
const eventKey = (input: NewExecutionInput) => `${input.functionId}\u0000${input.event.id}`;

export class AdmissionGroups {
  /** Per project: the admissions waiting for the one in flight (the key exists while one is). */
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly single: Single,
    private readonly rowOf: RowOf,
    private readonly executionOf: ExecutionOf,
  ) {}

  admit(input: NewExecutionInput, defaultPerMinute: number, now: number): Promise<QuotaAdmission> {
    return new Promise((resolve, reject) => {
      const entry: Waiting = { input, defaultPerMinute, now, resolve, reject };
      const queue = this.waiting.get(input.projectId);
      if (queue) {
        queue.push(entry);
        return;
      }
      this.waiting.set(input.projectId, []);
      void this.drain(input.projectId, [entry]);
    });
  }

  /** Admits `first`, then the groups that gathered meanwhile, until none is left. */
  private async drain(projectId: string, first: Waiting[]): Promise<void> {
    let group = first;
    for (;;) {
      try {
        await (group.length === 1 ? this.alone(group[0]!) : this.together(projectId, group));
      } catch (err) {
        for (const w of group) w.reject(err);
      }
      const queue = this.waiting.get(projectId)!;
      if (queue.length === 0) {
        this.waiting.delete(projectId);
        return;
      }
      group = takeGroup(queue, this.rowOf);
    }
  }

  private async alone(w: Waiting): Promise<void> {
    await this.single(w.input, w.defaultPerMinute, w.now).then(w.resolve, w.reject);
  }

  /** A group of two or more (rows built by takeGroup); settles every member. */
  private async together(projectId: string, group: Waiting[]): Promise<void> {
    const firsts = new Map<string, Waiting>();
    for (const w of group) if (!firsts.has(eventKey(w.input))) firsts.set(eventKey(w.input), w);
    const k = firsts.size;
    const { now, defaultPerMinute } = group[0]!;
    await countCreated(this.db, 'mariadb', projectId, now, k);
    let fits: boolean;
    try {
      const minute = await minuteAndLimit(this.db, projectId, now);
      fits = minute.recent <= (minute.override ?? defaultPerMinute);
      if (fits) await this.db.insertInto('executions').values([...firsts.values()].map((w) => w.row!)).execute();
    } catch (err) {
      if (!isUniqueViolation(err)) {
        await uncountCreated(this.db, projectId, now, k).catch(() => undefined);
        throw err;
      }
      fits = false;
    }
    if (!fits) {
      await uncountCreated(this.db, projectId, now, k);
      await Promise.all(group.map((w) => this.alone(w)));
      return;
    }
    for (const w of group) {
      const first = firsts.get(eventKey(w.input))!;
      w.resolve({ execution: this.executionOf(first.row!), created: first === w, claimed: false });
    }
  }
}

/**
 * Takes from `queue` the next group: the first waiting admission and the others of its second
 * and default limit (one counter row, one minute), within the size limits, in their order;
 * each taken with its row.
 */
function takeGroup(queue: Waiting[], rowOf: RowOf): Waiting[] {
  const head = queue[0]!;
  const group: Waiting[] = [];
  let bytes = 0;
  for (let i = 0; i < queue.length && group.length < MAX_GROUP; ) {
    const w = queue[i]!;
    w.row ??= rowOf(w.input, w.now);
    const size = w.row.event_json.length;
    const fits = group.length === 0 || (secondOf(w.now) === secondOf(head.now) && w.defaultPerMinute === head.defaultPerMinute && bytes + size <= MAX_GROUP_EVENT_BYTES);
    if (!fits) {
      i++;
      continue;
    }
    group.push(w);
    bytes += size;
    queue.splice(i, 1);
  }
  return group;
}
