import { ApiObject, ApiObjectMetadata, App, Chart, Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PodSpecAdapter, podSpecOf } from './_kplus-adapter';
import { addInferenceServer, inferencePodProps, InferenceWorkloadProps } from './inference-server';
import { lifecycleGuide } from './lifecycle-guide';

/** Props of `AiInferencePod`. */
export interface AiInferencePodProps extends InferenceWorkloadProps {
  /**
   * Pod metadata: name, namespace, labels, annotations.
   * @default - a name derived from the construct path
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * Service account, e.g. one bound to a cloud role (IRSA, workload identity) that can read
   * the model bucket.
   * @default - none, and no API token mounted
   */
  readonly serviceAccount?: kplus.IServiceAccount;
  /**
   * Pod restart policy. Use `NEVER` for one-off workers so the pod ends in `Succeeded`.
   * @default kplus.RestartPolicy.ALWAYS
   */
  readonly restartPolicy?: kplus.RestartPolicy;
}

/**
 * A Pod whose main container is a model server.
 *
 * It renders the server with probes that only pass once the model is loaded, explicit
 * resources, optional GPUs with their toleration and `/dev/shm`, and Pod Security Standard
 * "restricted" defaults. Add `ModelPrepInit`, `LogSidecar` or `ProxySidecar` with the pod as
 * their scope.
 *
 * @example
 * const pod = new AiInferencePod(chart, 'llm', {
 *   server: { image: 'vllm/vllm-openai:v0.6.3', port: 8000, health: HealthCheck.vllm() },
 *   gpu: { count: 1 },
 * });
 */
export class AiInferencePod extends Construct {
  /** The underlying cdk8s-plus Pod (escape hatch). */
  public readonly pod: kplus.Pod;
  /** The model-server container (escape hatch). */
  public readonly server: kplus.Container;

  constructor(scope: Construct, id: string, props: AiInferencePodProps) {
    super(scope, id);
    this.pod = new kplus.Pod(this, 'Resource', {
      ...inferencePodProps(props),
      serviceAccount: props.serviceAccount,
      metadata: { ...props.metadata, name: props.metadata?.name ?? Names.toDnsLabel(this) },
      restartPolicy: props.restartPolicy ?? kplus.RestartPolicy.ALWAYS,
    });
    this.server = addInferenceServer(this, this.pod, props);
  }

  /** The workload that add-ons (init containers, sidecars) attach to. */
  public get workload(): kplus.AbstractPod {
    return this.pod;
  }

  /**
   * The pod manifest as a plain object, validated as `cdk8s synth` would, without writing
   * files: for worker managers that create one pod per job with `@kubernetes/client-node`.
   *
   * @throws with every validation error when the pod is invalid
   */
  public toManifest(): any {
    const chart = Chart.of(this);
    const manifests = App._synthChart(chart);
    const name = ApiObject.of(this.pod).name;
    return manifests.find(m => m.kind === 'Pod' && m.metadata?.name === name);
  }

  /** Which container to look at, in which phase, when this pod is stuck. */
  public describe(): string {
    const target = `pod/${ApiObject.of(this.pod).name}`;
    return lifecycleGuide(podSpecOf(PodSpecAdapter.of(this.pod).render()), { logs: target, describe: target });
  }
}
