import { ApiObject, ApiObjectMetadata, Duration, Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addRenderStep, podSpecOf } from './_kplus-adapter';
import { WorkloadHost } from './_workload-host';
import { attachServer, InferenceWorkloadProps, WORKLOAD_KEY_FLAGS } from './inference-server';
import { lifecycleGuide } from './lifecycle-guide';
import { durationSeconds, propKeys, snapshot, wholeNumber } from './validation/_prop-checks';

/** Type of the Service in front of the pods. */
export enum InferenceServiceType {
  /** Reachable inside the cluster only (the default). */
  CLUSTER_IP = 'ClusterIP',
  /** Also on a port of every node. */
  NODE_PORT = 'NodePort',
  /** Through the cloud's load balancer. */
  LOAD_BALANCER = 'LoadBalancer',
}

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
   * Create a Service in front of the pods, on the public port: the ProxySidecar's when there is
   * one, otherwise the server's.
   * @default true
   */
  readonly service?: boolean;
  /**
   * Type of that Service.
   * @default InferenceServiceType.CLUSTER_IP
   */
  readonly serviceType?: InferenceServiceType;
}

const DEPLOYMENT_KEYS = propKeys<AiInferenceDeploymentProps>('AiInferenceDeploymentProps', {
  ...WORKLOAD_KEY_FLAGS, metadata: true, replicas: true, service: true, serviceType: true,
});

/**
 * A Deployment of model servers: the same server, probes, GPU and security as AiInferencePod,
 * rolled out without losing capacity (`maxUnavailable: 0`, one surge pod: GPUs are scarce),
 * a progress deadline that covers the model load, and a Service on the public port.
 * ModelPrepInit and the sidecars take it as their scope, in any order.
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
  /** The underlying cdk8s-plus-27 Deployment (escape hatch). */
  public readonly deployment: kplus.Deployment;
  /** The model-server container (escape hatch). */
  public readonly server: kplus.Container;
  /** The Service, unless `service: false`. */
  public readonly service?: ApiObject;

  constructor(scope: Construct, id: string, props: AiInferenceDeploymentProps) {
    super(scope, id);
    // JavaScript callers may pass nothing: the missing server is then reported at synth
    // a copy: the replicas and the Service type are read at synth, and must be the ones given here
    props = snapshot(props ?? ({} as AiInferenceDeploymentProps));
    const errors: string[] = [];
    wholeNumber('replicas', props.replicas, 0, 1_000_000, errors, 1);
    if (props.service === false && props.serviceType !== undefined) {
      errors.push(`serviceType: ${JSON.stringify(props.serviceType)} is given with service: false, so no Service has it. Fix: remove serviceType, or the service: false`);
    }
    const loadSeconds = durationSeconds('modelLoadTimeout', props.modelLoadTimeout, 10, []) ?? Duration.minutes(15).toSeconds();
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { ...props.metadata, name: props.metadata?.name ?? Names.toDnsLabel(this) },
      // the pods carry the Deployment's labels too, for `kubectl logs -l app=...` and selectors
      podMetadata: { labels: props.metadata?.labels },
      replicas: Number.isInteger(props.replicas) ? props.replicas : 1,
      // The rollout is stuck only when a new pod could not even load its model in time.
      progressDeadline: Duration.seconds(loadSeconds + 600),
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
    });
    // the replicas as given: a bad value is reported, and the kind rules see what would be applied
    this.server = attachServer(this, this.deployment, props, DEPLOYMENT_KEYS);
    WorkloadHost.of(this.deployment).addWorkloadStep(json => {
      json.spec.replicas = props.replicas ?? 1;
    });
    this.node.addValidation({ validate: () => errors });
    if (props.service ?? true) {
      this.service = this.createService(props);
    }
  }

  /** The workload that add-ons (init containers, sidecars) attach to. */
  public get workload(): kplus.AbstractPod {
    return this.deployment;
  }

  /** Which container to look at, in which phase, when a pod of this Deployment is stuck. */
  public describe(): string {
    const selector = Object.entries(this.deployment.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    return lifecycleGuide(podSpecOf(WorkloadHost.of(this.deployment).render()), { logs: `-l ${selector}`, describe: `pods -l ${selector}` });
  }

  private createService(props: AiInferenceDeploymentProps): ApiObject {
    const host = WorkloadHost.of(this.deployment);
    const deployment = this.deployment;
    const service = new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.deployment.name, namespace: props.metadata?.namespace },
    });
    // the public port is known once every add-on has registered: at render
    addRenderStep(service, json => {
      const wiring = host.wiring();
      const port = wiring.publicPort;
      json.spec = {
        ports: [{ name: wiring.proxy ? 'proxy' : 'http', port, protocol: 'TCP', targetPort: port }],
        selector: { ...deployment.matchLabels },
        type: props.serviceType ?? InferenceServiceType.CLUSTER_IP,
      };
    });
    host.addCompanion(this, service);
    return service;
  }
}
