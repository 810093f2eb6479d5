/**
 * Hostile review 13: "Cluster-aware synth" (targets, image volumes, DRA GPU claims, engines,
 * the GPU-fit plan, accelerators, model presets) and "Sidecars" (LogSidecar destinations,
 * ProxySidecar). Each test is a break found, kept as a regression test.
 */
import {
  Accelerator, AiInferencePod, GpuClaim, GpuFit, InferenceEngine, KubernetesTarget, ModelProfile,
} from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

const ENV = { MODEL_PATH: '/models/llama' };

describe('engine extraArgs: abbreviations and short forms of the flags the options render', () => {
  // SGLang's launch_server parses with a plain argparse.ArgumentParser (allow_abbrev=True) and
  // vLLM's FlexibleArgumentParser keeps argparse's default too: an unambiguous prefix of a long
  // flag is that flag, and the last occurrence wins. `--context-len 4096` after the rendered
  // `--context-length 32768` silently replaces the length the GPU-fit plan was computed for.
  test.each([
    ['sglang', ['--context-len', '4096'], /set maxModelLength/],
    ['sglang', ['--mem-frac=0.5'], /set gpuMemoryUtilization/],
    ['sglang', ['--tensor-par', '4'], /tensor parallelism follows the GPU count/],
    ['sglang', ['--served-model', 'x'], /set servedModelName/],
    ['vllm', ['--max-model', '4096'], /set maxModelLength/],
    ['vllm', ['--gpu-memory-util', '0.5'], /set gpuMemoryUtilization/],
    ['vllm', ['--tensor-parallel', '4'], /tensor parallelism follows the GPU count/],
    ['vllm', ['--tensor_parallel=4'], /tensor parallelism follows the GPU count/],
  ] as const)('%s reads %j as a rendered flag; it was not refused', (engine, args, fix) => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine[engine]({ extraArgs: [...args] }), env: ENV }, gpu: { count: 2 },
    }), new RegExp(`server\\.engine\\.extraArgs: "${args[0]}" repeats a flag the engine options render.*Fix: .*${fix.source}`));
  });

  test('TGI\'s launcher takes the port as -p too (clap `long, short`): given twice, clap exits at start', () => {
    const tgi = (InferenceEngine as any).tgi as typeof InferenceEngine.vllm;
    for (const args of [['-p', '9000'], ['-p9000'], ['-p=9000']]) {
      expectRefused(c => new AiInferencePod(c, 'p', {
        server: { engine: tgi({ extraArgs: args }), env: ENV }, gpu: { count: 1 },
      }), /server\.engine\.extraArgs: "-p.*" repeats a flag the engine options render\. Fix: set port/);
    }
  });

  test('flags that only share a prefix, and longer flags, still pass', () => {
    for (const [engine, args] of [
      ['vllm', ['--max-model-len-policy', 'x', '--portal', '--enable-prefix-caching', '--', '--max-num-seqs', '8']],
      ['sglang', ['--context-length-x', '--enable-metrics', '--tp-size-x']],
    ] as const) {
      const rendered = InferenceEngine[engine]({ extraArgs: [...args] }).render({ gpuCount: 1 });
      expect(rendered.errors).toEqual([]);
    }
  });
});

describe('GpuClaim.dra productName reaches a CEL string literal', () => {
  test.each(['H100\n', 'H100\r', 'H\u0000100', 'H100\u007f'])('%j: a line break or control character was written into the CEL selector', productName => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      target: KubernetesTarget.V1_34, server: { image: 'vllm/vllm-openai:v0.9.1' },
      gpu: { count: 1, claim: GpuClaim.dra({ productName }) },
    }), /gpu\.claim\.productName: .*Fix: /);
  });

  test('non-ASCII letters are not lowercased: CEL lowerAscii() leaves them as they are on the device', () => {
    const { manifests, error } = run(c => new AiInferencePod(c, 'p', {
      target: KubernetesTarget.V1_34, server: { image: 'vllm/vllm-openai:v0.9.1' },
      gpu: { count: 1, claim: GpuClaim.dra({ productName: 'RTX PRO 6000 BLACKWELL ÉDITION' }) },
    }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    const template = manifests!.find(m => m.kind === 'ResourceClaimTemplate');
    const expression: string = template.spec.spec.devices.requests[0].exactly.selectors[0].cel.expression;
    // the device reports 'RTX PRO 6000 Blackwell Édition'; lowerAscii() gives 'rtx pro 6000 blackwell Édition'
    expect(expression).toContain('.contains(\'rtx pro 6000 blackwell Édition\')');
  });
});
