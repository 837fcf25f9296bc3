/** The provider conformance suite on the OpenStack provider (real Nova, fake driver, the guest harness plays cloud-init). */
import { providerConformance } from '../provisioner/_conformance.js';
import { cleanupPrefix, computeAs, RUNTIME, serversWithPrefix, startOpenStackService, withOpenStack } from './_fixtures.js';

withOpenStack((cloud) => {
  providerConformance('openstack', {
    provider: 'openstack',
    runtime: RUNTIME,
    start: async () => {
      const svc = await startOpenStackService(cloud);
      const compute = computeAs(cloud);
      return {
        api: (method, path, body) => svc.api(method, path, body),
        leftovers: async () => (await serversWithPrefix(compute, svc.prefix)).map((s) => s.name),
        close: async () => {
          await svc.close();
          await cleanupPrefix(cloud, svc.prefix);
        },
      };
    },
  });
});
