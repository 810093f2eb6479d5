import { parseQuantity } from '../quantity';
import { isQualifiedName, LABEL_VALUE, show } from '../validation/_helpers';
import { knownProps, propKeys, quantity, snapshot } from '../validation/_prop-checks';

/** Options of an accelerator that the catalogue does not list. */
export interface CustomAcceleratorProps {
  /** Name used in messages, e.g. `'NVIDIA RTX 6000 Ada'`. */
  readonly name: string;
  /**
   * Total memory of one device as the driver reports it (`nvidia-smi`'s total, `rocm-smi`'s
   * VRAM total), as a Kubernetes quantity: `'49140Mi'`, `'48Gi'`, or plain bytes. This is the
   * amount engines multiply by their memory-utilization fraction, usually a little less than
   * the marketed "48 GB".
   */
  readonly memory: string;
  /**
   * The device plugin's extended resource.
   * @default 'nvidia.com/gpu'
   */
  readonly resourceName?: string;
  /**
   * The value of the product label that GPU nodes carry, e.g. `'NVIDIA-RTX-6000-Ada-Generation'`,
   * which `nodeSelector()` returns.
   * @default - none: `nodeSelector()` is empty
   */
  readonly productLabel?: string;
  /**
   * The key of the product label.
   * @default - 'amd.com/gpu.product-name' for `amd.com/*` resources, else 'nvidia.com/gpu.product'
   */
  readonly productLabelKey?: string;
}

const CUSTOM_ACCELERATOR_KEYS = propKeys<CustomAcceleratorProps>('CustomAcceleratorProps', {
  name: true, memory: true, resourceName: true, productLabel: true, productLabelKey: true,
});

/** The label NVIDIA's GPU Feature Discovery puts on nodes (`kubectl get nodes -L nvidia.com/gpu.product`). */
const NVIDIA_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** The label AMD's node labeller puts on nodes. */
const AMD_PRODUCT_LABEL = 'amd.com/gpu.product-name';
const GIB = 2 ** 30;

/**
 * A GPU model: its memory, the extended resource that requests it and the node label that
 * selects it.
 *
 * Memory is the **device total as the driver reports it** (binary MiB from `nvidia-smi`, the
 * same number GPU Feature Discovery writes to the `nvidia.com/gpu.memory` label), not the
 * marketed decimal gigabytes. An "80 GB" H100 reports 81559 MiB = 79.6 GiB. CUDA, whose total
 * vLLM's `--gpu-memory-utilization` multiplies, sees a few hundred MiB less (81090 MiB on the
 * H100): a plan that uses more than 90 % of the budget is a warning, which covers it.
 * Values are copied from `nvidia-smi` / `rocm-smi` output in public logs (see each entry);
 * ECC-enabled cards report slightly less than their marketed size.
 */
export class Accelerator {
  /** NVIDIA T4, 16 GB GDDR6 marketed; `nvidia-smi` total 15360 MiB (AWS g4dn, GCE nvidia-tesla-t4). */
  public static readonly NVIDIA_T4 = Accelerator.nvidia('NVIDIA T4', '15360Mi', 'Tesla-T4');
  /** NVIDIA L4, 24 GB GDDR6 marketed; `nvidia-smi` total 23034 MiB (AWS g6, GCE g2). */
  public static readonly NVIDIA_L4 = Accelerator.nvidia('NVIDIA L4', '23034Mi', 'NVIDIA-L4');
  /** NVIDIA A10G, 24 GB GDDR6 marketed; `nvidia-smi` total 23028 MiB (AWS g5). */
  public static readonly NVIDIA_A10G = Accelerator.nvidia('NVIDIA A10G', '23028Mi', 'NVIDIA-A10G');
  /** NVIDIA L40S, 48 GB GDDR6 marketed; `nvidia-smi` total 46068 MiB. */
  public static readonly NVIDIA_L40S = Accelerator.nvidia('NVIDIA L40S', '46068Mi', 'NVIDIA-L40S');
  /** NVIDIA A100 SXM4 40 GB; `nvidia-smi` total 40960 MiB (GCE nvidia-tesla-a100). */
  public static readonly NVIDIA_A100_40GB = Accelerator.nvidia('NVIDIA A100 40GB', '40960Mi', 'NVIDIA-A100-SXM4-40GB');
  /** NVIDIA A100 SXM4 80 GB; `nvidia-smi` total 81920 MiB (GCE nvidia-a100-80gb, AWS p4de). */
  public static readonly NVIDIA_A100_80GB = Accelerator.nvidia('NVIDIA A100 80GB', '81920Mi', 'NVIDIA-A100-SXM4-80GB');
  /** NVIDIA A100 80 GB PCIe: same memory as the SXM4 card, another node label. */
  public static readonly NVIDIA_A100_80GB_PCIE = Accelerator.nvidia('NVIDIA A100 80GB PCIe', '81920Mi', 'NVIDIA-A100-80GB-PCIe');
  /** NVIDIA H100 SXM 80 GB HBM3; `nvidia-smi` total 81559 MiB (GCE a3, AWS p5). */
  public static readonly NVIDIA_H100 = Accelerator.nvidia('NVIDIA H100 80GB', '81559Mi', 'NVIDIA-H100-80GB-HBM3');
  /** NVIDIA H100 PCIe 80 GB HBM2e: same reported memory as the SXM card, another node label. */
  public static readonly NVIDIA_H100_PCIE = Accelerator.nvidia('NVIDIA H100 PCIe', '81559Mi', 'NVIDIA-H100-PCIe');
  /** NVIDIA H200, 141 GB HBM3e marketed; `nvidia-smi` total 143771 MiB (AWS p5e, GCE a3-ultra). */
  public static readonly NVIDIA_H200 = Accelerator.nvidia('NVIDIA H200', '143771Mi', 'NVIDIA-H200');
  /** NVIDIA B200, 192 GB HBM3e physical, ~180 GB usable; `nvidia-smi` total 183359 MiB. */
  public static readonly NVIDIA_B200 = Accelerator.nvidia('NVIDIA B200', '183359Mi', 'NVIDIA-B200');
  /**
   * AMD Instinct MI300X, 192 GB HBM3 marketed; `rocm-smi` VRAM total 205822885888 bytes
   * (196288 MiB). Requested as `amd.com/gpu`; the ROCm node labeller's product name is
   * `AMD_Instinct_MI300X_OAM`.
   */
  public static readonly AMD_MI300X = new Accelerator({
    name: 'AMD MI300X',
    memory: '196288Mi',
    resourceName: 'amd.com/gpu',
    productLabel: 'AMD_Instinct_MI300X_OAM',
  });

  /** An accelerator the catalogue does not list. */
  public static custom(props: CustomAcceleratorProps): Accelerator {
    return new Accelerator(snapshot(props ?? ({} as CustomAcceleratorProps)));
  }

  private static nvidia(name: string, memory: string, productLabel: string): Accelerator {
    return new Accelerator({ name, memory, productLabel });
  }

  /** Name used in messages. */
  public readonly name: string;
  /** Total device memory, as given (a Kubernetes quantity). */
  public readonly memory: string;
  /** The extended resource a container requests, e.g. `nvidia.com/gpu`. */
  public readonly resourceName: string;
  /** Key of the node label that names the product, when the product label is known. */
  public readonly productLabelKey?: string;
  /** Value of the node label that names the product, when known. */
  public readonly productLabel?: string;
  /** The props as given, whose keys `acceleratorErrors` checks. @internal */
  public readonly _given: CustomAcceleratorProps;

  private constructor(props: CustomAcceleratorProps) {
    this._given = props;
    this.name = props.name;
    this.memory = props.memory;
    this.resourceName = props.resourceName ?? 'nvidia.com/gpu';
    this.productLabel = props.productLabel;
    this.productLabelKey = props.productLabelKey ?? (props.productLabel === undefined ? undefined : defaultProductLabelKey(this.resourceName));
  }

  /** Device memory in bytes, or `NaN` when `memory` is not a quantity (the planner reports that). */
  public get memoryBytes(): number {
    return (typeof this.memory === 'string' ? parseQuantity(this.memory) : undefined) ?? NaN;
  }

  /**
   * The node selector that schedules onto this product, e.g.
   * `{ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' }`; empty when the label is unknown.
   */
  public nodeSelector(): { [label: string]: string } {
    return this.productLabelKey && this.productLabel ? { [this.productLabelKey]: this.productLabel } : {};
  }
}

function defaultProductLabelKey(resourceName: string): string {
  return typeof resourceName === 'string' && resourceName.startsWith('amd.com/') ? AMD_PRODUCT_LABEL : NVIDIA_PRODUCT_LABEL;
}

/**
 * The problems of an accelerator's description, in the `field: ... . Fix: ...` convention.
 * @internal
 */
export function acceleratorErrors(accelerator: Accelerator, field: string): string[] {
  const errors: string[] = [];
  knownProps(field, accelerator._given, CUSTOM_ACCELERATOR_KEYS, errors);
  if (typeof accelerator.name !== 'string' || accelerator.name.trim() === '') {
    errors.push(`${field}.name: ${show(accelerator.name)} is empty. Fix: name the accelerator, e.g. 'NVIDIA RTX 6000 Ada'`);
  } else if ([...accelerator.name].some(ch => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
    // the name goes into the plan's one-line errors and warnings: a line break would split them
    errors.push(`${field}.name: ${show(accelerator.name)} has a line break or control character. Fix: name the accelerator on one line, e.g. 'NVIDIA RTX 6000 Ada'`);
  }
  if (accelerator.memory === undefined) {
    errors.push(`${field}.memory: not given. Fix: give the device memory as the driver reports it, e.g. '46068Mi'`);
  } else {
    quantity(`${field}.memory`, accelerator.memory, errors, true);
    if (accelerator.memoryBytes > 0 && accelerator.memoryBytes < GIB) {
      errors.push(`${field}.memory: ${show(accelerator.memory)} is ${accelerator.memoryBytes} bytes, less than any GPU. `
        + (/^\d+$/.test(String(accelerator.memory)) ? `Fix: write a binary suffix, e.g. '${accelerator.memory}Gi'` : 'Fix: give the device memory as the driver reports it, e.g. \'46068Mi\''));
    }
  }
  if (!isQualifiedName(String(accelerator.resourceName)) || !String(accelerator.resourceName).includes('/')) {
    errors.push(`${field}.resourceName: ${show(accelerator.resourceName)} is not an extended resource name. Fix: use the device plugin's name, e.g. 'nvidia.com/gpu'`);
  }
  if (accelerator.productLabelKey !== undefined && accelerator.productLabel === undefined) {
    errors.push(`${field}.productLabelKey: ${show(accelerator.productLabelKey)} is given without productLabel, so nothing selects the product. `
      + 'Fix: add productLabel (the value nodes carry under that key) or drop productLabelKey');
  } else if (accelerator.productLabelKey !== undefined && !isQualifiedName(String(accelerator.productLabelKey))) {
    errors.push(`${field}.productLabelKey: ${show(accelerator.productLabelKey)} is not a label key. Fix: use e.g. 'nvidia.com/gpu.product'`);
  }
  if (accelerator.productLabel !== undefined && !(typeof accelerator.productLabel === 'string' && accelerator.productLabel.length <= 63 && LABEL_VALUE.test(accelerator.productLabel))) {
    errors.push(`${field}.productLabel: ${show(accelerator.productLabel)} is not a label value. `
      + 'Fix: copy it from `kubectl get nodes -L nvidia.com/gpu.product` (letters, digits, \'-\', \'_\', \'.\'; max 63)');
  }
  return errors;
}
