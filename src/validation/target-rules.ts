import { TARGET_FEATURES, TargetFeature } from '../kubernetes-target';
import { error } from './_helpers';
import { Finding, RenderedPod, TargetFact } from './model';

/**
 * The pod uses only what its target Kubernetes version serves: native sidecars from 1.29,
 * image volumes from 1.35 (or 1.33 with the gate on), device claims and pod-level resources
 * from 1.34, the sleep lifecycle action from 1.30. An older API server drops unknown fields or rejects the pod; here synth fails
 * with the feature, its minimum version and what to use instead.
 */
export function targetFeatures(pod: RenderedPod): Finding[] {
  const target = pod.facts.target;
  if (!target || Number.isNaN(target.minor)) {
    return [];
  }
  const findings: Finding[] = [];
  const missing = (feature: TargetFeature, field: string, fix: string, container?: string) =>
    findings.push(error(field, `uses ${feature.name}, which needs Kubernetes 1.${feature.minimumMinor} or later; the target is ${target.version} (${target.source})`,
      `${fix}, or target a newer version (the target prop or the cdk8s-ai-inference:kubernetesVersion context)`, container));
  for (const c of pod.containers) {
    if (c.sidecar && target.minor < TARGET_FEATURES.nativeSidecars.minimumMinor) {
      missing(TARGET_FEATURES.nativeSidecars, `${c.path}.restartPolicy`, 'leave the sidecar\'s mode unset (it becomes a classic container) or use SidecarMode.CLASSIC', c.container.name);
    }
    for (const hook of LIFECYCLE_HOOKS) {
      if (c.container.lifecycle?.[hook]?.sleep !== undefined && target.minor < TARGET_FEATURES.sleepAction.minimumMinor) {
        // the feature and the prop named for the hook the sleep is on (a JSON patch can put one on postStart)
        const feature = { ...TARGET_FEATURES.sleepAction, name: `the sleep lifecycle action (lifecycle.${hook}.sleep)` };
        missing(feature, `${c.path}.lifecycle.${hook}.sleep`, `use ${hook}Command: ['sleep', 'N'] instead (an exec hook: the image needs a sleep binary)`, c.container.name);
      }
    }
    if ((c.container.resources?.claims ?? []).length > 0 && target.minor < TARGET_FEATURES.deviceClaims.minimumMinor) {
      missing(TARGET_FEATURES.deviceClaims, `${c.path}.resources.claims`, 'request GPUs as the device plugin\'s resource (gpu: { count } without claim)', c.container.name);
    }
  }
  const volumes: any[] = pod.spec.volumes ?? [];
  for (let i = 0; i < volumes.length && !target.imageVolumes; i++) {
    if (volumes[i]?.image !== undefined) {
      findings.push(imageVolumeFinding(pod, target, i));
    }
  }
  if ((pod.spec.resourceClaims ?? []).length > 0 && target.minor < TARGET_FEATURES.deviceClaims.minimumMinor) {
    missing(TARGET_FEATURES.deviceClaims, `${pod.specPath}.resourceClaims`, 'request GPUs as the device plugin\'s resource (gpu: { count } without claim)');
  }
  if (pod.spec.resources !== undefined && target.minor < TARGET_FEATURES.podLevelResources.minimumMinor) {
    missing(TARGET_FEATURES.podLevelResources, `${pod.specPath}.resources`, 'set resources per container (server.resources) instead of a pod-level JSON patch');
  }
  return findings;
}

const LIFECYCLE_HOOKS = ['preStop', 'postStart'] as const;

function imageVolumeFinding(pod: RenderedPod, target: TargetFact, index: number): Finding {
  const feature = TARGET_FEATURES.imageVolumes;
  return error(`${pod.specPath}.volumes[${index}].image`,
    `uses ${feature.name}, which needs Kubernetes 1.${feature.minimumMinor} (or 1.33–1.34 with the ImageVolume gate on); the target is ${target.version} (${target.source}) without them`,
    'use ModelSource.ociImage (it copies the model in an init container there), or KubernetesTarget.of(\'1.33\', { imageVolumes: true }) when the gate is on');
}
