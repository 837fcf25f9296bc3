/**
 * The identity of one deployment: every process that shares a store is the same deployment.
 * Derived from the database URL without its credentials, so that rotating the database
 * password keeps it (the servers a deployment tagged and the queues it named stay its own).
 */
import { createHash } from 'node:crypto';

export function deploymentIdOf(databaseUrl: string): string {
  let key = databaseUrl;
  if (/^(mariadb|mysql):\/\//.test(databaseUrl)) {
    const u = new URL(databaseUrl);
    key = `mariadb://${u.hostname}:${u.port || '3306'}${u.pathname}`;
  }
  return createHash('sha256').update(`fnstack:${key}`).digest('hex').slice(0, 16);
}
