/**
 * What hostile review 9 left open, fixed after it: messages that name the construct's field,
 * and the model-digest CLI on trees the download script cannot reproduce.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as kplus from 'cdk8s-plus-27';
import { AiInferencePod, HealthCheck, InferenceEngine, InferenceServer, LogSidecar, PodSecurityLevel, PodVolume } from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused, run } from './helpers/refusal';
import { newChart } from './helpers/synth';
import { main, modelDigest } from '../src/cli/model-digest';

const SERVER = { image: 'vllm/vllm-openai:v0.9.1' };

test('a LogSidecar logDir on a path the server already mounts names both volumes and the logDir as a way out', () => {
  expectRefused(c => new LogSidecar(new AiInferencePod(c, 'p', { server: SERVER }), 'l', { logDir: '/tmp' }),
    /"\/tmp" is mounted twice in this container \(volume "server-tmp", then volume "app-logs"\)\. Fix: mount each path once: give one of them another path \(a LogSidecar's logDir/);
});

describe('images the kubelet cannot parse fail synth (InvalidImageName); every reference form it takes is written', () => {
  test.each(['vllm/VLLM-openai:v0.9.1', 'a:b:c', 'vllm/vllm-openai:', 'a//b:1', 'a/:1', `a@sha256:${'a'.repeat(10)}`, `${'a'.repeat(256)}:1`])('refused: %s', image => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image } }),
      /spec\.containers\[0\]\.image: .* is not an image reference the kubelet can pull \(it would report InvalidImageName\)\. Fix: write it as \[registry\[:port\]\/\]repository/);
  });

  test.each([
    'localhost:5000/models/llama:1', 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3', 'Registry.Example.com/team/app:v1', '[::1]:5000/x:1',
    'us-central1-docker.pkg.dev/p/r/vllm-runai-gcs:v0.10.2-fix', 'a__b/c--d.e:x_Y.1', `vllm/vllm-openai:v0.9.1@sha256:${'f'.repeat(64)}`, 'registry.k8s.io/pause:3.10',
  ])('written: %s', image => {
    const { manifests, error } = run(c => new AiInferencePod(c, 'p', { server: { image } }));
    expect(error).toBeUndefined();
    expect(manifests![0].spec.containers[0].image).toBe(image);
  });
});

test('a GPU count that is no whole number from 1 to 1024 is reported once, also with an engine (whose own range is 1 to 64)', () => {
  for (const count of [1.5, 0, 2000]) {
    const lines = expectRefused(c => new AiInferencePod(c, 'p', { server: { engine: InferenceEngine.vllm() }, gpu: { count } }),
      /gpu\.count: .* must be a whole number from 1 to 1024/);
    expect(lines.filter(l => /gpu\.count: .* must be a whole number/.test(l))).toHaveLength(1);
  }
  expectRefused(c => new AiInferencePod(c, 'p', { server: { engine: InferenceEngine.vllm() }, gpu: { count: 100 } }), /gpu\.count: 100 must be a whole number from 1 to 64/);
});

describe('hostile review 10, left over', () => {
  test('a hook whose program is empty or not a text is refused (the hook fails at run time and the container is killed)', () => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { ...SERVER, postStartCommand: [''] } }),
      /server\.postStartCommand\[0\]: "" is not a program to run\. Fix: give a command such as/);
    expectRefused(c => new AiInferencePod(c, 'p', { server: { ...SERVER, preStopCommand: ['sleep', 5 as any] } }), /server\.preStopCommand\[1\]: 5 is not a text/);
    // an empty argument after the program is an argument like any other
    const { error } = run(c => new AiInferencePod(c, 'p', { server: { ...SERVER, postStartCommand: ['sh', '-c', ''] } }));
    expect(error).toBeUndefined();
  });

  test('lower-case capability names are dropped as the runtime reads them (upper case); a CSI fsType with a dash is taken', () => {
    const { manifests, error } = run(c => new AiInferencePod(c, 'p', {
      server: {
        ...SERVER,
        security: { dropAllCapabilities: false, dropCapabilities: ['net_raw'] },
        volumeMounts: [{ volume: PodVolume.csi('v', 'x.csi.io', { fsType: 'ntfs-3g' }), path: '/m' }],
      },
      security: { level: PodSecurityLevel.BASELINE },
    }));
    expect(error).toBeUndefined();
    expect(manifests![0].spec.containers[0].securityContext.capabilities).toEqual({ drop: ['net_raw'] });
  });
});

describe('model-digest on trees no download can reproduce: one line naming the path, exit code 1', () => {
  const tree = () => fs.mkdtempSync(path.join(os.tmpdir(), 'digest-'));
  const digestOf = async (dir: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['model-digest', dir], l => out.push(l), l => err.push(l));
    return { code, out, err };
  };

  test('a file name with a newline', async () => {
    const dir = tree();
    fs.writeFileSync(path.join(dir, 'a\nb.bin'), 'x');
    const { code, out, err } = await digestOf(dir);
    expect([code, out]).toEqual([1, []]);
    expect(err).toEqual([`model-digest: ${JSON.stringify(path.join(dir, 'a\nb.bin'))} has a newline in its name, which no model download can reproduce; rename it`]);
  });

  test('a symlink to nothing', async () => {
    const dir = tree();
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    fs.symlinkSync('../blobs/missing', path.join(dir, 'model.safetensors'));
    const { code, err } = await digestOf(dir);
    expect(code).toBe(1);
    expect(err).toEqual([`model-digest: ${path.join(dir, 'model.safetensors')} is a symlink to "../blobs/missing", which does not exist; restore its target or remove the link`]);
  });

  test('a symlink that leads back to itself (alone or through another link)', async () => {
    const dir = tree();
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    fs.symlinkSync('model.safetensors', path.join(dir, 'model.safetensors'));
    const self = await digestOf(dir);
    expect([self.code, self.out]).toEqual([1, []]);
    expect(self.err).toEqual([`model-digest: ${path.join(dir, 'model.safetensors')} is a symlink to "model.safetensors", which leads back to itself; point it at a file or remove the link`]);
    fs.rmSync(path.join(dir, 'model.safetensors'));
    fs.symlinkSync('b.bin', path.join(dir, 'a.bin'));
    fs.symlinkSync('a.bin', path.join(dir, 'b.bin'));
    const pair = await digestOf(dir);
    expect(pair.code).toBe(1);
    expect(pair.err).toEqual([`model-digest: ${path.join(dir, 'a.bin')} is a symlink to "b.bin", which leads back to itself; point it at a file or remove the link`]);
  });

  test('a symlink to a file counts as the file (as the download lands it)', async () => {
    const dir = tree();
    const plain = tree();
    fs.writeFileSync(path.join(dir, 'blob'), 'weights');
    fs.mkdirSync(path.join(dir, 'snap'));
    fs.symlinkSync('../blob', path.join(dir, 'snap', 'model.bin'));
    fs.mkdirSync(path.join(plain, 'snap'));
    fs.writeFileSync(path.join(plain, 'blob'), 'weights');
    fs.writeFileSync(path.join(plain, 'snap', 'model.bin'), 'weights');
    expect(await modelDigest(dir)).toBe(await modelDigest(plain));
  });
});

describe('mountsUnderRootHome (new-user review 7): a mount under /root in a container that does not run as root warns', () => {
  const cache = PodVolume.emptyDir('hf-cache');
  test('the default user 1000 and /root/.cache/huggingface: a warning naming the path and the way out', () => {
    const chart = newChart('root-home');
    new AiInferencePod(chart, 'p', { server: { ...SERVER, volumeMounts: [{ volume: cache, path: '/root/.cache/huggingface' }] } });
    expect(synthWithWarnings(chart).warnings).toContain('spec.containers[0].volumeMounts[1].mountPath: "/root/.cache/huggingface" is under /root, and the container runs as user 1000: '
      + 'Debian and Ubuntu images keep /root at mode 0700, so the process cannot reach the mount (permission denied). Fix: mount it outside /root');
  });

  test('none for a root container, for /root itself, or for a path outside /root', () => {
    const chart = newChart('root-home-quiet');
    new AiInferencePod(chart, 'a', {
      metadata: { name: 'a' },
      server: { ...SERVER, volumeMounts: [{ volume: cache, path: '/root/.ollama' }], security: { runAsNonRoot: false, runAsUser: 0 } },
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0 },
    });
    new AiInferencePod(chart, 'b', { metadata: { name: 'b' }, server: { ...SERVER, volumeMounts: [{ volume: cache, path: '/root' }, { volume: PodVolume.emptyDir('d'), path: '/rootfs/x' }] } });
    expect(synthWithWarnings(chart).warnings).not.toContain('is under /root');
  });
});

test('hostile review 11, left over: a NUL byte in command, args or an env value fails synth (runc cannot start such a process)', () => {
  expectRefused(c => new AiInferencePod(c, 'p', { server: { ...SERVER, command: ['sh\0'] } }),
    /spec\.containers\[0\]\.command\[0\]: "sh\\u0000" holds a NUL byte, which no process can be started with/);
  expectRefused(c => new AiInferencePod(c, 'p', { server: { ...SERVER, args: ['--model', 'a\0b'] } }), /spec\.containers\[0\]\.args\[1\]: .* holds a NUL byte/);
  expectRefused(c => new AiInferencePod(c, 'p', { server: { ...SERVER, env: { A: 'a\0b' } } }), /spec\.containers\[0\]\.env\[\d+\]\.value: "a\\u0000b" holds a NUL byte/);
});

test('hostile review 11, left over: the ids a workload of yours gives its pod win over the library\'s defaults (not over security\'s)', () => {
  const chart = newChart('own-ids');
  const d = new kplus.Deployment(chart, 'd', { metadata: { name: 'd' }, securityContext: { user: 2000, group: 3000, fsGroup: 4000 } });
  new InferenceServer(d, 'server', { server: SERVER });
  const e = new kplus.Deployment(chart, 'e', { metadata: { name: 'e' }, securityContext: { user: 2000 } });
  new InferenceServer(e, 'server', { server: SERVER, security: { runAsUser: 5000 } });
  const { manifests } = synthWithWarnings(chart);
  const specOf = (name: string) => manifests.find(m => m.kind === 'Deployment' && m.metadata.name === name).spec.template.spec;
  expect(specOf('d').securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000, fsGroup: 4000, runAsNonRoot: true });
  expect(specOf('e').securityContext).toMatchObject({ runAsUser: 5000, runAsGroup: 1000, fsGroup: 1000 });
});

test('hostile review 12, left over: describe() of a pod without any readiness probe has no "Running but not Ready" line', () => {
  const chart = newChart('guide');
  const worker = new AiInferencePod(chart, 'w', { server: { ...SERVER, health: HealthCheck.none() } });
  const served = new AiInferencePod(chart, 's', { server: SERVER });
  expect(worker.describe()).not.toContain('Running but not Ready');
  expect(worker.describe()).toContain('CrashLoopBackOff');
  expect(served.describe()).toContain('Running but not Ready        → the model is still loading');
});
