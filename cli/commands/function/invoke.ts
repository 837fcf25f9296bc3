import { randomUUID } from 'node:crypto';
import { Command, Option } from 'clipanion';
import type { ApiClient } from '../../api-client.js';
import type { ExecutionInfo } from '../../api-types.js';
import { ApiCommand } from '../../base-command.js';
import { ApiRequestError, TransportError } from '../../errors.js';
import { parseData } from '../../input.js';
import { lastLines } from '../../output/execution-view.js';
import { Spinner } from '../../output/spinner.js';
import { findExecutionByEvent, waitForExecution } from '../../wait-execution.js';
import { annotate } from '../../command-spec.js';

/** The HTTP client's own give-up codes: the execution is still going, so we poll for it instead. */
const WAIT_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const LOG_LINES_ON_FAILURE = 20;
/** What --log prints of a successful run's logs: their end, like Lambda's 4 KB tail. */
const LOG_TAIL_CHARS = 4096;

export class FunctionInvokeCommand extends ApiCommand {
  static override paths = [['function', 'invoke']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'Run a function with an event and print its result',
    details: `
      By default waits for the execution and prints the function's result as JSON; the exit code is
      non-zero if it failed or timed out, and the error and the last log lines go to stderr.
      With \`--async\` only queues it and prints the execution id (see \`fnstack execution show\`).

      \`--data\` is the event data: inline JSON, \`@FILE\` for a JSON file, or \`-\` for stdin.
    `,
    examples: [
      ['Invoke with inline data', `$0 function invoke hello --data '{"name":"world"}'`],
      ['With data from a file, as a typed event', '$0 function invoke resize --data @event.json --type com.example.image.uploaded'],
      ['Queue it and return at once', '$0 function invoke report --async'],
      ['Pipe the data in', 'echo \'{"n": 3}\' | $0 function invoke hello --data -'],
      ["The result, and the logs' tail on stderr", '$0 function invoke hello --log'],
    ],
  });

  name = Option.String({ name: 'name' });
  data = annotate(Option.String('--data', { description: 'Event data: JSON, @FILE or - (stdin); default {}' }), { placeholder: 'JSON|@FILE|-' });
  async = Option.Boolean('--async', false, { description: 'Queue the execution and print its id without waiting' });
  type = Option.String('--type', { description: 'CloudEvent type of the event (ce-type)' });
  json = Option.Boolean('--json', false, { description: 'Print the whole execution (or the async acceptance) as JSON' });
  log = Option.Boolean('--log', false, { description: "Also print the tail of the execution's logs (last 4 KiB) on stderr, like `aws lambda invoke --log-type Tail`" });

  async run(): Promise<number> {
    const data = await parseData(this.data);
    const client = this.client();
    // Our own event id lets us find the execution again if the synchronous wait is cut short.
    const eventId = randomUUID();
    const headers: Record<string, string> = { 'ce-id': eventId };
    if (this.type !== undefined) headers['ce-type'] = this.type;

    if (this.async) {
      const accepted = await client.invoke(this.name, data, 'async', headers);
      if (this.json) this.outJson(accepted);
      else this.out(accepted.execution_id);
      return 0;
    }

    const execution = await client.withWholeResult(await this.invokeAndWait(client, data, headers, eventId));
    if (this.json) this.outJson(execution);
    if (execution.status === 'succeeded') {
      if (this.log) await this.printLogTail(client, execution.id);
      // On stderr: stdout stays the result alone, for pipes.
      this.err(`execution ${execution.id} succeeded${execution.timings?.total_ms != null ? ` in ${execution.timings.total_ms} ms` : ''}`);
      if (!this.json) this.out(JSON.stringify(execution.result ?? null, null, 2));
      return 0;
    }
    await this.reportFailure(client, execution);
    return 1;
  }

  private async invokeAndWait(client: ApiClient, data: unknown, headers: Record<string, string>, eventId: string): Promise<ExecutionInfo> {
    const spinner = new Spinner(this.context.stderr, `running ${this.name}`).start();
    const onInterrupt = () => {
      spinner.stop();
      this.err(`interrupted: the execution goes on (event ${eventId}); see \`fnstack execution list --function ${this.name}\``);
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    try {
      try {
        const answer = await client.invoke(this.name, data, 'sync', headers);
        if ('id' in answer) return answer;
        // The service gave up waiting (202 with the id, as for async): poll from here on.
        spinner.setText(`still running ${this.name}`);
        return await waitForExecution(client, answer.execution_id, (status) => spinner.setText(`${this.name}: ${status}`));
      } catch (error) {
        const cutShort = (error instanceof TransportError && WAIT_TIMEOUTS.has(error.code)) || (error instanceof ApiRequestError && error.status === 504);
        if (!cutShort) throw error;
        spinner.setText(`still running ${this.name}`);
        const found = await findExecutionByEvent(client, this.name, eventId);
        return await waitForExecution(client, found.id, (status) => spinner.setText(`${this.name}: ${status}`));
      }
    } finally {
      spinner.stop();
      process.off('SIGINT', onInterrupt);
    }
  }

  private async printLogTail(client: ApiClient, id: string): Promise<void> {
    const logs = await client.getLogs(id).catch(() => null);
    if (!logs || logs.logs.length === 0) return;
    const tail = logs.logs.length > LOG_TAIL_CHARS ? `…${logs.logs.slice(-LOG_TAIL_CHARS)}` : logs.logs;
    this.err(`logs of execution ${id}${logs.truncated ? ' (cut by the service)' : ''}:\n${tail.replace(/\n$/, '')}`);
  }

  private async reportFailure(client: ApiClient, execution: ExecutionInfo): Promise<void> {
    const what = execution.status === 'timed_out' ? 'timed out' : execution.status;
    const why = execution.error ? ` (${execution.error.kind}): ${execution.error.message}` : '';
    this.err(`error: execution ${execution.id} ${what}${why}`);
    const logs = await client.getLogs(execution.id).catch(() => null);
    const lines = logs ? lastLines(logs.logs, LOG_LINES_ON_FAILURE) : [];
    if (lines.length > 0) this.err(`last log lines:\n${lines.map((l) => `  | ${l}`).join('\n')}`);
    this.err(`see \`fnstack execution show ${execution.id}\` and \`fnstack execution logs ${execution.id}\``);
  }
}
