/**
 * Picks a service's base URL from a token's catalog by service type, interface and region.
 */
import { EndpointNotFoundError, type ServiceType } from './errors.js';
import type { Catalog } from './token.js';
import { trimSlash, type EndpointInterface } from './options.js';

/**
 * The URL of the first endpoint of a service of this type with this interface and, when a
 * region is given, in that region (matched against `region_id`, then the legacy `region`).
 * Glance's URL is returned without a trailing `/v2` so the spec's `/v2/...` paths fit.
 */
export function endpointFromCatalog(catalog: Catalog, type: ServiceType, iface: EndpointInterface, region?: string): string {
  for (const service of catalog) {
    if (service.type !== type) continue;
    const endpoint = service.endpoints.find(
      (e) => e.interface === iface && (!region || e.region_id === region || e.region === region),
    );
    if (endpoint) return normalizeEndpoint(type, endpoint.url);
  }
  throw new EndpointNotFoundError(type, iface, region);
}

export function normalizeEndpoint(type: ServiceType, url: string): string {
  const trimmed = trimSlash(url);
  if (type === 'image') return trimmed.replace(/\/v2(\.\d+)?$/, '');
  if (type === 'identity') return trimmed.replace(/\/v3$/, '');
  return trimmed;
}
