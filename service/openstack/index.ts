/**
 * fnstack's OpenStack client: one session (auth + catalog), one thin client per service.
 *
 *   const session = new OpenStackSession({
 *     authUrl: 'http://127.0.0.1:5000/v3',
 *     credentials: { type: 'application_credential', id, secret },
 *     region: 'RegionOne',
 *     interface: 'internal',
 *   });
 *   const compute = new ComputeClient(session);
 *   const images = new ImageClient(session);
 *   const identity = new IdentityClient(session);
 *   const who = await identity.validateUserToken(userToken); // null when invalid
 */
export { OpenStackSession, type SessionToken } from './auth-session.js';
export { IdentityClient } from './identity-client.js';
export {
  ComputeClient,
  DEFAULT_COMPUTE_MICROVERSION,
  MAX_USER_DATA_BASE64,
  userDataOf,
  type AbsoluteLimits,
  type ComputeClientOptions,
  type CreateServerRequest,
  type CreatedServer,
  type Flavor,
  type Server,
  type ServerFilter,
  type ServerStatus,
} from './compute-client.js';
export { ImageClient, type Image, type ImageFilter, type ImageStatus } from './image-client.js';
export { EndpointNotFoundError, OpenStackError, UserDataTooLargeError, type ServiceType } from './errors.js';
export type { ApplicationCredentialCredentials, Credentials, EndpointInterface, PasswordCredentials, SessionOptions } from './options.js';
export { parseOpenStackTime, type NamedRef, type TokenInfo } from './token.js';
