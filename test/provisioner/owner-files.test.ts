/**
 * Owner files and uid locks are shared by every service process on the machine, and each
 * process sweeps what dead ones left. A lock or owner file seen half-written was taken for a
 * dead owner's (CI saw a sweeper remove a live process's scratch disk while it was being
 * made), and two processes taking over one dead owner's uid at once could both get it: two
 * tenants' sandboxes under one uid. These tests race real processes against each other.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDeadTemps, writePidFile } from '../../service/provisioner/local/pid-file.js';
import { withTakeoverMutex } from '../../service/provisioner/local/takeover-mutex.js';

const racer = fileURLToPath(new URL('./_owner-file-racer.js', import.meta.url));

interface Child {
  /** The child printed `ready`. */
  ready: Promise<void>;
  /** The first other line the child prints, parsed. */
  answer: Promise<unknown>;
  /** Closes its stdin: a taker lets go of its uids by exiting. */
  release(): void;
  exited: Promise<void>;
}

function start(args: string[]): Child {
  const child = spawn(process.execPath, [racer, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let ready = () => {};
  const answer = new Promise<unknown>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === 'ready') ready();
        else resolve(JSON.parse(line));
      }
    });
    child.once('exit', (code) => reject(new Error(`racer exited (${code}) without an answer`)));
  });
  answer.catch(() => undefined);
  return {
    ready: new Promise((resolve) => (ready = resolve)),
    answer,
    release: () => child.stdin.end(),
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
  };
}

test('an owner file is never seen empty or partial by a process reading it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'owner-file-'));
  try {
    const path = join(dir, 'owner');
    const done = join(dir, 'done');
    const reader = start(['read', path, done]);
    await reader.ready;
    for (let i = 0; i < 20_000; i++) {
      writePidFile(path, { exclusive: i % 2 === 0 });
      await unlink(path);
    }
    await writeFile(done, '');
    const seen = (await reader.answer) as { reads: number; torn: string[]; tornCount: number };
    t.log(`${seen.reads} reads of a whole file while it was written and removed 20 000 times`);
    t.true(seen.reads > 0, 'the reader never caught the file in place: the race was not run');
    t.deepEqual(seen.torn, [], `${seen.tornCount} reads saw a torn owner file`);
    t.deepEqual((await readdir(dir)).filter((n) => n !== 'done'), [], 'no temporary file is left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('processes racing to take over a dead owner’s uid: exactly one gets it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'uid-locks-'));
  const first = 900_000;
  const uids = 40;
  const dead = spawnSync('true').pid!;
  const racers: Child[] = [];
  try {
    for (let i = 0; i < uids; i++) await writeFile(join(dir, String(first + i)), String(dead));
    const go = join(dir, '.go');
    for (let i = 0; i < 6; i++) racers.push(start(['take', dir, String(first), String(uids), go]));
    await Promise.all(racers.map((r) => r.ready)); // all spinning on the go file
    await writeFile(go, '');
    const got = (await Promise.all(racers.map((r) => r.answer))) as number[][];
    const winners = new Map<number, number>();
    for (const list of got) for (const uid of list) winners.set(uid, (winners.get(uid) ?? 0) + 1);
    const twice = [...winners].filter(([, n]) => n > 1).map(([uid]) => uid);
    t.deepEqual(twice, [], 'a uid was held by two processes at once');
    t.is(winners.size, uids, 'every dead owner’s uid was taken over by someone');
  } finally {
    for (const r of racers) r.release();
    await Promise.all(racers.map((r) => r.exited));
    await rm(dir, { recursive: true, force: true });
  }
});

test('a temporary owner file left by a dead process is swept; a live process’s stays', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'owner-temps-'));
  try {
    const dead = spawnSync('true').pid!;
    await writeFile(join(dir, `.owner.${dead}.pid-tmp`), String(dead));
    await writeFile(join(dir, `.other.${process.pid}.pid-tmp`), String(process.pid));
    await writeFile(join(dir, 'unrelated'), '');
    removeDeadTemps(dir);
    t.deepEqual((await readdir(dir)).sort(), [`.other.${process.pid}.pid-tmp`, 'unrelated']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a takeover waits for the mutex; held too long by another process, it does not happen', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'takeover-'));
  // Another process holds the mutex (as a takeover in flight would); -o: flock itself holds it, not its command.
  const other = spawn('/usr/bin/flock', ['-o', '--exclusive', join(dir, '.takeover'), 'sh', '-c', 'echo held; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  try {
    await new Promise((r) => other.stdout.once('data', r));
    let ran = false;
    const won = await withTakeoverMutex(dir, async () => (ran = true));
    t.false(won, 'the takeover happened without the mutex');
    t.false(ran);
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    t.true(await withTakeoverMutex(dir, async () => true), 'once its holder died, the mutex is free');
  } finally {
    try {
      process.kill(-other.pid!, 'SIGKILL'); // and its sleep
    } catch {
      // gone
    }
    await rm(dir, { recursive: true, force: true });
  }
});
