/** From a function version and its runtime to what the provider must provision (pure). */
import type { ProvisioningParams } from '../provisioner/provider.js';
import type { Execution, FunctionVersion } from '../model.js';
import type { Runtime } from '../runtimes.js';

export function provisioningParams(execution: Pick<Execution, 'id' | 'projectId' | 'functionName'>, version: FunctionVersion, runtime: Runtime): ProvisioningParams {
  return {
    executionId: execution.id,
    projectId: execution.projectId,
    functionName: execution.functionName,
    functionVersion: version.version,
    runtime: version.runtime,
    memoryMb: version.memoryMb,
    vcpus: version.vcpus,
    diskGb: version.diskGb,
    timeoutS: version.timeoutS,
    network: version.network,
    runtimeOverheadMb: runtime.overheadMb,
    isolation: version.isolation,
    codeSha256: version.code.sha256,
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
