/**
 * POST /v1/events: the listener's HTTP ingress, the CloudEvents HTTP protocol binding in all
 * three modes. 202 only once the event is durable on the work queue.
 */
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../api/schemas.js';
import { BODY_LIMITS } from '../api/body-limits.js';
import { parseJsonBytes } from '../api/json-body.js';
import { docsOnlyBody } from '../api/docs-only-body.js';
import { BATCH_TYPE, fromBinary, fromStructured, mediaTypeOf, STRUCTURED_TYPE, validateEnvelope } from './cloudevents.js';
import { invalid } from '../errors.js';
import { Ingest } from './ingest.js';

const MAX_BATCH = 100;

export default async function eventRoutes(app: FastifyInstance) {
  const { queue, config, store } = app.fnstack;
  const ingest = new Ingest(store, queue, config.quotas);
  // Binary mode carries data of any content type: this plugin (encapsulated) keeps bodies raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMITS.json }, (_req, body, done) => done(null, body));

  app.post('/v1/events', {
    schema: {
      summary: 'Publish CloudEvents to the functions whose triggers match them',
      description:
        'The CloudEvents HTTP protocol binding. Structured mode: Content-Type application/cloudevents+json with the envelope as the body (or application/cloudevents-batch+json with an array of 1 to 100). Binary mode: ce-specversion, ce-id, ce-source, ce-type (+ ce-subject, ce-time, extensions) headers and the data as the body, of any content type: JSON becomes data as parsed, text/* (and form, XML) a string, anything else data_base64; the Content-Type is kept as datacontenttype. Answers 202 once every event is durable on the work queue; a repeated id runs nothing twice.',
      tags: ['events'],
      consumes: ['application/cloudevents+json', 'application/cloudevents-batch+json', 'application/json', 'application/octet-stream'],
      body: { description: 'Structured mode: one CloudEvent (JSON object with specversion, id, source, type, data…); batch: a JSON array of them; binary mode: the event data itself' },
      response: {
        202: {
          type: 'object',
          required: ['accepted'],
          properties: { accepted: { type: 'array', items: { type: 'string' }, description: 'The ids of the accepted events' } },
          examples: [{ accepted: ['6f1c2a4e-orders-42'] }],
        },
        ...errorResponses(400, 401, 403, 413, 429, 503),
      },
    },
    // The body is read by the content type's own rules in the handler; its schema documents it.
    validatorCompiler: docsOnlyBody,
    handler: async (req, reply) => {
      const ct = mediaTypeOf(req.headers['content-type']);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let events;
      if (ct === BATCH_TYPE) {
        const batch = parseJsonBytes(raw, 'body');
        if (!Array.isArray(batch)) throw invalid('body', 'a batch must be a JSON array of CloudEvents');
        if (batch.length === 0 || batch.length > MAX_BATCH) throw invalid('body', `a batch holds 1 to ${MAX_BATCH} events`);
        events = batch.map((e, i) => validateEnvelope(e, `body[${i}]`));
      } else if (ct === STRUCTURED_TYPE) {
        events = [fromStructured(raw)];
      } else {
        if (!req.headers['ce-specversion']) {
          throw invalid('headers', `send Content-Type ${STRUCTURED_TYPE} (structured mode) or ce-specversion/ce-id/ce-source/ce-type headers (binary mode)`);
        }
        events = [fromBinary(req.headers, raw)];
      }
      // Each event starts one execution per function it is routed to: a request that would take
      // the project past its executions-per-minute quota is refused whole (nothing is queued).
      await ingest.events(req.project().projectId, events, 'routed', req.id);
      return reply.code(202).send({ accepted: events.map((e) => e.id) });
    },
  });
}
