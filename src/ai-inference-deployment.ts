import { ApiObject, ApiObjectMetadata, Duration, Lazy, Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PodSpecAdapter, podSpecOf } from './_kplus-adapter';
import { addInferenceServer, inferencePodProps, InferenceWorkloadProps } from './inference-server';
import { lifecycleGuide } from './lifecycle-guide';

/** Props of `AiInferenceDeployment`. */
export interface AiInferenceDeploymentProps extends InferenceWorkloadProps {
  /**
   * Deployment metadata.
   * @default - a name derived from the construct path
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * Number of replicas. With more than one, give ModelPrepInit a ReadWriteMany cache so the
   * model is fetched once for all of them.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Service account of the pods.
   * @default - none, and no API token mounted
   */
  readonly serviceAccount?: kplus.IServiceAccount;
  /**
   * Create a Service in front of the pods, on the public port: the ProxySidecar's when there is
   * one, otherwise the server's.
   * @default true
   */
  readonly service?: boolean;
  /**
   * Type of that Service.
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;
}

/**
 * A Deployment of model servers: the same server, probes, GPU and security as AiInferencePod,
 * rolled out without losing capacity (`maxUnavailable: 0`, one surge pod: GPUs are scarce),
 * a progress deadline that covers the model load, and a Service on the public port.
 * ModelPrepInit and the sidecars take it as their scope.
 *
 * @example
 * const llm = new AiInferenceDeployment(chart, 'llm', {
 *   replicas: 2,
 *   server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() },
 *   gpu: { count: 1 },
 * });
 * new ProxySidecar(llm, 'auth-proxy', { auth: ProxyAuth.bearerTokens('llm-tokens') });
 */
export class AiInferenceDeployment extends Construct {
  /** The underlying cdk8s-plus Deployment (escape hatch). */
  public readonly deployment: kplus.Deployment;
  /** The model-server container (escape hatch). */
  public readonly server: kplus.Container;
  /** The Service, unless `service: false`. */
  public readonly service?: ApiObject;

  constructor(scope: Construct, id: string, props: AiInferenceDeploymentProps) {
    super(scope, id);
    const loadTimeout = props.modelLoadTimeout ?? Duration.minutes(15);
    this.deployment = new kplus.Deployment(this, 'Resource', {
      ...inferencePodProps(props),
      metadata: { ...props.metadata, name: props.metadata?.name ?? Names.toDnsLabel(this) },
      // the pods carry the Deployment's labels too, for `kubectl logs -l app=...` and selectors
      podMetadata: { labels: props.metadata?.labels },
      serviceAccount: props.serviceAccount,
      replicas: props.replicas ?? 1,
      // The rollout is stuck only when a new pod could not even load its model in time.
      progressDeadline: Duration.seconds(loadTimeout.toSeconds() + 600),
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
    });
    this.server = addInferenceServer(this, this.deployment, props);
    if (props.service ?? true) {
      const adapter = PodSpecAdapter.of(this.deployment);
      const deployment = this.deployment;
      this.service = new ApiObject(this, 'Service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: this.deployment.name, namespace: props.metadata?.namespace },
        // Lazy: a ProxySidecar added after this construct decides the public port.
        spec: Lazy.any({
          produce: () => {
            const port = adapter.facts.publicPort ?? adapter.facts.serverPort;
            return {
              type: props.serviceType ?? kplus.ServiceType.CLUSTER_IP,
              selector: deployment.matchLabels,
              ports: [{ name: adapter.facts.publicPort ? 'proxy' : 'http', port, targetPort: port, protocol: 'TCP' }],
            };
          },
        }),
      });
    }
  }

  /** The workload that add-ons (init containers, sidecars) attach to. */
  public get workload(): kplus.AbstractPod {
    return this.deployment;
  }

  /** Which container to look at, in which phase, when a pod of this Deployment is stuck. */
  public describe(): string {
    const selector = Object.entries(this.deployment.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    return lifecycleGuide(podSpecOf(PodSpecAdapter.of(this.deployment).render()), { logs: `-l ${selector}`, describe: `pods -l ${selector}` });
  }
}
