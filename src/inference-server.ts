import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { withoutUndefined } from './_json';
import { showPortsToCdk8sPlus } from './_kplus-adapter';
import { lifecycleHooks } from './_lifecycle';
import { ModelFitOptions, planServing } from './_serving-plan';
import { derivedVolumeName } from './_volume-names';
import { CompanionKind, setVolumeSizeLimit, splitError, WorkloadHost, Wiring, workloadOf } from './_workload-host';
import { InferenceEngine } from './engines/inference-engine';
import { containerEnv, EnvFromSource, PodField } from './env-sources';
import { DEFAULT_GPU_RESOURCE, DEFAULT_SHM_SIZE, GpuProps, gpuTaintKey, MAX_GPU_COUNT } from './gpu';
import { BoundGpuClaim, GpuClaim } from './gpu-claim';
import { KubernetesTarget, resolveTarget } from './kubernetes-target';
import { ContainerPortSpec, DnsPolicy, HttpHook, ImagePullPolicy, SecretKeyRef, TerminationMessagePolicy } from './kubernetes-types';
import { Accelerator } from './planning/accelerator';
import { addPodVolumes, PodVolume, PodVolumeMount, renderPodVolumeMounts, renderPodVolumes } from './pod-volume';
import { HealthCheck } from './probes';
import { checkedResources, ContainerResources, renderResources } from './resources';
import { containerSecurityContext, ContainerSecurityOptions, leaveIdsToPlatform, PodSecurityLevel, podSecurityContext, PodSecurityOptions } from './security';
import { ENV_NAME, isSysctlName, normalSysctlName, show } from './validation/_helpers';
import {
  absolutePath, booleanProp, containerPropKeys, durationSeconds, jsonValue, knownProps, labelName, listOf, objectName, POD_SECURITY_KEYS,
  POD_VOLUME_MOUNT_KEYS, isPlainObject, portNumber, propKeys, quantity, renderableMetadata, snapshot, stringMap, terminalFields, wholeNumber,
} from './validation/_prop-checks';
import { isPortNumber } from './validation/port-rules';

/** The model-server container. */
export interface InferenceServerProps {
  /**
   * Container name.
   * @default 'server'
   */
  readonly name?: string;
  /**
   * Image reference; pin a tag or digest (`registry/server:1.2.3`).
   * @default - the engine's pinned image; required without an engine
   */
  readonly image?: string;
  /**
   * The model server's engine: renders command, args, port and health from typed options
   * (`InferenceEngine.vllm({ maxModelLength: 32768 })`), with tensor parallelism = `gpu.count`
   * and the model from `$(MODEL_PATH)`. `command`/`args` may not be given with it.
   * @default - none: image, command, args and health as given
   */
  readonly engine?: InferenceEngine;
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
   * Whether the server listens on a port: a model server does; a batch worker (an offline
   * inference Job, a queue consumer) may not. When false no containerPort is written for the
   * server (`extraPorts` still are) and the health check defaults to `HealthCheck.none()`.
   * Synth refuses it with `port`, `portName`, an `engine`, a health check that probes the
   * server port, a front door (ProxySidecar, Sidecar `frontDoor`) or a Service to the server.
   * @default true
   */
  readonly listens?: boolean;
  /**
   * Further ports (gRPC, metrics).
   * @default - none
   */
  readonly extraPorts?: ContainerPortSpec[];
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
   * Environment variables from fields of the running pod: `PodField.POD_IP` for a server that
   * advertises its address, `PodField.resource('limits.memory', '1Mi')`, a label.
   * @default - none
   */
  readonly fieldEnv?: { [name: string]: PodField };
  /**
   * ConfigMaps and Secrets whose keys all become variables (`EnvFromSource.configMap(name)`),
   * after those cdk8s-plus's escape hatch adds.
   * @default - none
   */
  readonly envFrom?: EnvFromSource[];
  /**
   * CPU, memory and ephemeral-storage. Rendered exactly as given — what is given replaces every
   * default (`{}` writes no amounts); cdk8s-plus defaults never apply.
   * @default - requests cpu '1', memory '4Gi'; limit memory '4Gi' (no CPU limit: throttling hurts latency)
   */
  readonly resources?: ContainerResources;
  /**
   * How to tell the server is alive and its model loaded; yields the startup, readiness and
   * liveness probes (`HealthCheck.custom` sets each one).
   * @default - HealthCheck.http('/health'); HealthCheck.none() when `listens` is false
   */
  readonly health?: HealthCheck;
  /**
   * Image pull policy.
   * @default - Kubernetes' default: IfNotPresent for a pinned tag, Always for `:latest` or no tag
   */
  readonly imagePullPolicy?: ImagePullPolicy;
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
  /**
   * Your own volumes in the server: a PVC of engine caches, a ConfigMap of templates, a Secret.
   * @default - none
   */
  readonly volumeMounts?: PodVolumeMount[];
  /**
   * Size limit of the writable `/tmp` (an emptyDir: the root filesystem is read-only).
   * @default - no limit
   */
  readonly tmpSize?: string;
  /**
   * Command run right after the server starts (`lifecycle.postStart`): the Ollama chart pulls
   * its models this way. The container is not Running until it returns, and a failing command
   * restarts the container.
   * @default - none
   */
  readonly postStartCommand?: string[];
  /**
   * Command run before the server gets SIGTERM (e.g. drain: `['sleep', '10']` while endpoints
   * update). It counts against the termination grace period.
   * @default - none
   */
  readonly preStopCommand?: string[];
  /**
   * Wait this long before the server gets SIGTERM, without a command: the kubelet itself sleeps
   * (`lifecycle.preStop.sleep`, Kubernetes 1.30+), so images without a `sleep` binary
   * (distroless) can drain too, while endpoints and load balancers stop sending traffic. Whole
   * seconds, at least one, within the termination grace period. Not with `preStopCommand`.
   * @default - none
   */
  readonly preStopSleep?: Duration;
  /**
   * An HTTP GET the kubelet sends before the server gets SIGTERM (`lifecycle.preStop.httpGet`):
   * KServe ModelMesh's runtime containers call their adapter's `{ path: '/prestop', port: 8090 }`
   * so it unloads the models first. It counts against the termination grace period. Not with
   * `preStopCommand` or `preStopSleep`.
   * @default - none
   */
  readonly preStopHttpGet?: HttpHook;
  /**
   * Where `kubectl describe` takes the reason of a crash from.
   * @default TerminationMessagePolicy.FALLBACK_TO_LOGS_ON_ERROR
   */
  readonly terminationMessagePolicy?: TerminationMessagePolicy;
  /**
   * Keep the server's stdin open (`stdin: true`), as KServe's data-parallel vLLM workers do
   * (with `tty`): a script that would otherwise end at end of input.
   * @default false
   */
  readonly stdin?: boolean;
  /**
   * Give the server a TTY (`tty: true`); usually with `stdin`.
   * @default false
   */
  readonly tty?: boolean;
}

/** A toleration of a node taint. */
export interface PodToleration {
  /**
   * Taint key.
   * @default - every key (with operator Exists)
   */
  readonly key?: string;
  /**
   * `Exists` or `Equal`.
   * @default 'Exists' without a value, 'Equal' with one
   */
  readonly operator?: string;
  /**
   * Taint value.
   * @default - none
   */
  readonly value?: string;
  /**
   * `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
   * @default - every effect
   */
  readonly effect?: string;
  /**
   * How long the pod stays bound to a node that gets the taint (effect `NoExecute` only), in
   * whole seconds; 0 or less evicts at once.
   * @default - forever
   */
  readonly tolerationSeconds?: number;
}

/** Props shared by every inference workload (pod, deployment, job). */
export interface InferenceWorkloadProps {
  /** The model-server container. */
  readonly server: InferenceServerProps;
  /**
   * The Kubernetes version the workload is synthesized for: native or classic sidecars, image
   * volumes, device claims. Wins over the `cdk8s-ai-inference:kubernetesVersion` context.
   * @default - the context key, else KubernetesTarget.DEFAULT (1.33)
   */
  readonly target?: KubernetesTarget;
  /**
   * The model served, for the GPU-fit plan at synth: fails when it does not fit
   * `gpu.count × gpu.accelerator` (with the smallest count that fits), warns above 90 %, and
   * sizes `/dev/shm` and an emptyDir model cache unless they are set.
   * @default - not planned
   */
  readonly model?: ModelFitOptions;
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
   * @default - runAsUser/runAsGroup/fsGroup 1000, seccomp RuntimeDefault, runAsNonRoot, level restricted
   */
  readonly security?: PodSecurityOptions;
  /**
   * Time given to in-flight requests (long generations) after SIGTERM.
   * @default Duration.seconds(60)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Service account of the pod (e.g. one bound to a cloud role that can read the model bucket).
   * @default - the namespace's default account
   */
  readonly serviceAccountName?: string;
  /**
   * Mount the service account's API token. On by default when `serviceAccountName` is given
   * (kube-rbac-proxy and anything that calls the API need it), off otherwise.
   * @default - true with a serviceAccountName, false without
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * RuntimeClass of the pod (e.g. `nvidia` where the GPU runtime is not the default).
   * @default - the cluster's default runtime
   */
  readonly runtimeClassName?: string;
  /**
   * Scheduler of the pod: a GPU-sharing or gang scheduler (`hami-scheduler`, `volcano`,
   * `kai-scheduler`) where GPU pods are not placed by the default one.
   * @default - the cluster's default scheduler
   */
  readonly schedulerName?: string;
  /**
   * DNS settings added to (or, with `dnsPolicy: DnsPolicy.NONE`, instead of) the policy's, as
   * Kubernetes JSON (`{ nameservers, searches, options: [{ name: 'ndots', value: '2' }] }`);
   * checked by the `dnsConfig` rule.
   * @default - none
   */
  readonly dnsConfig?: { [key: string]: any };
  /**
   * PriorityClass of the pod (GPU pods often preempt batch work).
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Node, pod affinity and anti-affinity, as Kubernetes JSON (`{ nodeAffinity: {...} }`).
   * @default - none
   */
  readonly affinity?: { [key: string]: any };
  /**
   * Topology spread constraints, as Kubernetes JSON.
   * @default - none
   */
  readonly topologySpreadConstraints?: Array<{ [key: string]: any }>;
  /**
   * Further tolerations (the GPU's own is added by `gpu`).
   * @default - none
   */
  readonly tolerations?: PodToleration[];
  /**
   * Node labels the pod must match (merged with `gpu.nodeSelector`).
   * @default - none
   */
  readonly nodeSelector?: { [label: string]: string };
  /**
   * Secrets with registry credentials for private images.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * One process namespace for all the pod's containers, so one can reach another's processes
   * and, through `/proc/<pid>/root`, its filesystem: KServe's modelcar sidecar serves the
   * model this way. Pod Security Standard restricted allows it; every container then sees the
   * others' processes and environment (secrets in env included).
   * @default false
   */
  readonly shareProcessNamespace?: boolean;
  /**
   * Use the node's IPC namespace (shared memory with the node and its other host-IPC pods), as
   * LMCache's disaggregated prefill/decode does for CUDA IPC. Pod Security Standards baseline
   * and restricted forbid it: declare `security: { level: PodSecurityLevel.PRIVILEGED }`, or
   * synth fails.
   * @default false
   */
  readonly hostIPC?: boolean;
  /**
   * Whether Kubernetes puts a set of variables into every container for each Service of the
   * namespace (`<NAME>_PORT=tcp://10.0.0.7:8000`, `<NAME>_SERVICE_HOST`, ...). Set `false` when a
   * Service's name collides with the server's own settings: a Service named `vllm` injects
   * `VLLM_PORT=tcp://…`, which vLLM reads as its port and crashes on (the
   * gateway-api-inference-extension vLLM manifests set it false for this reason).
   * @default - Kubernetes' default: true (the field is not written)
   */
  readonly enableServiceLinks?: boolean;
  /**
   * Use the node's network namespace: the pod's ports are the node's, and RDMA/RoCE NICs and
   * their addresses are reachable (OME's SGLang RDMA workers, the ROCm vLLM manifests). Pod
   * Security Standards baseline and restricted forbid it: declare `security: { level:
   * PodSecurityLevel.PRIVILEGED }`, or synth fails. Set `dnsPolicy:
   * DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET` too, or the pod resolves names with the node's
   * resolver and cannot reach cluster Services by name (a warning).
   * @default false
   */
  readonly hostNetwork?: boolean;
  /**
   * How the pod resolves names. `DnsPolicy.NONE` needs a `dnsConfig` with a nameserver (synth
   * refuses the pod without one, as the API server would).
   * @default DnsPolicy.CLUSTER_FIRST
   */
  readonly dnsPolicy?: DnsPolicy;
  /**
   * Environment variables that a controller or admission webhook sets in every container of
   * the pods (OME's `MODEL_PATH` and `PARALLELISM_SIZE`, KServe's, a platform's): a `$(NAME)` in
   * a container's command or args that names one of them is not refused as undefined
   * (`argsReferenceDefinedEnv`). Nothing is written: the variables are the controller's.
   * @default - none
   */
  readonly injectedEnv?: string[];
  /**
   * Volumes the pod declares without a container of the library mounting them: for a container
   * an admission webhook injects (GKE's Cloud Storage FUSE sidecar mounts a volume named
   * `gke-gcsfuse-cache` or `gke-gcsfuse-tmp` when the pod has one). Volumes the server mounts
   * (`server.volumeMounts`) need not be listed here.
   * @default - none
   */
  readonly volumes?: PodVolume[];
}

/** Default server resources. */
const DEFAULT_SERVER_RESOURCES: ContainerResources = Object.freeze({
  cpu: Object.freeze({ request: '1' }),
  memory: Object.freeze({ request: '4Gi', limit: '4Gi' }),
});

/** Default startup budget. */
const DEFAULT_LOAD_TIMEOUT = Duration.minutes(15);

/** Default port and its name. */
const DEFAULT_PORT = 8000;

/** Known keys of the props objects an inference workload takes. */
const SERVER_KEYS = propKeys<InferenceServerProps>('InferenceServerProps', {
  name: true, image: true, engine: true, port: true, portName: true, listens: true, extraPorts: true, command: true, args: true, env: true,
  secretEnv: true, fieldEnv: true, envFrom: true, resources: true, health: true, imagePullPolicy: true, security: true, workingDir: true,
  volumeMounts: true, tmpSize: true, postStartCommand: true, preStopCommand: true, stdin: true, tty: true, preStopSleep: true, preStopHttpGet: true,
  terminationMessagePolicy: true,
});
/** The keys of `InferenceWorkloadProps` as flags, for the props interfaces that extend it. @internal */
export const WORKLOAD_KEY_FLAGS: { readonly [K in keyof InferenceWorkloadProps]-?: true } = {
  server: true, target: true, model: true, gpu: true, modelLoadTimeout: true, security: true, terminationGracePeriod: true,
  serviceAccountName: true, automountServiceAccountToken: true, runtimeClassName: true, priorityClassName: true, affinity: true,
  topologySpreadConstraints: true, tolerations: true, nodeSelector: true, imagePullSecrets: true, shareProcessNamespace: true, hostIPC: true,
  enableServiceLinks: true, hostNetwork: true, dnsPolicy: true, injectedEnv: true, volumes: true, schedulerName: true, dnsConfig: true,
};
/** Known keys of `InferenceWorkloadProps`, for `InferenceServer`. @internal */
export const WORKLOAD_KEYS = propKeys<InferenceWorkloadProps>('InferenceWorkloadProps', WORKLOAD_KEY_FLAGS);
const TOLERATION_KEYS = propKeys<PodToleration>('PodToleration', { key: true, operator: true, value: true, effect: true, tolerationSeconds: true });
const GPU_KEYS = propKeys<GpuProps>('GpuProps', {
  count: true, accelerator: true, claim: true, resourceName: true, tolerate: true, shmSize: true, sharedMemory: true, nodeSelector: true,
});
const MODEL_FIT_KEYS = propKeys<ModelFitOptions>('ModelFitOptions', { profile: true, concurrentSequences: true, maxModelLength: true, runtimeOverhead: true });

/**
 * Adds the model server to a workload — container, probes, GPU, scratch space — and registers
 * it with the workload's host, which applies the pod-level settings at render. Shared by every
 * inference workload construct; not part of the public API.
 * @internal
 */
export function attachServer(
  owner: Construct, workload: kplus.AbstractPod, given: InferenceWorkloadProps, knownKeys: ReadonlyArray<string>,
): kplus.Container {
  const errors: string[] = [];
  const props = checkedShape(given, knownKeys, errors);
  const server = props.server;
  const name = server.name ?? 'server';
  const plan = planServing(props, errors);
  // a port that is not one (`'8000'`, 0) is reported by server.port; rendered with the default
  // meanwhile, so the rendered containerPort does not report the same mistake a second time
  const port = isPortNumber(plan.port) ? plan.port as number : DEFAULT_PORT;
  const target = resolveTarget(owner, props.target);
  errors.push(...target.errors);
  checkServerProps(props, plan.image, errors);
  const listens = serverListens(server, errors);
  const serverResources = checkedResources('server.resources', server.resources, errors);
  checkGpuNotExtended(props, plan.gpuResource, errors);
  // undefined: the workload's own (a cdk8s-plus terminationGracePeriod other than its 30 s default), else 60 s
  const graceSeconds = durationSeconds('terminationGracePeriod', props.terminationGracePeriod, 0, errors);
  const host = WorkloadHost.of(workload);
  host.claimName('container', name, owner, 'server.name', errors);
  const container = workload.addContainer({
    name,
    image: plan.image ?? '',
    command: plan.command,
    args: plan.args,
    workingDir: server.workingDir,
    envVariables: containerEnv(owner, host, name, server, errors, 'server.', plan.env),
    imagePullPolicy: server.imagePullPolicy as unknown as kplus.ImagePullPolicy,
    // An empty spec keeps cdk8s-plus's 1000m/512Mi defaults out; the host writes ours.
    resources: {},
  });
  container.mount('/tmp', kplus.Volume.fromEmptyDir(owner, 'tmp', derivedVolumeName(name, 'tmp')));
  const gpu = props.gpu;
  // sharedMemory: false (TPU servers) keeps the runtime's own /dev/shm
  if (gpu && gpu.sharedMemory !== false) {
    container.mount('/dev/shm', kplus.Volume.fromEmptyDir(owner, 'dshm', 'dshm', { medium: kplus.EmptyDirMedium.MEMORY }));
  }

  const health = server.health ?? plan.health ?? (listens ? HealthCheck.http('/health') : HealthCheck.none());
  // a server that does not listen: probes of its port are refused (an engine's, with the engine), and not written
  const probesNoPort = !listens && health instanceof HealthCheck && health._probesDefaultPort.length > 0;
  if (probesNoPort && server.health !== undefined) {
    const roles = health._probesDefaultPort;
    errors.push(`server.health: the ${roles.join(', ')} probe${roles.length > 1 ? 's target' : ' targets'} the server port, `
      + 'and server.listens is false: the server declares none, so the probe would call a port nothing listens on. '
      + 'Fix: leave health out (HealthCheck.none()), give HealthCheck.command([...]), or probe a port of server.extraPorts (HealthCheck.tcp(9090))');
  }
  const rendered = health instanceof HealthCheck
    // a modelLoadTimeout that is refused is reported once, as itself: the probes take the default
    ? health._render({ startupBudget: loadTimeoutOrDefault(props.modelLoadTimeout), defaultPort: port }, errors, 'server.health')
    : (errors.push(`server.health: ${show(health)} is not a HealthCheck. Fix: use a HealthCheck factory such as HealthCheck.http('/health')`), {});
  const probes = probesNoPort ? {} : rendered;
  const claim = gpu?.claim === undefined ? undefined : bindClaim(owner, workload, gpu, errors);
  if (claim) {
    host.addCompanion(owner, claim.template, CompanionKind.CLAIM_TEMPLATE);
  }
  const gpuResource = plan.gpuResource;
  const gpuSettings: GpuSettings | undefined = gpu && {
    resource: gpuResource,
    tolerate: gpu.tolerate ?? true,
    nodeSelector: { ...plan.nodeSelector, ...gpu.nodeSelector },
    shmSize: gpu.shmSize ?? plan.shmSize ?? DEFAULT_SHM_SIZE,
    sharedMemory: gpu.sharedMemory !== false,
  };
  // a claimed GPU is the claim's, not the device plugin's extended resource
  // a gpu.count that is not a whole number from 1 is reported by the prop (one line); the rendered amount is then 1, not the same mistake again
  const count = Number.isInteger(gpu?.count) && (gpu!.count as number) >= 1 ? gpu!.count : 1;
  const resources = renderResources(serverResources ?? DEFAULT_SERVER_RESOURCES, gpu && !gpu.claim ? { [gpuResource]: String(count) } : {});
  host.finishContainer(name, {
    probes,
    resources,
    // a root pod (security: { runAsNonRoot: false, runAsUser: 0 }) relaxes its server too: with
    // the restricted runAsNonRoot: true it would inherit user 0 and never start
    securityContext: containerSecurityContext(props.security?.runAsNonRoot === false && server.security?.runAsNonRoot === undefined
      ? { ...server.security, runAsNonRoot: false } : server.security),
    keepImagePullPolicy: !!server.imagePullPolicy,
    terminationMessagePolicy: server.terminationMessagePolicy ?? 'FallbackToLogsOnError',
    lifecycle: lifecycleHooks(server, 'server.', errors),
    ...terminalFields('server.', server, 'server', errors),
  });
  const portName = server.portName ?? 'http';
  showPortsToCdk8sPlus(container, [...(listens ? [{ number: port, name: portName }] : []), ...listOf('server.extraPorts', server.extraPorts, errors)]);
  if (!listens && workload instanceof kplus.Deployment) {
    reportExposingSilentServer(workload, errors);
  }
  const userMounts = renderPodVolumeMounts(server.volumeMounts ?? [], errors, host.kind, true);
  const declaredVolumes = renderPodVolumes(props.volumes ?? [], 'volumes', errors, host.kind);
  const podSecurity = podSecurityContext(props.security);
  host.registerServer({
    owner,
    name,
    port,
    listens,
    errors,
    healthPaths: health._httpPaths,
    securityLevel: props.security?.level ?? PodSecurityLevel.RESTRICTED,
    injectedEnv: (props.injectedEnv ?? []).filter(n => typeof n === 'string'),
    target,
    modelCacheSize: plan.modelCacheSize,
    gpuTaintNotTolerated: gpu !== undefined && gpu.tolerate === false,
    volumeOwnershipKept: props.security?.keepVolumeOwnership === true,
    wire: (spec, wiring) => {
      plan.warnings.forEach(w => wiring.warning(owner, ...splitError(w)));
      const c = spec.containers.find((x: any) => x.name === name);
      if (!c.ports?.length) {
        // a server that listens on no port (server.listens: false) and has no extraPorts: no `ports: []`, as its manifest has none
        delete c.ports;
      }
      addPodVolumes(spec, declaredVolumes);
      if (userMounts.volumeMounts.length) {
        c.volumeMounts = [...(c.volumeMounts ?? []), ...userMounts.volumeMounts.map(m => ({ ...m }))];
        addPodVolumes(spec, userMounts.volumes);
      }
      if (listens) {
        routeProbesThroughProxy(c, port, portName, wiring, owner);
      }
      if (claim) {
        spec.resourceClaims = [...(spec.resourceClaims ?? []), { ...claim.podClaim }];
        c.resources = { ...c.resources, claims: [{ ...claim.containerClaim }] };
      }
      wirePod(spec, props, podSecurity, graceSeconds, gpuSettings, host);
      setVolumeSizeLimit(spec, derivedVolumeName(name, 'tmp'), server.tmpSize);
    },
  });
  return container;
}

/**
 * cdk8s-plus's `exposeViaService()` (and `exposeViaIngress()`, which calls it) on a Deployment
 * whose server listens on no port threw cdk8s-plus's own error with a stack trace: there is no
 * port to expose, or the port asked for is one no container declares. The call is reported at
 * synth as the server's error instead, naming what to change; the Service it returns is never
 * written (synth stops at the error).
 */
function reportExposingSilentServer(deployment: kplus.Deployment, errors: string[]): void {
  const expose = deployment.exposeViaService.bind(deployment);
  const guarded = (options: kplus.DeploymentExposeViaServiceOptions = {}): kplus.Service => {
    try {
      return expose(options);
    } catch (e) {
      const reason = /Port (\S+) is not exposed by any container/.exec((e as Error).message);
      if (!reason && !/port cannot be determined/.test((e as Error).message)) {
        throw e;
      }
      const call = options.ports ? 'exposeViaService({ ports })' : 'exposeViaService()';
      errors.push(`server.listens: false declares no server port, and ${call} was called on the Deployment: `
        + (reason ? `it targets port ${reason[1]}, which no container of the pod declares` : 'a Service needs a port to forward to, and the pod declares none')
        + `. Fix: remove the ${call} call (a batch worker needs no Service), or remove listens: false so that the server declares its port (server.port), `
        + 'or add the port to server.extraPorts and pass it in ports');
      const namespace = deployment.metadata.namespace;
      const metadata = options.name === undefined ? { namespace } : { namespace, name: options.name };
      // never written (synth stops at the error); a port so that exposeViaIngress(), which builds its backend from it, does not throw
      return new kplus.Service(deployment, `${options.name ?? ''}Service`, { selector: deployment, metadata, ports: [{ port: 80 }] });
    }
  };
  Object.defineProperty(deployment, 'exposeViaService', { configurable: true, writable: true, value: guarded });
}

/**
 * `server.listens`: a boolean; false refuses what needs the server's port — a port, a port
 * name, an engine (engines serve HTTP on one). The health check, front doors and a
 * Deployment's Service are checked where they are known.
 */
function serverListens(server: InferenceServerProps, errors: string[]): boolean {
  if (!booleanProp('server.listens', server.listens, errors, 'false for a server that listens on no port (a batch worker), or leave it out')) {
    return true;
  }
  if (server.listens !== false) {
    return true;
  }
  for (const key of ['port', 'portName'] as const) {
    if (server[key] !== undefined) {
      errors.push(`server.${key}: ${show(server[key])} is given with server.listens: false, which declares no server port. `
        + `Fix: remove ${key}, or remove listens: false (a port of another kind, such as metrics, goes in extraPorts)`);
    }
  }
  if (server.engine !== undefined) {
    const engine = server.engine instanceof InferenceEngine ? `InferenceEngine.${server.engine.name}()` : show(server.engine);
    errors.push(`server.engine: ${engine} is given with server.listens: false, and an engine serves HTTP on a port (it passes --port). `
      + 'Fix: for offline batch inference give image, command and args (e.g. [\'python\', \'-m\', \'vllm.entrypoints.openai.run_batch\', ...]) instead of the engine, '
      + 'or remove listens: false');
  }
  return false;
}

/** The model load timeout when it is a valid one, else the default. */
function loadTimeoutOrDefault(timeout: Duration | undefined): Duration {
  return timeout !== undefined && modelLoadSeconds(timeout, []) !== undefined ? timeout : DEFAULT_LOAD_TIMEOUT;
}

/** The most seconds a model load timeout can have: the startup probe counts them as failureThreshold × periodSeconds, an int32 each. */
const MAX_LOAD_SECONDS = 2147483647;

/**
 * `modelLoadTimeout` in seconds when it is valid (whole seconds, from 10 s to about 68 years),
 * else undefined with the error in `errors`: named by the prop, not by the startup probe's
 * failureThreshold it would overflow. @internal
 */
export function modelLoadSeconds(timeout: Duration | undefined, errors: string[]): number | undefined {
  const seconds = durationSeconds('modelLoadTimeout', timeout, 10, errors);
  if (seconds !== undefined && seconds > MAX_LOAD_SECONDS) {
    errors.push(`modelLoadTimeout: ${seconds} s is more than ${MAX_LOAD_SECONDS} s (about 68 years), the most the startup probe's failureThreshold can count. `
      + 'Fix: give the time the model takes to load, e.g. Duration.minutes(30)');
    return undefined;
  }
  return seconds;
}

/** The GPU settings after the accelerator and the plan are applied. */
interface GpuSettings {
  readonly resource: string;
  readonly tolerate: boolean;
  readonly nodeSelector: { [label: string]: string };
  readonly shmSize: string;
  /** Whether the server gets a memory-backed `/dev/shm`. */
  readonly sharedMemory: boolean;
}

/** The ResourceClaimTemplate of a claimed GPU; undefined (errors pushed) when the claim is bad. */
function bindClaim(owner: Construct, workload: kplus.AbstractPod, gpu: GpuProps, errors: string[]): BoundGpuClaim | undefined {
  if (!(gpu.claim instanceof GpuClaim)) {
    errors.push(`gpu.claim: ${JSON.stringify(gpu.claim)} is not a GpuClaim. Fix: use GpuClaim.dra({ deviceClassName: 'gpu.nvidia.com' })`);
    return undefined;
  }
  const claimErrors = gpu.claim._errors('gpu.claim');
  errors.push(...claimErrors);
  return claimErrors.length || !Number.isInteger(gpu.count) || gpu.count < 1
    ? undefined
    : gpu.claim._addTemplate(owner, ApiObject.of(workload), gpu.count);
}

/** The pod's ids the library defaults (and `security.idsFromPlatform` leaves to the platform). */
const POD_IDS = ['runAsUser', 'runAsGroup', 'fsGroup'] as const;

/** Pod fields written exactly as the props give them, and only when given. */
const POD_FIELDS_AS_GIVEN = ['shareProcessNamespace', 'hostIPC', 'enableServiceLinks', 'hostNetwork', 'dnsPolicy', 'schedulerName'] as const;

/** The pod-level settings of an inference workload, on the final spec. */
function wirePod(
  spec: any, props: InferenceWorkloadProps, podSecurity: any, graceSeconds: number | undefined, gpu: GpuSettings | undefined, host: WorkloadHost,
): void {
  const own = spec.securityContext ?? {};
  spec.securityContext = { ...own, ...withoutUndefined(podSecurity) };
  for (const key of POD_IDS) {
    if (props.security?.idsFromPlatform === true) {
      // also the ids a workload of yours set on its pod (cdk8s-plus securityContext user, group, fsGroup)
      delete spec.securityContext[key];
    } else if (props.security?.[key] === undefined && own[key] !== undefined) {
      // ids a workload of yours gives its pod win over the library's defaults, not over ids given in security
      spec.securityContext[key] = own[key];
    }
  }
  if (props.security?.idsFromPlatform === true) {
    leaveIdsToPlatform(spec, name => host.defaultIds(name));
  }
  if (props.security?.keepVolumeOwnership === true) {
    // also the fsGroup a workload of yours set on its pod (cdk8s-plus securityContext fsGroup)
    delete spec.securityContext.fsGroup;
    delete spec.securityContext.fsGroupChangePolicy;
  }
  if (props.security?.runAsNonRoot === false) {
    delete spec.securityContext.runAsNonRoot;
  }
  // a grace period a workload of yours sets (cdk8s-plus terminationGracePeriod) wins over the library's 60 s default;
  // cdk8s-plus writes 30 s when it is given none, which the default replaces
  const ownGrace = spec.terminationGracePeriodSeconds;
  spec.terminationGracePeriodSeconds = graceSeconds ?? (typeof ownGrace === 'number' && ownGrace !== KPLUS_DEFAULT_GRACE_SECONDS ? ownGrace : 60);
  if (props.serviceAccountName) {
    spec.serviceAccountName = props.serviceAccountName;
  }
  // a workload of yours that mounts the token (cdk8s-plus automountServiceAccountToken: true) keeps it
  const ownAutomount = spec.automountServiceAccountToken === true;
  spec.automountServiceAccountToken = props.automountServiceAccountToken ?? (!!props.serviceAccountName || ownAutomount);
  spec.runtimeClassName = props.runtimeClassName;
  // written as given: a non-boolean from a JavaScript caller is then reported by field (schemaTypes)
  for (const key of POD_FIELDS_AS_GIVEN) {
    if (props[key] !== undefined) {
      spec[key] = props[key];
    }
  }
  if (props.dnsConfig !== undefined) {
    spec.dnsConfig = JSON.parse(JSON.stringify(props.dnsConfig));
  }
  spec.priorityClassName = props.priorityClassName;
  // merged with the workload's own (cdk8s-plus scheduling.attract / colocate / separate / spread), not in its place
  spec.affinity = props.affinity ? mergedAffinity(spec.affinity, JSON.parse(JSON.stringify(props.affinity))) : spec.affinity;
  spec.topologySpreadConstraints = props.topologySpreadConstraints
    ? JSON.parse(JSON.stringify(props.topologySpreadConstraints))
    : spec.topologySpreadConstraints;
  if (props.imagePullSecrets?.length) {
    spec.imagePullSecrets = props.imagePullSecrets.map(name => ({ name }));
  }
  const tolerations = [...(props.tolerations ?? []).map(t => withoutUndefined({ ...t, operator: t.operator ?? (t.value === undefined ? 'Exists' : 'Equal') }))];
  // not when a toleration of the user's (a prop, or the workload's own scheduling) already tolerates the taint (GKE's manifests
  // list nvidia.com/gpu themselves): a second copy. An empty key with Exists matches every taint, like no key
  const tolerates = (t: any) => t?.operator === 'Exists' && (t.key === undefined || t.key === '' || t.key === gpuTaintKey(gpu!.resource))
    && (t.effect === undefined || t.effect === '' || t.effect === 'NoSchedule') && t.tolerationSeconds === undefined;
  if (gpu?.tolerate && ![...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...tolerations].some(tolerates)) {
    tolerations.push({ effect: 'NoSchedule', key: gpuTaintKey(gpu.resource), operator: 'Exists' });
  }
  if (tolerations.length) {
    spec.tolerations = [...(spec.tolerations ?? []), ...tolerations];
  }
  if (props.nodeSelector || (gpu && Object.keys(gpu.nodeSelector).length)) {
    spec.nodeSelector = { ...spec.nodeSelector, ...props.nodeSelector, ...gpu?.nodeSelector };
  }
  if (gpu?.sharedMemory) {
    setVolumeSizeLimit(spec, 'dshm', gpu.shmSize);
  }
}

/** cdk8s-plus-27's terminationGracePeriod when a workload is given none. */
const KPLUS_DEFAULT_GRACE_SECONDS = 30;

/**
 * The pod's affinity as both the workload (cdk8s-plus scheduling) and the `affinity` prop ask:
 * every pod (anti-)affinity term and every preferred node term of each; the required node
 * selector terms as their pairwise AND (Kubernetes ORs the terms of one list).
 */
function mergedAffinity(own: any, given: any): any {
  if (!isPlainObject(own) || !isPlainObject(given)) {
    return given;
  }
  const merged: any = { ...own };
  for (const [kind, value] of Object.entries(given)) {
    const mine = merged[kind];
    if (!isPlainObject(mine) || !isPlainObject(value)) {
      merged[kind] = value;
      continue;
    }
    const out: any = { ...mine };
    for (const [key, terms] of Object.entries(value as any)) {
      const theirs = out[key];
      if (Array.isArray(theirs) && Array.isArray(terms)) {
        out[key] = [...theirs, ...terms];
      } else if (kind === 'nodeAffinity' && key === 'requiredDuringSchedulingIgnoredDuringExecution'
        && Array.isArray(theirs?.nodeSelectorTerms) && Array.isArray((terms as any)?.nodeSelectorTerms)) {
        const and = (a: any, b: any, field: string) => (a?.[field] || b?.[field] ? { [field]: [...(a?.[field] ?? []), ...(b?.[field] ?? [])] } : {});
        out[key] = {
          ...(terms as any),
          nodeSelectorTerms: theirs.nodeSelectorTerms.flatMap((a: any) => (terms as any).nodeSelectorTerms.map((b: any) => ({
            ...and(a, b, 'matchExpressions'), ...and(a, b, 'matchFields'),
          }))),
        };
      } else {
        out[key] = terms;
      }
    }
    merged[kind] = out;
  }
  // nodeAffinity, podAffinity, podAntiAffinity: the order cdk8s-plus writes, whichever side brought which
  return Object.fromEntries(Object.keys(merged).sort().map(k => [k, merged[k]]));
}

/**
 * With a proxy in front, the server's HTTP probes go through the proxy's port and open path:
 * the server may then bind 127.0.0.1, and nothing but the proxy is reachable from the network.
 */
function routeProbesThroughProxy(container: any, serverPort: number, serverPortName: string, wiring: Wiring, owner: Construct): void {
  const proxy = wiring.proxy;
  if (!proxy?.routeServerProbes) {
    return;
  }
  for (const key of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const get = container[key]?.httpGet;
    // by number or by the server port's name (Probe.httpGet(path, { portName }))
    if (get && (get.port === serverPort || get.port === serverPortName)) {
      if (proxy.nginx) {
        proxiedHeaderProblems(get.httpHeaders, `server.health.${key.replace(/Probe$/, '')}.httpHeaders`, proxy.https, wiring, owner);
      }
      container[key] = { ...container[key], httpGet: { ...get, port: proxy.port, scheme: proxy.https ? 'HTTPS' : undefined } };
      if (!proxy.https) {
        delete container[key].httpGet.scheme;
      }
    }
  }
}

/** Headers the generated nginx drops from every request (its defaults and `Connection ""`). */
const NGINX_DROPPED_HEADERS = new Set(['connection', 'keep-alive', 'upgrade', 'te', 'expect', 'transfer-encoding']);

/**
 * Longest `name: value` header line nginx reads with its default `large_client_header_buffers`
 * (8k): a longer one is answered 400, so the probe routed through the proxy always fails.
 */
const NGINX_MAX_HEADER_LINE = 8188;

/**
 * The headers of a probe routed through ProxySidecar that do not reach the server as written:
 * nginx sets X-Real-IP and X-Forwarded-Proto itself, appends to X-Forwarded-For, drops the
 * hop-by-hop headers, and refuses a header line longer than its buffer.
 */
function proxiedHeaderProblems(headers: unknown, field: string, https: boolean, wiring: Wiring, owner: Construct): void {
  if (!Array.isArray(headers)) {
    return;
  }
  const fix = 'leave the header out of the probe, or set the ProxySidecar\'s routeServerProbes: false to probe the server port directly';
  const scheme = https ? 'https' : 'http';
  headers.forEach((h: any, i: number) => {
    if (typeof h?.name !== 'string' || typeof h?.value !== 'string') {
      return;
    }
    const at = `${field}[${i}]`;
    const name = h.name.toLowerCase();
    const header = `${JSON.stringify(h.name)}`;
    if (h.name.length + 2 + h.value.length > NGINX_MAX_HEADER_LINE) {
      wiring.problem(owner, at, `the header ${header} is ${h.name.length + 2 + h.value.length} characters with its name, and the probe goes through the `
        + `ProxySidecar, whose nginx answers a header line over ${NGINX_MAX_HEADER_LINE} characters with 400: the probe would always fail`,
      `shorten the value, or set the ProxySidecar's routeServerProbes: false to probe the server port directly`);
    } else if (name === 'x-real-ip' || name === 'x-forwarded-for') {
      wiring.warning(owner, at, `the probe goes through the ProxySidecar, whose nginx ${name === 'x-real-ip' ? 'replaces' : 'appends the caller\'s address to'} `
        + `${header}: the server does not receive ${JSON.stringify(h.value)}`, fix);
    } else if (name === 'x-forwarded-proto' && h.value.toLowerCase() !== scheme) {
      wiring.warning(owner, at, `the probe goes through the ProxySidecar, whose nginx sets ${header} to the scheme it is reached by, `
        + `${JSON.stringify(scheme)}: the server does not receive ${JSON.stringify(h.value)}`, fix);
    } else if (NGINX_DROPPED_HEADERS.has(name)) {
      wiring.warning(owner, at, `the probe goes through the ProxySidecar, whose nginx does not pass the hop-by-hop header ${header} on: `
        + 'the server does not receive it', fix);
    }
  });
}

/**
 * A props bag as a plain object of its own: a platform's config class instance (kept as is by
 * `snapshot`, like a Duration) becomes a snapshot of its own keys and of the known keys it
 * answers (a getter of its class, read once), so that nothing of it is read again at synth —
 * its arrays changed after construction reached the YAML of every pod made from it — and
 * nothing of it is changed by the checks.
 */
function plainProps(value: any, known: ReadonlyArray<string>): any {
  if (isPlainObject(value)) {
    return { ...value };
  }
  const copy: any = {};
  for (const key of Object.keys(value)) {
    copy[key] = value[key];
  }
  for (const key of known) {
    if (!(key in copy) && key in value) {
      copy[key] = value[key];
    }
  }
  return snapshot(copy);
}

/**
 * A shallow copy of the props in which every prop of the wrong shape (a string for a list or a
 * map, null for an object) is reported and left out, so that nothing later iterates, spreads or
 * serializes it: JavaScript callers and JSON configs pass such values, and a string spread into
 * a map would silently become `{ "0": ... }`.
 */
function checkedShape(given: InferenceWorkloadProps, knownKeys: ReadonlyArray<string>, errors: string[]): InferenceWorkloadProps {
  // a copy: what the caller changes in its objects after construction never reaches the YAML
  const props: any = given !== null && typeof given === 'object' && !Array.isArray(given) ? snapshot(plainProps(given, knownKeys)) : {};
  const server: any = props.server !== null && typeof props.server === 'object' && !Array.isArray(props.server)
    ? plainProps(props.server, SERVER_KEYS) : undefined;
  if (!server) {
    errors.push(`server: ${show(props.server)} is not the model server's props. Fix: give server: { image: 'vllm/vllm-openai:v0.6.3' } or an engine`);
  }
  props.server = server ?? {};
  if (props.server.name !== undefined && typeof props.server.name !== 'string') {
    // the container is found by this name at render: anything but a string would lose it
    errors.push(`server.name: ${show(props.server.name)} is not a container name. Fix: give a name such as 'server', or leave it out`);
    delete props.server.name;
  }
  knownProps('', props, knownKeys, errors);
  checkServerKeys(props.server, errors);
  knownProps('gpu', props.gpu, GPU_KEYS, errors);
  knownProps('model', props.model, MODEL_FIT_KEYS, errors);
  if (knownProps('security', props.security, POD_SECURITY_KEYS, errors) && props.security) {
    checkPlatformIds(props.security, errors);
    checkKeptVolumeOwnership(props.security, errors);
  }
  if (Array.isArray(props.tolerations)) {
    props.tolerations.forEach((t: unknown, i: number) => knownProps(`tolerations[${i}]`, t, TOLERATION_KEYS, errors));
  }
  for (const key of ['command', 'args'] as const) {
    if (listOf(`server.${key}`, props.server[key], errors) !== props.server[key]) {
      delete props.server[key];
    }
  }
  if (Array.isArray(props.server.extraPorts)) {
    // Array.from: a hole (`[, { number: 9464 }]`) is reported, not skipped as forEach would
    Array.from(props.server.extraPorts).forEach((p: unknown, i: number) => {
      if (p === null || typeof p !== 'object') {
        errors.push(`server.extraPorts[${i}]: ${show(p)} is not a port. Fix: give { number: 9464, name: 'metrics' }`);
      }
    });
    props.server.extraPorts = props.server.extraPorts.filter((p: unknown) => p !== null && typeof p === 'object');
  }
  if (!stringMap('nodeSelector', props.nodeSelector, errors)) {
    delete props.nodeSelector;
  }
  if (props.gpu !== null && typeof props.gpu === 'object' && !stringMap('gpu.nodeSelector', props.gpu.nodeSelector, errors)) {
    props.gpu = { ...props.gpu, nodeSelector: undefined };
  }
  const tolerations = listOf('tolerations', props.tolerations, errors);
  for (let i = 0; i < tolerations.length; i++) {
    const t = tolerations[i];
    if (t === null || typeof t !== 'object' || Array.isArray(t)) {
      errors.push(`tolerations[${i}]: ${show(t)} is not a toleration. Fix: give { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }`);
    }
  }
  props.tolerations = props.tolerations === undefined ? undefined
    : Array.from(tolerations).filter(t => t !== null && typeof t === 'object' && !Array.isArray(t));
  props.imagePullSecrets = props.imagePullSecrets === undefined ? undefined : Array.from(listOf('imagePullSecrets', props.imagePullSecrets, errors));
  props.injectedEnv = props.injectedEnv === undefined ? undefined : Array.from(listOf('injectedEnv', props.injectedEnv, errors));
  if (!jsonValue('affinity', props.affinity, errors)) {
    delete props.affinity;
  }
  if (!jsonValue('topologySpreadConstraints', props.topologySpreadConstraints, errors)) {
    delete props.topologySpreadConstraints;
  }
  if (!jsonValue('dnsConfig', props.dnsConfig, errors)) {
    delete props.dnsConfig;
  }
  if (!booleanProp('enableServiceLinks', props.enableServiceLinks, errors,
    'false keeps the namespace\'s Service variables (VLLM_PORT=tcp://...) out of the containers, or leave it out')) {
    delete props.enableServiceLinks;
  }
  checkSysctls(props, errors);
  const level = props.security?.level;
  if (level !== undefined && !Object.values(PodSecurityLevel).includes(level)) {
    errors.push(`security.level: ${show(level)} is not a Pod Security Standard level. Fix: use PodSecurityLevel.RESTRICTED, BASELINE or PRIVILEGED`);
    props.security = { ...props.security, level: undefined };
  }
  return props;
}

/** `security.sysctls`: a map of strings, by valid sysctl names, each parameter once; a bad map is left out. */
function checkSysctls(props: any, errors: string[]): void {
  const security = props.security;
  if (security === null || typeof security !== 'object' || security.sysctls === undefined) {
    return;
  }
  if (!stringMap('security.sysctls', security.sysctls, errors, "{ 'net.ipv4.ip_unprivileged_port_start': '0' }")) {
    props.security = { ...security, sysctls: undefined };
    return;
  }
  const seen = new Map<string, string>();
  for (const name of Object.keys(security.sysctls)) {
    if (!isSysctlName(name)) {
      errors.push(`security.sysctls[${show(name)}]: is not a sysctl name. `
        + 'Fix: use the kernel parameter\'s name: segments of lowercase letters, digits, \'-\' and \'_\' separated by \'.\', e.g. \'net.ipv4.ip_unprivileged_port_start\'');
    } else if (seen.has(normalSysctlName(name))) {
      errors.push(`security.sysctls[${show(name)}]: is the parameter ${show(seen.get(normalSysctlName(name)))} again, written with '/'. Fix: set it once`);
    } else {
      seen.set(normalSysctlName(name), name);
    }
  }
}

function checkServerProps(props: InferenceWorkloadProps, image: string | undefined, errors: string[]): void {
  const server = props.server;
  labelName('server.name', server.name, errors, 'container name');
  // the metadata of an AiInferencePod or AiInferenceDeployment (an InferenceServer has none)
  renderableMetadata((props as { metadata?: { labels?: unknown; annotations?: unknown } }).metadata, errors);
  portNumber('server.port', server.port, errors);
  modelLoadSeconds(props.modelLoadTimeout, errors);
  quantity('server.tmpSize', server.tmpSize, errors, true);
  objectName('serviceAccountName', props.serviceAccountName, errors, 'ServiceAccount');
  objectName('runtimeClassName', props.runtimeClassName, errors, 'RuntimeClass');
  objectName('priorityClassName', props.priorityClassName, errors, 'PriorityClass');
  objectName('schedulerName', props.schedulerName, errors, 'scheduler');
  // a list by now (checkedShape); holes are reported here like any other bad name
  Array.from(props.imagePullSecrets ?? []).forEach((s, i) => objectName(`imagePullSecrets[${i}]`, s, errors, 'Secret'));
  (props.injectedEnv ?? []).forEach((n, i, all) => {
    if (typeof n !== 'string' || !ENV_NAME.test(n) || n.startsWith('..')) {
      errors.push(`injectedEnv[${i}]: ${show(n)} is not an environment variable name. `
        + 'Fix: give the name the controller sets, as written in $(NAME): letters, digits, \'_\', \'-\' or \'.\', not starting with a digit, e.g. \'MODEL_PATH\'');
    } else if (all.indexOf(n) < i) {
      errors.push(`injectedEnv[${i}]: ${show(n)} is listed twice (also injectedEnv[${all.indexOf(n)}]). Fix: list each name once`);
    }
  });
  if (typeof image !== 'string' || !image.trim()) {
    errors.push(`server.image: ${show(image)} is ${image === undefined || image === null || typeof image === 'string' ? 'empty' : 'not an image reference'}. Fix: give an image such as 'vllm/vllm-openai:v0.6.3', or an engine (server.engine) that brings its own`);
  }
  listOf('server.volumeMounts', server.volumeMounts, errors).forEach((m, i) => absolutePath(`server.volumeMounts[${i}].path`, m?.path, errors, false, true));
  const gpu = props.gpu;
  if (gpu) {
    wholeNumber('gpu.count', gpu.count, 1, MAX_GPU_COUNT, errors, 1);
    quantity('gpu.shmSize', gpu.shmSize, errors, true);
    if (booleanProp('gpu.sharedMemory', gpu.sharedMemory, errors, 'false mounts no memory-backed /dev/shm (TPU servers), or leave it out')
      && gpu.sharedMemory === false && gpu.shmSize !== undefined) {
      errors.push(`gpu.shmSize: ${show(gpu.shmSize)} is given with gpu.sharedMemory: false, so no /dev/shm volume has that size. `
        + 'Fix: remove shmSize, or sharedMemory: false');
    }
    if (gpu.claim !== undefined && gpu.resourceName !== undefined && claimIgnoresResourceName(gpu)) {
      errors.push(`gpu.resourceName: ${show(gpu.resourceName)} has no effect with gpu.claim: the claim allocates the GPUs (no extended resource is `
        + 'requested), and the only thing the name still decides, the tolerated taint, is the same without it. Fix: remove resourceName');
    }
    if (gpu.resourceName !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(gpu.resourceName)) {
      errors.push(`gpu.resourceName: ${JSON.stringify(gpu.resourceName)} is not an extended resource name. `
        + 'Fix: use a vendor-qualified name such as \'nvidia.com/gpu\' or \'amd.com/gpu\'');
    }
  }
}

/**
 * The server's GPU comes from `gpu` alone: the same resource in `server.resources.extended`
 * too would be rendered once with one of the two counts silently lost.
 */
function checkGpuNotExtended(props: InferenceWorkloadProps, gpuResource: string, errors: string[]): void {
  const extended = props.server.resources?.extended;
  if (props.gpu && extended !== null && typeof extended === 'object' && Object.prototype.hasOwnProperty.call(extended, gpuResource)) {
    errors.push(`server.resources.extended[${show(gpuResource)}]: ${show(extended[gpuResource])} asks again for the GPU that gpu `
      + `already gives the server (${gpuResource}). Fix: remove it from resources.extended and set the number in gpu.count`);
  }
}

/** Unknown keys in the server's props and the props objects inside them. */
function checkServerKeys(server: any, errors: string[]): void {
  knownProps('server', server, SERVER_KEYS, errors);
  containerPropKeys('server.', server, errors);
  if (Array.isArray(server.volumeMounts)) {
    server.volumeMounts.forEach((m: unknown, i: number) => knownProps(`server.volumeMounts[${i}]`, m, POD_VOLUME_MOUNT_KEYS, errors));
  }
}

/**
 * Whether a claimed GPU's `resourceName` changes nothing: with a claim it only names the taint
 * to tolerate, so it matters only when tolerating and when its taint differs from the one the
 * accelerator (or the default resource) names.
 */
function claimIgnoresResourceName(gpu: GpuProps): boolean {
  const without = gpu.accelerator instanceof Accelerator ? gpu.accelerator.resourceName : DEFAULT_GPU_RESOURCE;
  return gpu.tolerate === false || typeof gpu.resourceName !== 'string' || gpuTaintKey(gpu.resourceName) === gpuTaintKey(without);
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
    this.container = attachServer(this, this.workload, props, WORKLOAD_KEYS);
  }
}

/** `security.idsFromPlatform`: a boolean, and alone (the ids it leaves out cannot be given too). */
function checkPlatformIds(security: PodSecurityOptions, errors: string[]): void {
  if (!booleanProp('security.idsFromPlatform', security.idsFromPlatform, errors, 'true leaves the ids to the platform (OpenShift), or leave it out')
    || security.idsFromPlatform !== true) {
    return;
  }
  for (const key of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
    if (security[key] !== undefined) {
      errors.push(`security.${key}: ${show(security[key])} is given with security.idsFromPlatform, which leaves the ids to the platform. Fix: keep one of them`);
    }
  }
  if (security.runAsNonRoot === false) {
    errors.push('security.runAsNonRoot: false is given with security.idsFromPlatform: the platform assigns a non-root user. Fix: keep one of them');
  }
}

/** `security.keepVolumeOwnership`: a boolean, and without the fields it leaves out. */
function checkKeptVolumeOwnership(security: PodSecurityOptions, errors: string[]): void {
  if (!booleanProp('security.keepVolumeOwnership', security.keepVolumeOwnership, errors,
    'true leaves the volumes\' owner as it is (no fsGroup), or leave it out') || security.keepVolumeOwnership !== true) {
    return;
  }
  for (const key of ['fsGroup', 'fsGroupChangePolicy'] as const) {
    if (security[key] !== undefined) {
      errors.push(`security.${key}: ${show(security[key])} is given with security.keepVolumeOwnership, which writes no fsGroup or fsGroupChangePolicy `
        + '(the kubelet leaves the volumes\' owner as it is). Fix: keep one of them');
    }
  }
}
