/**
 * Hostile review 11: what landed in session 7 and new-user review 8 (the image reference check,
 * idsFromPlatform, rollingUpdate percentages, stdin/tty, postStartCommand, the new warnings,
 * requestBodyLimit '0', the model-digest CLI). Each test is a break found (a false refusal or a
 * miss), kept as a regression test, or a sweep of real values that must stay accepted.
 */
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, DeploymentRollout, InferenceServer, InitContainer, KubernetesTarget, LogSidecar, ModelPrepInit, ModelSource,
  PodSecurityLevel, ProxySidecar, Sidecar,
} from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { pssRestrictedViolations } from './helpers/pss';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid, newChart } from './helpers/synth';

const SHA256 = 'a'.repeat(64);

/** Real image references (the production-pod tests, the README, public charts and manifests). */
const REAL_IMAGES = [
  `210086341041.dkr.ecr.us-west-2.amazonaws.com/triton_trtllm_multinode:24.08`,
  `aibrix/runtime:v0.3.0`,
  `amazon/aws-cli`,
  `amazon/aws-cli:2.6.4`,
  `busybox`,
  `busybox:1`,
  `busybox:1.36`,
  `busybox:1.36.1`,
  `curlimages/curl:8.8.0`,
  `docker.io/amdenterpriseai/aim-base:0.12`,
  `docker.io/llamastack/distribution-ollama:0.2.22`,
  `docker.io/llamastack/distribution-ollama:latest`,
  `docker.io/lmsysorg/sglang:v0.5.5.post3-cu129-amd64`,
  `envoyproxy/envoy:v1.31.2`,
  `example/adapter:2.0`,
  `example/metrics:1.0`,
  `example/reader:1.0`,
  `fedirz/faster-whisper-server:latest-cpu`,
  `ghcr.io/ggml-org/llama.cpp:server-b5000`,
  `ghcr.io/huggingface/text-embeddings-inference:cpu-1.7`,
  `ghcr.io/huggingface/text-embeddings-inference:turing-1.5`,
  `ghcr.io/huggingface/text-generation-inference:3.0.1`,
  // 3.3.4 starts only as root (rootOnlyImages): a 3.0 tag of the same repository here
  `ghcr.io/huggingface/text-generation-inference:3.0.2`,
  `ghcr.io/huggingface/tgi-gaudi:2.3.1`,
  `ghcr.io/llm-d/llm-d-cuda:v0.3.0`,
  `ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0`,
  `ghcr.io/llm-d/llm-d:0.0.8`,
  `huggingface/downloader:0.17.3`,
  `kserve/huggingfaceserver:v0.14.0`,
  `kserve/huggingfaceserver:v0.15.2`,
  `kserve/sklearnserver:v0.14.0`,
  `kserve/storage-initializer:v0.14.0`,
  `kserve/storage-initializer:v0.15.2`,
  `lmcache/vllm-openai:v0.3.1`,
  `lmsysorg/sglang:v0.4.6.post1-cu124`,
  `mcr.microsoft.com/aks/kaito/kaito-base:0.1.1`,
  `mcr.microsoft.com/oss/v2/oras-project/oras:v1.2.3`,
  `myrepo/ai-fastapi:v1.2`,
  `myrepo/ai-processor:1.4.2`,
  `myrepo/batch-embed:1.0`,
  `myrepo/fastapi-app`,
  `myrepo/legacy-adapter:2.0`,
  `myrepo/server`,
  `myrepo/server:latest`,
  `nginx:1.27.2`,
  `nvcr.io/nim/meta/llama3-8b-instruct:1.0.0`,
  `nvcr.io/nim/meta/llama3-8b-instruct:1.0.3`,
  `nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.7.0`,
  `nvcr.io/nvidia/tritonserver:21.10-py3`,
  `nvcr.io/nvidia/tritonserver:24.08-py3`,
  `ollama/ollama:0.5.7`,
  `ollama/ollama:0.6.8`,
  `ollama/ollama:0.6.8-rocm`,
  `openmmlab/lmdeploy:v0.7.3-cu12`,
  `openvino/model_server:2024.5`,
  `otel/opentelemetry-collector-contrib:0.111.0`,
  `prom/node-exporter:v1.8.2`,
  `public.ecr.aws/agentic-ai-platforms-on-k8s/ray-vllm-neuron:latest`,
  `public.ecr.aws/agentic-ai-platforms-on-k8s/vllm-neuron:qwen3-8b-optimum-neuron`,
  `pytorch/torchserve-kfs:0.12.0`,
  `pytorch/torchserve:0.12.0-cpu`,
  `quay.io/brancz/kube-rbac-proxy:v0.18.1`,
  `quay.io/go-skynet/local-ai:latest`,
  `quay.io/modh/vllm:rhoai-2.16-cuda`,
  `quay.io/modh/vllm:rhoai-2.16-gaudi`,
  `rayproject/ray-ml:2.9.0-gpu`,
  `rayproject/ray:2.40.0`,
  `rayproject/ray:2.46.0`,
  `redis:7.4.1`,
  `registry.example.com/lora-syncer:v1.0.0`,
  `registry.example.com/models/llama:1`,
  `registry.example.com/models/llama:v1`,
  `registry.example.com/vllm:v0.21.0`,
  `registry.k8s.io/gateway-api-inference-extension/lora-syncer:v1.0.0-rc.4`,
  `rocm/vllm:6.2`,
  `rocm/vllm:rocm6.2_mi300_ubuntu20.04_py3.9_vllm_0.6.4`,
  `seldonio/mlserver:1.6.1`,
  `seldonio/seldon-agent:2.8.0`,
  `seldonio/seldon-agent:2.9.1`,
  `seldonio/seldon-rclone:2.9.1`,
  `substratusai/kubeai-model-loader:v0.14.0`,
  `us-central1-docker.pkg.dev/k8s-staging-images/gateway-api-inference-extension/lora-syncer:v1.0.0`,
  `us-central1-docker.pkg.dev/psch-joonix/vllm-runai/vllm-runai-gcs:v0.10.2-fix`,
  `us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.3`,
  `us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-pytorch-server:v0.2.4`,
  `us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/pytorch-hf-tgi-serve:20240328_0936_RC01`,
  `vllm/vllm-openai:latest`,
  `vllm/vllm-openai:v0.6.3`,
  `vllm/vllm-openai:v0.7.1`,
  `vllm/vllm-openai:v0.8.3`,
  `vllm/vllm-openai:v0.8.5`,
  `vllm/vllm-openai:v0.9.1`,
  `vllm/vllm-tpu:v0.9.1`,
  `x`,
  `x/a:1`,
  `x/app:1`,
  `x/h:1`,
  `x/i:1`,
  `x/m:1`,
  `x/r:1`,
  `x/root:1`,
  `x/s:1`,
  `x/w:1`,
  `x/y:1`,
  `x/z:1`,
  `xprobe/xinference:v0.14.0`,
  `localhost:5000/vllm:1`,
  `localhost/vllm:1`,
  `127.0.0.1:5000/x/y:1`,
  `[::1]:5000/x/y:1`,
  `[fe80::1]/x:1`,
  `[2001:db8::1]:443/models/llama:3.1`,
  `registry.example.com:8443/team/model:1.0_rc1`,
  `nvcr.io/nvidia/k8s-device-plugin:v0.17.0`,
  `nvcr.io/nvidia/cloud-native/dcgm:3.3.5-1-ubuntu22.04`,
  `nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.0-ubuntu22.04`,
  `quay.io/prometheus/node-exporter:v1.8.2`,
  `public.ecr.aws/docker/library/busybox:1.36`,
  `public.ecr.aws/neuron/pytorch-inference-neuronx:2.1.2-neuronx-py310-sdk2.20.0-ubuntu20.04`,
  `763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.1.1-tgi1.4.0-gpu-py310-cu121-ubuntu20.04`,
  `us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-generation-inference-cu124.2-3.ubuntu2204.py311`,
  `europe-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/pytorch-vllm-serve:20241001_0916_RC00`,
  `gcr.io/distroless/static:nonroot`,
  `registry.k8s.io/pause:3.9`,
  `mcr.microsoft.com/azureml/curated/minimal-ubuntu22.04-py39-cpu-inference:latest`,
  `docker.io/library/nginx@sha256:${SHA256}`,
  `nginx:1.27@sha256:${SHA256}`,
  `nginx@sha512:${'b'.repeat(128)}`,
  `nginx@sha384:${'c'.repeat(96)}`,
  `ghcr.io/foo/bar__baz:v1`,
  `ghcr.io/foo/bar---baz:v1`,
  `ghcr.io/foo/a.b.c:v1`,
  `quay.io/org/img:_underscoretag`,
  `Registry.Example.COM/x:1`,
];

describe('imagePresent', () => {
  test(`${REAL_IMAGES.length} real image references are accepted`, () => {
    const { manifests, error } = run(c => REAL_IMAGES.forEach((image, i) => new AiInferencePod(c, `p${i}`, { server: { image } })));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });

  test.each([
    // go-digest knows sha256, sha384 and sha512 only, each at its exact length in lowercase hex
    [`nginx@sha256:${'a'.repeat(32)}`, 'a sha256 digest of 32 hex digits'],
    [`nginx@sha256:${SHA256}aa`, 'a sha256 digest of 66 hex digits'],
    [`nginx@SHA256:${SHA256}`, 'an upper-case algorithm'],
    [`nginx@sha256:${SHA256.toUpperCase()}`, 'an upper-case digest'],
    [`nginx@md5:${'a'.repeat(32)}`, 'an algorithm go-digest does not know'],
    // distribution/reference's IPv6 host is hex and colons only
    ['[::ffff:1.2.3.4]:5000/x:1', 'an IPv4-mapped IPv6 registry'],
    // ParseNormalizedNamed refuses a 64-hex name (an image id)
    [SHA256, 'a 64-hex-digit name'],
    // the 255-character limit counts docker.io/ (and library/) the kubelet adds
    [`${'a'.repeat(246)}/b:1`, 'a name of 248 characters without a registry (258 with docker.io/)'],
    ['a'.repeat(250), 'a name of 250 characters (268 with docker.io/library/)'],
  ])('%s (%s) is refused: the kubelet reports InvalidImageName (it was written)', image => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image } }), /spec\.containers\[0\]\.image: .* is not an image reference the kubelet can pull \(it would report InvalidImageName\)\. Fix: /);
  });
});

describe('ModelSource.ociImage takes every reference the kubelet takes, and no other', () => {
  function modelPod(c: Chart, target: KubernetesTarget, ref: string) {
    const p = new AiInferencePod(c, 'p', { target, server: { image: 'vllm/vllm-openai:v0.9.1' } });
    new ModelPrepInit(p, 'm', { source: ModelSource.ociImage(ref, { path: '/models' }) });
  }

  test.each([
    `[::1]:5000/models/llama@sha256:${SHA256}`,
    `Registry.Example.com/models/llama@sha256:${SHA256}`,
    `quay.io/team__ml/llama@sha256:${SHA256}`,
    `registry.example.com/models/llama@sha512:${'b'.repeat(128)}`,
  ])('%s is written, as an init container below 1.35 and an image volume from 1.35 (it was refused by its own narrower pattern)', ref => {
    for (const target of [KubernetesTarget.V1_31, KubernetesTarget.V1_35]) {
      const { manifests, warnings } = synthWithWarnings((() => { const c = newChart(); modelPod(c, target, ref); return c; })());
      expectApiValid(manifests);
      expect(JSON.stringify(manifests)).toContain(JSON.stringify(ref));
      // a sha512 digest pins the image as well as a sha256 one
      expect(warnings).not.toMatch(/names the model by tag only/);
    }
  });

  test('a reference the kubelet cannot parse is refused from 1.35 too, where it becomes an image volume (a:b:c was written)', () => {
    expectRefused(c => modelPod(c, KubernetesTarget.V1_35, 'a:b:c'), /\[test\/p\/m\] source: "a:b:c" is not an image reference\. Fix: /);
  });
});

describe('security.idsFromPlatform', () => {
  const ids = (c: any) => [c.name, c.securityContext?.runAsUser, c.securityContext?.runAsGroup];

  test('ids the props give a container are kept, 1000 and 101 too (they were removed silently: only the library\'s defaults go)', () => {
    const { manifests, error } = run(c => {
      const p = new AiInferencePod(c, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1', security: { runAsUser: 1000 } }, security: { idsFromPlatform: true } });
      new LogSidecar(p, 'l');
      new ProxySidecar(p, 'x', { port: 8443 });
      new ProxySidecar(p, 'y', { name: 'proxy-b', port: 9443, networkPolicy: false, security: { runAsUser: 101, runAsGroup: 101 } });
      new Sidecar(p, 's', { name: 'side', image: 'busybox:1.36', security: { runAsUser: 1000, runAsGroup: 101 } });
      new Sidecar(p, 't', { name: 'side-default', image: 'busybox:1.36' });
      new InitContainer(p, 'i', { name: 'init', image: 'busybox:1.36', command: ['true'], security: { runAsGroup: 1000 } });
      new ModelPrepInit(p, 'm', { source: ModelSource.s3('s3://models/granite/') });
    });
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    const spec = manifests!.find(m => m.kind === 'Pod').spec;
    expect(spec.securityContext).toEqual({ fsGroupChangePolicy: 'OnRootMismatch', runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect([...spec.initContainers, ...spec.containers].map(ids).sort()).toEqual([
      ['auth-proxy', undefined, undefined],
      ['init', undefined, 1000],
      ['log-forwarder', undefined, undefined],
      ['model-downloader', undefined, undefined],
      ['proxy-b', 101, 101],
      ['server', 1000, undefined],
      ['side', 1000, 101],
      ['side-default', undefined, undefined],
    ]);
    expect(pssRestrictedViolations(manifests!.find(m => m.kind === 'Pod'))).toEqual([]);
  });

  test('on a workload of yours, the ids its pod sets (cdk8s-plus securityContext) are left out too (the pod asked for them: restricted-v2 refuses it)', () => {
    const { manifests, error } = run(c => {
      const d = new kplus.Deployment(c, 'd', { metadata: { name: 'd' }, securityContext: { user: 2000, group: 2000, fsGroup: 2000 } });
      new InferenceServer(d, 's', { server: { image: 'vllm/vllm-openai:v0.9.1' }, security: { idsFromPlatform: true } });
    });
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(manifests![0].spec.template.spec.securityContext).toEqual({ fsGroupChangePolicy: 'OnRootMismatch', runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });
});

describe('a BigInt or an object JSON cannot write, from a JavaScript caller, is a finding (TypeError: Do not know how to serialize a BigInt escaped)', () => {
  const image = 'vllm/vllm-openai:v0.9.1';
  const cyclic: any = { a: 1 };
  cyclic.self = cyclic;
  test.each<[string, (c: Chart) => void, RegExp]>([
    ['a rollout percentage', c => new AiInferenceDeployment(c, 'd', { server: { image }, rollout: DeploymentRollout.rollingUpdate({ maxSurgePercent: 10n as any }) }),
      /rollout\.maxSurgePercent: 10n must be a whole number from 0 to 1000000\. Fix: /],
    ['a hook word', c => new AiInferencePod(c, 'p', { server: { image, preStopCommand: [10n as any] } }), /server\.preStopCommand\[0\]: 10n is not a program to run\. Fix: /],
    ['a Sidecar hook word', c => new Sidecar(new AiInferencePod(c, 'p', { server: { image } }), 's', { name: 'side', image: 'busybox:1.36', postStartCommand: ['sh', 10n as any] }),
      /postStartCommand\[1\]: 10n is not a text\. Fix: /],
    ['a port', c => new AiInferencePod(c, 'p', { server: { image, port: 10n as any } }), /server\.port: 10n .*Fix: /],
    ['an env value', c => new AiInferencePod(c, 'p', { server: { image, env: { A: 10n as any } } }), /server\.env: \{"A":"10n"\} is not a map of strings\. Fix: give an object such as \{ HF_HOME: '\/data\/huggingface' \}/],
    ['a cyclic env value', c => new AiInferencePod(c, 'p', { server: { image, env: { A: cyclic } } }), /server\.env: \[object Object\] is not a map of strings\. Fix: /],
  ])('%s', (_label, build, field) => {
    expectRefused(build, field);
  });
});

describe('rollingUpdate percentages', () => {
  test.each<[string, any, any]>([
    ['the vLLM chart', { maxSurgePercent: 100, maxUnavailable: 0 }, { maxSurge: '100%', maxUnavailable: 0 }],
    ['Kubernetes\' defaults', { maxSurgePercent: 25, maxUnavailablePercent: 25 }, { maxSurge: '25%', maxUnavailable: '25%' }],
    ['no surge, a percentage missing', { maxSurgePercent: 0, maxUnavailablePercent: 50 }, { maxSurge: '0%', maxUnavailable: '50%' }],
  ])('%s is written', (_label, options, written) => {
    const { manifests, error } = run(c => new AiInferenceDeployment(c, 'd', { server: { image: 'vllm/vllm-openai:v0.9.1' }, replicas: 2, rollout: DeploymentRollout.rollingUpdate(options) }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(manifests!.find(m => m.kind === 'Deployment').spec.strategy.rollingUpdate).toEqual(written);
  });
});

describe('capability names Pod Security admission reads as written', () => {
  test.each<[string, string[], PodSecurityLevel | undefined, string]>([
    ['CAP_NET_BIND_SERVICE under restricted', ['CAP_NET_BIND_SERVICE'], undefined, 'NET_BIND_SERVICE'],
    ['net_bind_service under restricted', ['net_bind_service'], undefined, 'NET_BIND_SERVICE'],
    ['CAP_CHOWN under baseline', ['CAP_CHOWN'], PodSecurityLevel.BASELINE, 'CHOWN'],
  ])('%s: the fix names the spelling admission allows (it said "harden it back", or declare privileged)', (_label, add, level, name) => {
    const lines = expectRefused(c => new AiInferencePod(c, 'p', {
      server: { image: 'vllm/vllm-openai:v0.9.1', security: { addCapabilities: add, ...(level ? { runAsUser: 0, runAsNonRoot: false } : {}) } },
      security: level ? { level, runAsNonRoot: false } : undefined,
    }), /adds capability .* Fix: write it as /);
    for (const line of lines.filter(l => /adds capability/.test(l))) {
      expect(line).toContain(`Fix: write it as "${name}": Pod Security admission compares capability names as written`);
    }
  });
});

describe('ProxySidecar requestBodyLimit', () => {
  // nginx -t takes each of these (client_max_body_size is an off_t: up to 2^63 - 1 bytes)
  test.each(['9007199254740993', '8388608g', '8589934591g', '9223372036854775807', '0k', '00', '1K'])('%s is written (above 8 PiB it was refused as beyond nginx)', limit => {
    const { manifests, error } = run(c => new ProxySidecar(new AiInferencePod(c, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } }), 'x', { requestBodyLimit: limit }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(JSON.stringify(manifests)).toContain(`client_max_body_size ${limit};`);
  });

  test.each(['8589934592g', '9223372036854775808'])('%s (8 EiB: nginx -t fails) is refused', limit => {
    expectRefused(c => new ProxySidecar(new AiInferencePod(c, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } }), 'x', { requestBodyLimit: limit }),
      /requestBodyLimit: ".*" is 8 EiB or more, beyond what nginx reads as a size \(its configuration test fails\)\. Fix: /);
  });
});

test('a hook word holding a NUL byte is refused: the runtime cannot exec it (EINVAL) and a failed postStart kills the container (it was written)', () => {
  expectRefused(c => new AiInferencePod(c, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1', postStartCommand: ['sh\0', '-c', 'x'] } }),
    /server\.postStartCommand\[0\]: "sh\\u0000" holds a NUL byte, which no process can be given .*Fix: remove it/);
  expectRefused(c => new Sidecar(new AiInferencePod(c, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } }), 's', { name: 'side', image: 'busybox:1.36', preStopCommand: ['sleep', '5\0'] }),
    /preStopCommand\[1\]: "5\\u0000" holds a NUL byte/);
});
