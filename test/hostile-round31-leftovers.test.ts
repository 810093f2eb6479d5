import { ApiObject, JsonPatch } from 'cdk8s';
import { AiInferencePod, HealthCheck, LogSidecar, ModelPrepInit, ModelSource } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, synth, synthError } from './helpers/synth';

/*
 * What hostile round 31 left alone, each accepted before: a model path variable that every
 * process reads, and values the API server takes but the container runtime cannot start.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };
const HUB = ModelSource.huggingFace('org/model', { revision: 'main' });

describe('ModelPrepInit modelPathEnv: a name every process reads is refused', () => {
  test.each(['PATH', 'HOME', 'TMPDIR', 'LD_LIBRARY_PATH', 'LD_PRELOAD', 'CUDA_VISIBLE_DEVICES', 'NVIDIA_VISIBLE_DEVICES'])('%s', (name) => {
    expectRefused((chart) => {
      const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
      new ModelPrepInit(pod, 'prep', { source: HUB, modelPathEnv: name });
    }, new RegExp(`\\[.*llm/prep\\] modelPathEnv: "${name}" already means something to every process .*Fix: name a variable of its own`));
  });

  test('a variable of its own is written to the server', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
    new ModelPrepInit(pod, 'prep', { source: HUB, modelPathEnv: 'WEIGHTS_DIR' });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const manifest = manifestOf(manifests, 'Pod');
    expect(manifest.spec.containers[0].env).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'WEIGHTS_DIR' })]));
  });
});

describe('what the runtime needs to start a process', () => {
  const patched = (path: string, value: unknown) => (chart: any) => {
    const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add(path, value));
  };

  test('a relative workingDir (prop): refused, with an absolute one as the fix', () => {
    expectRefused((chart) => {
      new AiInferencePod(chart, 'llm', { server: { ...SERVER, workingDir: 'app/run' } });
    }, /spec\.containers\[0\]\.workingDir: "app\/run" is not an absolute path: the container runtime refuses .*Fix: write it from the root, e.g. "\/app\/run"/);
  });

  test('a relative workingDir by JSON patch on an init container: refused', () => {
    expectRefused((chart) => {
      const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
      new ModelPrepInit(pod, 'prep', { source: HUB });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/initContainers/0/workingDir', './work'));
    }, /initContainers\[0\]\.workingDir: "\.\/work" is not an absolute path.*e\.g\. "\/work"/);
  });

  test.each<[string, string, unknown, RegExp]>([
    ['an empty program', '/spec/containers/0/command', ['', '--port', '8000'], /containers\[0\]\.command\[0\]: "" is no program/],
    ['an exec probe with an empty program', '/spec/containers/0/livenessProbe', { exec: { command: [''] } }, /livenessProbe\.exec\.command\[0\]: "" is no program/],
    ['a preStop hook with an empty program', '/spec/containers/0/lifecycle', { preStop: { exec: { command: ['', 'x'] } } }, /lifecycle\.preStop\.exec\.command\[0\]: "" is no program/],
  ])('%s: refused', (_name, path, value, message) => {
    expectRefused(patched(path, value), message);
  });

  test('an exec health check whose program is empty: refused', () => {
    expectRefused((chart) => {
      new AiInferencePod(chart, 'llm', { server: { ...SERVER, health: HealthCheck.command(['']) } });
    }, /exec\.command\[0\]: "" is no program/);
  });

  test('what stays valid: an absolute workingDir, an empty argument after the program, an empty command list (the image\'s entrypoint)', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: { ...SERVER, workingDir: '/app', args: ['--chat-template', ''] } });
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/lifecycle', { preStop: { exec: { command: ['/bin/sh', '-c', ''] } } }));
    const manifests = synth(chart);
    expectApiValid(manifests);
    const manifest = manifestOf(manifests, 'Pod');
    expect(manifest.spec.containers[0].workingDir).toBe('/app');
  });
});

describe('a bad container name is one line: the prop\'s (the rule over the rendered container said it again)', () => {
  const lines = (error: string, value: string) => error.split('\n').filter(l => l.includes(JSON.stringify(value).slice(1, -1)));
  test.each<[string, (chart: any) => void, string]>([
    ['the server', (chart) => new AiInferencePod(chart, 'llm', { server: { ...SERVER, name: 'Server_1' } }), 'Server_1'],
    ['a ModelPrepInit', (chart) => new ModelPrepInit(new AiInferencePod(chart, 'llm', { server: SERVER }), 'prep', { source: HUB, name: 'Prep_1' }), 'Prep_1'],
    ['a LogSidecar', (chart) => new LogSidecar(new AiInferencePod(chart, 'llm', { server: SERVER }), 'logs', { name: 'Logs_1' }), 'Logs_1'],
  ])('%s', (_name, build, value) => {
    const chart = newChart();
    build(chart);
    const error = synthError(chart);
    expect(lines(error, value)).toEqual([expect.stringMatching(new RegExp(`^ {2}\\[test/llm(/\\w+)?\\] (server\\.)?name: "${value}" is not a valid container name\\. Fix: `))]);
  });
});
