import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PodSpecAdapter } from './_kplus-adapter';
import { workloadOf } from './_workload';
import { DEFAULT_GPU_RESOURCE, DEFAULT_SHM_SIZE, GpuProps } from './gpu';
import { HealthCheck } from './probes';
import { ContainerResources, renderResources } from './resources';
import { containerSecurityContext, ContainerSecurityOptions, podSecurityDefaults, PodSecurityOptions } from './security';

/** The model-server container. */
export interface InferenceServerProps {
  /**
   * Container name.
   * @default 'server'
   */
  readonly name?: string;
  /** Image reference; pin a tag or digest (`registry/server:1.2.3`). */
  readonly image: string;
  /**
   * Port the server listens on.
   * @default 8000
   */
  readonly port?: number;
  /**
   * Name of the server port, used by Services and probes.
   * @default 'http'
   */
  readonly portName?: string;
  /**
   * Further ports (gRPC, metrics).
   * @default - none
   */
  readonly extraPorts?: kplus.ContainerPort[];
  /**
   * Entrypoint override.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments to the entrypoint.
   * @default - the image's arguments
   */
  readonly args?: string[];
  /**
   * Environment variables, in the order given.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Environment variables read from Secret keys (API keys, tokens): never inline secrets.
   * @default - none
   */
  readonly secretEnv?: { [name: string]: SecretKeyRef };
  /**
   * CPU, memory and ephemeral-storage. Rendered exactly as given; cdk8s-plus defaults never apply.
   * @default - requests cpu '1', memory '4Gi'; limit memory '4Gi' (no CPU limit: throttling hurts latency)
   */
  readonly resources?: ContainerResources;
  /**
   * How to tell the server is alive and its model loaded; yields the startup, readiness and
   * liveness probes.
   * @default HealthCheck.http('/health')
   */
  readonly health?: HealthCheck;
  /**
   * Image pull policy.
   * @default - Kubernetes' default: IfNotPresent for a pinned tag, Always for `:latest` or no tag
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * Security settings of the server container.
   * @default - PSS restricted: non-root, read-only root filesystem, no privilege escalation, drop ALL
   */
  readonly security?: ContainerSecurityOptions;
  /**
   * Working directory.
   * @default - the image's working directory
   */
  readonly workingDir?: string;
}

/** A key of a Kubernetes Secret. */
export interface SecretKeyRef {
  /** Secret name. */
  readonly secretName: string;
  /** Key in the Secret. */
  readonly key: string;
}

/** Props shared by every inference workload (pod, deployment, job). */
export interface InferenceWorkloadProps {
  /** The model-server container. */
  readonly server: InferenceServerProps;
  /**
   * GPUs for the server.
   * @default - no GPU
   */
  readonly gpu?: GpuProps;
  /**
   * How long the model may take to load before the kubelet restarts the server: the budget of
   * the startup probe. Model download by `ModelPrepInit` happens before and does not count.
   * @default Duration.minutes(15)
   */
  readonly modelLoadTimeout?: Duration;
  /**
   * Pod-level security.
   * @default - runAsUser/runAsGroup/fsGroup 1000, seccomp RuntimeDefault, runAsNonRoot
   */
  readonly security?: PodSecurityOptions;
  /**
   * Time given to in-flight requests (long generations) after SIGTERM.
   * @default Duration.seconds(60)
   */
  readonly terminationGracePeriod?: Duration;
}

/** Default server resources. */
export const DEFAULT_SERVER_RESOURCES: ContainerResources = {
  cpu: { request: '1' },
  memory: { request: '4Gi', limit: '4Gi' },
};

/** kplus props of the pod that the inference props decide.
 * @internal
 */
export function inferencePodProps(props: InferenceWorkloadProps) {
  const security = podSecurityDefaults(props.security);
  return {
    terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(60),
    securityContext: {
      ensureNonRoot: true,
      user: security.runAsUser,
      group: security.runAsGroup,
      fsGroup: security.fsGroup,
      // "Always" chowns every file of a multi-GB model cache at each start.
      fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
    },
  };
}

/**
 * Adds the model server, its probes, GPU and writable scratch space to a workload, and
 * returns the server container. Shared by every inference workload construct.
 * @internal
 */
export function addInferenceServer(owner: Construct, workload: kplus.AbstractPod, props: InferenceWorkloadProps): kplus.Container {
  const server = props.server;
  const name = server.name ?? 'server';
  const port = server.port ?? 8000;
  const adapter = PodSpecAdapter.of(workload);
  const container = workload.addContainer({
    name,
    image: server.image,
    ports: [{ number: port, name: server.portName ?? 'http' }],
    command: server.command,
    args: server.args,
    workingDir: server.workingDir,
    envVariables: envValues(owner, server),
    imagePullPolicy: server.imagePullPolicy,
    // An empty spec keeps cdk8s-plus's 1000m/512Mi defaults out; the adapter writes ours.
    resources: {},
  });
  const errors: string[] = [];
  (server.extraPorts ?? []).forEach((extra, i) => {
    try {
      container.addPort(extra);
    } catch (e) {
      // cdk8s-plus refuses duplicate port names/numbers eagerly; report it with the rest
      errors.push(`server.extraPorts[${i}]: ${(e as Error).message}. Fix: give every port its own name and number`);
    }
  });
  const scratch = kplus.Volume.fromEmptyDir(owner, 'tmp', `${name}-tmp`);
  container.mount('/tmp', scratch);

  const gpu = props.gpu;
  const gpuResource = gpu?.resourceName ?? DEFAULT_GPU_RESOURCE;
  if (gpu) {
    const shm = kplus.Volume.fromEmptyDir(owner, 'dshm', 'dshm', { medium: kplus.EmptyDirMedium.MEMORY });
    container.mount('/dev/shm', shm);
    adapter.patchPodSpec(spec => {
      setVolumeSizeLimit(spec, 'dshm', gpu.shmSize ?? DEFAULT_SHM_SIZE);
      if (gpu.tolerate ?? true) {
        spec.tolerations = [...(spec.tolerations ?? []), { effect: 'NoSchedule', key: gpuResource, operator: 'Exists' }];
      }
      if (gpu.nodeSelector) {
        spec.nodeSelector = { ...spec.nodeSelector, ...gpu.nodeSelector };
      }
    });
  }

  const probes = (server.health ?? HealthCheck.http('/health'))._render({
    startupBudget: props.modelLoadTimeout ?? Duration.minutes(15),
    defaultPort: port,
  });
  const resources = renderResources(server.resources ?? DEFAULT_SERVER_RESOURCES, gpu ? { [gpuResource]: String(gpu.count) } : {});
  const securityContext = containerSecurityContext(server.security);
  adapter.finishContainer(name, { probes, resources, securityContext, keepImagePullPolicy: !!server.imagePullPolicy });
  applyPodSecurity(adapter, props.security);
  const identity = podSecurityDefaults(props.security);
  // On a workload the user created, fill in the non-root identity it lacks (AiInferencePod
  // and AiInferenceDeployment already render it through cdk8s-plus).
  adapter.patchPodSpec(spec => {
    spec.securityContext = { ...spec.securityContext };
    spec.securityContext.runAsUser = spec.securityContext.runAsUser ?? identity.runAsUser;
    spec.securityContext.runAsGroup = spec.securityContext.runAsGroup ?? identity.runAsGroup;
    spec.securityContext.fsGroup = spec.securityContext.fsGroup ?? identity.fsGroup;
  });
  adapter.facts.serverContainer = name;
  adapter.facts.serverPort = port;
  adapter.facts.startupBudgetDeclaredBy = owner.node.path;
  adapter.registerOwner(owner, [name], errors);
  return container;
}

/** Sets the pod's seccomp profile (once per pod) unless the user already set one.
 * @internal
 */
export function applyPodSecurity(adapter: PodSpecAdapter, options?: PodSecurityOptions): void {
  if (adapter.podSecurityApplied) {
    return;
  }
  adapter.podSecurityApplied = true;
  const type = podSecurityDefaults(options).seccompProfile;
  adapter.patchPodSpec(spec => {
    spec.securityContext = { ...spec.securityContext };
    spec.securityContext.seccompProfile = spec.securityContext.seccompProfile ?? { type };
    spec.securityContext.runAsNonRoot = spec.securityContext.runAsNonRoot ?? true;
  });
}

/** Sets an emptyDir's sizeLimit to the quantity the user typed.
 * @internal
 */
export function setVolumeSizeLimit(spec: any, volume: string, size: string): void {
  const v = (spec.volumes ?? []).find((x: any) => x.name === volume);
  if (v?.emptyDir) {
    v.emptyDir.sizeLimit = size;
  }
}

function envValues(scope: Construct, server: InferenceServerProps): { [name: string]: kplus.EnvValue } {
  const env: { [name: string]: kplus.EnvValue } = {};
  for (const [key, value] of Object.entries(server.env ?? {})) {
    env[key] = kplus.EnvValue.fromValue(value);
  }
  for (const [key, ref] of Object.entries(server.secretEnv ?? {})) {
    env[key] = kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(scope, `secret-env-${key}`, ref.secretName), key: ref.key });
  }
  return env;
}

/**
 * The model server applied to a workload you created yourself (a cdk8s-plus Deployment,
 * StatefulSet or Job): the same container, probes, GPU and security as AiInferencePod.
 *
 * @example
 * const job = new kplus.Job(chart, 'batch', { restartPolicy: kplus.RestartPolicy.NEVER });
 * new InferenceServer(job, 'server', { server: { image: 'vllm/vllm-openai:v0.6.3' }, gpu: { count: 1 } });
 */
export class InferenceServer extends Construct {
  /** The workload the server runs in. */
  public readonly workload: kplus.AbstractPod;
  /** The model-server container (escape hatch). */
  public readonly container: kplus.Container;

  constructor(scope: Construct, id: string, props: InferenceWorkloadProps) {
    super(scope, id);
    this.workload = workloadOf(scope);
    this.container = addInferenceServer(this, this.workload, props);
  }
}
