import { Command, Option, UsageError } from 'clipanion';
import { isFinalStatus, type ExecutionSummaryInfo } from '../../api-types.js';
import { ReadCommand } from '../../base-command.js';
import { forTerminal, LinePrefixer, LogTail } from '../../log-tail.js';
import { sleep } from '../../wait-execution.js';

/** How often --follow looks for new executions and new output, ms. */
const FOLLOW_POLL_MS = 1000;

interface Followed {
  tail: LogTail;
  lines: LinePrefixer;
}

export class FunctionLogsCommand extends ReadCommand {
  static override paths = [['function', 'logs']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: "Print the logs of a function's recent executions, each line prefixed with its execution id",
    details:
      'Prints the logs of the last `--last` executions, oldest first. With `--follow` it keeps going, like `aws logs tail --follow`: ' +
      'the output of running executions and of every new one as it comes, until interrupted (Ctrl-C).',
    examples: [
      ['The logs of the last 5 executions', '$0 function logs report'],
      ['Follow every execution of a function', '$0 function logs report --follow'],
    ],
  });

  name = Option.String({ name: 'name' });
  follow = Option.Boolean('--follow', false, { description: 'Keep printing the output of running and new executions' });
  last = Option.String('--last', '5', { description: 'How many recent executions to print first (0: only new ones)' });

  async run(): Promise<number> {
    const output = this.output();
    const json = output.format === 'json' && output.columns.length === 0;
    if (!json && (output.format !== 'table' || output.columns.length > 0)) throw new UsageError('function logs prints text, or JSON with -f json (no -c, yaml or value)');
    if (this.follow && json) throw new UsageError('--follow prints the logs as they come: it cannot be combined with --json or -f json');
    const last = Number(this.last);
    if (!Number.isInteger(last) || last < 0 || last > 500) throw new UsageError(`--last must be an integer from 0 to 500, got '${this.last}'`);
    const client = this.client();
    const listed = await client.listExecutions({ function: this.name, limit: Math.max(last, 20) });
    const recent = listed.slice(0, last);
    if (json) {
      const logs = [];
      for (const e of recent.reverse()) logs.push(await client.getLogs(e.id));
      this.outJson(logs);
      return 0;
    }
    const tty = (this.context.stdout as { isTTY?: boolean }).isTTY === true;
    // What exists now is either printed (the last --last) or old: --follow adds only executions that come later.
    const known = new Set<string>(listed.map((e) => e.id));
    const followed = new Map<string, Followed>();
    const start = (e: ExecutionSummaryInfo) => followed.set(e.id, { tail: new LogTail(client, e.id), lines: new LinePrefixer(`[${e.id}] `) });
    for (const e of [...recent].reverse()) start(e);
    if (this.follow) this.err(`following the executions of ${this.name} (Ctrl-C to stop)`);
    for (;;) {
      for (const [id, f] of followed) {
        const logs = await f.tail.next();
        let text = f.lines.push(logs.fresh);
        const over = isFinalStatus(logs.status);
        if (over) {
          text += f.lines.flush();
          followed.delete(id);
        }
        if (text) this.context.stdout.write(forTerminal(text, tty));
        if (over && this.follow) this.err(`execution ${id} ${logs.status}${logs.truncated ? ' (logs truncated)' : ''}`);
      }
      if (!this.follow && followed.size === 0) return 0;
      if (!this.follow) {
        // Not following: what is still running is printed as far as it got.
        for (const f of followed.values()) {
          const rest = f.lines.flush();
          if (rest) this.context.stdout.write(forTerminal(rest, tty));
        }
        return 0;
      }
      await sleep(FOLLOW_POLL_MS);
      const newest = await client.listExecutions({ function: this.name, limit: 20 });
      for (const e of newest.reverse()) {
        if (known.has(e.id)) continue;
        known.add(e.id);
        start(e);
      }
    }
  }
}
