import * as fs from 'fs';
import { ApiObject, App, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  Accelerator, AiInferenceDeployment, AiInferencePod, EnvFromSource, GpuClaim, GpuFit, HealthCheck, InferenceEngine, InferenceServiceType,
  InitContainer, KubernetesTarget, LogDestination, LogSidecar, ModelCache, ModelCredentials, ModelPrepInit, ModelProfile, ModelSource, PodField,
  PodSecurityLevel, PodVolume, Probe, ProxyAuth, ProxySidecar, ProxyTls, Sidecar, WARNINGS_AS_ERRORS_CONTEXT, WeightDtype,
} from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * Hostile inputs against the README's contract for bad input: a synth either writes YAML the
 * API server accepts, or fails with only `[construct path] field: ... Fix: ...` lines naming the
 * field and writes nothing. Each case here broke that contract once (a raw TypeError, a stack
 * trace, invalid YAML, a silently garbled prop, or a pod the kubelet never starts).
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

describe('values of the wrong shape are reported by field, never thrown or garbled', () => {
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['server: null', c => new AiInferencePod(c, 'p', { server: null as any }), /\] server: null is not/],
    ['props undefined', c => new AiInferencePod(c, 'p', undefined as any), /\] server: undefined is not/],
    ['Sidecar props null', c => new Sidecar(new AiInferencePod(c, 'p', { server: SERVER }), 's', null as any), /\[test\/p\/s\] name: /],
    ['InitContainer props null', c => new InitContainer(new AiInferencePod(c, 'p', { server: SERVER }), 'i', null as any), /\[test\/p\/i\] name: /],
    ['extraPorts: [null]', c => new AiInferencePod(c, 'p', { server: { ...SERVER, extraPorts: [null] as any } }), /server\.extraPorts\[0\]: null is not a port/],
    ['server.command as a string', c => new AiInferencePod(c, 'p', { server: { ...SERVER, command: 'vllm serve' as any } }), /server\.command: "vllm serve" is not a list/],
    ['server.args as a string', c => new AiInferencePod(c, 'p', { server: { ...SERVER, args: '--port 8000' as any } }), /server\.args: "--port 8000" is not a list/],
    ['nodeSelector as a string', c => new AiInferencePod(c, 'p', { server: SERVER, nodeSelector: 'gpu' as any }), /\] nodeSelector: "gpu" is not a map/],
    ['gpu.nodeSelector as a string', c => new AiInferencePod(c, 'p', { server: SERVER, gpu: { count: 1, nodeSelector: 'gpu' as any } }), /gpu\.nodeSelector: "gpu" is not a map/],
    ['tolerations as a string', c => new AiInferencePod(c, 'p', { server: SERVER, tolerations: 'gpu' as any }), /\] tolerations: "gpu" is not a list/],
    ['tolerations: [null]', c => new AiInferencePod(c, 'p', { server: SERVER, tolerations: [null] as any }), /tolerations\[0\]: null is not a toleration/],
    ['imagePullSecrets as a string', c => new AiInferencePod(c, 'p', { server: SERVER, imagePullSecrets: 'regcred' as any }), /imagePullSecrets: "regcred" is not a list/],
    ['affinity with a cycle', c => {
      const affinity: any = { nodeAffinity: {} };
      affinity.nodeAffinity.self = affinity;
      new AiInferencePod(c, 'p', { server: SERVER, affinity });
    }, /\] affinity: .*JSON/],
    ['security.level not a PodSecurityLevel', c => new AiInferencePod(c, 'p', { server: SERVER, security: { level: 'bogus' as any } }), /security\.level: "bogus" is not/],
    ['gpu.claim selectors as a string', c => new AiInferencePod(c, 'p', {
      server: SERVER, target: KubernetesTarget.V1_34, gpu: { count: 1, claim: GpuClaim.dra({ selectors: 'device.driver == "x"' as any }) },
    }), /gpu\.claim\.selectors: .* is not a list/],
    ['model: null', c => new AiInferencePod(c, 'p', { server: SERVER, model: null as any, gpu: { count: 1, accelerator: Accelerator.NVIDIA_L4 } }), /\] model: null is not/],
    ['an accelerator name with a line break', c => new AiInferencePod(c, 'p', {
      server: SERVER, model: { profile: ModelProfile.LLAMA_3_1_8B }, gpu: { count: 1, accelerator: Accelerator.custom({ name: 'a\nb', memory: '80Gi' }) },
    }), /gpu\.accelerator\.name: "a\\nb"/],
    ['an OCI model image pull policy that is not one', c => new ModelPrepInit(new AiInferencePod(c, 'p', { server: SERVER, target: KubernetesTarget.V1_35 }), 'm', {
      source: ModelSource.ociImage('registry.example.com/models/llama:1', { pullPolicy: 'Sometimes' as any }),
    }), /source\.pullPolicy: "Sometimes"/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });
});

describe('arrays with holes are never written as nulls', () => {
  test.each<[string, (chart: Chart) => void, RegExp]>([
    // eslint-disable-next-line no-sparse-arrays
    ['server.args', c => new AiInferencePod(c, 'p', { server: { ...SERVER, args: [, '--port', '8000'] as any } }), /args\[0\]: null is not a string/],
    // eslint-disable-next-line no-sparse-arrays
    ['tolerations', c => new AiInferencePod(c, 'p', { server: SERVER, tolerations: [, { key: 'a' }] as any }), /tolerations\[0\]/],
    ['configMap keys', c => new AiInferencePod(c, 'p', {
      // eslint-disable-next-line no-sparse-arrays
      server: { ...SERVER, volumeMounts: [{ volume: PodVolume.configMap('templates', 'llm-templates', { keys: [, 'a.txt'] as any }), path: '/templates' }] },
    }), /items\[0\]|keys\[0\]/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });
});

describe('relaxations the kubelet would refuse fail at synth', () => {
  test('root declared at pod level only (README: "container or pod") is written, and its server does not say runAsNonRoot', () => {
    // README, Security: root is `{ runAsNonRoot: false, runAsUser: 0 }` (container or pod) with level BASELINE
    const result = run(c => new AiInferencePod(c, 'p', {
      server: SERVER, security: { level: PodSecurityLevel.BASELINE, runAsUser: 0, runAsNonRoot: false },
    }));
    expect(result.error).toBeUndefined();
    if (result.manifests) {
      // no container may combine runAsNonRoot: true with the root user it inherits
      const pod = result.manifests[0];
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        const user = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
        const nonRoot = c.securityContext?.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot;
        expect({ container: c.name, rootWithNonRoot: user === 0 && nonRoot === true }).toEqual({ container: c.name, rootWithNonRoot: false });
      }
      expectApiValid(result.manifests);
    }
  });

  test('a container inheriting user 0 from the pod while it says runAsNonRoot is an error naming the container', () => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      server: { ...SERVER, security: { runAsNonRoot: true } }, security: { level: PodSecurityLevel.BASELINE, runAsUser: 0, runAsNonRoot: false },
    }), /container "server".*runAsUser|runAsNonRoot/);
  });
});

describe('unknown prop keys are refused with the closest known key, at every level', () => {
  // `as any`: TypeScript refuses these in object literals; JavaScript callers, spreads and templates do not
  const pod = (c: Chart, props: any) => new AiInferencePod(c, 'p', { server: SERVER, ...props });
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['server.imagee', c => new AiInferencePod(c, 'p', { server: { image: 'vllm/vllm-openai:v0.6.3', imagee: 'x' } as any }),
      /\[test\/p\] server\.imagee: unknown prop \(given "x"\)\. Fix: did you mean 'image'\? \(known: .*health.*\)$/],
    ['server.helth', c => new AiInferencePod(c, 'p', { server: { ...SERVER, helth: HealthCheck.vllm() } as any }), /server\.helth: unknown prop .*did you mean 'health'\?/],
    ['replicas on a pod', c => pod(c, { replicas: 2 }), /\[test\/p\] replicas: unknown prop \(given 2\)\. Fix: remove it \(known: .*restartPolicy/],
    ['gpu.cout', c => pod(c, { gpu: { count: 1, cout: 2 } }), /gpu\.cout: unknown prop .*did you mean 'count'\?/],
    ['server.resources.cpu.requets', c => pod(c, { server: { ...SERVER, resources: { cpu: { requets: '1' } } } }), /server\.resources\.cpu\.requets: .*'request'/],
    ['server.resources.gpu', c => pod(c, { server: { ...SERVER, resources: { gpu: { request: '1' } } } }), /server\.resources\.gpu: unknown prop/],
    ['server.security.runAsUsr', c => pod(c, { server: { ...SERVER, security: { runAsUsr: 0 } } }), /server\.security\.runAsUsr: .*'runAsUser'/],
    ['server.secretEnv.X.name', c => pod(c, { server: { ...SERVER, secretEnv: { TOKEN: { name: 'hf', key: 'token' } } } }), /server\.secretEnv\.TOKEN\.name: unknown prop/],
    ['server.extraPorts[0].port', c => pod(c, { server: { ...SERVER, extraPorts: [{ number: 9000, port: 9000 }] } }), /server\.extraPorts\[0\]\.port: unknown prop/],
    ['server.volumeMounts[0].mountPath', c => pod(c, {
      server: { ...SERVER, volumeMounts: [{ volume: PodVolume.emptyDir('x'), path: '/x', mountPath: '/y' }] },
    }), /server\.volumeMounts\[0\]\.mountPath: unknown prop/],
    ['security.fsgroup', c => pod(c, { security: { fsgroup: 2000 } }), /\] security\.fsgroup: .*'fsGroup'/],
    ['tolerations[0].efect', c => pod(c, { tolerations: [{ key: 'a', efect: 'NoSchedule' }] }), /tolerations\[0\]\.efect: .*'effect'/],
    ['model.concurrentSequence', c => pod(c, {
      gpu: { count: 1, accelerator: Accelerator.NVIDIA_H100 }, model: { profile: ModelProfile.LLAMA_3_1_8B, concurrentSequence: 4 },
    }), /model\.concurrentSequence: .*'concurrentSequences'/],
    ['a template built with JSON.parse', c => pod(c, { server: JSON.parse('{"image":"vllm/vllm-openai:v0.6.3","imagePullpolicy":"Always"}') }),
      /server\.imagePullpolicy: .*'imagePullPolicy'/],
    ['replica on a Deployment', c => new AiInferenceDeployment(c, 'd', { server: SERVER, replica: 2 } as any), /\[test\/d\] replica: .*'replicas'/],
    ['InitContainer commnd', c => new InitContainer(pod(c, {}), 'i', { name: 'i', image: 'busybox:1.36.1', commnd: ['true'] } as any), /\[test\/p\/i\] commnd: .*'command'/],
    ['InitContainer volumeMounts[0].readonly', c => new InitContainer(pod(c, {}), 'i', {
      name: 'i', image: 'busybox:1.36.1', volumeMounts: [{ volume: 'v', path: '/v', readonly: false }],
    } as any), /volumeMounts\[0\]\.readonly: .*'readOnly'/],
    ['Sidecar frontDoor.prot', c => new Sidecar(pod(c, {}), 's', {
      name: 's', image: 'envoyproxy/envoy:v1.31.2', ports: [{ number: 9000 }], frontDoor: { port: 9000, prot: 1 },
    } as any), /\[test\/p\/s\] frontDoor\.prot: .*'port'/],
    ['LogSidecar logdir', c => new LogSidecar(pod(c, {}), 'l', { logdir: '/var/log/x' } as any), /\[test\/p\/l\] logdir: .*'logDir'/],
    ['ProxySidecar openPath', c => new ProxySidecar(pod(c, {}), 'x', { openPath: ['/health'] } as any), /\[test\/p\/x\] openPath: .*'openPaths'/],
    ['ProxySidecar resources.memory.limt', c => new ProxySidecar(pod(c, {}), 'x', { resources: { memory: { limt: '1Gi' } } } as any),
      /resources\.memory\.limt: .*'limit'/],
    ['ModelPrepInit verifyOnCachHit', c => new ModelPrepInit(pod(c, {}), 'm', { source: ModelSource.s3('s3://b-1/m.bin'), verifyOnCachHit: true } as any),
      /\[test\/p\/m\] verifyOnCachHit: .*'verifyOnCacheHit'/],
    ['ModelSource.s3 regoin', c => new ModelPrepInit(pod(c, {}), 'm', { source: ModelSource.s3('s3://b-1/m.bin', { regoin: 'us-east-1' } as any) }),
      /source\.regoin: .*'region'/],
    ['ModelSource.huggingFace revison', c => new ModelPrepInit(pod(c, {}), 'm', {
      source: ModelSource.huggingFace('meta-llama/Llama-3.1-8B', { revision: 'main', revison: 'x' } as any),
    }), /source\.revison: .*'revision'/],
    ['ModelCredentials.awsAccessKey accessKeyId', c => new ModelPrepInit(pod(c, {}), 'm', {
      source: ModelSource.s3('s3://b-1/m.bin', { credentials: ModelCredentials.awsAccessKey('aws', { accessKeyId: 'ID' } as any) }),
    }), /credentials\.accessKeyId: .*'accessKeyIdKey'/],
    ['ModelCache.emptyDir sizelimit', c => new ModelPrepInit(pod(c, {}), 'm', {
      source: ModelSource.s3('s3://b-1/m.bin'), cache: ModelCache.emptyDir({ sizelimit: '1Gi' } as any),
    }), /cache\.sizelimit: .*'sizeLimit'/],
    ['ModelCache.newPersistentVolumeClaim storageClass', c => new ModelPrepInit(pod(c, {}), 'm', {
      source: ModelSource.s3('s3://b-1/m.bin'), cache: ModelCache.newPersistentVolumeClaim({ size: '10Gi', storageClass: 'efs' } as any),
    }), /cache\.storageClass: .*'storageClassName'/],
    ['Probe.httpGet perod', c => pod(c, {
      server: { ...SERVER, health: HealthCheck.custom({ readiness: Probe.httpGet('/ready', { perod: Duration.seconds(5) } as any) }) },
    }), /server\.health\.readiness\.perod: .*'period'/],
    ['HealthCheck.http livenesPath', c => pod(c, { server: { ...SERVER, health: HealthCheck.http('/health', { livenesPath: '/live' } as any) } }),
      /server\.health\.livenesPath: .*'livenessPath'/],
    ['HealthCheck.custom readyness', c => pod(c, { server: { ...SERVER, health: HealthCheck.custom({ readyness: Probe.tcp() } as any) } }),
      /server\.health\.readyness: .*'readiness'/],
    ['GpuClaim.dra productNme', c => pod(c, {
      target: KubernetesTarget.V1_34, gpu: { count: 1, claim: GpuClaim.dra({ productNme: 'H100' } as any) },
    }), /gpu\.claim\.productNme: .*'productName'/],
    ['KubernetesTarget.of imageVolume', c => pod(c, { target: KubernetesTarget.of('1.34', { imageVolume: true } as any) }), /target\.imageVolume: .*'imageVolumes'/],
    ['InferenceEngine.vllm servedModelNmae', c => pod(c, {
      server: { engine: InferenceEngine.vllm({ servedModelNmae: 'x' } as any) }, gpu: { count: 1 },
    }), /server\.engine\.servedModelNmae: .*'servedModelName'/],
    ['InferenceEngine.triton image (a health-only engine)', c => pod(c, { server: { ...SERVER, engine: InferenceEngine.triton({ image: 'x' } as any) } }),
      /server\.engine\.image: unknown prop/],
    ['LogDestination.loki tenant', c => new LogSidecar(pod(c, {}), 'l', { shipTo: LogDestination.loki({ host: 'loki', tenant: 'a' } as any) }),
      /shipTo\.tenant: .*'tenantId'/],
    ['PodVolume.configMap option key', c => pod(c, {
      server: { ...SERVER, volumeMounts: [{ volume: PodVolume.configMap('t', 'tpl', { key: ['a'] } as any), path: '/t' }] },
    }), /volume "t"\.key: .*'keys'/],
    ['Accelerator.custom memmory', c => pod(c, {
      gpu: { count: 1, accelerator: Accelerator.custom({ name: 'X', memory: '80Gi', memmory: '1' } as any) },
    }), /gpu\.accelerator\.memmory: .*'memory'/],
    ['ModelProfile.of layer', c => pod(c, {
      gpu: { count: 1, accelerator: Accelerator.NVIDIA_H100 },
      model: {
        profile: ModelProfile.of({
          parameters: 8e9, dtype: WeightDtype.BF16, layers: 32, kvHeads: 8, headDim: 128, maxContext: 8192, layer: 1,
        } as any),
      },
    }), /model\.profile\.layer: .*'layers'/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });

  test('GpuFit.plan reports an unknown key in its errors', () => {
    const plan = GpuFit.plan({ model: ModelProfile.LLAMA_3_1_8B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 1, gpuCont: 2 } as any);
    expect(plan.errors).toEqual([expect.stringMatching(/^gpuCont: unknown prop \(given 2\)\. Fix: did you mean 'gpuCount'\?/)]);
  });

  test('every unknown key is reported, and known keys with undefined values are fine', () => {
    const lines = expectRefused(c => pod(c, { replicas: 2, gpu: { count: 1, cout: 1, tolerate: undefined } }), /replicas/);
    expect(lines.filter(l => /unknown prop/.test(l)).length).toBe(2);
    expect(run(c => pod(c, { gpu: { count: 1, tolerate: undefined, shmSize: undefined } })).error).toBeUndefined();
  });
});

describe('props that have no effect given another are refused, not ignored', () => {
  const pod = (c: Chart, props: any = {}) => new AiInferencePod(c, 'p', { server: SERVER, ...props });
  const ociRef = 'registry.example.com/models/llama@sha256:' + 'a'.repeat(64);
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['gpu.resourceName naming the same taint as a claim\'s default', c => pod(c, {
      target: KubernetesTarget.V1_34, gpu: { count: 1, claim: GpuClaim.dra(), resourceName: 'nvidia.com/mig-1g.10gb' },
    }), /gpu\.resourceName: "nvidia\.com\/mig-1g\.10gb" has no effect with gpu\.claim/],
    ['gpu.resourceName with a claim and tolerate: false', c => pod(c, {
      target: KubernetesTarget.V1_34, gpu: { count: 1, claim: GpuClaim.dra(), resourceName: 'amd.com/gpu', tolerate: false },
    }), /gpu\.resourceName: "amd\.com\/gpu" has no effect with gpu\.claim/],
    ['verifyOnCacheHit on an image volume', c => new ModelPrepInit(pod(c, { target: KubernetesTarget.V1_35 }), 'm', {
      source: ModelSource.ociImage(ociRef), verifyOnCacheHit: true,
    }), /\[test\/p\/m\] verifyOnCacheHit: .*image volume.*has no effect\. Fix: remove verifyOnCacheHit/],
    ['attempts on an image volume', c => new ModelPrepInit(pod(c, { target: KubernetesTarget.V1_35 }), 'm', {
      source: ModelSource.ociImage(ociRef), attempts: 3,
    }), /\] attempts: .*image volume/],
    ['resources of the copier on an image volume', c => new ModelPrepInit(pod(c, { target: KubernetesTarget.V1_35 }), 'm', {
      source: ModelSource.ociImage(ociRef), resources: { cpu: { request: '1' } },
    }), /\] resources: .*image volume/],
    ['s3MaxConcurrentRequests on an http source', c => new ModelPrepInit(pod(c), 'm', {
      source: ModelSource.http('https://example.com/m.bin'), s3MaxConcurrentRequests: 8,
    }), /s3MaxConcurrentRequests: 8 tunes the AWS CLI, which a http source does not use/],
    ['loadThroughput without modelSize', c => new ModelPrepInit(pod(c), 'm', { source: ModelSource.s3('s3://b-1/m.bin'), loadThroughput: '1Gi' }),
      /loadThroughput: "1Gi" is given without modelSize/],
    ['modelSize with expectedLoadTime', c => new ModelPrepInit(pod(c), 'm', {
      source: ModelSource.s3('s3://b-1/m.bin'), modelSize: '16Gi', expectedLoadTime: Duration.minutes(1),
    }), /modelSize: "16Gi" is given with expectedLoadTime, which wins/],
    ['prefixFileName with shipTo', c => new LogSidecar(pod(c), 'l', { prefixFileName: true, shipTo: LogDestination.http({ host: 'logs.example.com' }) }),
      /\[test\/p\/l\] prefixFileName: true only applies to streaming/],
    ['serviceType with service: false', c => new AiInferenceDeployment(c, 'd', { server: SERVER, service: false, serviceType: InferenceServiceType.NODE_PORT }),
      /\[test\/d\] serviceType: "NodePort" is given with service: false/],
    ['startupTimeout on a Sidecar without a startup probe', c => new Sidecar(pod(c), 's', {
      name: 's', image: 'redis:7.4.1', health: HealthCheck.custom({ readiness: Probe.tcp() }), startupTimeout: Duration.minutes(5),
    }), /\[test\/p\/s\] startupTimeout: .*no startup probe/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });

  test('gpu.resourceName with a claim still names the tolerated taint when that differs (as documented)', () => {
    const result = run(c => pod(c, { target: KubernetesTarget.V1_34, gpu: { count: 1, claim: GpuClaim.dra(), resourceName: 'amd.com/gpu' } }));
    expect(result.error).toBeUndefined();
    const spec = result.manifests?.find(m => m.kind === 'Pod').spec;
    expect(spec.tolerations).toContainEqual({ effect: 'NoSchedule', key: 'amd.com/gpu', operator: 'Exists' });
    expect(JSON.stringify(spec.containers[0].resources)).not.toContain('amd.com/gpu');
  });

  test('modelSize on an image volume is not ignored: the startup budget must still cover loading the weights', () => {
    expectRefused(c => new ModelPrepInit(pod(c, { target: KubernetesTarget.V1_35 }), 'm', {
      source: ModelSource.ociImage(ociRef), modelSize: '1000Gi',
    }), /startupProbe|modelLoadTimeout|budget/);
    expect(run(c => new ModelPrepInit(pod(c, { target: KubernetesTarget.V1_35 }), 'm', { source: ModelSource.ociImage(ociRef), modelSize: '16Gi' })).error)
      .toBeUndefined();
  });

  test('the copier\'s props are fine where the image is copied (below 1.35)', () => {
    const result = run(c => new ModelPrepInit(pod(c, { target: KubernetesTarget.V1_33 }), 'm', {
      source: ModelSource.ociImage(ociRef), verifyOnCacheHit: true, attempts: 3,
    }));
    expect(result.error).toBeUndefined();
    const copier = result.manifests?.[0].spec.initContainers.find((c: any) => c.name === 'model-downloader');
    expect(copier.env).toContainEqual({ name: 'MODEL_VERIFY_ON_CACHE_HIT', value: 'true' });
  });
});

describe('a construct\'s output depends on its props at construction', () => {
  /** Changes every string, number and boolean in plain objects and lists, reverses lists and adds keys, all the way down. */
  function mutate(value: any, seen = new Set<any>()): void {
    if (value === null || typeof value !== 'object' || seen.has(value)) {
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype) {
      return; // HealthCheck, Duration, ModelSource...: immutable values
    }
    seen.add(value);
    for (const key of Object.keys(value)) {
      const v = value[key];
      if (typeof v === 'string') value[key] = `${v}-mutated`;
      else if (typeof v === 'number') value[key] = v + 7;
      else if (typeof v === 'boolean') value[key] = !v;
      else mutate(v, seen);
    }
    if (Array.isArray(value)) {
      value.reverse();
      if (value.length) value.push(value[0]);
    } else {
      value['mutated-key'] = 'x';
    }
  }

  function build(c: Chart, mutation: 'none' | 'before' | 'after'): void {
    const podProps = {
      metadata: { name: 'llm', labels: { app: 'llm' }, annotations: { a: 'b' } },
      server: {
        image: 'vllm/vllm-openai:v0.6.3', args: ['--port', '8000'], command: ['vllm', 'serve'],
        env: { A: 'a' }, secretEnv: { HF: { secretName: 'hf', key: 'token' } }, fieldEnv: { IP: PodField.POD_IP },
        envFrom: [EnvFromSource.configMap('settings')],
        resources: { cpu: { request: '2' }, memory: { request: '8Gi', limit: '8Gi' } },
        security: { runAsUser: 2000 }, extraPorts: [{ number: 9000, name: 'metrics' }],
        volumeMounts: [{ volume: PodVolume.emptyDir('scratch', { sizeLimit: '1Gi' }), path: '/scratch' }],
        preStopCommand: ['sleep', '5'], tmpSize: '1Gi',
      },
      gpu: { count: 1, nodeSelector: { pool: 'gpu' }, shmSize: '2Gi' },
      security: { runAsUser: 1000, fsGroup: 1000 },
      tolerations: [{ key: 'dedicated', value: 'llm', effect: 'NoSchedule' }],
      nodeSelector: { zone: 'a' },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] }] } } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'llm' } } }],
      imagePullSecrets: ['regcred'],
      serviceAccountName: 'llm',
      replicas: 2,
    };
    const prepProps = { source: ModelSource.s3('s3://b-1/llama/', { region: 'us-east-1' }), consumers: ['server'], resources: { cpu: { request: '1' } } };
    const logProps = { logDir: '/var/log/app', writers: ['server'] };
    const proxyProps = { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens'), openPaths: ['/health', '/metrics'], upstreamPort: 8000 };
    const sidecarProps = { name: 'redis', image: 'redis:7.4.1', ports: [{ number: 6379 }], env: { R: 'r' }, volumeMounts: [{ volume: 'model-storage', path: '/m' }] };
    const initProps = { name: 'init', image: 'busybox:1.36.1', command: ['true'], env: { I: 'i' }, volumeMounts: [{ volume: 'model-storage', path: '/m' }] };
    const all = [podProps, prepProps, logProps, proxyProps, sidecarProps, initProps];
    if (mutation === 'before') {
      all.forEach(p => mutate(p));
    }
    const llm = new AiInferenceDeployment(c, 'llm', podProps);
    new ModelPrepInit(llm, 'model', prepProps);
    new LogSidecar(llm, 'logs', logProps);
    new ProxySidecar(llm, 'proxy', proxyProps);
    new Sidecar(llm, 'redis', sidecarProps);
    new InitContainer(llm, 'init', initProps);
    if (mutation === 'after') {
      all.forEach(p => mutate(p));
    }
  }

  test('mutating every nested props object after construction changes nothing in the YAML', () => {
    const before = run(c => build(c, 'none'));
    const after = run(c => build(c, 'after'));
    expect(before.error).toBeUndefined();
    expect(after.error).toBeUndefined();
    expect(after.manifests).toEqual(before.manifests);
  });

  test('the same mutation before construction does change the outcome (the comparison above can fail)', () => {
    const before = run(c => build(c, 'none'));
    const mutated = run(c => build(c, 'before'));
    expect(JSON.stringify(mutated.manifests ?? mutated.error)).not.toEqual(JSON.stringify(before.manifests));
  });
});

describe('smaller promises', () => {
  test.each([' 1.33 ', '1.033', '01.33', '1.33 ', '1.33.04'])('KubernetesTarget.of(%j) is refused: only canonical versions', version => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: SERVER, target: KubernetesTarget.of(version) }), /\] target: .* is not a Kubernetes version/);
  });

  test.each(['1.33', 'v1.33', '1.33.4', '1.33.0'])('KubernetesTarget.of(%j) is accepted', version => {
    expect(run(c => new AiInferencePod(c, 'p', { server: SERVER, target: KubernetesTarget.of(version) })).error).toBeUndefined();
  });

  test.each(['a\nb', 'a\tb', 'a\u0000b'])('servedModelName %j is refused', name => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { engine: InferenceEngine.vllm({ servedModelName: name }) }, gpu: { count: 1 } }),
      /server\.engine\.servedModelName: .* has a line break or control character/);
  });

  function twoDoors(c: Chart, strict: boolean): void {
    if (strict) {
      c.node.setContext(WARNINGS_AS_ERRORS_CONTEXT, true);
    }
    const llm = new AiInferenceDeployment(c, 'llm', { server: SERVER });
    new ProxySidecar(llm, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    new Sidecar(llm, 'rbac', {
      name: 'rbac', image: 'quay.io/brancz/kube-rbac-proxy:v0.18.1', ports: [{ number: 8443 }], frontDoor: { port: 8443, https: true },
    });
  }

  test('two front doors: a warning names both and the one that wins; the pod is still written', () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
    let result;
    try {
      result = run(c => twoDoors(c, false));
    } finally {
      spy.mockRestore();
    }
    expect(result.error).toBeUndefined();
    // canonical order: the user's sidecar (rank SIDECAR... PROXY) — the Service names the winner's port
    const service = result.manifests?.find((m: any) => m.kind === 'Service');
    const text = writes.join('');
    expect(text).toMatch(/frontDoor: the workload has 2 front doors, test\/llm\/(proxy|rbac) .* and test\/llm\/(proxy|rbac) .*: the public port/);
    const winnerPort = Number(/are test\/llm\/\w+ \(container "[\w-]+", port (\d+)\)'s only/.exec(text)?.[1]);
    expect(service.spec.ports[0].targetPort).toBe(winnerPort);
    expectRefused(c => twoDoors(c, true), /frontDoor: the workload has 2 front doors/);
  });
});

describe('props copied at construction: keys that are not props, shapes that are not maps', () => {
  test('a "__proto__" key of JSON props is an unknown prop, not a prototype that supplies other props', () => {
    // JSON.parse makes "__proto__" an own key; copying it by assignment made it the copy's prototype
    const lines = expectRefused(c => new AiInferencePod(c, 'p', JSON.parse('{"server":{"image":"vllm/vllm-openai:v0.6.3","__proto__":{"port":9999}}}')),
      /\[test\/p\] server\.__proto__: unknown prop \(given \{"port":9999\}\)/);
    expect(lines.join('\n')).not.toMatch(/9999 is|containerPort/);
    expectRefused(c => new AiInferencePod(c, 'p', JSON.parse('{"server":{"image":"vllm/vllm-openai:v0.6.3"},"__proto__":{"replicas":3}}')),
      /\[test\/p\] __proto__: unknown prop/);
    expectRefused(c => new AiInferencePod(c, 'p', JSON.parse('{"server":{"image":"vllm/vllm-openai:v0.6.3","__proto__":"x"}}')),
      /\[test\/p\] server\.__proto__: unknown prop \(given "x"\)/);
  });

  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['server.env as a Map', c => new AiInferencePod(c, 'p', { server: { ...SERVER, env: new Map([['A', 'a']]) as any } }), /\] server\.env: .* is not a map/],
    ['server.fieldEnv as a Map', c => new AiInferencePod(c, 'p', { server: { ...SERVER, fieldEnv: new Map([['IP', PodField.POD_IP]]) as any } }),
      /\] server\.fieldEnv: .* is not a map/],
    ['server.secretEnv as a Map', c => new AiInferencePod(c, 'p', {
      server: { ...SERVER, secretEnv: new Map([['T', { secretName: 'hf', key: 'token' }]]) as any },
    }), /\] server\.secretEnv: .* is not a map/],
    ['Sidecar env as a Map', c => new Sidecar(new AiInferencePod(c, 'p', { server: SERVER }), 's', {
      name: 's', image: 'redis:7.4.1', env: new Map([['A', 'a']]) as any,
    }), /\[test\/p\/s\] env: .* is not a map/],
    ['nodeSelector as a Map', c => new AiInferencePod(c, 'p', { server: SERVER, nodeSelector: new Map([['pool', 'gpu']]) as any }), /\] nodeSelector: .* is not a map/],
    ['envFrom options that are not an object', c => new AiInferencePod(c, 'p', {
      server: { ...SERVER, envFrom: [EnvFromSource.configMap('settings', 'VLLM_' as any)] },
    }), /server\.envFrom\[0\]: "VLLM_" is not the options/],
    // eslint-disable-next-line no-sparse-arrays
    ['envFrom with a hole', c => new AiInferencePod(c, 'p', { server: { ...SERVER, envFrom: [, EnvFromSource.secret('s')] as any } }),
      /server\.envFrom\[0\]: (undefined|null) is not an EnvFromSource/],
  ])('%s is refused by field, not silently ignored', (_name, build, field) => {
    expectRefused(build, field);
  });

  test('props nested deeper than the call stack are refused by field, not a RangeError at construction', () => {
    let affinity: any = {};
    const root = affinity;
    for (let i = 0; i < 20000; i++) {
      affinity.nodeAffinity = {};
      affinity = affinity.nodeAffinity;
    }
    expectRefused(c => new AiInferencePod(c, 'p', { server: SERVER, affinity: root }), /\] affinity: cannot be written as JSON/);
  });
});

describe('fieldEnv resources: the divisors the API server accepts', () => {
  test.each<[string, string]>([['limits.cpu', '1Mi'], ['requests.cpu', '2'], ['limits.memory', '3Mi'], ['limits.ephemeral-storage', '500m'], ['limits.hugepages-2Mi', '10']])(
    'PodField.resource(%j, %j) is refused (the API server rejects the pod)', (resource, divisor) => {
      expectRefused(c => new AiInferencePod(c, 'p', { server: { ...SERVER, fieldEnv: { X: PodField.resource(resource, divisor) } } }),
        new RegExp(`server\\.fieldEnv\\.X\\.divisor: "${divisor}" is not a divisor of ${resource.replace('.', '\\.')}`));
    });

  test.each<[string, string]>([['limits.cpu', '1m'], ['requests.cpu', '1'], ['limits.cpu', '1000m'], ['limits.memory', '1Mi'], ['requests.memory', '1k'],
    ['limits.ephemeral-storage', '1Gi'], ['limits.hugepages-2Mi', '1Mi']])('PodField.resource(%j, %j) is written', (resource, divisor) => {
    const result = run(c => new AiInferencePod(c, 'p', { server: { ...SERVER, fieldEnv: { X: PodField.resource(resource, divisor) } } }));
    expect(result.error).toBeUndefined();
    expect(result.manifests?.[0].spec.containers[0].env).toContainEqual({ name: 'X', valueFrom: { resourceFieldRef: { resource, divisor } } });
    expectApiValid(result.manifests ?? []);
  });
});

describe('toPodTemplate(): the template is the pod the chart validates, whatever the order of calls', () => {
  const IMAGE = 'vllm/vllm-openai:v0.6.3';
  test('toManifest() and toManifests() after toPodTemplate() say the pod is a template, not undefined or a pod-less list', () => {
    const pod = new AiInferencePod(new Chart(Testing.app(), 'c'), 'p', { server: { image: IMAGE } });
    pod.toPodTemplate();
    expect(() => pod.toManifest()).toThrow(/^\[c\/p\] toManifest: the pod is a pod template \(toPodTemplate\(\)\).*\. Fix: /);
    expect(() => pod.toManifests()).toThrow(/^\[c\/p\] toManifests: the pod is a pod template/);
  });

  test.each<[string, (pod: AiInferencePod) => void]>([
    ['a sidecar added after the template was taken', pod => new LogSidecar(pod, 'logs', { logDir: '/var/log/app' })],
    ['a JSON patch of the pod after the template was taken', pod => ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/priorityClassName', 'high'))],
    ['an env var added through the escape hatch after the template was taken', pod => pod.server.env.addVariable('LATE', kplus.EnvValue.fromValue('x'))],
  ])('%s: synth fails instead of writing a template without it', (_name, change) => {
    const lines = expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image: IMAGE } });
      const template = pod.toPodTemplate();
      new ApiObject(c, 'group', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'group' }, spec: { template } });
      change(pod);
    }, /\[test\/p\] toPodTemplate: the pod changed after its template was taken/);
    expect(lines.length).toBe(1);
  });

  test('the same add-on before the template: written, and the template has it', () => {
    const result = run(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image: IMAGE } });
      new LogSidecar(pod, 'logs', { logDir: '/var/log/app' });
      const template = pod.toPodTemplate();
      // the caller's copy may be changed: it is the caller's object now
      template.metadata.labels.extra = 'x';
      new ApiObject(c, 'group', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'group' }, spec: { template } });
      expect(pod.toPodTemplate().metadata.labels.extra).toBeUndefined();
    });
    expect(result.error).toBeUndefined();
    expect(result.manifests?.map(m => m.kind)).toEqual(['Job']);
    expect(result.manifests?.[0].spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['log-forwarder']);
  });

  test('app.synth() after toPodTemplate() writes the objects the pod needs and not the pod', () => {
    const outdir = fs.mkdtempSync('/tmp/hostile-template-');
    const app = new App({ outdir });
    const chart = new Chart(app, 'c');
    const pod = new AiInferencePod(chart, 'p', { server: { image: IMAGE } });
    new ProxySidecar(pod, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    new ApiObject(chart, 'group', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'group' }, spec: { template: pod.toPodTemplate() } });
    app.synth();
    const written = fs.readFileSync(`${outdir}/${fs.readdirSync(outdir)[0]}`, 'utf8');
    expect(written.match(/^kind: .*$/gm)).toEqual(['kind: ConfigMap', 'kind: NetworkPolicy', 'kind: Job']);
  });
});

describe('a render that fails next to prop errors is still reported', () => {
  test('an unknown prop does not hide a JSON patch that cannot apply: synth says the pod was not checked', () => {
    const lines = expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: { ...SERVER, imagee: 'x' } as any });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.replace('/spec/nope/x', 1));
    }, /server\.imagee: unknown prop/);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}\[test\/p\] spec: could not be rendered .*\. Fix: /));
  });

  test('a sidecar with bad props removed from the tree leaves no raw TypeError', () => {
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: SERVER });
      new Sidecar(pod, 's', { name: 's', image: 'redis:7.4.1', foo: 1 } as any);
      pod.node.tryRemoveChild('s');
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.replace('/spec/nope/x', 1));
    }, /\[test\/p\] spec: /);
  });
});

test('a workload that cannot be rendered is reported once, not again by the NetworkPolicy that selects it', () => {
  const result = run(c => {
    const pod = new AiInferencePod(c, 'p', { server: SERVER });
    new ProxySidecar(pod, 'proxy');
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.replace('/spec/nope/x', 1));
  });
  expect(result.manifests).toBeUndefined();
  const lines = (result.error ?? '').split('\n').slice(1);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ {2}\[test\/p\] JSON patch replace "\/spec\/nope\/x": cannot be applied: /);
});
