/**
 * Hostile review 13: "Cluster-aware synth" (targets, image volumes, DRA GPU claims, engines,
 * the GPU-fit plan, accelerators, model presets) and "Sidecars" (LogSidecar destinations,
 * ProxySidecar). Each test is a break found, kept as a regression test.
 */
import {
  Accelerator, AiInferencePod, GpuClaim, GpuFit, InferenceEngine, KubernetesTarget, LogDestination, LogSidecar, ModelPrepInit, ModelProfile,
  ModelSource, ProxyAuth,
} from '../src';
import { plainEnvAsStarted } from './helpers/kubelet-env';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';
import { rawRequest, requireProxyTools, serve, startUpstream, Upstream } from './integration/_proxy-harness';

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

describe('KubernetesTarget options', () => {
  test.each(['yes', 'false', 0, 1, null])('imageVolumes: %j was taken by truthiness, not refused', imageVolumes => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      target: KubernetesTarget.of('1.33', { imageVolumes: imageVolumes as any }), server: { image: 'vllm/vllm-openai:v0.9.1' },
    }), /target\.imageVolumes: .* is not true or false\. Fix: /);
  });

  test.each([true, false])('imageVolumes: %j is still taken on 1.33-1.36', imageVolumes => {
    for (const version of ['1.33', 'v1.34.2-gke.1', '1.35.0', '1.36']) {
      const { manifests, error } = run(c => new AiInferencePod(c, 'p', {
        target: KubernetesTarget.of(version, { imageVolumes }), server: { image: 'vllm/vllm-openai:v0.9.1' },
      }));
      expect(error).toBeUndefined();
      expectApiValid(manifests!);
    }
  });
});

describe('MIG devices: one CUDA process sees one MIG device', () => {
  const MIG_3G = Accelerator.custom({ name: 'A100 MIG 3g.40gb', memory: '40192Mi', resourceName: 'nvidia.com/mig-3g.40gb' });

  test('an engine sharding over 2 MIG devices was synthesized, and the plan said it fits', () => {
    const lines = expectRefused(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm(), env: ENV },
      gpu: { count: 2, accelerator: MIG_3G },
      model: { profile: ModelProfile.LLAMA_3_1_8B, maxModelLength: 8192 },
    }), /gpu\.count: 2 MIG devices \(nvidia\.com\/mig-3g\.40gb\) cannot serve one model: .*Fix: request 1 MIG device/);
    expect(lines.filter(l => /MIG devices/.test(l))).toHaveLength(1);
  });

  test('without a model plan too: the engine with gpu.resourceName a MIG profile', () => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.sglang(), env: ENV }, gpu: { count: 4, resourceName: 'nvidia.com/mig-1g.10gb' },
    }), /gpu\.count: 4 MIG devices .*Fix: /);
  });

  test('GpuFit.plan did not offer 8 MIG devices as the smallest count that fits', () => {
    const mig1g = Accelerator.custom({ name: 'A100 MIG 1g.10gb', memory: '9856Mi', resourceName: 'nvidia.com/mig-1g.10gb' });
    const plan = GpuFit.plan({ model: ModelProfile.LLAMA_3_1_8B, accelerator: mig1g, gpuCount: 1 });
    expect(plan.fits).toBe(false);
    expect(plan.smallestGpuCount).toBeUndefined();
    expect(plan.errors[0]).not.toMatch(/use 8 GPUs/);
  });

  test('one MIG device, and whole GPUs, still plan and synthesize', () => {
    const { manifests, error } = run(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm(), env: ENV }, gpu: { count: 1, accelerator: MIG_3G },
      model: { profile: ModelProfile.LLAMA_3_1_8B, maxModelLength: 8192 },
    }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    // a custom image (not an engine) with 2 MIG devices may run one process per device
    expect(run(c => new AiInferencePod(c, 'p', {
      server: { image: 'myrepo/two-workers:1' }, gpu: { count: 2, resourceName: 'nvidia.com/mig-1g.10gb' },
    })).error).toBeUndefined();
    // so may one with its own command (the property suite's generated case 414 was refused)
    expect(run(c => new AiInferencePod(c, 'p', {
      server: { image: 'myrepo/two-workers:1', command: ['/launch-per-device.sh'] }, gpu: { count: 3, resourceName: 'nvidia.com/mig-1g.10gb' },
    })).error).toBeUndefined();
  });
});

describe('ProxySidecar with the real nginx on 127.0.0.1', () => {
  let upstream: Upstream;
  beforeAll(async () => {
    requireProxyTools();
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await upstream.close();
  });

  test('open paths with characters that are regex syntax outside \\Q...\\E match only literally', async () => {
    const openPaths = ['/a*b', '/v1/models:list', '/x+y', '/p.q', '/m~n!o,=@', '/trailing/'];
    const served = await serve(upstream, { auth: ProxyAuth.bearerTokens('tokens'), openPaths }, { tokens: 'tok\n' });
    try {
      for (const p of openPaths) {
        expect([p, (await rawRequest(served.port, p)).status]).toEqual([p, 200]);
      }
      for (const p of ['/aab', '/b', '/v1/models:lis', '/xxy', '/pxq', '/p.q/', '/trailing', '/A*b', '/a*b?', '/x%2By']) {
        expect([p, (await rawRequest(served.port, p)).status]).toEqual([p, 401]);
      }
    } finally {
      served.running.kill();
    }
  });

  test('two Authorization headers are a 400 from nginx, whichever comes first', async () => {
    const served = await serve(upstream, { auth: ProxyAuth.bearerTokens('tokens') }, { tokens: 'tok\n' });
    try {
      const statuses = [];
      for (const pair of [['Bearer tok', 'Bearer evil'], ['Bearer evil', 'Bearer tok'], ['Bearer tok', 'Bearer tok']]) {
        statuses.push([pair, (await rawRequest(served.port, '/v1/models', { authorization: pair as any })).status]);
      }
      expect(statuses.map(([, s]) => s)).toEqual([400, 400, 400]);
    } finally {
      served.running.kill();
    }
  });
});

describe('LogDestination.http uri', () => {
  // Fluent Bit expands ${VAR} in every value of its classic config: the uri reached the request
  // line with the Secret the sidecar's env holds; and '"', '{', '#', '\\' are no URI characters
  test.each(['/in/${HTTP_PASSWD}', '/in/"x"', '/in#frag', '/in/a\\b', '/in/{x}', '/in/%zz', '/in/|', '/in/`x`'])('%j was accepted', uri => {
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image: 'myrepo/ai-fastapi:v1.2', port: 8000 } });
      new LogSidecar(pod, 'logs', { shipTo: LogDestination.http({ host: 'logs.example.com', uri }) });
    }, /shipTo\.uri: .* is not a request path .*Fix: /);
  });

  test.each(['/ingest', '/ingest?source=llm&x=1', '/api/v1/push;v=2', '/a%20b', '/$batch', "/o'k(1)*+,=:@~"])('%j is still accepted', uri => {
    const { manifests, error } = run(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image: 'myrepo/ai-fastapi:v1.2', port: 8000 } });
      new LogSidecar(pod, 'logs', { shipTo: LogDestination.http({ host: 'logs.example.com', uri }) });
    });
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
});

describe('DRA GPU claims at the edges of a claim', () => {
  test('33 GPUs in one claim: the scheduler allocates at most 32 devices per claim (AllocationResultsMaxSize); it was synthesized', () => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      target: KubernetesTarget.V1_34, server: { image: 'myrepo/ai-fastapi:v1.2', port: 8000 }, gpu: { count: 33, claim: GpuClaim.dra() },
    }), /count: 33 devices are more than the 32 one claim can be allocated.*Fix: /);
  });

  test('32 GPUs in one claim still synthesize', () => {
    const { manifests, error } = run(c => new AiInferencePod(c, 'p', {
      target: KubernetesTarget.V1_34, server: { image: 'myrepo/ai-fastapi:v1.2', port: 8000 }, gpu: { count: 32, claim: GpuClaim.dra() },
    }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
});

describe('LogDestination host', () => {
  test.each([':::', '1:2', 'fd00::1::2', '::g', '1.2.3.4::'])('%j is no IPv6 address; it was accepted', host => {
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image: 'myrepo/ai-fastapi:v1.2', port: 8000 } });
      new LogSidecar(pod, 'logs', { shipTo: LogDestination.loki({ host, port: 3100 }) });
    }, /shipTo\.host: .* is not a host name or IP address\. Fix: /);
  });

  test.each(['fd00::1', '::1', '2001:db8::7334', '::ffff:10.0.0.7', 'loki.monitoring.svc', '10.0.0.7'])('%j is still accepted', host => {
    const { manifests, error } = run(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image: 'myrepo/ai-fastapi:v1.2', port: 8000 } });
      new LogSidecar(pod, 'logs', { shipTo: LogDestination.loki({ host, port: 3100 }) });
    });
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
});

describe('engine servedModelName is a literal, not a Kubernetes $(VAR) reference', () => {
  test.each([
    ['llama $(MODEL_PATH)', 'llama $$(MODEL_PATH)'],
    ['cost-50$', 'cost-50$$'],
    ['a$$(X)b', 'a$$$$(X)b'],
    ['"quoted"; name with spaces — ünïcode', '"quoted"; name with spaces — ünïcode'],
  ])('%j: $(MODEL_PATH) was expanded by the kubelet into the model path, $$ into $', (name, written) => {
    const { manifests, error } = run(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm({ servedModelName: name }), env: ENV }, gpu: { count: 1 },
    }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    const server = manifests!.find(m => m.kind === 'Pod').spec.containers[0];
    expect(server.args[server.args.indexOf('--served-model-name') + 1]).toBe(written);
  });
});

describe('ModelSource.ociImage path with a "$" below 1.35 (the copy)', () => {
  test.each(['/models/$(MODEL_DIR)', '/models/cost$', '/models/a$$b'])('%j: the kubelet expanded $(MODEL_DIR) in MODEL_IMAGE_DIR, unlike the image volume\'s subPath', imagePath => {
    const { manifests, error } = run(c => {
      const pod = new AiInferencePod(c, 'p', { target: KubernetesTarget.V1_34, server: { image: 'myrepo/ai-fastapi:v1.2', port: 8000 } });
      new ModelPrepInit(pod, 'm', { source: ModelSource.ociImage(`registry.example.com/models/llama@sha256:${'a'.repeat(64)}`, { path: imagePath }) });
    });
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(plainEnvAsStarted(manifests!.find(m => m.kind === 'Pod').spec.initContainers[0].env).MODEL_IMAGE_DIR).toBe(imagePath);
  });
});
