import { ApiObject, JsonPatch } from 'cdk8s';
import {
  Accelerator, AiInferenceDeployment, AiInferencePod, InferenceEngine, KvCacheDtype, ModelCache, ModelPrepInit, ModelProfile, ModelSource,
  WARNINGS_AS_ERRORS_CONTEXT,
} from '../src';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';
import { GpuFit } from '../src/planning/gpu-fit';

const SOURCE = ModelSource.s3('s3://models/llama-3.1-8b/');

describe('engines in the server props', () => {
  test('InferenceEngine.vllm renders image, command, args, port and probes; tensor parallel = gpu.count; MODEL_PATH from ModelPrepInit', () => {
    const chart = newChart();
    const llm = new AiInferencePod(chart, 'llm', {
      server: { engine: InferenceEngine.vllm({ maxModelLength: 8192, servedModelName: 'llama' }), env: { HOME: '/tmp' } },
      gpu: { count: 2 },
    });
    new ModelPrepInit(llm, 'model', { source: SOURCE });
    const manifests = synth(chart);
    const server = container(manifestOf(manifests, 'Pod'), 'server');
    expect(server.image).toBe('vllm/vllm-openai:v0.21.0');
    expect(server.command).toEqual(['vllm', 'serve']);
    expect(server.args).toEqual(['$(MODEL_PATH)', '--served-model-name', 'llama', '--tensor-parallel-size', '2', '--max-model-len', '8192',
      '--gpu-memory-utilization', '0.9', '--port', '8000']);
    expect(server.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(server.startupProbe.httpGet).toEqual({ path: '/health', port: 8000 });
    expect(server.env).toEqual(expect.arrayContaining([{ name: 'HF_HUB_OFFLINE', value: '1' }, { name: 'HOME', value: '/tmp' }, { name: 'MODEL_PATH', value: '/models/llama-3.1-8b' }]));
    expectApiValid(manifests);
  });

  test('SGLang listens on 30000: ports and probes follow the engine', () => {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', { server: { engine: InferenceEngine.sglang() }, gpu: { count: 1 } });
    new ModelPrepInit(llm, 'model', { source: SOURCE });
    const manifests = synth(chart);
    const server = container(manifestOf(manifests, 'Deployment'), 'server');
    expect(server.ports[0].containerPort).toBe(30000);
    expect(server.readinessProbe.httpGet.port).toBe(30000);
    expect(manifestOf(manifests, 'Service').spec.ports[0].port).toBe(30000);
    expectApiValid(manifests);
  });

  test('a tensor-parallel size other than gpu.count, args next to an engine, and a missing MODEL_PATH fail synth', () => {
    const tp = newChart();
    new AiInferencePod(tp, 'llm', { server: { engine: InferenceEngine.vllm({ tensorParallelSize: 4 }) }, gpu: { count: 2 } });
    expect(synthError(tp)).toContain('[test/llm] server.engine.tensorParallelSize: 4 differs from the 2 GPUs the server requests; vllm would fail to find the GPUs it shards across. Fix:');
    const args = newChart();
    new AiInferencePod(args, 'llm', { server: { engine: InferenceEngine.vllm(), args: ['--model', '/m'] }, gpu: { count: 1 } });
    expect(synthError(args)).toContain('server.args: ["--model","/m"] is given with server.engine, which writes the vllm command line. Fix: remove it');
    const noGpu = newChart();
    new AiInferencePod(noGpu, 'llm', { server: { engine: InferenceEngine.vllm() } });
    expect(synthError(noGpu)).toContain('gpu.count: not given. Fix: request GPUs for the vllm server');
    const noModel = newChart();
    new AiInferencePod(noModel, 'llm', { server: { engine: InferenceEngine.vllm() }, gpu: { count: 1 } });
    expect(synthError(noModel)).toContain('[test/llm] container "server": spec.containers[0].args[0]: "$(MODEL_PATH)" refers to $(MODEL_PATH), which the container\'s env does not set; '
      + 'Kubernetes passes it unexpanded. Fix: set MODEL_PATH in the container\'s env, or add a ModelPrepInit (it sets MODEL_PATH in the server)');
    const noImage = newChart();
    new AiInferencePod(noImage, 'llm', { server: {} });
    expect(synthError(noImage)).toContain('server.image: undefined is empty. Fix:');
  });

  test('Triton and NIM are health only: image and command stay the user\'s', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', { server: { image: 'nvcr.io/nim/meta/llama3-8b-instruct:1.0.3', engine: InferenceEngine.nim() } });
    const server = container(synth(chart)[0], 'server');
    expect(server.command).toBeUndefined();
    expect(server.readinessProbe.httpGet.path).toBe('/v1/health/ready');
    expect(server.livenessProbe.httpGet.path).toBe('/v1/health/live');
  });
});

describe('accelerators and the GPU-fit plan', () => {
  test('the accelerator sets the resource and the node label; the user\'s gpu.nodeSelector wins', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', { server: { image: 'rocm/vllm:6.2' }, gpu: { count: 1, accelerator: Accelerator.AMD_MI300X, nodeSelector: { zone: 'a' } } });
    const manifest = synth(chart)[0];
    expect(container(manifest, 'server').resources.limits['amd.com/gpu']).toBe('1');
    expect(podSpec(manifest).nodeSelector).toEqual({ 'amd.com/gpu.product-name': 'AMD_Instinct_MI300X_OAM', 'zone': 'a' });
    expect(podSpec(manifest).tolerations).toContainEqual({ effect: 'NoSchedule', key: 'amd.com/gpu', operator: 'Exists' });
    const conflict = newChart();
    new AiInferencePod(conflict, 'llm', { server: { image: 'x/y:1' }, gpu: { count: 1, accelerator: Accelerator.NVIDIA_L4, resourceName: 'amd.com/gpu' } });
    expect(synthError(conflict)).toContain('gpu.resourceName: "amd.com/gpu" differs from NVIDIA L4\'s "nvidia.com/gpu". Fix: remove resourceName');
  });

  test('a model that does not fit fails synth with the numbers and the smallest GPU count', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', {
      server: { engine: InferenceEngine.vllm({ maxModelLength: 131072 }) },
      gpu: { count: 2, accelerator: Accelerator.NVIDIA_H100 },
      model: { profile: ModelProfile.LLAMA_3_1_70B },
    });
    const expected = GpuFit.plan({
      model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 2, maxModelLength: 131072,
    }).errors[0];
    expect(expected).toMatch(/^gpuCount: Llama-3.1-70B \(bf16\) does not fit 2 × NVIDIA H100 80GB: each GPU needs 65\.7 GiB weights/);
    expect(synthError(chart)).toContain(`[test/llm] gpu.count${expected.slice('gpuCount'.length)}`);
    expect(expected).toContain('Fix: use 4 GPUs (the smallest count that fits)');
  });

  test('the plan sizes /dev/shm and the emptyDir cache unless set; the engine\'s utilization is the plan\'s', () => {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', {
      server: { engine: InferenceEngine.vllm({ maxModelLength: 32768, gpuMemoryUtilization: 0.85 }) },
      gpu: { count: 2, accelerator: Accelerator.NVIDIA_L40S },
      model: { profile: ModelProfile.LLAMA_3_1_8B, concurrentSequences: 4 },
    });
    new ModelPrepInit(llm, 'model', { source: SOURCE });
    const manifests = synth(chart);
    const spec = podSpec(manifestOf(manifests, 'Deployment'));
    const plan = GpuFit.plan({
      model: ModelProfile.LLAMA_3_1_8B, accelerator: Accelerator.NVIDIA_L40S, gpuCount: 2, maxModelLength: 32768, concurrentSequences: 4,
      memoryUtilization: 0.85,
    });
    expect(plan.fits).toBe(true);
    expect(spec.volumes.find((v: any) => v.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '2Gi' });
    expect(spec.volumes.find((v: any) => v.name === 'model-storage').emptyDir).toEqual({ sizeLimit: plan.cacheSize });
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L40S' });
    expectApiValid(manifests);
    const explicit = newChart();
    const own = new AiInferencePod(explicit, 'llm', {
      server: { image: 'x/y:1' }, gpu: { count: 2, accelerator: Accelerator.NVIDIA_L40S, shmSize: '3Gi' }, model: { profile: ModelProfile.LLAMA_3_1_8B, maxModelLength: 8192 },
    });
    new ModelPrepInit(own, 'model', { source: SOURCE, cache: ModelCache.emptyDir({ sizeLimit: '40Gi' }) });
    const ownSpec = podSpec(synth(explicit)[0]);
    expect(ownSpec.volumes.find((v: any) => v.name === 'dshm').emptyDir.sizeLimit).toBe('3Gi');
    expect(ownSpec.volumes.find((v: any) => v.name === 'model-storage').emptyDir.sizeLimit).toBe('40Gi');
  });

  test('above 90 % of usable memory is a warning (an error with warningsAsErrors)', () => {
    const props = { server: { image: 'x/y:1' }, gpu: { count: 1, accelerator: Accelerator.NVIDIA_L4 }, model: { profile: ModelProfile.LLAMA_3_1_8B, maxModelLength: 8192 } };
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
    try {
      const chart = newChart();
      new AiInferencePod(chart, 'llm', props);
      synth(chart);
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toMatch(/\[warning\] \[test\/llm\] gpu\.count: Llama-3\.1-8B \(bf16\) on 1 × NVIDIA L4 needs 96 %/);
    const strict = newChart();
    strict.node.setContext(WARNINGS_AS_ERRORS_CONTEXT, true);
    new AiInferencePod(strict, 'llm', props);
    expect(synthError(strict)).toContain('[test/llm] gpu.count: Llama-3.1-8B (bf16) on 1 × NVIDIA L4 needs 96 %');
  });

  test('planner inputs are checked where the user wrote them', () => {
    const noAccelerator = newChart();
    new AiInferencePod(noAccelerator, 'llm', { server: { image: 'x/y:1' }, gpu: { count: 1 }, model: { profile: ModelProfile.LLAMA_3_1_8B } });
    expect(synthError(noAccelerator)).toContain('model: planning "Llama-3.1-8B" needs the GPUs it runs on. Fix: set gpu: { count, accelerator }');
    const twice = newChart();
    new AiInferencePod(twice, 'llm', {
      server: { engine: InferenceEngine.vllm({ maxModelLength: 8192 }) }, gpu: { count: 1, accelerator: Accelerator.NVIDIA_H100 },
      model: { profile: ModelProfile.LLAMA_3_1_8B, maxModelLength: 4096 },
    });
    expect(synthError(twice)).toContain('model.maxModelLength: 4096 differs from the engine\'s maxModelLength 8192');
    const utilization = newChart();
    const small = new AiInferencePod(utilization, 'llm', {
      server: { engine: InferenceEngine.vllm({ gpuMemoryUtilization: 0.4 }) }, gpu: { count: 1, accelerator: Accelerator.NVIDIA_H100 },
      model: { profile: ModelProfile.LLAMA_3_1_8B },
    });
    new ModelPrepInit(small, 'model', { source: SOURCE });
    // 34.5 GiB at the full 131072 tokens fits 0.9 × 79.6 GiB, not the engine's 0.4 × 79.6 GiB
    expect(synthError(utilization)).toMatch(/= 34\.5 GiB, more than the 31\.9 GiB the engine may use \(0\.4 × 79\.6 GiB\)/);
    const bad = newChart();
    new AiInferencePod(bad, 'llm', {
      server: { image: 'x/y:1' }, gpu: { count: 1, accelerator: Accelerator.custom({ name: 'X', memory: '48' }) },
      model: {
        profile: ModelProfile.of({ parameters: 8, dtype: undefined as any, layers: 32, kvHeads: 8, headDim: 128, maxContext: 8192 })
          .withKvCacheDtype(KvCacheDtype.FP8),
        concurrentSequences: 0,
      },
    });
    const message = synthError(bad);
    expect(message).toContain('gpu.accelerator.memory: "48" is 48 bytes, less than any GPU');
    expect(message).toContain('model.profile.parameters: 8 is not a parameter count');
    expect(message).toContain('model.concurrentSequences: 0');
  });

  test('a user JSON patch still wins and is validated', () => {
    const chart = newChart();
    const llm = new AiInferencePod(chart, 'llm', { server: { engine: InferenceEngine.vllm() }, gpu: { count: 1 } });
    new ModelPrepInit(llm, 'model', { source: SOURCE });
    ApiObject.of(llm.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/args/-', '--enable-prefix-caching'));
    expect(container(synth(chart)[0], 'server').args.slice(-1)).toEqual(['--enable-prefix-caching']);
  });
});
