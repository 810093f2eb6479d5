/**
 * GPU scheduling: the vendor's extended resource, the toleration for tainted GPU nodes and a
 * memory-backed `/dev/shm`.
 *
 * @see https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
 */
export interface GpuProps {
  /** Number of whole GPUs for the server container (request = limit). */
  readonly count: number;
  /**
   * The device plugin's resource name, e.g. `amd.com/gpu` or a MIG profile such as
   * `nvidia.com/mig-1g.10gb`.
   * @default 'nvidia.com/gpu'
   */
  readonly resourceName?: string;
  /**
   * Tolerate the `NoSchedule` taint named after the resource, which GPU node pools usually
   * carry (GKE, AKS and the NVIDIA GPU operator set it).
   * @default true
   */
  readonly tolerate?: boolean;
  /**
   * Size of the memory-backed `/dev/shm`. PyTorch data loaders and NCCL use shared memory;
   * the container runtime's 64Mi default crashes multi-GPU servers. It counts against the
   * container's memory limit.
   * @default '1Gi'
   */
  readonly shmSize?: string;
  /**
   * Node labels the pod must match, e.g. `{ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' }`.
   * @default - none
   */
  readonly nodeSelector?: { [label: string]: string };
}

/** Default device-plugin resource. */
export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';
/** Default `/dev/shm` size. */
export const DEFAULT_SHM_SIZE = '1Gi';
