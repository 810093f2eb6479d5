import { ApiObject, ApiObjectMetadata, Chart, DependencyGraph } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { podSpecOf } from './_kplus-adapter';
import { defaultWorkloadName } from './_object-names';
import { WorkloadHost } from './_workload-host';
import { attachServer, InferenceWorkloadProps, WORKLOAD_KEY_FLAGS } from './inference-server';
import { PodRestartPolicy } from './kubernetes-types';
import { lifecycleGuide } from './lifecycle-guide';
import { validatingTemplateOf } from './validation/_name-clashes';
import { propKeys, renderableMetadata } from './validation/_prop-checks';

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
  /** The JSON of every template `toPodTemplate()` handed out. */
  private readonly templatesTaken: string[] = [];

  constructor(scope: Construct, id: string, props: AiInferencePodProps) {
    super(scope, id);
    // JavaScript callers may pass nothing: the missing server is then reported at synth
    props = props ?? ({} as AiInferencePodProps);
    this.pod = new kplus.Pod(this, 'Resource', {
      metadata: { ...renderableMetadata(props.metadata), name: props.metadata?.name ?? defaultWorkloadName(this, 'v1', 'Pod') },
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
    this.refuseIfTemplate('toManifest');
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
    this.refuseIfTemplate('toManifests');
    const chart = Chart.of(this);
    const all = chart.toJson();
    // told apart by object, not by kind and name: a JSON patch may rename the pod, and another
    // pod of the chart may share its name in another namespace. The chart's objects in the
    // order `App._synthChart` renders them (its dependency topology), one manifest each.
    const objects = new DependencyGraph(chart.node).topology().filter(o => ApiObject.isApiObject(o) && Chart.of(o) === chart);
    const own = new Set<unknown>(this.node.findAll().filter(ApiObject.isApiObject));
    const manifests = all.filter((_m: any, i: number) => own.has(objects[i]));
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
   * once every add-on is added: synth (and a later call) fails when the pod changes after a
   * template was taken — an add-on, a JSON patch or an escape-hatch edit made later — since the
   * template in the controller's object would silently lack it. `toManifest()` and
   * `toManifests()` then refuse the pod: a controller creates it.
   *
   * @throws with every validation error when the pod is invalid
   */
  public toPodTemplate(): any {
    // the app is validated as synth validates it; this throws the structured errors
    validatingTemplateOf(ApiObject.of(this.pod), () => Chart.of(this).toJson());
    const template = podTemplateOf(ApiObject.of(this.pod).toJson());
    if (this.templatesTaken.length === 0) {
      // the output must not depend on when the template was taken: synth compares
      this.node.addValidation({ validate: () => this.templateDrift() });
    }
    // as text: the caller owns the object handed out and may change it
    this.templatesTaken.push(JSON.stringify(template));
    // the controller creates the pod: the chart must not write it too (its scope link stays,
    // so it still renders with the chart's namespace and labels, and its owners still validate)
    this.node.tryRemoveChild(this.pod.node.id);
    return template;
  }

  /** Taken as a template, the pod is not written by the chart: a manifest of it would be a second pod. */
  private refuseIfTemplate(method: string): void {
    if (this.templatesTaken.length > 0) {
      throw new Error(`[${this.node.path}] ${method}: the pod is a pod template (toPodTemplate()): a controller creates it, and the chart no longer writes it. `
        + 'Fix: create the controller\'s object with the template and the objects the pod needs (the chart writes them), or call toManifests() instead of toPodTemplate()');
    }
  }

  /** The fields in which the pod as it renders now differs from a template already taken. */
  private templateDrift(): string[] {
    let now: string;
    try {
      now = JSON.stringify(podTemplateOf(ApiObject.of(this.pod).toJson()));
    } catch {
      return []; // the pod's own validation reports a render that fails
    }
    const stale = this.templatesTaken.find(t => t !== now);
    if (stale === undefined) {
      return [];
    }
    const fields = differingFields(JSON.parse(stale), JSON.parse(now));
    return [`toPodTemplate: the pod changed after its template was taken (${fields.join(', ')} differ${fields.length === 1 ? 's' : ''}), `
      + 'so the controller would create pods without the change. Fix: call toPodTemplate() after adding every add-on, JSON patch and escape-hatch change of the pod'];
  }

  /** Which container to look at, in which phase, when this pod is stuck. */
  public describe(): string {
    const target = `pod/${ApiObject.of(this.pod).name}`;
    return lifecycleGuide(podSpecOf(WorkloadHost.of(this.pod).render()), { logs: target, describe: target });
  }
}

/** A rendered pod as a pod template: its metadata without name and namespace, and its spec. */
function podTemplateOf(pod: any): any {
  const { name: _name, namespace: _namespace, ...metadata } = pod.metadata ?? {};
  return { metadata, spec: pod.spec };
}

/** The `metadata.*` and `spec.*` fields that differ between two templates. */
function differingFields(before: any, after: any): string[] {
  const fields: string[] = [];
  for (const part of ['metadata', 'spec']) {
    const keys = [...new Set([...Object.keys(before[part] ?? {}), ...Object.keys(after[part] ?? {})])].sort();
    fields.push(...keys.filter(k => JSON.stringify(before[part]?.[k]) !== JSON.stringify(after[part]?.[k])).map(k => `${part}.${k}`));
  }
  return fields;
}
