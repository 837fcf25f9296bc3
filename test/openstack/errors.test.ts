/**
 * Error bodies of the three services become one OpenStackError shape.
 */
import test from 'ava';
import { describeErrorBody, errorFromResponse } from '../../service/openstack/errors.js';

test('Nova: the single key names the fault', (t) => {
  t.deepEqual(describeErrorBody({ itemNotFound: { code: 404, message: 'Instance x could not be found.' } }), {
    message: 'Instance x could not be found.',
    fault: 'itemNotFound',
  });
});

test('Keystone: the title names the fault', (t) => {
  t.deepEqual(describeErrorBody({ error: { code: 404, message: 'Could not find token: abc.', title: 'Not Found' } }), {
    message: 'Could not find token: abc.',
    fault: 'Not Found',
  });
});

test('Glance: WebOb’s JSON, HTML line breaks removed', (t) => {
  t.deepEqual(describeErrorBody({ message: 'No image found with ID abc<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' }), {
    message: 'No image found with ID abc',
    fault: 'Not Found',
  });
});

test('Glance without Accept: JSON: the text of an HTML page', (t) => {
  const page = '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID abc<br /><br />\n\n\n\n </body>\n</html>';
  t.deepEqual(describeErrorBody(page), { message: '404 Not Found No image found with ID abc', fault: undefined });
});

test('errorFromResponse keeps status, request id and falls back to the status text', (t) => {
  const response = new Response(null, { status: 503, statusText: 'Service Unavailable', headers: { 'x-compute-request-id': 'req-1' } });
  const error = errorFromResponse('compute', response, undefined, 'GET');
  t.is(error.status, 503);
  t.is(error.requestId, 'req-1');
  t.is(error.message, 'compute: HTTP 503: Service Unavailable');
  t.true(error.retryable);
  t.false(error.notFound);
});
