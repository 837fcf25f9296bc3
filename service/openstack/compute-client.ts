/**
 * The Nova calls fnstack makes: flavors, servers (create, show, list, delete), console
 * output and limits. Every request carries one pinned microversion (default 2.79), which is
 * the one openapi/nova-v2.1.yaml describes.
 */
import type { Client } from 'openapi-fetch';
import type { OpenStackSession } from './auth-session.js';
import { errorFromResponse, UserDataTooLargeError } from './errors.js';
import type { components, paths } from './generated/nova-v2.1.js';

export type Flavor = components['schemas']['Flavor'];
export type Server = components['schemas']['Server'];
export type ServerStatus = components['schemas']['ServerStatus'];
export type AbsoluteLimits = components['schemas']['Limits']['limits']['absolute'];
type Networks = components['schemas']['Networks'];

export const DEFAULT_COMPUTE_MICROVERSION = '2.79';
/** Nova refuses base64 user data longer than this. */
export const MAX_USER_DATA_BASE64 = 65535;

export interface ComputeClientOptions {
  /** Microversion sent with every request. Default 2.79; the spec's schemas describe 2.79. */
  microversion?: string;
}

export interface CreateServerRequest {
  name: string;
  flavorRef: string;
  imageRef: string;
  /** `none`: no network at all; `auto`: Nova's choice; or explicit NICs. */
  networks: Networks;
  /** Ties the server to fnstack (strings, ≤ 255 characters each). */
  metadata?: Record<string, string>;
  /** The raw user data (e.g. a cloud-init document); encoded here. Over 65535 base64 characters → UserDataTooLargeError. */
  userData?: string | Uint8Array;
  keyName?: string;
  description?: string;
  availabilityZone?: string;
}

export interface CreatedServer {
  id: string;
  /** Only when the cloud generates admin passwords. */
  adminPass: string | undefined;
}

export interface ServerFilter {
  /** A regular expression Nova matches against names (unanchored). Allowed for everyone. */
  name?: string;
  status?: ServerStatus;
  /**
   * Exact metadata matches, applied HERE to what Nova returns: Nova has no metadata filter
   * (dropped silently for members, a 400 for admins). Combine with `name` to keep the
   * listing small.
   */
  metadata?: Record<string, string>;
  /** Admin only (403 otherwise): servers of every project. */
  allTenants?: boolean;
  /** Admin only, with allTenants. */
  projectId?: string;
  /** Servers per request; default 200. */
  pageSize?: number;
}

export class ComputeClient {
  /** The typed openapi-fetch client, for calls this class does not wrap. */
  readonly http: Client<paths>;
  readonly microversion: string;

  constructor(session: OpenStackSession, options: ComputeClientOptions = {}) {
    this.microversion = options.microversion ?? DEFAULT_COMPUTE_MICROVERSION;
    this.http = session.client<paths>('compute', {
      'OpenStack-API-Version': `compute ${this.microversion}`,
      'X-OpenStack-Nova-API-Version': this.microversion,
    });
  }

  /** Flavors the project may use (public ones plus those shared with it). */
  async listFlavors(): Promise<Flavor[]> {
    const { data, error, response } = await this.http.GET('/flavors/detail');
    if (!response.ok || !data) throw errorFromResponse('compute', response, error, 'GET');
    return data.flavors;
  }

  /** Starts building a server (202); poll getServer until ACTIVE or ERROR. */
  async createServer(req: CreateServerRequest): Promise<CreatedServer> {
    const userData = req.userData === undefined ? undefined : Buffer.from(req.userData).toString('base64');
    if (userData !== undefined && userData.length > MAX_USER_DATA_BASE64) throw new UserDataTooLargeError(userData.length, MAX_USER_DATA_BASE64);
    const { data, error, response } = await this.http.POST('/servers', {
      body: {
        server: {
          name: req.name,
          flavorRef: req.flavorRef,
          imageRef: req.imageRef,
          networks: req.networks,
          ...(req.metadata && { metadata: req.metadata }),
          ...(userData !== undefined && { user_data: userData }),
          ...(req.keyName && { key_name: req.keyName }),
          ...(req.description !== undefined && { description: req.description }),
          ...(req.availabilityZone && { availability_zone: req.availabilityZone }),
        },
      },
    });
    if (!response.ok || !data) throw errorFromResponse('compute', response, error, 'POST');
    return { id: data.server.id, adminPass: data.server.adminPass };
  }

  /** The server, or null once it is gone (404). */
  async getServer(id: string): Promise<Server | null> {
    const { data, error, response } = await this.http.GET('/servers/{id}', { params: { path: { id } } });
    if (response.status === 404) return null;
    if (!response.ok || !data) throw errorFromResponse('compute', response, error, 'GET');
    return data.server;
  }

  /** Every matching server, following Nova's pages. */
  async listServers(filter: ServerFilter = {}): Promise<Server[]> {
    const found: Server[] = [];
    const limit = filter.pageSize ?? 200;
    let marker: string | undefined;
    for (;;) {
      const { data, error, response } = await this.http.GET('/servers/detail', {
        params: {
          query: {
            name: filter.name,
            status: filter.status,
            all_tenants: filter.allTenants || undefined,
            project_id: filter.projectId,
            limit,
            marker,
          },
        },
      });
      if (!response.ok || !data) throw errorFromResponse('compute', response, error, 'GET');
      found.push(...data.servers.filter((s) => hasMetadata(s, filter.metadata)));
      const last = data.servers.at(-1);
      if (!last || !data.servers_links?.some((l) => l.rel === 'next')) return found;
      marker = last.id;
    }
  }

  /** Starts deleting a server; false when it was already gone. */
  async deleteServer(id: string): Promise<boolean> {
    const { error, response } = await this.http.DELETE('/servers/{id}', { params: { path: { id } } });
    if (response.status === 404) return false;
    if (!response.ok) throw errorFromResponse('compute', response, error, 'DELETE');
    return true;
  }

  /** The server's console log, or its last `lines` lines. 409 while the server is building. */
  async getConsoleOutput(id: string, lines?: number): Promise<string> {
    const { data, error, response } = await this.http.POST('/servers/{id}/action', {
      params: { path: { id } },
      body: { 'os-getConsoleOutput': lines === undefined ? {} : { length: lines } },
    });
    if (!response.ok || !data) throw errorFromResponse('compute', response, error, 'POST');
    return data.output;
  }

  /** The project's quotas and usage. */
  async getLimits(): Promise<AbsoluteLimits> {
    const { data, error, response } = await this.http.GET('/limits');
    if (!response.ok || !data) throw errorFromResponse('compute', response, error, 'GET');
    return data.limits.absolute;
  }
}

/** The decoded user data of a server read by an admin, or null when Nova did not show it. */
export function userDataOf(server: Server): string | null {
  const encoded = server['OS-EXT-SRV-ATTR:user_data'];
  return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : null;
}

function hasMetadata(server: Server, wanted: Record<string, string> | undefined): boolean {
  if (!wanted) return true;
  return Object.entries(wanted).every(([k, v]) => server.metadata[k] === v);
}
