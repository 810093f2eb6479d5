import { AiInferencePod, InitContainer, ModelPrepInit, ModelSource, PodSecurityLevel, Sidecar } from '../src';
import { container, expectApiValid, manifestOf, newChart, synth } from './helpers/synth';

// README, Security, the "root" row: a pod-level root user reaches the server; every add-on keeps
// its own explicit user and runAsNonRoot, and takes the same `security` to run as root.

test('pod security runAsUser 0 reaches the server; the add-ons keep their own users unless given security', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', {
    server: { image: 'vllm/vllm-openai:v0.6.3' },
    security: { runAsNonRoot: false, runAsUser: 0, level: PodSecurityLevel.BASELINE },
  });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://models/llama/') });
  new InitContainer(pod, 'prepare', { name: 'prepare', image: 'busybox:1.36.1' });
  new InitContainer(pod, 'as-root', { name: 'as-root', image: 'busybox:1.36.1', security: { runAsNonRoot: false, runAsUser: 0 } });
  new Sidecar(pod, 'agent', { name: 'agent', image: 'busybox:1.36.1' });
  new InitContainer(pod, 'root-group', { name: 'root-group', image: 'busybox:1.36.1', security: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 } });
  const manifests = synth(chart);
  expectApiValid(manifests);
  const spec = manifestOf(manifests, 'Pod');
  expect(spec.spec.securityContext.runAsUser).toBe(0);
  expect(spec.spec.securityContext.runAsNonRoot).not.toBe(true);
  const ids = (name: string) => {
    const s = container(spec, name).securityContext;
    return [s.runAsUser, s.runAsGroup, s.runAsNonRoot];
  };
  expect(ids('server')).toEqual([undefined, undefined, false]);
  expect(ids('model-downloader')).toEqual([1000, 1000, true]);
  expect(ids('prepare')).toEqual([1000, 1000, true]);
  expect(ids('agent')).toEqual([1000, 1000, true]);
  expect(ids('as-root')).toEqual([0, 1000, false]);
  expect(ids('root-group')).toEqual([0, 0, false]);
});
