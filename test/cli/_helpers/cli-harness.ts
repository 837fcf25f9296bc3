/**
 * The compiled CLI run as a child process with a clean environment (its own HOME and
 * config dir, no FNSTACK_* from the outside), and assertions on what it prints.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { tempDir } from './tmp.js';
import { WAIT_CAP_MS } from '../../_helpers/poll.js';

export const CLI_MAIN = fileURLToPath(new URL('../../../cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** A sandbox for CLI runs: its own home, config dir and working directory. */
export interface CliSandbox {
  home: string;
  configHome: string;
  cwd: string;
  env: Record<string, string | undefined>;
}

export function cliSandbox(extraEnv: Record<string, string | undefined> = {}): CliSandbox {
  const root = tempDir('fnstack-cli-e2e-');
  const sandbox = { home: join(root, 'home'), configHome: join(root, 'config'), cwd: root };
  return { ...sandbox, env: { PATH: process.env.PATH, HOME: sandbox.home, XDG_CONFIG_HOME: sandbox.configHome, ...extraEnv } };
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: (options.env ?? { PATH: process.env.PATH }) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? WAIT_CAP_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * stderr without the spinner's plain progress lines, which appear off a terminal when a wait
 * passes 2 s (a loaded test machine can get there).
 */
export function withoutSpinner(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^\S.*… \(\d+(\.\d)? s\)$|^\S.*… \(\d+m \d+s\)$/.test(line))
    .join('\n');
}

/** A user error: non-zero exit, exactly one line on stderr starting with "error:", no stack. */
export function assertOneLineError(t: ExecutionContext, result: CliResult, message: RegExp, exitCode?: number): void {
  const lines = withoutSpinner(result.stderr).trimEnd().split('\n');
  t.not(result.code, 0, `expected a failure; stdout: ${result.stdout}`);
  if (exitCode !== undefined) t.is(result.code, exitCode, result.stderr);
  t.is(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  t.regex(lines[0]!, /^error: /);
  t.regex(lines[0]!, message);
  t.notRegex(result.stderr, /\n\s+at /, 'no stack trace');
}

export function parseJsonOutput<T>(t: ExecutionContext, result: CliResult): T {
  t.is(result.code, 0, result.stderr);
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    t.fail(`stdout is not JSON: ${result.stdout}`);
    throw new Error('unreachable');
  }
}
