/**
 * New-user review 3: fields of public production manifests that needed a JSON patch, each now a
 * typed prop — enableServiceLinks (gateway-api-inference-extension's vLLM LoRA manifest), a
 * preStop sleep, a sidecar's pull policy, stdin and tty (lora-adapter-syncer), named probe ports,
 * another container's resources in a variable (Seldon's agent), /dev/shm at the memory limit
 * (KubeRay). Every valid pod goes through the real App synth, the official schema and the kind
 * rules; bad input is refused by field with nothing written.
 */
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePod, InferenceServer } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, podSpec, synth } from './helpers/synth';

const IMAGE = 'vllm/vllm-openai:v0.9.1';

function synthValid(chart: Chart): any[] {
  const manifests = synth(chart);
  expectApiValid(manifests);
  return manifests;
}

describe('enableServiceLinks', () => {
  test('false is written on a pod, a Deployment and an InferenceServer of yours; left out, the field is not written', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'lora', { metadata: { name: 'lora' }, server: { image: IMAGE }, enableServiceLinks: false });
    new AiInferencePod(chart, 'plain', { metadata: { name: 'plain' }, server: { image: IMAGE } });
    new AiInferenceDeployment(chart, 'vllm', { metadata: { name: 'vllm' }, server: { image: IMAGE }, enableServiceLinks: false });
    const job = new kplus.Job(chart, 'batch', { metadata: { name: 'batch' }, restartPolicy: kplus.RestartPolicy.NEVER });
    new InferenceServer(job, 'server', { server: { image: IMAGE }, enableServiceLinks: true });
    const manifests = synthValid(chart);
    const [lora, plain] = manifests.filter(m => m.kind === 'Pod');
    expect(podSpec(lora).enableServiceLinks).toBe(false);
    expect(podSpec(plain).enableServiceLinks).toBeUndefined();
    expect(podSpec(manifestOf(manifests, 'Deployment')).enableServiceLinks).toBe(false);
    expect(podSpec(manifestOf(manifests, 'Job')).enableServiceLinks).toBe(true);
  });

  test('a value that is not a boolean is refused at construction, by prop', () => {
    const lines = expectRefused(chart => new AiInferencePod(chart, 'pd', { server: { image: IMAGE }, enableServiceLinks: 'no' as any }),
      /^ {2}\[test\/pd\] enableServiceLinks: "no" is not true or false\. Fix: false keeps/);
    // refused once, as a prop: the value is not written, so the schema check does not repeat it
    expect(lines.filter(l => l.includes('enableServiceLinks'))).toHaveLength(1);
  });
});
