/**
 * First start of the embedded default: create the admin project, account and API key, and
 * write them to `<dataDir>/credentials.json` (mode 0600), where the CLI finds them.
 */
import { writeFile, mkdir, chmod, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import { isUniqueViolation } from '../store/function-store.js';

export interface Credentials {
  endpoint: string;
  api_key: string;
  account: string;
  project: string;
}

export function credentialsPath(dataDir: string): string {
  return join(dataDir, 'credentials.json');
}

/** Returns the credentials file path when it was written now (first start), else null. */
export async function bootstrapAdmin(store: Store, dataDir: string, endpoint: string): Promise<string | null> {
  if ((await store.accounts.countAccounts()) > 0) return null;
  let project, account;
  try {
    // A fixed project id: when several API processes start at once on one database, one wins.
    project = await store.accounts.createProject('admin', 'builtin', 'admin');
    account = await store.accounts.createAccount(project.id, 'admin', 'admin');
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
  const key = await store.accounts.issueKey(account.id, { description: 'created on first start' });
  const creds: Credentials = { endpoint, api_key: key.key, account: account.name, project: project.name };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = credentialsPath(dataDir);
  await writeCredentials(path, creds);
  return path;
}

/**
 * Writes the credentials file whole or not at all (a temporary file renamed over it): the API
 * already answers while it is written, and a client that reads it then must never see half.
 */
export async function writeCredentials(path: string, creds: Credentials): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
