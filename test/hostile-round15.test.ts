/**
 * Hostile round 15: what landed last — `server.listens: false`, `appProtocol`, ModelPrepInit's
 * `$$`-escaped env values, extraArgs abbreviations, MIG, the per-word limit, bucket names —
 * each break a test here.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import { AiInferencePod, LogDestination, LogSidecar, ModelCache, ModelCredentials, ModelPrepInit, ModelSource, ProxyAuth, ProxySidecar } from '../src';
import { kubeletExpand } from './helpers/kubelet-env';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, synth } from './helpers/synth';

/** Every container and init container of a pod spec. */
function allContainers(spec: any): any[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The command and args a container's process gets: the kubelet expands `$(VAR)` and `$$` in them with the container's env. */
function asStarted(c: any): string[] {
  const defined: { [name: string]: string } = {};
  for (const e of c.env ?? []) {
    // a Secret or pod field value is some text: what matters is that it is defined
    defined[e.name] = e.value !== undefined ? kubeletExpand(e.value, defined) : `<${e.name}>`;
  }
  return [...(c.command ?? []), ...(c.args ?? [])].map(w => kubeletExpand(w, defined));
}

describe('the scripts the library writes reach the shell as written', () => {
  // The kubelet expands $(VAR) and reads `$$` as one `$` in command and args as well as in env
  // values (kubelet ExpandContainerCommandAndArgs, third_party/forked/golang/expansion): the
  // model-prep script's `$$` (the shell's PID: `parent=$$` for the lock heartbeat, the digest and
  // probe file names) reached sh as `$`, so `kill -0 "$parent"` failed at once, the heartbeat
  // never beat and a waiting pod broke a live lock after lockStaleAfter.
  test.each([
    ['S3', () => ModelSource.s3('s3://my-models/llama/', { credentials: ModelCredentials.awsAccessKey('aws') })],
    ['GCS', () => ModelSource.gcs('gs://my-models/llama/')],
    ['Hugging Face', () => ModelSource.huggingFace('meta-llama/Llama-3.1-8B-Instruct', { revision: 'main', credentials: ModelCredentials.token('hf') } as any)],
    ['HTTP', () => ModelSource.http('https://models.example.com/llama.gguf', { sha256: 'a'.repeat(64) } as any)],
  ])('the %s model-prep script, kubelet-expanded, is the script synthesized', (_kind, source) => {
    const chart = newChart('prep');
    const pod = new AiInferencePod(chart, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } });
    new ModelPrepInit(pod, 'prep', { source: source(), cache: ModelCache.persistentVolumeClaim('models') });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const spec = manifestOf(manifests, 'Pod').spec;
    const prep = spec.initContainers.find((c: any) => c.name === 'model-prep' || c.command?.[0] === '/bin/sh');
    expect(prep).toBeDefined();
    expect(asStarted(prep)).toEqual([...prep.command, ...(prep.args ?? [])]);
  });

  test('no container the library writes (ProxySidecar, shipping LogSidecar) changes under the kubelet expansion', () => {
    const chart = newChart('addons');
    const pod = new AiInferencePod(chart, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } });
    new ModelPrepInit(pod, 'prep', { source: ModelSource.s3('s3://my-models/llama/') });
    new ProxySidecar(pod, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    new LogSidecar(pod, 'logs', { shipTo: LogDestination.http({ host: 'logs.example.com', port: 443 } as any) } as any);
    const manifests = synth(chart);
    for (const c of allContainers(manifestOf(manifests, 'Pod').spec)) {
      expect({ name: c.name, words: asStarted(c) }).toEqual({ name: c.name, words: [...(c.command ?? []), ...(c.args ?? [])] });
    }
  });
});
