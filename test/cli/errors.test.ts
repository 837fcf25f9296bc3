import test from 'ava';
import { UsageError } from 'clipanion';
import { ApiRequestError, CliError, UnreachableError, describeError } from '../../cli/errors.js';
import { buildCli } from '../../cli/build-cli.js';

test('an API error body becomes one line with the field', (t) => {
  const err = ApiRequestError.fromBody(400, { code: 'invalid_request', message: 'memory_mb must be at most 2048', field: 'memory_mb' }, 'Bad Request');
  t.deepEqual(describeError(err), { text: 'error: memory_mb must be at most 2048 (field: memory_mb)\n', exitCode: 1 });
  t.is(err.code, 'invalid_request');
  t.is(err.status, 400);
});

test('an error answer that is not the API shape still reads as one line', (t) => {
  const err = ApiRequestError.fromBody(502, undefined, 'Bad Gateway');
  t.is(describeError(err).text, 'error: the service answered HTTP 502 Bad Gateway\n');
});

test('an unreachable service names the URL and the way out', (t) => {
  t.is(
    describeError(new UnreachableError('http://127.0.0.1:7700', 'ECONNREFUSED')).text,
    'error: cannot reach fnstack at http://127.0.0.1:7700: is `fnstack server` running? (ECONNREFUSED)\n',
  );
});

test('usage errors exit with 2, other user errors with 1', (t) => {
  t.deepEqual(describeError(new UsageError('--memory must be a whole number')), { text: 'error: --memory must be a whole number\n', exitCode: 2 });
  t.is(describeError(new CliError('nope')).exitCode, 1);
});

test('unexpected errors: one line without FNSTACK_DEBUG, the stack with it', (t) => {
  const err = new TypeError('cannot read properties of undefined');
  const quiet = describeError(err);
  t.is(quiet.text, 'error: unexpected: cannot read properties of undefined (set FNSTACK_DEBUG=1 to see the stack)\n');
  const loud = describeError(err, { debug: true });
  t.regex(loud.text, /^error: unexpected: TypeError: cannot read properties of undefined\n\s+at /);
});

test('parse errors from clipanion are one line pointing to --help', (t) => {
  const cli = buildCli();
  const parse = (argv: string[]) => {
    try {
      cli.process(argv);
    } catch (error) {
      return describeError(error);
    }
    throw new Error(`${argv.join(' ')} parsed`);
  };
  const unknownOption = parse(['function', 'create', 'x', '--bogus']);
  t.is(unknownOption.text, 'error: Unsupported option name ("--bogus"). (see `fnstack function create --help`)\n');
  t.is(unknownOption.exitCode, 2);
  const unknownCommand = parse(['function', 'creat', 'x']);
  t.is(unknownCommand.text.split('\n').length, 2);
  t.regex(unknownCommand.text, /^error: unknown command/);
});
