import { ApiObject, ApiObjectMetadata, Chart, Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { podSpecOf } from './_kplus-adapter';
import { WorkloadHost } from './_workload-host';
import { attachServer, InferenceWorkloadProps, WORKLOAD_KEY_FLAGS } from './inference-server';
import { PodRestartPolicy } from './kubernetes-types';
import { lifecycleGuide } from './lifecycle-guide';
import { propKeys } from './validation/_prop-checks';

/** Props of `AiInferencePod`. */
export interface AiInferencePodProps extends InferenceWorkloadProps {
  /**
   * Pod metadata: name, namespace, labels, annotations.
   * @default - a name derived from the construct path
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * Pod restart policy. Use `NEVER` for one-off workers so the pod ends in `Succeeded`.
   * @default PodRestartPolicy.ALWAYS
   */
  readonly restartPolicy?: PodRestartPolicy;
}

const POD_KEYS = propKeys<AiInferencePodProps>('AiInferencePodProps', { ...WORKLOAD_KEY_FLAGS, metadata: true, restartPolicy: true });

/**
 * A Pod whose main container is a model server.
 *
 * It renders the server with probes that only pass once the model is loaded, explicit
 * resources, optional GPUs with their toleration and `/dev/shm`, and Pod Security Standard
 * "restricted" defaults. Add `ModelPrepInit`, `InitContainer`, `LogSidecar`, `ProxySidecar` or
 * `Sidecar` with the pod as their scope, in any order.
 *
 * @example
 * const pod = new AiInferencePod(chart, 'llm', {
 *   server: { image: 'vllm/vllm-openai:v0.6.3', port: 8000, health: HealthCheck.vllm() },
 *   gpu: { count: 1 },
 * });
 */
export class AiInferencePod extends Construct {
  /** The underlying cdk8s-plus-27 Pod (escape hatch). */
  public readonly pod: kplus.Pod;
  /** The model-server container (escape hatch). */
  public readonly server: kplus.Container;

  constructor(scope: Construct, id: string, props: AiInferencePodProps) {
    super(scope, id);
    // JavaScript callers may pass nothing: the missing server is then reported at synth
    props = props ?? ({} as AiInferencePodProps);
    this.pod = new kplus.Pod(this, 'Resource', {
      metadata: { ...props.metadata, name: props.metadata?.name ?? Names.toDnsLabel(this) },
      restartPolicy: (props.restartPolicy ?? PodRestartPolicy.ALWAYS) as unknown as kplus.RestartPolicy,
    });
    this.server = attachServer(this, this.pod, props, POD_KEYS);
  }

  /** The workload that add-ons (init containers, sidecars) attach to. */
  public get workload(): kplus.AbstractPod {
    return this.pod;
  }

  /**
   * The pod manifest as a plain object, validated as `cdk8s synth` would, without writing
   * files: for worker managers that create one pod per job with `@kubernetes/client-node`.
   *
   * @throws with every validation error when the pod is invalid, and when the pod needs other
   * objects (a ConfigMap of a proxy or log shipper, a new PVC, a NetworkPolicy): apply
   * `toManifests()` then, or the pod would wait for objects nobody creates
   */
  public toManifest(): any {
    const manifests = this.toManifests();
    if (manifests.length > 1) {
      const others = manifests.slice(0, -1).map(m => `${m.kind} ${m.metadata?.name}`).join(', ');
      throw new Error(`[${this.node.path}] toManifest: the pod needs ${manifests.length - 1} more object(s) to start (${others}). `
        + 'Fix: create every object of pod.toManifests(), in its order');
    }
    return manifests[0];
  }

  /**
   * The pod and every object it needs (ConfigMaps, PersistentVolumeClaims, NetworkPolicies,
   * ResourceClaimTemplates its add-ons create), validated, in the order to create them: the
   * pod last.
   *
   * @throws with every validation error when the pod is invalid
   */
  public toManifests(): any[] {
    const own = new Set(this.node.findAll().filter(ApiObject.isApiObject).map(o => `${o.kind}/${o.name}`));
    const manifests = Chart.of(this).toJson().filter((m: any) => own.has(`${m.kind}/${m.metadata?.name}`));
    return [...manifests.filter((m: any) => m.kind !== 'Pod'), ...manifests.filter((m: any) => m.kind === 'Pod')];
  }

  /**
   * The pod as a pod template — `{ metadata: { labels, annotations }, spec }`, without name and
   * namespace — for a controller the library does not wrap: a LeaderWorkerSet's leader and
   * worker templates, a RayCluster's head and worker groups, a JobSet, a KServe ServingRuntime.
   *
   * It validates as `toManifest()` does (the app, as `cdk8s synth` would) and throws the same
   * structured errors. From then on the pod itself is no longer written by the chart — the
   * controller creates it from the template — while the objects it needs (ConfigMaps, PVCs,
   * NetworkPolicies of its add-ons) still are, and its validation still runs at synth. Call it
   * once every add-on is added: later changes reach a later call, not a template already taken.
   *
   * @throws with every validation error when the pod is invalid
   */
  public toPodTemplate(): any {
    // the app is validated as synth validates it; this throws the structured errors
    Chart.of(this).toJson();
    const pod = ApiObject.of(this.pod).toJson();
    // the controller creates the pod: the chart must not write it too (its scope link stays,
    // so it still renders with the chart's namespace and labels, and its owners still validate)
    this.node.tryRemoveChild(this.pod.node.id);
    const { name: _name, namespace: _namespace, ...metadata } = pod.metadata ?? {};
    return { metadata, spec: pod.spec };
  }

  /** Which container to look at, in which phase, when this pod is stuck. */
  public describe(): string {
    const target = `pod/${ApiObject.of(this.pod).name}`;
    return lifecycleGuide(podSpecOf(WorkloadHost.of(this.pod).render()), { logs: target, describe: target });
  }
}
