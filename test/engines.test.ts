import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { pssRestrictedViolations } from './helpers/pss';
import { validateManifest } from './helpers/synth';
import { ENGINE_IMAGES, EngineOptions, InferenceEngine, RenderedEngine } from '../src/engines/inference-engine';

// TGI is deprecated upstream; the preset stays for existing deployments, so it is still tested.
const tgi = (options: EngineOptions = {}) => InferenceEngine.tgi(options);

describe('command lines', () => {
  test('vLLM: `vllm serve $(MODEL_PATH)`, tensor parallel = GPU count, utilization pinned, port 8000', () => {
    const rendered = InferenceEngine.vllm().render({ gpuCount: 1 });
    expect(rendered).toMatchObject({
      image: ENGINE_IMAGES.vllm,
      command: ['vllm', 'serve'],
      args: ['$(MODEL_PATH)', '--tensor-parallel-size', '1', '--gpu-memory-utilization', '0.9', '--port', '8000'],
      port: 8000,
      healthPath: '/health',
      livenessPath: '/health',
      env: { HF_HUB_OFFLINE: '1', VLLM_NO_USAGE_STATS: '1' },
      errors: [],
    });
  });

  test('vLLM with every option', () => {
    const engine = InferenceEngine.vllm({
      image: 'registry.example.com/vllm:v0.21.0', servedModelName: 'llama-3.1-8b', maxModelLength: 32768,
      gpuMemoryUtilization: 0.85, tensorParallelSize: 2, port: 8001, extraArgs: ['--enable-prefix-caching'],
    });
    expect(engine.render({ gpuCount: 2, modelPathEnv: 'LLAMA_PATH' })).toMatchObject({
      image: 'registry.example.com/vllm:v0.21.0',
      args: ['$(LLAMA_PATH)', '--served-model-name', 'llama-3.1-8b', '--tensor-parallel-size', '2', '--max-model-len', '32768',
        '--gpu-memory-utilization', '0.85', '--port', '8001', '--enable-prefix-caching'],
      port: 8001,
      errors: [],
    });
  });

  test('SGLang: `python3 -m sglang.launch_server --model-path ...`, port 30000, listening on all interfaces', () => {
    const rendered = InferenceEngine.sglang({ maxModelLength: 8192, servedModelName: 'qwen' }).render({ gpuCount: 4 });
    expect(rendered).toMatchObject({
      image: ENGINE_IMAGES.sglang,
      command: ['python3', '-m', 'sglang.launch_server'],
      args: ['--model-path', '$(MODEL_PATH)', '--served-model-name', 'qwen', '--tp-size', '4', '--context-length', '8192',
        '--mem-fraction-static', '0.9', '--port', '30000', '--host', '0.0.0.0'],
      port: 30000,
      healthPath: '/health',
      errors: [],
    });
  });

  test('TGI (deprecated): `text-generation-launcher --model-id ...`, shards = GPU count, port 8080', () => {
    expect(tgi({ maxModelLength: 4096 }).render({ gpuCount: 2, modelPath: '/models/mistral' })).toMatchObject({
      image: ENGINE_IMAGES.tgi,
      command: ['text-generation-launcher'],
      args: ['--model-id', '/models/mistral', '--num-shard', '2', '--max-total-tokens', '4096', '--cuda-memory-fraction', '0.9', '--port', '8080'],
      port: 8080,
      errors: [],
    });
  });

  test('Triton and NIM are health only: no image, command or args of their own', () => {
    const triton = InferenceEngine.triton().render({ gpuCount: 1 });
    expect(triton.image).toBeUndefined();
    expect(triton.command).toBeUndefined();
    expect(triton).toMatchObject({
      args: [], port: 8000, healthPath: '/v2/health/ready', livenessPath: '/v2/health/live', env: {}, errors: [],
    });
    const nim = InferenceEngine.nim({ port: 9000 }).render({ gpuCount: 1 });
    expect([nim.image, nim.command]).toEqual([undefined, undefined]);
    expect(nim).toMatchObject({
      args: [], port: 9000, healthPath: '/v1/health/ready', livenessPath: '/v1/health/live', errors: [],
    });
  });

  test('the workload\'s server port is the engine\'s port when the engine names none', () => {
    expect(InferenceEngine.vllm().render({ gpuCount: 1, port: 8080 })).toMatchObject({ port: 8080, args: expect.arrayContaining(['--port', '8080']) });
  });

  test('the pinned images are tagged, never :latest', () => {
    for (const image of Object.values(ENGINE_IMAGES)) {
      expect(image).toMatch(/:[\w.-]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  test('renders are independent: mutating one never changes the next', () => {
    const engine = InferenceEngine.vllm({ extraArgs: ['--enable-prefix-caching'] });
    const first = engine.render({ gpuCount: 1 });
    first.args.push('--evil');
    first.command!.push('--evil');
    first.env.EVIL = '1';
    const second = engine.render({ gpuCount: 1 });
    expect(second.args).not.toContain('--evil');
    expect(second.command).toEqual(['vllm', 'serve']);
    expect(second.env.EVIL).toBeUndefined();
  });
});

describe('a container built from each engine is a valid, PSS-restricted Kubernetes Pod with probes on the engine\'s paths', () => {
  const ENGINES: Array<[string, InferenceEngine]> = [
    ['vllm', InferenceEngine.vllm()], ['sglang', InferenceEngine.sglang()], ['tgi', tgi()],
    ['triton', InferenceEngine.triton()], ['nim', InferenceEngine.nim()],
  ];

  function pod(rendered: RenderedEngine): any {
    const probes = rendered.health._render({ startupBudget: Duration.minutes(20), defaultPort: rendered.port });
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'engine' },
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'server',
          image: rendered.image ?? 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.8.4',
          ...(rendered.command ? { command: rendered.command } : {}),
          args: rendered.args,
          ports: [{ containerPort: rendered.port }],
          env: [{ name: 'MODEL_PATH', value: '/models/llama' }, ...Object.entries(rendered.env).map(([name, value]) => ({ name, value }))],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
          ...probes,
        }],
      },
    };
  }

  test.each(ENGINES)('%s', (_name, engine) => {
    const rendered = engine.render({ gpuCount: 2 });
    const manifest = pod(rendered);
    validateManifest(manifest);
    expect(pssRestrictedViolations(manifest)).toEqual([]);
    const server = manifest.spec.containers[0];
    expect(server.startupProbe.httpGet).toEqual({ path: rendered.healthPath, port: rendered.port });
    expect(server.readinessProbe.httpGet).toEqual({ path: rendered.healthPath, port: rendered.port });
    expect(server.livenessProbe.httpGet).toEqual({ path: rendered.livenessPath, port: rendered.port });
    expect(server.startupProbe.failureThreshold).toBe(120);
  });
});

describe('hostile input: each mistake is one error naming the field, the value and a fix', () => {
  const CASES: Array<[string, InferenceEngine, object, RegExp]> = [
    ['tensor parallel larger than the GPUs', InferenceEngine.vllm({ tensorParallelSize: 4 }), { gpuCount: 2 },
      /^tensorParallelSize: 4 differs from the 2 GPUs the server requests; vllm would fail to find the GPUs it shards across\. Fix: remove tensorParallelSize \(it follows the GPU count\) or request 4 GPUs$/],
    ['tensor parallel smaller than the GPUs', InferenceEngine.sglang({ tensorParallelSize: 1 }), { gpuCount: 8 },
      /^tensorParallelSize: 1 differs from the 8 GPUs the server requests; sglang would leave GPUs idle\. Fix: /],
    ['no GPUs', InferenceEngine.vllm(), { gpuCount: 0 }, /^gpuCount: 0 must be a whole number from 1 to 64\. Fix: use e\.g\. 1$/],
    ['no GPU count at all', InferenceEngine.vllm(), {}, /^gpuCount: not given\. Fix: request GPUs for the vllm server/],
    ['utilization as a percentage', InferenceEngine.vllm({ gpuMemoryUtilization: 90 }), { gpuCount: 1 }, /^gpuMemoryUtilization: 90 is not a share of GPU memory\. Fix: use a fraction above 0 and at most 1, e\.g\. 0\.9$/],
    ['a zero context', InferenceEngine.vllm({ maxModelLength: 0 }), { gpuCount: 1 }, /^maxModelLength: 0 must be a whole number from 1 /],
    ['a fractional context', tgi({ maxModelLength: 4096.5 }), { gpuCount: 1 }, /^maxModelLength: 4096\.5 must be a whole number/],
    ['a port out of range', InferenceEngine.vllm({ port: 70000 }), { gpuCount: 1 }, /^port: 70000 must be a whole number from 1 to 65535\. Fix:/],
    ['two different ports', InferenceEngine.vllm({ port: 8001 }), { gpuCount: 1, port: 8000 }, /^port: 8001 differs from the server's port 8000; probes and Services would miss the engine\. Fix: set the port in one place$/],
    ['a health-only engine on a bad port', InferenceEngine.triton({ port: 0 }), { gpuCount: 1 }, /^port: 0 must be a whole number from 1 to 65535/],
    ['an env var name kubelet cannot expand', InferenceEngine.vllm(), { gpuCount: 1, modelPathEnv: 'model-path' }, /^modelPathEnv: "model-path" cannot be expanded as \$\(model-path\) in args\. Fix: /],
    ['a relative model path', InferenceEngine.vllm(), { gpuCount: 1, modelPath: 'models/llama' }, /^modelPath: "models\/llama" must be an absolute path/],
    ['an empty served model name', InferenceEngine.vllm({ servedModelName: ' ' }), { gpuCount: 1 }, /^servedModelName: " " is empty\. Fix: /],
    ['an empty image', InferenceEngine.sglang({ image: '' }), { gpuCount: 1 }, /^image: "" is empty\. Fix: omit it for the pinned "lmsysorg\/sglang:v0\.5\.12"/],
    ['the port again in extraArgs', InferenceEngine.vllm({ extraArgs: ['--port=9000'] }), { gpuCount: 1 }, /^extraArgs: "--port=9000" repeats a flag the engine options render\. Fix: set port$/],
    ['tensor parallelism again in extraArgs', InferenceEngine.vllm({ extraArgs: ['-tp', '2'] }), { gpuCount: 2 }, /^extraArgs: "-tp" repeats a flag .* Fix: remove it: tensor parallelism follows the GPU count$/],
    ['SGLang\'s --tp alias', InferenceEngine.sglang({ extraArgs: ['--tp', '2'] }), { gpuCount: 2 }, /^extraArgs: "--tp" repeats a flag .* Fix: remove it: tensor parallelism follows the GPU count$/],
    ['the model again in extraArgs', InferenceEngine.sglang({ extraArgs: ['--model', 'org/model'] }), { gpuCount: 1 }, /^extraArgs: "--model" repeats a flag .* Fix: remove it: the model path comes from the model volume/],
    ['the host in extraArgs', InferenceEngine.sglang({ extraArgs: ['--host', '127.0.0.1'] }), { gpuCount: 1 }, /^extraArgs: "--host" repeats a flag .* Fix: remove it: the engine already listens on all interfaces$/],
    ['the context length in extraArgs', tgi({ extraArgs: ['--max-total-tokens', '4096'] }), { gpuCount: 1 }, /^extraArgs: "--max-total-tokens" repeats .* Fix: set maxModelLength$/],
    ['memory utilization in extraArgs', InferenceEngine.sglang({ extraArgs: ['--mem-fraction-static=0.8'] }), { gpuCount: 1 }, /^extraArgs: "--mem-fraction-static=0\.8" repeats .* Fix: set gpuMemoryUtilization$/],
    ['extraArgs that are not strings', InferenceEngine.vllm({ extraArgs: [8000 as any] }), { gpuCount: 1 }, /^extraArgs: \[8000\] is not a list of strings\. Fix: /],
  ];

  test.each(CASES)('%s', (_name, engine, context, message) => {
    expect(engine.render(context as any).errors).toEqual([expect.stringMatching(message)]);
  });

  test('no context at all: an error, not an exception', () => {
    expect(InferenceEngine.vllm().render(undefined as any).errors).toEqual([expect.stringMatching(/^gpuCount: not given\. Fix:/)]);
  });

  test('flags that merely share a prefix with a rendered one pass through', () => {
    const rendered = InferenceEngine.vllm({ extraArgs: ['--max-model-len-policy', 'x', '--portal'] }).render({ gpuCount: 1 });
    expect(rendered.errors).toEqual([]);
    expect(rendered.args.slice(-3)).toEqual(['--max-model-len-policy', 'x', '--portal']);
  });

  test('random options never throw; every error follows the convention', () => {
    const junk = fc.oneof(
      fc.constant(undefined), fc.constant(null), fc.integer({ min: -5, max: 70000 }), fc.double(), fc.string(),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    fc.assert(fc.property(junk, junk, junk, junk, junk, junk, (
      gpuCount, tensorParallelSize, maxModelLength, gpuMemoryUtilization, port, extraArgs,
    ) => {
      for (const engine of [InferenceEngine.vllm, InferenceEngine.sglang, tgi]) {
        const rendered = engine({ tensorParallelSize, maxModelLength, gpuMemoryUtilization, port, extraArgs } as any).render({ gpuCount } as any);
        expect(rendered.errors.every(e => /^[\w.]+: .*Fix: /.test(e))).toBe(true);
        expect(rendered.args.every(a => typeof a === 'string')).toBe(true);
      }
    }), { numRuns: 200 });
  });
});
