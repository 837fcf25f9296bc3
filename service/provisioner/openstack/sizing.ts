/**
 * Choosing a flavor and an image for an execution (pure: the caller lists flavors and
 * images; this module only decides, and says why).
 *
 * Flavor: the smallest one that fits. A flavor fits when it is enabled, on the allow-list
 * (if any), and has at least
 *   - RAM   ≥ max(memoryMb + runtimeOverheadMb, image.min_ram)   MiB
 *   - vCPUs ≥ vcpus
 *   - disk  ≥ max(diskGb, image.min_disk)                        GB
 * Flavors with a 0 GB root disk ("as large as the image") never fit: Nova lets only admins
 * boot them from an image. Among fitting flavors the smallest wins, in this order of
 * tie-breaks: least RAM, then fewest vCPUs, then least disk, then name (so the choice is
 * the same on every process and every run).
 *
 * Image: among ACTIVE images whose property `<imageProperty>` equals the runtime name,
 * the newest (created_at), ties broken by name then id.
 */
import { ProvisioningError } from '../provider.js';

/** The fields of a Nova flavor sizing looks at. */
export interface FlavorInfo {
  id: string;
  name: string;
  /** MiB */
  ram: number;
  vcpus: number;
  /** GB; 0 = the image's size */
  disk: number;
  disabled?: boolean;
}

/** The fields of a Glance image sizing looks at. */
export interface ImageInfo {
  id: string;
  name?: string | null;
  status: string;
  created_at: string;
  min_ram?: number;
  min_disk?: number;
  /** Every other property, as Glance returns them at top level. */
  [property: string]: unknown;
}

export interface SizingNeed {
  memoryMb: number;
  runtimeOverheadMb: number;
  vcpus: number;
  diskGb: number;
}

export interface FlavorChoice {
  flavor: FlavorInfo;
  /** Human-readable reason recorded on the execution. */
  reason: string;
  /** What was required after the image's minimums were applied. */
  required: { ramMb: number; vcpus: number; diskGb: number };
  /** How many candidate flavors fitted. */
  fitting: number;
}

/** Orders flavors smallest first: RAM, then vCPUs, then disk, then name. */
export function compareFlavors(a: FlavorInfo, b: FlavorInfo): number {
  return a.ram - b.ram || a.vcpus - b.vcpus || a.disk - b.disk || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The flavors the provider may use at all: enabled, on the allow-list when there is one. */
export function candidateFlavors(flavors: readonly FlavorInfo[], allowList: readonly string[]): FlavorInfo[] {
  const allowed = new Set(allowList);
  return flavors.filter((f) => !f.disabled && (allowed.size === 0 || allowed.has(f.name) || allowed.has(f.id)));
}

export function chooseFlavor(flavors: readonly FlavorInfo[], need: SizingNeed, allowList: readonly string[] = [], image?: Pick<ImageInfo, 'min_ram' | 'min_disk' | 'name' | 'id'>): FlavorChoice {
  const required = {
    ramMb: Math.max(need.memoryMb + need.runtimeOverheadMb, image?.min_ram ?? 0),
    vcpus: need.vcpus,
    diskGb: Math.max(need.diskGb, image?.min_disk ?? 0),
  };
  const candidates = candidateFlavors(flavors, allowList).sort(compareFlavors);
  const fitting = candidates.filter((f) => f.ram >= required.ramMb && f.vcpus >= required.vcpus && f.disk > 0 && f.disk >= required.diskGb);
  const what = `≥ ${required.ramMb} MiB, ≥ ${required.vcpus} vCPU, ≥ ${required.diskGb} GB disk`;
  const why = (image?.min_ram ?? 0) > need.memoryMb + need.runtimeOverheadMb || (image?.min_disk ?? 0) > need.diskGb ? ` (raised to the image's minimums)` : '';
  const scope = allowList.length > 0 ? ` on the allow-list` : '';
  const flavor = fitting[0];
  if (!flavor) {
    const largest = candidates.at(-1);
    const memory = `${need.memoryMb} MiB + ${need.runtimeOverheadMb} MiB runtime overhead`;
    const available = largest
      ? `the largest flavor available${scope} is ${largest.name} (${largest.ram} MiB, ${largest.vcpus} vCPU, ${largest.disk} GB disk)`
      : `no flavor is available${scope} at all`;
    throw new ProvisioningError('no_fitting_flavor', `no flavor has ${what}${why} (${memory}); ${available}`);
  }
  return {
    flavor,
    required,
    fitting: fitting.length,
    reason: `smallest of ${fitting.length} flavor${fitting.length === 1 ? '' : 's'}${scope} with ${what}${why}`,
  };
}

/** The newest ACTIVE image whose `property` equals `runtime`; throws invalid_params when there is none. */
export function chooseImage(images: readonly ImageInfo[], property: string, runtime: string): ImageInfo {
  const matching = images.filter((i) => i.status === 'active' && i[property] === runtime);
  matching.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || cmp(a.name ?? '', b.name ?? '') || cmp(a.id, b.id));
  const image = matching[0];
  if (!image) throw new ProvisioningError('invalid_params', `no active Glance image has the property ${property}=${runtime}: the operator must upload one (see the openstack provider's README)`);
  return image;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
