/**
 * Checks on every request before anything reads it: a header that carries one value (a
 * credential, the content type, a CloudEvent attribute) must come once — Node keeps the
 * first of some and joins others with ", ", so a repeated one is ambiguous —, and bodies
 * come uncompressed (a gzip body would otherwise be read as if it were plain).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ApiError, invalid } from '../../errors.js';

const SINGLE_VALUED = new Set(['authorization', 'x-auth-token', 'x-api-key', 'content-type', 'content-encoding', 'x-fnstack-secret', 'x-fnstack-signature', 'x-fnstack-delivery', 'x-hub-signature-256', 'x-gitlab-token', 'x-github-delivery', 'x-gitlab-event-uuid']);

export default fp(async function requestGuards(app: FastifyInstance) {
  app.addHook('onRequest', async (req) => {
    const raw = req.raw.rawHeaders;
    const seen = new Set<string>();
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (!SINGLE_VALUED.has(name) && !name.startsWith('ce-')) continue;
      if (seen.has(name)) throw invalid(`headers.${name}`, `header ${name} is sent more than once; send it once`);
      seen.add(name);
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      throw new ApiError('unsupported_media_type', `content-encoding '${encoding}' is not accepted: send the body uncompressed`, 'headers.content-encoding');
    }
  });
});
