import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePodProps, HealthCheck, InferenceServer, PodSecurityLevel, PodVolume } from '../src';
import { podWarnings } from './helpers/pod-parts';
import { runApp, typeErrors, writeApp } from './helpers/readme-apps';
import { readmeSection, tsBlocks } from './helpers/readme-blocks';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * Items earlier sessions noticed and left alone, fixed in the eleventh session. Each case was
 * written without a word and then failed in the cluster.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.none() };

describe('a Deployment name of 243 to 253 characters: its ReplicaSets (<name>-<pod-template-hash>) would be over 253', () => {
  const name = (length: number) => `${'d'.repeat(length - 4)}.llm`;
  test('243 characters are refused with a shorter name to use', () => {
    expectRefused(c => new AiInferenceDeployment(c, 'd', { metadata: { name: name(243) }, server: SERVER, service: false }),
      /\[test\/d\] metadata\.name: "d{239}\.llm" has 243 characters; a Deployment name can have at most 242, because its ReplicaSets are named <name>-<pod-template-hash> within 253.*Fix: use a shorter name such as "d{239}\.ll"/);
  });
  test('the same on a cdk8s-plus Deployment of your own with an InferenceServer', () => {
    expectRefused(c => {
      const d = new kplus.Deployment(c, 'd', { metadata: { name: name(253) } });
      new InferenceServer(d, 'server', { server: SERVER });
    }, /metadata\.name: "d{249}\.llm" has 253 characters; a Deployment name can have at most 242/);
  });
  test('242 characters are written', () => {
    const { manifests, error } = run(c => new AiInferenceDeployment(c, 'd', { metadata: { name: name(242) }, server: SERVER, service: false }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(manifests!.find(m => m.kind === 'Deployment').metadata.name).toHaveLength(242);
  });
});

describe('AiInferenceDeployment revisionHistoryLimit (old ReplicaSets kept for rollback; it needed a JSON patch)', () => {
  const deployment = (revisionHistoryLimit: any) => (c: Chart) => new AiInferenceDeployment(c, 'd', { server: SERVER, revisionHistoryLimit });
  test.each([0, 3, 2_147_483_647])('%p is written as spec.revisionHistoryLimit', (limit) => {
    const { manifests, error } = run(deployment(limit));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(manifests!.find(m => m.kind === 'Deployment').spec.revisionHistoryLimit).toBe(limit);
  });
  test('left out, nothing is written (Kubernetes keeps 10)', () => {
    const { manifests } = run(deployment(undefined));
    expect(manifests!.find(m => m.kind === 'Deployment').spec).not.toHaveProperty('revisionHistoryLimit');
  });
  test.each([[-1, '-1'], [1.5, '1.5'], [NaN, 'NaN'], [2_147_483_648, '2147483648'], ['3', '"3"'], [null, 'null']])('%p is refused in one line by the prop', (limit, shown) => {
    const lines = expectRefused(deployment(limit), new RegExp(`\\[test/d\\] revisionHistoryLimit: ${shown.replace(/[.]/g, '\\.')} must be a whole number from 0 to 2147483647\\. Fix: use e\\.g\\. 10`));
    expect(lines.filter(l => /revisionHistoryLimit/i.test(l))).toHaveLength(1);
  });
});

describe('README: the projected-token and subPathExpr block (both were prose only)', () => {
  const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'left-alone-2-'));
  afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));
  const PRELUDE = "import { App, Chart, Duration } from 'cdk8s';\n"
    + "import { AiInferencePod, PodField, PodVolume, ProjectedSource, Sidecar } from 'cdk8s-ai-inference';\n"
    + "const app = new App();\nconst chart = new Chart(app, 'c');\n"
    + "const pod = new AiInferencePod(chart, 'pod', { server: { image: 'vllm/vllm-openai:v0.6.3' } });\n";
  test('type-checks against the published types and synthesizes what the prose says', async () => {
    const block = tsBlocks(readmeSection('AiInferencePod')).find(b => b.includes('PodVolume.projected')) as string;
    expect(block).toMatch(/subPathExpr: 'agents\/\$\(POD_NAME\)'/);
    const file = writeApp(path.join(WORK, 'vault.ts'), `${PRELUDE}${block}\napp.synth();\n`);
    expect(typeErrors([file])).toEqual([]);
    const manifests = await runApp(file, path.join(WORK, 'dist'));
    expectApiValid(manifests);
    const pod = manifests.find(m => m.kind === 'Pod');
    expect(pod.spec.volumes).toContainEqual({
      name: 'vault-token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } }] },
    });
    const agent = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c: any) => c.name === 'vault-agent');
    // mounted read-only, as the prose says; the per-pod directory through the variable the kubelet sets
    expect(agent.volumeMounts).toContainEqual({ name: 'vault-token', mountPath: '/var/run/secrets/vault', readOnly: true });
    expect(agent.volumeMounts).toContainEqual(expect.objectContaining({ name: 'agent-logs', mountPath: '/var/log/vault', subPathExpr: 'agents/$(POD_NAME)' }));
    expect(agent.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });
});

describe('a number where a Duration belongs: the fix is that number as a Duration (it was the minimum, e.g. 10 for 600)', () => {
  test.each([
    [600, 'Duration.seconds(600)'],
    [5, 'Duration.seconds(10)'], // under the minimum: the minimum
    [1.5, 'Duration.seconds(10)'], // not whole: the minimum
  ])('modelLoadTimeout: %p → %s', (given, fix) => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'd', { server: SERVER, modelLoadTimeout: given as any }),
      new RegExp(`modelLoadTimeout: ${String(given).replace('.', '\\.')} \\(a number, not a Duration\\) is not a whole number of seconds of at least 10\\. Fix: use e\\.g\\. ${fix.replace(/[().]/g, '\\$&')};`));
    expect(lines).toHaveLength(1);
  });
});

describe('a Hub cache whose innermost mount is read-only fails at start, whoever runs it, and the warning says where', () => {
  const VLLM = 'vllm/vllm-openai:v0.9.1';
  const warningsOf = podWarnings;
  const claim = (readOnly: boolean) => PodVolume.persistentVolumeClaim('hf', 'hf-cache', { readOnly });
  test('a claim marked read-only at the volume (the mount itself not readOnly): it was taken as writable, no warning', () => {
    const w = warningsOf({ server: { image: VLLM, args: ['--model', 'org/m'], env: { HF_HOME: '/hf' }, volumeMounts: [{ volume: claim(true), path: '/hf', readOnly: false }] } });
    expect(w).toContain('"org/m" is a Hugging Face Hub model, which the server downloads into /hf/hub (HF_HOME/hub), on volume "hf", which is read-only '
      + '(its persistentVolumeClaim source says readOnly): it fails at start (Read-only file system)');
  });
  test('a read-only mount inside a writable one hides it: the innermost decides (an outer emptyDir made it look writable)', () => {
    const w = warningsOf({
      server: {
        image: VLLM, args: ['--model', 'org/m'], env: { HF_HOME: '/data' },
        volumeMounts: [{ volume: PodVolume.emptyDir('data'), path: '/data' }, { volume: PodVolume.configMap('hub', 'hub-files'), path: '/data/hub' }],
      },
    });
    expect(w).toContain('downloads into /data/hub (HF_HOME/hub), on volume "hub", which is read-only (the mount is readOnly)');
  });
  test('a root container is warned too: a read-only volume fails root alike', () => {
    const w = warningsOf({
      security: { level: PodSecurityLevel.BASELINE, runAsUser: 0, runAsNonRoot: false },
      server: { image: VLLM, args: ['--model', 'org/m'], env: { HF_HOME: '/hf' }, volumeMounts: [{ volume: claim(true), path: '/hf', readOnly: false }] },
    } as AiInferencePodProps);
    expect(w).toContain('on volume "hf", which is read-only (its persistentVolumeClaim source says readOnly)');
  });
  test('with keepVolumeOwnership, a read-only claim is not said to fail with "Permission denied" (ownership does not matter there)', () => {
    const w = warningsOf({
      security: { keepVolumeOwnership: true },
      server: { image: VLLM, args: ['--model', 'org/m'], env: { HF_HOME: '/hf' }, volumeMounts: [{ volume: claim(true), path: '/hf', readOnly: false }] },
    });
    expect(w).toContain('which is read-only (its persistentVolumeClaim source says readOnly)');
    expect(w).not.toContain('Permission denied');
  });
  test('a writable claim there: no Hub warning', () => {
    const w = warningsOf({ server: { image: VLLM, args: ['--model', 'org/m'], env: { HF_HOME: '/hf' }, volumeMounts: [{ volume: claim(false), path: '/hf', readOnly: false }] } });
    expect(w).not.toContain('Hugging Face Hub model');
  });
});

describe('a dotted Deployment name (llama-3.1-8b) names the Service too: one line that says so, with serviceOptions.name as the fix', () => {
  // it was "metadata.name: "llama-3.1-8b" is not a valid Service name", under the Deployment's own valid name
  test('refused once, by the prop that decides, with the name to give the Service', () => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'd', { metadata: { name: 'llama-3.1-8b' }, server: SERVER }),
      /\[test\/d\] metadata\.name: "llama-3\.1-8b" is a valid Deployment name, and it names the Deployment's Service too, which must be a DNS-1035 label .*Fix: give the Service its own name, serviceOptions: \{ name: "llama-3-1-8b" \}, or service: false/);
    expect(lines).toHaveLength(1);
  });
  test.each<[string, any]>([
    ['serviceOptions.name', { serviceOptions: { name: 'llama-3-1-8b' } }],
    ['service: false', { service: false }],
  ])('with %s the dotted Deployment name is written', (_what, extra) => {
    const { manifests, error } = run(c => new AiInferenceDeployment(c, 'd', { metadata: { name: 'llama-3.1-8b' }, server: SERVER, ...extra }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(manifests!.find(m => m.kind === 'Deployment').metadata.name).toBe('llama-3.1-8b');
  });
});
