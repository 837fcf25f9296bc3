/**
 * A stand-in service process for the die-with-the-service test: it starts one sandboxed
 * function that forks children and never returns, prints the sandbox's uid, and waits to be
 * killed. Usage: node _sandbox-host.js <sandboxRoot> <codeDir>
 */
import { LocalProvider } from '../../service/provisioner/local/local-provider.js';
import type { LocalEnvironment } from '../../service/provisioner/local/local-environment.js';
import { assignment, params } from '../provisioner/_fixtures.js';

const [sandboxRoot, codeDir] = process.argv.slice(2);
const provider = new LocalProvider({ sandboxRoot: sandboxRoot! });
const p = params({ timeoutS: 300 });
const env = (await provider.acquire(p)) as LocalEnvironment;
process.stdout.write(JSON.stringify({ uid: env.parts.uid, cgroups: env.parts.cgroup?.dirs ?? [] }) + '\n');
void env.run(assignment(p, 'index.handler', codeDir!));
