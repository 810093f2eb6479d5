import { ApiObject, ApiObjectMetadata, Chart, Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { podSpecOf } from './_kplus-adapter';
import { WorkloadHost } from './_workload-host';
import { attachServer, InferenceWorkloadProps } from './inference-server';
import { PodRestartPolicy } from './kubernetes-types';
import { lifecycleGuide } from './lifecycle-guide';

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
    this.pod = new kplus.Pod(this, 'Resource', {
      metadata: { ...props.metadata, name: props.metadata?.name ?? Names.toDnsLabel(this) },
      restartPolicy: (props.restartPolicy ?? PodRestartPolicy.ALWAYS) as unknown as kplus.RestartPolicy,
    });
    this.server = attachServer(this, this.pod, props);
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
    const manifests: any[] = Chart.of(this).toJson();
    const name = ApiObject.of(this.pod).name;
    return manifests.find(m => m.kind === 'Pod' && m.metadata?.name === name);
  }

  /** Which container to look at, in which phase, when this pod is stuck. */
  public describe(): string {
    const target = `pod/${ApiObject.of(this.pod).name}`;
    return lifecycleGuide(podSpecOf(WorkloadHost.of(this.pod).render()), { logs: target, describe: target });
  }
}
