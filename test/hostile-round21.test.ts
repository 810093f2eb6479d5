import { ApiObject, JsonPatch } from 'cdk8s';
import { AiInferenceDeployment, AiInferencePod, HealthCheck, InferenceEngine, KubernetesTarget } from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, synth } from './helpers/synth';

// Hostile round 21: what landed in session 9 and hostile rounds 16 to 20.

const server = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() };

describe('the unknown-field refusal and the fields of every targeted version', () => {
  // Kubernetes 1.35 (GenericWorkload gate on) has PodSpec.workloadRef, which 1.36 renamed to
  // schedulingGroup: the newest official schema no longer lists it, and a valid 1.35 manifest was refused.
  test('a 1.35 pod with spec.workloadRef (gang scheduling) is written', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server, gpu: { count: 1 }, target: KubernetesTarget.V1_35 });
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/workloadRef', { name: 'training', podGroup: 'workers', podGroupReplicaKey: '0' }));
    const docs = synth(chart);
    expectApiValid(docs);
    expect(manifestOf(docs, 'Pod').spec.workloadRef).toEqual({ name: 'training', podGroup: 'workers', podGroupReplicaKey: '0' });
  });

  test('a Deployment\'s pod template with workloadRef is written', () => {
    const chart = newChart();
    const d = new AiInferenceDeployment(chart, 'llm', { server, gpu: { count: 1 }, target: KubernetesTarget.V1_35 });
    ApiObject.of(d.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/workloadRef', { name: 'training', podGroup: 'workers' }));
    expectApiValid(synth(chart));
  });

  test('workloadRef is still checked: a misspelled member and a missing podGroup are refused', () => {
    expectRefused(chart => ApiObject.of(new AiInferencePod(chart, 'llm', { server, gpu: { count: 1 } }).pod)
      .addJsonPatch(JsonPatch.add('/spec/workloadRef', { name: 'training', podgroup: 'workers' })),
    /spec\.workloadRef\.podGroup: is missing; the Kubernetes API requires it/);
  });
});

describe('selectorLabels', () => {
  // A label's value may be empty (the API accepts `app: ""`); cdk8s-plus's LabelSelector drops such
  // a label, so the Deployment got `selector: {}` and synth refused "an empty selector", and the
  // Service selected nothing.
  test('a selector label with an empty value is kept in the Deployment, its pods and its Service', () => {
    const chart = newChart();
    const d = new AiInferenceDeployment(chart, 'ovms', { server: { image: 'openvino/model_server:2024.4', port: 8080 }, selectorLabels: { 'app.kubernetes.io/name': 'ovms', 'tier': '' } });
    const docs = synth(chart);
    expectApiValid(docs);
    const deployment = manifestOf(docs, 'Deployment');
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'ovms', 'tier': '' } });
    expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': 'ovms', 'tier': '' }));
    expect(manifestOf(docs, 'Service').spec.selector).toEqual({ 'app.kubernetes.io/name': 'ovms', 'tier': '' });
    expect(d.describe()).toContain('-l app.kubernetes.io/name=ovms,tier=');
  });

  test('one selector label with an empty value is a selector, not an empty one', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'ovms', { server: { image: 'openvino/model_server:2024.4', port: 8080 }, selectorLabels: { app: '' } });
    const docs = synth(chart);
    expectApiValid(docs);
    expect(manifestOf(docs, 'Deployment').spec.selector).toEqual({ matchLabels: { app: '' } });
    expect(manifestOf(docs, 'Service').spec.selector).toEqual({ app: '' });
  });
});

describe('rootOnlyImages and credentialInArgs on real manifests', () => {
  // The same TGI 3.3.7 image pinned by digest (what a production manifest writes) never starts as user 1000 either.
  test('a TGI 3.x image pinned by tag and digest as user 1000 is refused', () => {
    const digest = `sha256:${'a1'.repeat(32)}`;
    expectRefused(c => new AiInferenceDeployment(c, 'llm', {
      server: { engine: InferenceEngine.tgi({ image: `ghcr.io/huggingface/text-generation-inference:3.3.7@${digest}` }), env: { MODEL_PATH: '/models/m' } },
      gpu: { count: 1 },
    }), /containers\[0\]\.image: "ghcr\.io\/huggingface\/text-generation-inference:3\.3\.7@sha256:a1a1.*" runs as user 1000, .*#3082.*Fix: run it as root/);
  });

  test('a 3.0 image pinned by digest still runs as user 1000', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', {
      server: { engine: InferenceEngine.tgi({ image: `ghcr.io/huggingface/text-generation-inference:3.0.1@sha256:${'b2'.repeat(32)}` }), env: { MODEL_PATH: '/models/m' } },
      gpu: { count: 1 },
    });
    expectApiValid(synth(chart));
  });

  // A relative or home-directory path after --token or --password is a file the tool reads, not the credential.
  test.each([
    ['--token', './secrets/hf-token'], ['--password', '../run/secrets/db-password'], ['--hf-token', '~/.cache/huggingface/token'], ['--token=./token', undefined],
  ])('%s %s is a file path, not a literal credential', (flag, value) => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', {
      server: {
        image: 'vllm/vllm-openai:v0.9.1', args: ['--model', 'm', flag, ...(value === undefined ? [] : [value])], health: HealthCheck.none(),
        resources: { cpu: { request: '1' }, memory: { request: '1Gi', limit: '1Gi' } },
      },
    });
    expect(synthWithWarnings(chart).warnings).not.toContain('literal credential');
  });
});
