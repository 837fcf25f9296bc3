/** From a function version and its runtime to what the provider must provision (pure). */
import type { ProvisioningParams } from '../provisioner/provider.js';
import type { Execution, FunctionSpec, FunctionVersion } from '../model.js';
import type { Runtime } from '../runtimes.js';

export function provisioningParams(execution: Pick<Execution, 'id' | 'projectId' | 'functionName'>, version: FunctionVersion, runtime: Runtime): ProvisioningParams {
  return { executionId: execution.id, ...sizingParams(execution.projectId, execution.functionName, version.version, version, runtime), codeSha256: version.code.sha256 };
}

/** What a function of this spec asks of a provider, before any execution (the API's create/update check). */
export function sizingParams(projectId: string, functionName: string, functionVersion: number, spec: FunctionSpec, runtime: Runtime): Omit<ProvisioningParams, 'executionId'> {
  return {
    projectId,
    functionName,
    functionVersion,
    runtime: spec.runtime,
    memoryMb: spec.memoryMb,
    vcpus: spec.vcpus,
    diskGb: spec.diskGb,
    timeoutS: spec.timeoutS,
    network: spec.network,
    runtimeOverheadMb: runtime.overheadMb,
    isolation: spec.isolation,
  };
}

/** The documented FNSTACK_* context every function sees next to its own variables. */
export function contextEnv(execution: Pick<Execution, 'id' | 'functionName'>, version: FunctionVersion): Record<string, string> {
  return {
    FNSTACK_FUNCTION_NAME: execution.functionName,
    FNSTACK_FUNCTION_VERSION: String(version.version),
    FNSTACK_EXECUTION_ID: execution.id,
    FNSTACK_RUNTIME: version.runtime,
    FNSTACK_MEMORY_MB: String(version.memoryMb),
    FNSTACK_TIMEOUT_S: String(version.timeoutS),
  };
}
