/**
 * /v1/functions/{name}/destinations: where the function's execution outcomes are sent as
 * CloudEvents (service/destinations). A URL whose address the guard refuses now is a 400;
 * it is checked again at each delivery (DNS may answer otherwise later).
 */
import type { FastifyInstance } from 'fastify';
import { invalid, notFound } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import { checkDestinations, DESTINATION_SLOTS, sealDestinations } from '../../destinations/destination-spec.js';
import { BrokerRefused, brokerPolicyOf, urlPolicyOf } from '../../triggers/broker-policy.js';
import { checkBroker } from '../../triggers/kind-amqp.js';
import type { DestinationsRow } from '../../store/destination-store.js';

const DestinationBody = {
  type: ['object', 'null'],
  properties: {
    kind: { type: 'string', enum: ['events', 'url', 'broker'] },
    routing_key: { type: 'string' },
    url: { type: 'string' },
    /** broker: the URL without credentials. */
    broker: { type: 'string' },
    exchange: { type: 'string' },
  },
} as const;

const DestinationsBody = {
  type: 'object',
  properties: {
    function: { type: 'string' },
    on_success: DestinationBody,
    on_failure: DestinationBody,
    last_delivered_at: { type: ['string', 'null'] },
    last_error: { type: ['string', 'null'] },
    last_error_at: { type: ['string', 'null'] },
    updated_at: { type: ['string', 'null'] },
  },
} as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const json = (fn: string, row: DestinationsRow | null) => ({
  function: fn,
  on_success: row?.config.on_success ?? null,
  on_failure: row?.config.on_failure ?? null,
  last_delivered_at: iso(row?.lastDeliveredAt ?? null),
  last_error: row?.lastError ?? null,
  last_error_at: iso(row?.lastErrorAt ?? null),
  updated_at: iso(row?.updatedAt ?? null),
});
const params = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 128 } } } as const;

export default async function destinationRoutes(app: FastifyInstance) {
  const policy = urlPolicyOf(app.fnstack.config);
  const brokerPolicy = brokerPolicyOf(app.fnstack.config);

  app.get('/v1/functions/:name/destinations', {
    config: { access: 'read' },
    schema: { summary: 'Where the function’s execution outcomes are sent, and how the last delivery went', tags: ['functions'], params, response: { 200: DestinationsBody, ...errorResponses(401, 404) } },
    handler: async (req) => {
      const { name } = req.params as { name: string };
      const scope = req.project();
      const fn = await scope.functions.get(name);
      if (!fn) throw notFound('function', name);
      return json(fn.name, await scope.destinations.get(fn.id));
    },
  });

  app.put('/v1/functions/:name/destinations', {
    schema: {
      summary: 'Send the function’s execution outcomes as CloudEvents',
      description:
        'Body: { on_success?, on_failure? }, each { kind: "events", routing_key? } (into the project’s events, as if published on fnstack.events; event and amqp triggers match it), { kind: "url", url } (POSTed in structured mode) or { kind: "broker", broker_url, exchange?, routing_key } (published on the tenant’s own AMQP broker; the URL is sealed, shown as broker without credentials). Replaces both; an absent one is none. Outcome events: type org.fnstack.execution.succeeded or org.fnstack.execution.failed, data the execution.',
      tags: ['functions'],
      params,
      body: { type: 'object' },
      response: { 200: DestinationsBody, ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (req) => {
      const { name } = req.params as { name: string };
      const scope = req.project();
      const fn = await scope.functions.get(name);
      if (!fn) throw notFound('function', name);
      const spec = checkDestinations(req.body);
      for (const slot of DESTINATION_SLOTS) {
        const d = spec[slot];
        if (d?.kind === 'broker') await checkBroker(brokerPolicy, d.broker_url, `${slot}.broker_url`);
        if (d?.kind !== 'url') continue;
        try {
          await policy.target(d.url);
        } catch (err) {
          if (err instanceof BrokerRefused) throw invalid(`${slot}.url`, `${slot}.url is refused: its address is loopback, link-local, private, this service’s own or denied by the operator`);
          // Not resolvable now: checked again at each delivery.
        }
      }
      const { shown, sealed } = sealDestinations(spec, app.fnstack.config.secretsKey, fn.id);
      await scope.destinations.put(fn.id, shown, sealed);
      return json(fn.name, await scope.destinations.get(fn.id));
    },
  });

  app.delete('/v1/functions/:name/destinations', {
    schema: { summary: 'Send the function’s outcomes nowhere', tags: ['functions'], params, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
    handler: async (req, reply) => {
      const { name } = req.params as { name: string };
      const scope = req.project();
      const fn = await scope.functions.get(name);
      if (!fn) throw notFound('function', name);
      await scope.destinations.remove(fn.id);
      return reply.code(204).send();
    },
  });
}
