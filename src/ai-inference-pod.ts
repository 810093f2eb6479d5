import { ApiObjectMetadata, Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addInferenceServer, inferencePodProps, InferenceWorkloadProps } from './inference-server';

/** Props of `AiInferencePod`. */
export interface AiInferencePodProps extends InferenceWorkloadProps {
  /**
   * Pod metadata: name, namespace, labels, annotations.
   * @default - a name derived from the construct path
   */
  readonly metadata?: ApiObjectMetadata;
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
      metadata: { ...props.metadata, name: props.metadata?.name ?? Names.toDnsLabel(this) },
      restartPolicy: props.restartPolicy ?? kplus.RestartPolicy.ALWAYS,
    });
    this.server = addInferenceServer(this, this.pod, props);
  }

  /** The workload that add-ons (init containers, sidecars) attach to. */
  public get workload(): kplus.AbstractPod {
    return this.pod;
  }
}
