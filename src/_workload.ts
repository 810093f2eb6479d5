import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';

/**
 * The cdk8s-plus workload an add-on attaches to: the scope itself when it is a cdk8s-plus
 * Pod/Deployment/StatefulSet/Job, or the `workload` of an inference construct.
 */
export function workloadOf(scope: IConstruct): kplus.AbstractPod {
  if (scope instanceof kplus.AbstractPod) {
    return scope;
  }
  const workload = (scope as { workload?: unknown }).workload;
  if (workload instanceof kplus.AbstractPod) {
    return workload;
  }
  throw new Error(`[${scope.node.path}] scope: is not a workload. Fix: create the add-on with an AiInferencePod or a cdk8s-plus Pod, Deployment, StatefulSet or Job as its scope`);
}
