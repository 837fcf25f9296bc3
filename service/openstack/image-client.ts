/**
 * The Glance calls fnstack makes: finding runtime images by property, and reading one.
 */
import type { Client } from 'openapi-fetch';
import type { OpenStackSession } from './auth-session.js';
import { errorFromResponse } from './errors.js';
import type { components, paths } from './generated/glance-v2.js';

export type Image = components['schemas']['Image'];
export type ImageStatus = components['schemas']['ImageStatus'];

export interface ImageFilter {
  /** Exact matches on image properties, e.g. `{ fnstack_runtime: 'nodejs20' }`; Glance filters them. */
  properties?: Record<string, string>;
  status?: ImageStatus;
  visibility?: 'public' | 'private' | 'shared' | 'community' | 'all';
  name?: string;
  /** Images per request; default 100. */
  pageSize?: number;
}

export class ImageClient {
  /** The typed openapi-fetch client, for calls this class does not wrap. */
  readonly http: Client<paths>;

  constructor(session: OpenStackSession) {
    this.http = session.client<paths>('image');
  }

  /** Every matching image, following Glance's `next` links. */
  async listImages(filter: ImageFilter = {}): Promise<Image[]> {
    const found: Image[] = [];
    const properties = filter.properties && Object.keys(filter.properties).length > 0 ? filter.properties : undefined;
    let marker: string | undefined;
    for (;;) {
      const { data, error, response } = await this.http.GET('/v2/images', {
        params: {
          query: { properties, status: filter.status, visibility: filter.visibility, name: filter.name, limit: filter.pageSize ?? 100, marker },
        },
        // `properties` become plain `key=value` parameters, as Glance expects.
        querySerializer: { object: { style: 'form', explode: true } },
      });
      if (!response.ok || !data) throw errorFromResponse('image', response, error, 'GET');
      found.push(...data.images);
      const next = data.next ? new URL(data.next, 'http://glance.invalid').searchParams.get('marker') : null;
      if (!next || data.images.length === 0) return found;
      marker = next;
    }
  }

  /** The image, or null when it does not exist or the project cannot see it (404). */
  async getImage(id: string): Promise<Image | null> {
    const { data, error, response } = await this.http.GET('/v2/images/{image_id}', { params: { path: { image_id: id } } });
    if (response.status === 404) return null;
    if (!response.ok || !data) throw errorFromResponse('image', response, error, 'GET');
    return data;
  }
}
