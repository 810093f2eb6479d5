import * as affinity from './affinity-rules';
import * as containers from './container-rules';
import * as env from './env-rules';
import { fieldValues } from './field-value-rules';
import * as metadata from './metadata-rules';
import { Finding, RenderedPod, Rule } from './model';
import * as podSpec from './pod-spec-rules';
import * as ports from './port-rules';
import * as probes from './probe-rules';
import * as resources from './resource-rules';
import * as security from './security-rules';
import * as target from './target-rules';
import * as volumes from './volume-rules';

/**
 * Every synth-time rule, in the order findings are reported. One function per rule; the
 * README's "What gets checked" table lists them.
 */
export const RULES: ReadonlyArray<Rule> = [
  metadata.objectName,
  metadata.namespaceName,
  metadata.labels,
  metadata.annotationKeys,
  containers.hasContainers,
  containers.containerNameFormat,
  containers.containerNamesUnique,
  containers.imagePresent,
  containers.imagePullPolicyValue,
  containers.imagePinned,
  containers.envVars,
  env.argsReferenceDefinedEnv,
  env.credentialInArgs,
  env.envFromSources,
  containers.podRestartPolicy,
  containers.workloadRestartPolicy,
  containers.containerRestartPolicy,
  ports.portFields,
  ports.portCollisions,
  ports.proxyUpstreamServed,
  ports.unprivilegedPortBinding,
  volumes.volumeDefinitions,
  volumes.volumeMounts,
  volumes.mountSubPaths,
  volumes.volumeFiles,
  volumes.claimNamePresent,
  volumes.modelVolumeReadOnly,
  volumes.mountsUnderRootHome,
  volumes.hubCacheWritable,
  volumes.volumeOwnershipKept,
  volumes.sharedClaimAttach,
  volumes.ephemeralClaimNames,
  probes.probeShape,
  probes.probeTerminationGrace,
  probes.httpHeaderNames,
  probes.lifecycleHandlers,
  probes.probeTargetsServedPort,
  probes.loopbackServerProbed,
  probes.initContainerProbes,
  probes.lifecycleSleep,
  probes.startupBudgetCoversModelLoad,
  resources.resourceSyntax,
  resources.requestsWithinLimits,
  resources.extendedResources,
  resources.tolerationShape,
  resources.gpuToleration,
  resources.gpuNodeSelection,
  resources.memoryVolumesFitLimit,
  containers.resizePolicyResources,
  affinity.affinityTerms,
  podSpec.dnsConfig,
  podSpec.hostNetworkDns,
  podSpec.hostNetworkFrontDoor,
  podSpec.podReferenceNames,
  podSpec.podSpecFields,
  security.privilegeContradictions,
  security.userIds,
  security.securityProfiles,
  security.podSecurityLevel,
  security.capabilitiesWithoutRoot,
  security.rootOnlyImages,
  security.capabilityNames,
  fieldValues,
  target.targetFeatures,
];

/** Runs every rule on a rendered pod. */
export function runRules(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  // plain loops: a spread push per rule costs more than most rules on a valid pod
  for (let r = 0; r < RULES.length; r++) {
    const found = RULES[r](pod);
    for (let i = 0; i < found.length; i++) {
      findings.push(found[i]);
    }
  }
  return findings;
}
