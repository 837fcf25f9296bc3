/**
 * Following an execution's logs as they grow: each poll asks for what came after the last
 * cursor (GET /v1/executions/{id}/logs?after=), so a long log is sent once, not once a poll.
 * The text is the function's own output: hostile. Printed to a terminal, control characters
 * other than newline and tab are shown as U+FFFD, so that a function cannot drive the
 * user's terminal (escape sequences) or hide lines (carriage returns).
 */
import type { ApiClient } from './api-client.js';
import type { ExecutionLogs } from './api-types.js';

export class LogTail {
  private cursor: string | undefined;
  private seen = 0;

  constructor(
    private readonly client: ApiClient,
    readonly executionId: string,
  ) {}

  /** What is new since the last call (all of it the first time), with the execution's status. */
  async next(): Promise<ExecutionLogs & { fresh: string }> {
    const answer = await this.client.getLogs(this.executionId, this.cursor);
    let fresh: string;
    if (answer.cursor === undefined) {
      // A service without cursors sends everything each time.
      fresh = answer.logs.slice(this.seen);
      this.seen = answer.logs.length;
    } else {
      fresh = answer.logs;
      this.cursor = answer.cursor;
    }
    return { ...answer, fresh };
  }
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** The text as it may reach a terminal (see above); unchanged when not printing to one. */
export function forTerminal(text: string, tty: boolean): string {
  return tty ? text.replace(UNSAFE, '\ufffd') : text;
}

/**
 * Splits output into whole lines for prefixing (several executions on one screen): a line
 * is printed once its newline came, or when `flush` says the execution is over.
 */
export class LinePrefixer {
  private partial = '';

  constructor(private readonly prefix: string) {}

  push(text: string): string {
    const all = this.partial + text;
    const cut = all.lastIndexOf('\n');
    if (cut < 0) {
      this.partial = all;
      return '';
    }
    this.partial = all.slice(cut + 1);
    return all
      .slice(0, cut + 1)
      .split('\n')
      .slice(0, -1)
      .map((line) => `${this.prefix}${line}\n`)
      .join('');
  }

  flush(): string {
    const rest = this.partial;
    this.partial = '';
    return rest ? `${this.prefix}${rest}\n` : '';
  }
}
