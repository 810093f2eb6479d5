/**
 * The README's Defaults row for server resources: the defaults apply only when `resources` is
 * left out; what is given replaces all of them, `{}` writes no amounts.
 */
import { AiInferencePod } from '../src';
import { container, expectApiValid, newChart, synth } from './helpers/synth';

function serverResources(resources?: any): any {
  const chart = newChart();
  new AiInferencePod(chart, 'pod', { metadata: { name: 'pod' }, server: { image: 'vllm/vllm-openai:v0.9.1', resources } });
  const manifests = synth(chart);
  expectApiValid(manifests);
  return container(manifests[0], 'server').resources;
}

test('left out: requests cpu 1 and memory 4Gi, limit memory 4Gi, no CPU limit', () => {
  expect(serverResources()).toEqual({ limits: { memory: '4Gi' }, requests: { cpu: '1', memory: '4Gi' } });
});

test('given: replaces every default (a CPU request alone is all that is written; {} writes no amounts)', () => {
  expect(serverResources({ cpu: { request: '4' } })).toEqual({ requests: { cpu: '4' } });
  expect(serverResources({})).toBeUndefined();
});
