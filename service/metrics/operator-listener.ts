/**
 * The operator listener: a small HTTP server, apart from the API, with /health, /ready and
 * /metrics and no authentication — for probes and Prometheus, on an address only operators
 * reach (operator_host, default 127.0.0.1; operator_port, off unless set). It is the only
 * port a worker (`--role worker`) opens. Off by default: an open metrics port would show
 * every tenant's function names to whoever reaches it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ServiceMetrics } from './service-metrics.js';
import { VERSION } from '../version.js';
import type { Readiness } from './readiness.js';

export interface OperatorListener {
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

export async function startOperatorListener(
  where: { host: string; port: number },
  metrics: ServiceMetrics,
  ready: () => Promise<Readiness>,
  logger: Logger,
): Promise<OperatorListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'only GET\n');
    const answer = async () => {
      if (path === '/health') return send(200, 'application/json', JSON.stringify({ status: 'ok', version: VERSION }));
      if (path === '/ready') {
        const r = await ready();
        return send(r.ready ? 200 : 503, 'application/json', JSON.stringify({ status: r.ready ? 'ready' : 'not_ready', checks: r.checks }));
      }
      if (path === '/metrics') return send(200, metrics.contentType, await metrics.text());
      return send(404, 'text/plain', 'not found: /health, /ready, /metrics\n');
    };
    answer().catch((err: unknown) => {
      logger.error({ err }, 'operator listener: request failed');
      if (!res.headersSent) send(500, 'text/plain', 'internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}`;
  logger.info({ url }, 'operator listener (health, readiness, metrics) listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
