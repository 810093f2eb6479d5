import * as fs from 'fs';
import * as path from 'path';
import { ENGINE_IMAGES, InferenceEngine } from '../src/engines/inference-engine';
import { KubernetesTarget, TARGET_FEATURES } from '../src/kubernetes-target';
import { Accelerator } from '../src/planning/accelerator';
import { GpuFit, GpuFitProps } from '../src/planning/gpu-fit';
import { ModelProfile, WeightDtype } from '../src/planning/model-profile';

// The README's "Cluster-aware synth" section: its tables and examples are promises, checked here.
const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const SECTION_START = README.indexOf('## Cluster-aware synth');
const DOC = README.slice(SECTION_START, README.indexOf('\n## ', SECTION_START + 1));
const GIB = 2 ** 30;

/** The rows of the markdown table that follows `heading` (header and separator excluded). */
function tableAfter(heading: string): string[] {
  const start = DOC.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = DOC.slice(start).split('\n');
  const first = lines.findIndex(l => l.startsWith('|'));
  const table = lines.slice(first).filter((_l, i, all) => all.slice(0, i + 1).every(x => x.startsWith('|')));
  return table.slice(2);
}

const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)}`;

const WORKED: Array<[string, GpuFitProps]> = [
  ['Llama-3.1-8B bf16', { model: ModelProfile.LLAMA_3_1_8B, accelerator: Accelerator.NVIDIA_L4, gpuCount: 1, maxModelLength: 8192 }],
  ['Llama-3.1-8B bf16', { model: ModelProfile.LLAMA_3_1_8B, accelerator: Accelerator.NVIDIA_L4, gpuCount: 1 }],
  ['Llama-3.1-8B bf16', { model: ModelProfile.LLAMA_3_1_8B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 1, maxModelLength: 32768, concurrentSequences: 8 }],
  ['Llama-3.1-70B bf16', { model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 1, maxModelLength: 8192 }],
  ['Llama-3.1-70B bf16', { model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 2, maxModelLength: 8192 }],
  ['Llama-3.1-70B bf16', { model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 2 }],
  ['Llama-3.1-70B bf16', { model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 4 }],
  ['Llama-3.1-70B fp8', { model: ModelProfile.LLAMA_3_1_70B.withDtype(WeightDtype.FP8), accelerator: Accelerator.NVIDIA_H200, gpuCount: 1 }],
  ['Qwen2.5-7B bf16', { model: ModelProfile.QWEN_2_5_7B, accelerator: Accelerator.NVIDIA_A10G, gpuCount: 1 }],
  ['Qwen2.5-72B bf16', { model: ModelProfile.QWEN_2_5_72B, accelerator: Accelerator.AMD_MI300X, gpuCount: 1 }],
];

function workedRow([label, props]: [string, GpuFitProps]): string {
  const plan = GpuFit.plan(props);
  const length = props.maxModelLength ?? props.model.maxContext;
  const result = plan.errors.length > 0
    ? `error${plan.smallestGpuCount ? `: smallest fitting count ${plan.smallestGpuCount}` : ''}`
    : plan.warnings.length > 0 ? 'fits, warning' : 'fits';
  return `| ${label} | ${props.gpuCount} × ${props.accelerator.name} | ${length} × ${props.concurrentSequences ?? 1} | `
    + `${gib(plan.weightBytesPerGpu)} | ${gib(plan.kvCacheBytesPerGpu)} | ${gib(plan.requiredBytesPerGpu)} / ${gib(plan.usableBytesPerGpu)} `
    + `(${Math.round(plan.utilization * 100)} %) | ${result} |`;
}

test('the worked examples are what the planner computes', () => {
  expect(tableAfter('### Worked examples')).toEqual(WORKED.map(workedRow));
});

const CATALOGUE: Array<[string, Accelerator]> = [
  ['NVIDIA_T4', Accelerator.NVIDIA_T4], ['NVIDIA_L4', Accelerator.NVIDIA_L4], ['NVIDIA_A10G', Accelerator.NVIDIA_A10G],
  ['NVIDIA_L40S', Accelerator.NVIDIA_L40S], ['NVIDIA_A100_40GB', Accelerator.NVIDIA_A100_40GB], ['NVIDIA_A100_80GB', Accelerator.NVIDIA_A100_80GB],
  ['NVIDIA_A100_80GB_PCIE', Accelerator.NVIDIA_A100_80GB_PCIE], ['NVIDIA_H100', Accelerator.NVIDIA_H100], ['NVIDIA_H100_PCIE', Accelerator.NVIDIA_H100_PCIE],
  ['NVIDIA_H200', Accelerator.NVIDIA_H200], ['NVIDIA_B200', Accelerator.NVIDIA_B200], ['AMD_MI300X', Accelerator.AMD_MI300X],
];

test('the accelerator table lists the catalogue as it is', () => {
  expect(tableAfter('### Accelerators')).toEqual(CATALOGUE.map(([id, a]) =>
    `| \`Accelerator.${id}\` | ${a.memory} (${gib(a.memoryBytes)} GiB) | \`${a.resourceName}\` | \`${a.productLabelKey}=${a.productLabel}\` |`));
});

test('the model table lists the presets as they are', () => {
  const presets: Array<[string, ModelProfile]> = [
    ['LLAMA_3_1_8B', ModelProfile.LLAMA_3_1_8B], ['LLAMA_3_1_70B', ModelProfile.LLAMA_3_1_70B], ['MISTRAL_7B_V0_3', ModelProfile.MISTRAL_7B_V0_3],
    ['QWEN_2_5_7B', ModelProfile.QWEN_2_5_7B], ['QWEN_2_5_72B', ModelProfile.QWEN_2_5_72B],
  ];
  expect(tableAfter('### Model presets')).toEqual(presets.map(([id, m]) =>
    `| \`ModelProfile.${id}\` | ${m.parameters.toLocaleString('en-US')} | ${m.layers} | ${m.attentionHeads} / ${m.kvHeads} | ${m.headDim} | `
    + `${m.maxContext} | ${m.kvCacheBytesPerToken / 1024} KiB |`));
});

test('the engine table shows what the presets render for 2 GPUs', () => {
  const engines: Array<[string, InferenceEngine]> = [
    ['vllm()', InferenceEngine.vllm()], ['sglang()', InferenceEngine.sglang()], ['tgi() (deprecated)', InferenceEngine.tgi()],
    ['triton()', InferenceEngine.triton()], ['nim()', InferenceEngine.nim()],
  ];
  expect(tableAfter('### Engines')).toEqual(engines.map(([id, e]) => {
    const r = e.render({ gpuCount: 2 });
    const line = r.command ? `\`${[...r.command, ...r.args].join(' ')}\`` : 'yours';
    return `| \`InferenceEngine.${id}\` | ${r.image ? `\`${r.image}\`` : 'yours'} | ${line} | ${r.port} | \`${r.healthPath}\` / \`${r.livenessPath}\` |`;
  }));
  expect(Object.values(ENGINE_IMAGES).every(image => DOC.includes(image))).toBe(true);
});

/** The `// ...` comment lines in the doc after the line containing `after`, joined with spaces. */
function commentAfter(after: string, stopAt: string): string {
  const start = DOC.indexOf(after);
  expect(start).toBeGreaterThanOrEqual(0);
  const block = DOC.slice(start + after.length, DOC.indexOf(stopAt, start));
  return block.split('\n').map(l => l.trim()).filter(l => l.startsWith('//')).map(l => l.replace(/^\/\/\s*/, '')).join(' ');
}

test('the planner example prints what the doc says', () => {
  const plan = GpuFit.plan({ model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 2, maxModelLength: 131072 });
  expect(plan.fits).toBe(false);
  expect(DOC).toContain('plan.fits;              // false');
  expect(DOC).toContain(`plan.smallestGpuCount;  // ${plan.smallestGpuCount}`);
  expect(commentAfter('plan.errors[0];', 'plan.shmSize')).toBe(plan.errors[0]);
  expect(DOC).toContain(`plan.shmSize;           // '${plan.shmSize}'`);
  expect(DOC).toContain(`plan.cacheSize;         // '${plan.cacheSize}'`);
});

test('the engine example renders what the doc says', () => {
  const rendered = InferenceEngine.vllm({
    servedModelName: 'llama-3.1-8b', maxModelLength: 32768, gpuMemoryUtilization: 0.9, extraArgs: ['--enable-prefix-caching'],
  }).render({ gpuCount: 2 });
  expect(DOC).toContain(`InferenceEngine.vllm({ servedModelName: 'llama-3.1-8b', maxModelLength: 32768, gpuMemoryUtilization: 0.9, extraArgs: ['--enable-prefix-caching'] })`);
  expect(rendered.errors).toEqual([]);
  expect(DOC).toContain(`// rendered.command: ${JSON.stringify(rendered.command).replace(/"/g, '\'').replace(/,/g, ', ')}`);
  const args = commentAfter('.render({ gpuCount: 2 });', '// rendered.health').replace(/^rendered\.command: \[[^\]]*\] rendered\.args:\s*/, '');
  expect(args).toBe(JSON.stringify(rendered.args).replace(/"/g, '\'').replace(/,/g, ', '));
});

test('the feature table lists what the target decides, with the minimum versions the code uses', () => {
  expect(tableAfter('## Cluster-aware synth')).toEqual(Object.values(TARGET_FEATURES).map(f => `| ${f.name} | 1.${f.minimumMinor} | ${f.below} |`));
  expect(DOC).toContain(`the default is **${KubernetesTarget.DEFAULT}**`);
});
