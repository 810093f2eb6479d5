import { DATA_KEY, ENV_FIELD_PATHS, ENV_NAME, error, isDivisorOf, isImageReference, isDnsLabel, isQualifiedName, isRepeat, NO_FINDINGS, repeatTracker, RESOURCE_FIELDS, show, warning } from './_helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';

/** A pod needs at least one regular container. */
export function hasContainers(pod: RenderedPod): Finding[] {
  return (pod.spec.containers ?? []).length > 0 ? [] : [error(`${pod.specPath}.containers`, 'the pod has no regular container', 'add a server container (AiInferencePod does this) or `addContainer()`')];
}

/** Container names are DNS-1123 labels. */
export function containerNameFormat(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    if (!isDnsLabel(c.container.name)) {
      findings.push(error(`${c.path}.name`, `${show(c.container.name)} is not a valid container name (lowercase DNS-1123 label, at most 63 characters)`, 'use lowercase letters, digits and \'-\'', c.container.name));
    }
  }
  return findings;
}

/** Container names are unique across init containers, sidecars and regular containers. */
export function containerNamesUnique(pod: RenderedPod): Finding[] {
  const seen = new Map<string, string>();
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    const first = seen.get(c.container.name);
    if (first) {
      findings.push(error(`${c.path}.name`, `${show(c.container.name)} is already the name of ${first}`, 'give each container, init container and sidecar a distinct name', c.container.name));
    } else {
      seen.set(c.container.name, c.path);
    }
  }
  return findings;
}

/** Every container has an image, written as a reference the kubelet can parse. */
export function imagePresent(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    const image: unknown = c.container.image;
    if (typeof image !== 'string' || image.trim() === '') {
      (findings ??= []).push(error(`${c.path}.image`, 'the image is empty', 'set an image reference such as "registry.example.com/server:1.2.3"', c.container.name));
    } else if (!isImageReference(image)) {
      const why = /[\s\0]/.test(image) ? ' contains whitespace or control characters:' : ' is';
      (findings ??= []).push(error(`${c.path}.image`, `${show(image)}${why} not an image reference the kubelet can pull (it would report InvalidImageName)`,
        'write it as [registry[:port]/]repository[:tag][@sha256:digest], the repository in lowercase, e.g. "vllm/vllm-openai:v0.9.1"', c.container.name));
    }
  }
  return findings ?? NO_FINDINGS;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

/** imagePullPolicy is one of the API server's three values (JavaScript callers may pass any string). */
export function imagePullPolicyValue(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    if (c.container.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.container.imagePullPolicy)) {
      findings.push(error(`${c.path}.imagePullPolicy`, `${show(c.container.imagePullPolicy)} is not a pull policy`, `use ImagePullPolicy (${PULL_POLICIES.join(', ')})`, c.container.name));
    }
  }
  return findings;
}

/** A date in a tag (20251127, 2025-11-27, 2025.11.27): a nightly build's tag that carries one names one build. */
const DATED = /(^|[^0-9])(\d{8}|\d{4}[-_.]\d{2}[-_.]\d{2})([^0-9]|$)/;

/** A commit id in a tag (vLLM's `nightly-66a168a1…`, `nightly-d223c90`): 7 to 40 hex digits, a digit among them. */
function isCommit(segment: string): boolean {
  return /^[0-9a-f]{7,40}$/.test(segment) && /[0-9]/.test(segment);
}

/**
 * Images are pinned: no tag means `:latest`, which is re-pulled on every start and changes
 * under a running fleet. A warning (not an error) because some registries pin by policy.
 */
export function imagePinned(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    const image: unknown = c.container.image;
    if (typeof image !== 'string' || !image || image.includes('@')) {
      continue;
    }
    // the tag follows the first ':' of the last path segment (a registry port sits before a '/')
    const colon = image.indexOf(':', image.lastIndexOf('/') + 1);
    const tag = colon < 0 ? '' : image.slice(colon + 1);
    // `latest` itself, and the variants images publish next to it (`latest-cpu`, `cuda-latest`): moving tags all;
    // so is a nightly build's tag (`nightly`, vllm-ascend's `nightly-a3`) unless a date pins it (`nightly-20251127`)
    const segments = tag.toLowerCase().split(/[-_.]/);
    const moving = tag !== '' && (segments.includes('latest') || (segments.includes('nightly') && !DATED.test(tag) && !segments.some(isCommit)));
    if (colon < 0 || moving) {
      const why = colon < 0 ? 'no tag' : tag === 'latest' ? ':latest' : `the moving tag ${show(tag)}`;
      findings.push(warning(`${c.path}.image`, `${show(image)} is not pinned (${why}): every node may run a different build`, 'pin a version tag or a digest (image@sha256:...)', c.container.name));
    }
  }
  return findings;
}

/** Environment variable names are valid and unique per container; value and valueFrom exclude each other. */
export function envVars(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    const env: any[] = c.container.env ?? [];
    const seen = repeatTracker(env.length);
    // a plain loop, paths built only for a finding: this rule runs on every env var of every pod
    for (let i = 0; i < env.length; i++) {
      const e = env[i];
      if (typeof e.name !== 'string' || !ENV_NAME.test(e.name) || e.name === '.' || e.name === '..' || e.name.startsWith('..')) {
        findings.push(error(`${envPath(c.path, i)}.name`, `${show(e.name)} is not a valid environment variable name`, 'use letters, digits, \'_\', \'-\' or \'.\', not starting with a digit', c.container.name));
      } else if (isRepeat(env, i, 'name', seen)) {
        findings.push(error(`${envPath(c.path, i)}.name`, `${show(e.name)} is set twice; the later value silently wins`, 'set each variable once', c.container.name));
      }
      if (e.value !== undefined && e.valueFrom !== undefined) {
        findings.push(error(envPath(c.path, i), `${show(e.name)} has both value and valueFrom`, 'keep one of them', c.container.name));
      }
      if (e.valueFrom !== undefined && Object.keys(e.valueFrom).length !== 1) {
        findings.push(error(`${envPath(c.path, i)}.valueFrom`, `${show(e.name)} must name exactly one source, found ${Object.keys(e.valueFrom).length}`, 'use one of secretKeyRef, configMapKeyRef, fieldRef or resourceFieldRef', c.container.name));
      }
      const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
      if (ref && (typeof ref.key !== 'string' || !DATA_KEY.test(ref.key))) {
        findings.push(error(`${envPath(c.path, i)}.valueFrom`, `key ${show(ref?.key)} of ${show(e.name)} is not a valid Secret/ConfigMap key`, 'use the key as it appears in the Secret or ConfigMap', c.container.name));
      }
      if (e.valueFrom?.fieldRef || e.valueFrom?.resourceFieldRef) {
        findings.push(...downwardApiFindings(pod, c, i, e));
      }
    }
  }
  return findings;
}

/**
 * What the API server checks of a variable read from the pod (`fieldRef`) or from a container's
 * resources (`resourceFieldRef`); reached only by escape hatches and JSON patches, since
 * `PodField` checks its own.
 */
function downwardApiFindings(pod: RenderedPod, c: ContainerEntry, i: number, e: any): Finding[] {
  const at = `${envPath(c.path, i)}.valueFrom`;
  const field = e.valueFrom.fieldRef;
  if (field) {
    const key = /\['([^']*)'\]$/.exec(String(field.fieldPath))?.[1];
    return typeof field.fieldPath === 'string' && ENV_FIELD_PATHS.test(field.fieldPath) && (key === undefined || isQualifiedName(key)) ? []
      : [error(`${at}.fieldRef.fieldPath`, `${show(field.fieldPath)} is not a pod field a variable can read`,
        "use metadata.name, metadata.namespace, metadata.uid, metadata.labels['key'], metadata.annotations['key'], spec.nodeName, spec.serviceAccountName, status.hostIP or status.podIP", c.container.name)];
  }
  const resource = e.valueFrom.resourceFieldRef;
  const findings: Finding[] = [];
  if (typeof resource.resource !== 'string' || !RESOURCE_FIELDS.test(resource.resource)) {
    findings.push(error(`${at}.resourceFieldRef.resource`, `${show(resource.resource)} is not a container resource a variable can read`,
      'use limits.cpu, limits.memory, limits.ephemeral-storage, limits.hugepages-<size> or the same under requests', c.container.name));
  } else if (resource.divisor !== undefined && !isDivisorOf(resource.resource, String(resource.divisor))) {
    findings.push(error(`${at}.resourceFieldRef.divisor`, `${show(resource.divisor)} is not a divisor the API server accepts for ${resource.resource}`,
      /\.cpu$/.test(resource.resource) ? "use '1m' or '1'" : "use '1', a power of 1000 ('1k', '1M', …) or of 1024 ('1Ki', '1Mi', …)", c.container.name));
  }
  if (resource.containerName !== undefined && !pod.containers.some(x => x.container.name === resource.containerName)) {
    findings.push(error(`${at}.resourceFieldRef.containerName`,
      `${show(resource.containerName)} is not a container of the pod (its containers: ${pod.containers.map(x => show(x.container.name)).join(', ')})`,
      'name one of them in PodField.containerResource(name, resource), or use PodField.resource(resource) for the variable\'s own container',
      c.container.name));
  }
  return findings;
}

function envPath(containerPath: string, i: number): string {
  return `${containerPath}.env[${i}]`;
}

const POD_RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const LONG_RUNNING_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];
const RUN_TO_COMPLETION_KINDS = ['Job', 'CronJob'];

/** Pod restart policy is one of Always, OnFailure, Never. */
export function podRestartPolicy(pod: RenderedPod): Finding[] {
  const policy = pod.spec.restartPolicy;
  if (policy === undefined || POD_RESTART_POLICIES.includes(policy)) {
    return [];
  }
  return [error(`${pod.specPath}.restartPolicy`, `${show(policy)} is not a restart policy`, 'use Always (servers), OnFailure or Never (one-off workers)')];
}

/** Workloads other than bare pods and jobs restart their pods forever. */
export function workloadRestartPolicy(pod: RenderedPod): Finding[] {
  const policy = pod.spec.restartPolicy;
  if (LONG_RUNNING_KINDS.includes(pod.kind) && policy !== undefined && policy !== 'Always') {
    return [error(`${pod.specPath}.restartPolicy`, `a ${pod.kind} only accepts Always, got ${show(policy)}`, 'remove restartPolicy, or use a Job for run-to-completion work')];
  }
  if (RUN_TO_COMPLETION_KINDS.includes(pod.kind) && policy === 'Always') {
    return [error(`${pod.specPath}.restartPolicy`, `a ${pod.kind} cannot use Always`, 'use Never or OnFailure')];
  }
  // the API server defaults a missing policy to Always, and then rejects the Job for it
  if (RUN_TO_COMPLETION_KINDS.includes(pod.kind) && policy === undefined) {
    return [error(`${pod.specPath}.restartPolicy`, `is missing: the API server defaults it to Always, which a ${pod.kind} cannot use`, 'set Never or OnFailure')];
  }
  return [];
}

/** Container-level restartPolicy is only valid as `Always` on an init container (a native sidecar). */
export function containerRestartPolicy(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    if (c.container.restartPolicy !== undefined && (!c.init || c.container.restartPolicy !== 'Always')) {
      findings.push(error(`${c.path}.restartPolicy`, c.init
        ? `${show(c.container.restartPolicy)} is not allowed on an init container; only Always (a native sidecar) is`
        : 'a regular container cannot set restartPolicy', 'use a sidecar construct for long-running helpers, or remove the field', c.container.name));
    }
  }
  return findings;
}

/** A container's resizePolicy names each resource once (the API server refuses a repeat). */
export function resizePolicyResources(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    const policy: unknown = c.container.resizePolicy;
    if (!Array.isArray(policy)) {
      continue;
    }
    for (let i = 1; i < policy.length; i++) {
      if (isRepeat(policy, i, 'resourceName', undefined)) {
        (findings ??= []).push(error(`${c.path}.resizePolicy[${i}].resourceName`, `${show(policy[i]?.resourceName)} already has a resize policy in this container`,
          'give each resource (cpu, memory) one entry', c.container.name));
      }
    }
  }
  return findings ?? NO_FINDINGS;
}
