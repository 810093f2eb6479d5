import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AiInferencePod, HealthCheck, Sidecar } from '../src';
import { withWarnings } from './helpers/pod-parts';

// Hostile round 22: the library as platform templates use it, inside their own apps, charts and constructs.

const server = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() };
const outdir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'hostile22-'));
const nextTick = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

describe('warnings are printed once per synth, for what that synth wrote', () => {
  // Warnings were printed at the first validation of a workload, and never again in the process:
  // a second synth (a long-running renderer, a watch loop) printed nothing, and a sidecar added
  // after the first synth had its warning silently dropped.
  test('a sidecar added after a first synth has its warning printed by the next synth', async () => {
    const app = new App({ outdir: outdir() });
    const pod = new AiInferencePod(new Chart(app, 'c'), 'llm', { server });
    expect(withWarnings(() => app.synth()).warnings).toBe('');
    await nextTick();
    new Sidecar(pod, 'late', { name: 'late', image: 'busybox' });
    expect(withWarnings(() => app.synth()).warnings).toMatch(/^\[warning\] \[c\/llm\/late\] container "late": .*"busybox" is not pinned/);
  });

  test('…also within the same synchronous run', () => {
    const app = new App({ outdir: outdir() });
    const pod = new AiInferencePod(new Chart(app, 'c'), 'llm', { server });
    expect(withWarnings(() => app.synth()).warnings).toBe('');
    new Sidecar(pod, 'late', { name: 'late', image: 'busybox' });
    expect(withWarnings(() => app.synth()).warnings).toMatch(/"busybox" is not pinned/);
  });

  test('a second synth prints the warnings again, once', async () => {
    const app = new App({ outdir: outdir() });
    new Chart(app, 'a');
    new AiInferencePod(new Chart(app, 'c'), 'llm', { server: { ...server, image: 'vllm/vllm-openai' } });
    const first = withWarnings(() => app.synth()).warnings;
    expect(first.match(/\[warning\]/g)).toHaveLength(1);
    await nextTick();
    expect(withWarnings(() => app.synth()).warnings).toBe(first);
  });
});
