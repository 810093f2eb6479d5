import { GpuClaim } from './gpu-claim';
import { Accelerator } from './planning/accelerator';

/**
 * GPU scheduling: the vendor's extended resource, the toleration for tainted GPU nodes and a
 * memory-backed `/dev/shm`.
 *
 * @see https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
 */
export interface GpuProps {
  /** Number of whole GPUs for the server container (request = limit); an engine's tensor-parallel size. */
  readonly count: number;
  /**
   * The GPU model: its extended resource, the node label that selects it, and its memory for
   * the GPU-fit plan (`model`).
   * @default - any GPU of the resource
   */
  readonly accelerator?: Accelerator;
  /**
   * Request the GPUs as a dynamic-resource-allocation claim (Kubernetes 1.34+) instead of the
   * device plugin's extended resource.
   * @default - the extended resource (`nvidia.com/gpu`)
   */
  readonly claim?: GpuClaim;
  /**
   * The device plugin's resource name, e.g. `amd.com/gpu` or a MIG profile such as
   * `nvidia.com/mig-1g.10gb`. With a claim it only names the tolerated taint.
   * @default - the accelerator's, else 'nvidia.com/gpu'
   */
  readonly resourceName?: string;
  /**
   * Tolerate the `NoSchedule` taint GPU node pools usually carry (GKE, AKS and the NVIDIA GPU
   * operator set it): the key is the resource name, except that every NVIDIA resource (MIG
   * profiles such as `nvidia.com/mig-1g.10gb`, time-sliced `nvidia.com/gpu.shared`) tolerates
   * `nvidia.com/gpu`, the key NVIDIA nodes are tainted with whatever they advertise, and every
   * AWS Neuron resource (`aws.amazon.com/neuroncore`, `neurondevice`) tolerates `aws.amazon.com/neuron`.
   * @default true
   */
  readonly tolerate?: boolean;
  /**
   * Size of the memory-backed `/dev/shm`. PyTorch data loaders and NCCL use shared memory;
   * the container runtime's 64Mi default crashes multi-GPU servers. It counts against the
   * container's memory limit.
   * @default - with a `model` plan, 1Gi per GPU (NCCL and tensor-parallel workers); else '1Gi'
   */
  readonly shmSize?: string;
  /**
   * Mount a memory-backed `/dev/shm` in the server. `false` mounts none, and the container
   * keeps the runtime's own 64Mi `/dev/shm`: TPU servers (JetStream, JAX) and single-device
   * servers that use no shared memory between processes, whose manifests have none. Not with
   * `shmSize`.
   * @default true
   */
  readonly sharedMemory?: boolean;
  /**
   * Node labels the pod must match, e.g. `{ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' }`;
   * merged over the accelerator's product label.
   * @default - the accelerator's product label, if any
   */
  readonly nodeSelector?: { [label: string]: string };
}

/** Default device-plugin resource. */
export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';
/** Default `/dev/shm` size. */
export const DEFAULT_SHM_SIZE = '1Gi';
/** The most GPUs one container may request (`gpu.count`). @internal */
export const MAX_GPU_COUNT = 1024;

/**
 * The key of the `NoSchedule` taint on the nodes that advertise `resource`. NVIDIA nodes are
 * tainted `nvidia.com/gpu` also when they advertise MIG profiles (`nvidia.com/mig-1g.10gb`) or
 * renamed time-sliced GPUs (`nvidia.com/gpu.shared`): no platform taints a node with the name
 * of a MIG profile, so tolerating that would leave the pod Pending. Likewise Inferentia and
 * Trainium nodes are tainted `aws.amazon.com/neuron` also when the pod requests NeuronCores
 * (`aws.amazon.com/neuroncore`) or `aws.amazon.com/neurondevice`. Other vendors' taints are named
 * after their resource (`amd.com/gpu`, `google.com/tpu`).
 * @internal
 */
export function gpuTaintKey(resource: string): string {
  if (resource.startsWith('nvidia.com/')) {
    return DEFAULT_GPU_RESOURCE;
  }
  return NEURON_RESOURCE.test(resource) ? NEURON_TAINT : resource;
}

/** The AWS Neuron device plugin's resources: whole devices (`neuron`, `neurondevice`) or single cores (`neuroncore`). */
const NEURON_RESOURCE = /^aws\.amazon\.com\/neuron(core|device)?$/;
/** The taint of Inferentia and Trainium nodes, whichever Neuron resource they advertise. */
const NEURON_TAINT = 'aws.amazon.com/neuron';
