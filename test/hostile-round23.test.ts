/**
 * Hostile round 23: what landed today (keepVolumeOwnership, the escape-hatch env warning,
 * exposeViaService on a silent server, the nightly tag rule) attacked; each break found is a test.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePod, InferenceServer, ModelCache, ModelPrepInit, ModelSource, PodField, PodVolume, Sidecar } from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { newChart } from './helpers/synth';

const image = 'vllm/vllm-openai:v0.9.1';

describe('volumeOwnershipKept with an fsGroup put back by a JSON patch', () => {
  // the kubelet gives the claim to the patched fsGroup: the warning ("no fsGroup") would be false
  test.each<[string, (c: Chart) => AiInferencePod]>([
    ['a ModelPrepInit cache on a claim', c => {
      const p = new AiInferencePod(c, 'p', { server: { image }, security: { keepVolumeOwnership: true } });
      new ModelPrepInit(p, 'm', { source: ModelSource.s3('s3://models/granite/'), cache: ModelCache.persistentVolumeClaim('models') });
      return p;
    }],
    ['a Hub cache on a claim', c => new AiInferencePod(c, 'p', {
      server: {
        image, args: ['--model', 'Qwen/Qwen3-8B'], env: { HF_HOME: '/data/hf' },
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('hf', 'hf-cache'), path: '/data/hf', readOnly: false }],
      },
      security: { keepVolumeOwnership: true },
    })],
  ])('%s: no warning', (_what, build) => {
    const chart = newChart();
    ApiObject.of(build(chart).pod).addJsonPatch(JsonPatch.add('/spec/securityContext/fsGroup', 1000));
    expect(synthWithWarnings(chart).warnings).toBe('');
  });
});

describe('the escape-hatch env warning when the value set again is the same', () => {
  test.each<[string, any, (c: Chart) => kplus.EnvValue]>([
    ['a plain value', { env: { A: 'x' } }, () => kplus.EnvValue.fromValue('x')],
    ['a value referring to a pod field', { env: { H: '$(IP)' }, fieldEnv: { IP: PodField.POD_IP } }, () => kplus.EnvValue.fromValue('$(IP)')],
    ['the same Secret key', { secretEnv: { T: { secretName: 'hf', key: 'token' } } },
      c => kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(c, 's', 'hf'), key: 'token' })],
    ['the same pod field', { fieldEnv: { IP: PodField.POD_IP } }, () => kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP)],
  ])('%s: no warning', (_what, server, again) => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'p', { server: { image, ...server } });
    const name = Object.keys(server.env ?? server.secretEnv ?? server.fieldEnv)[0];
    pod.server.env.addVariable(name, again(chart));
    expect(synthWithWarnings(chart).warnings).toBe('');
  });

  test('changed and changed back: no warning; on a Sidecar too', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'p', { server: { image, env: { A: 'x' } } });
    pod.server.env.addVariable('A', kplus.EnvValue.fromValue('y'));
    pod.server.env.addVariable('A', kplus.EnvValue.fromValue('x'));
    const sidecar = new Sidecar(pod, 's', { name: 's', image: 'busybox:1.36.1', command: ['sleep', 'infinity'], env: { T: 'a' } });
    sidecar.container.env.addVariable('T', kplus.EnvValue.fromValue('a'));
    expect(synthWithWarnings(chart).warnings).toBe('');
  });

  test('a different value is still warned, once', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'p', { server: { image, env: { A: 'x' } } });
    pod.server.env.addVariable('A', kplus.EnvValue.fromValue('y'));
    pod.server.env.addVariable('A', kplus.EnvValue.fromValue('z'));
    const { warnings } = synthWithWarnings(chart);
    expect(warnings.trim().split('\n')).toEqual([expect.stringContaining('[test/p] server.env.A: "x" is replaced by "z"')]);
  });
});

describe('exposeViaIngress() on a Deployment whose server listens on no port', () => {
  const line = /server\.listens: false declares no server port, and exposeViaService\(\) was called on the Deployment/;
  test('an AiInferenceDeployment: the synth error, not cdk8s-plus\'s "service does not expose any ports" thrown', () => {
    const lines = expectRefused(chart => {
      const worker = new AiInferenceDeployment(chart, 'w', { server: { image: 'myrepo/worker:1.0', listens: false } });
      worker.deployment.exposeViaIngress('/');
    }, line);
    expect(lines).toHaveLength(1);
  });

  test('a Deployment of yours with an InferenceServer', () => {
    expectRefused(chart => {
      const deployment = new kplus.Deployment(chart, 'own');
      new InferenceServer(deployment, 'server', { server: { image: 'myrepo/worker:1.0', listens: false } });
      deployment.exposeViaIngress('/x');
    }, line);
  });
});

describe('imagePinned: a nightly tag that names a commit is pinned', () => {
  test.each([
    'vllm/vllm-openai:nightly-66a168a197ba214a5b70a74fa2e713c9eeb3251a',
    'vllm/vllm-openai:nightly-d223c90',
  ])('%s: no warning', img => {
    const chart = newChart();
    new AiInferencePod(chart, 'p', { server: { image: img } });
    expect(synthWithWarnings(chart).warnings).toBe('');
  });

  test.each([
    'vllm/vllm-openai:nightly-aarch64', 'vllm/vllm-openai:cu129-nightly', 'vllm/vllm-openai:nightly-x86_64', 'host:5000/img:nightly',
    'swr.example.com/ascend/vllm-ascend:nightly-a3-ubuntu22.04', 'vllm/vllm-openai:NIGHTLY',
  ])('%s: still warned', img => {
    const chart = newChart();
    new AiInferencePod(chart, 'p', { server: { image: img } });
    expect(synthWithWarnings(chart).warnings).toMatch(/is not pinned \(the moving tag/);
  });
});

describe('one line for one mistake: gpu.count', () => {
  test.each<[string, unknown, string]>([
    ['negative', -1, '-1'], ['a fraction', 1.5, '1.5'], ['NaN', NaN, 'NaN'], ['Infinity', Infinity, 'Infinity'],
  ])('%s: only the prop is reported', (_what, count, shown) => {
    const lines = expectRefused(chart => new AiInferencePod(chart, 'p', { server: { image }, gpu: { count: count as any } }), /gpu\.count/);
    expect(lines).toEqual([`  [test/p] gpu.count: ${shown} must be a whole number from 1 to 1024. Fix: use e.g. 1`]);
  });
});

describe('metadata.labels that is not a map (a JavaScript caller)', () => {
  test.each<[string, unknown]>([['a string', 'llm'], ['a list', ['llm']], ['a number', 5]])('%s: refused by field, not written as label "0"', (_what, labels) => {
    for (const build of [
      (chart: Chart) => new AiInferencePod(chart, 'p', { server: { image }, metadata: { labels: labels as any } }),
      (chart: Chart) => new AiInferenceDeployment(chart, 'p', { server: { image }, metadata: { labels: labels as any }, selectorLabels: { app: 'llm' } }),
    ]) {
      const lines = expectRefused(build, /\[test\/p\] metadata\.labels: .* is not a map of names to values\. Fix: give an object/);
      expect(lines).toHaveLength(1);
    }
  });
});
