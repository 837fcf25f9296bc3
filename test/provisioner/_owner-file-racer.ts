/**
 * A child process for owner-files.test.ts. `take <lockDir> <firstUid> <count> <goFile>`: prints
 * `ready`, waits for the go file, then tries to take each uid of the range alone (a pool of one uid), and
 * prints the uids it got as JSON; then holds them (stays alive) until stdin closes.
 * `read <path> <doneFile>`: prints `ready`, reads the file as fast as it can until the done file appears and
 * prints every content it saw that was not a whole pid (a missing file is fine).
 */
import { existsSync, readFileSync } from 'node:fs';
import { UidPool } from '../../service/provisioner/local/uid-pool.js';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'take') {
  const [lockDir, first, count, goFile] = args as [string, string, string, string];
  process.stdout.write('ready\n');
  while (!existsSync(goFile));
  const got: number[] = [];
  for (let i = 0; i < Number(count); i++) {
    const uid = await new UidPool(Number(first) + i, 1, lockDir).take();
    if (uid !== null) got.push(uid);
  }
  process.stdout.write(JSON.stringify(got) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else if (mode === 'read') {
  const [path, doneFile] = args as [string, string];
  const torn: string[] = [];
  let reads = 0;
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    if (i % 256 === 0 && existsSync(doneFile)) break;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    reads++;
    if (!/^[1-9]\d*$/.test(text)) torn.push(text);
  }
  process.stdout.write(JSON.stringify({ reads, torn: torn.slice(0, 10), tornCount: torn.length }) + '\n');
}
