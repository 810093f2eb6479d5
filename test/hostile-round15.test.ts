/**
 * Hostile round 15: what landed last — `server.listens: false`, `appProtocol`, ModelPrepInit's
 * `$$`-escaped env values, extraArgs abbreviations, MIG, the per-word limit, bucket names —
 * each break a test here.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, InferenceEngine, LogDestination, LogSidecar, ModelCache, ModelCredentials, ModelPrepInit, ModelSource,
  PodField, ProxyAuth, ProxySidecar, ProxyTls,
} from '../src';
import { kubeletExpand, plainEnvAsStarted } from './helpers/kubelet-env';
import { synthWithWarnings } from './helpers/pod-parts';
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

  // a Secret variable named like a one-word command substitution of the script (`$(unwritable)`,
  // `$(sha256sum)`) was expanded into the script by the kubelet: the Secret's value in the failure message
  test('credentials named like the script\'s command substitutions do not reach the script', () => {
    const chart = newChart('names');
    const pod = new AiInferencePod(chart, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } });
    new ModelPrepInit(pod, 'prep', {
      source: ModelSource.s3('s3://my-models/llama/', { credentials: ModelCredentials.secretEnv('creds', { unwritable: 'a', sha256sum: 'b' }) }),
    });
    const prep = manifestOf(synth(chart), 'Pod').spec.initContainers.find((c: any) => c.command?.[0] === '/bin/sh');
    expect(asStarted(prep)).toEqual(prep.command);
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

describe('the 128 KiB limit of one argument or env entry (MAX_ARG_STRLEN, with its NUL)', () => {
  const LIMIT = 131072;
  const podWith = (args: string[], env?: { [name: string]: string }) => (c: any) =>
    new AiInferencePod(c, 'p', { server: { image: 'python:3.12-slim', command: ['python3', '-c'], args, env, listens: false } });
  const accepted = (build: (c: any) => void) => {
    const chart = newChart('big');
    build(chart);
    expectApiValid(synth(chart));
  };

  test.each([
    ['ASCII', 'x', LIMIT - 1],
    ['2-byte é', 'é', (LIMIT - 2) / 2],
    ['3-byte €', '€', Math.floor((LIMIT - 1) / 3)],
    ['4-byte emoji (two UTF-16 units)', '😀', Math.floor((LIMIT - 1) / 4)],
  ])('a word of %s characters just under the limit is accepted', (_kind, ch, count) => {
    const word = ch.repeat(count);
    expect(Buffer.byteLength(word) + 1).toBeLessThanOrEqual(LIMIT);
    accepted(podWith([word]));
  });

  test.each([
    ['ASCII', 'x', LIMIT],
    ['2-byte é', 'é', LIMIT / 2],
    ['4-byte emoji', '😀', LIMIT / 4],
  ])('a word of %s characters at the limit (its NUL over it) is refused', (_kind, ch, count) => {
    expectRefused(podWith([ch.repeat(count)]), /args\[0\]: .* is \d+ bytes, over the kernel's limit of 131072/);
  });

  test('an env entry NAME=value just under the limit is accepted, one byte more refused', () => {
    accepted(podWith(['pass'], { BIG: 'v'.repeat(LIMIT - 'BIG='.length - 1) }));
    expectRefused(podWith(['pass'], { BIG: 'v'.repeat(LIMIT - 'BIG='.length) }), /env\[\d+\]\.value: "BIG"=.* over the kernel's limit/);
  });

  // The kubelet reads `$$` in an argument as one `$`: the process gets the shorter text, and the
  // kernel measures that. A large inline program that escapes its `$` as `$$` (as Kubernetes asks)
  // is under the limit when started, though its manifest text is over it.
  test('a word over the limit only through its $$ escapes is accepted: the kernel sees one $ each', () => {
    const word = `${'x'.repeat(LIMIT - 100)}${'$$'.repeat(60)}`;
    expect(Buffer.byteLength(word) + 1).toBeGreaterThan(LIMIT);
    expect(Buffer.byteLength(kubeletExpand(word, {})) + 1).toBeLessThanOrEqual(LIMIT);
    accepted(podWith([word]));
  });

  test('a word under the limit as written but over it once $(VAR) is expanded is refused', () => {
    const word = `${'x'.repeat(LIMIT - 200)}$(PAD)`;
    expectRefused(podWith([word], { PAD: 'p'.repeat(1000) }), /args\[0\]: .* over the kernel's limit of 131072/);
  });
});

describe('ModelPrepInit writes every $ of a source as $$: the limit counts the $ the script gets', () => {
  // file names with '$' (written '$$' so the kubelet passes them as given): the entry the process gets
  // is under the limit, the manifest's text over it
  test('a files list under the limit as the script gets it is not refused for its escapes', () => {
    const names = Array.from({ length: 3900 }, (_, i) => `m${String(i).padStart(5, '0')}${'$'.repeat(20)}.bin`);
    const joined = names.join('\n');
    expect(Buffer.byteLength(`MODEL_FILES=${joined}`) + 1).toBeLessThan(131072);
    expect(Buffer.byteLength(`MODEL_FILES=${joined.replace(/\$/g, '$$$$')}`) + 1).toBeGreaterThan(131072);
    const chart = newChart('dollars');
    const pod = new AiInferencePod(chart, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } });
    new ModelPrepInit(pod, 'prep', { source: ModelSource.http('https://models.example.com/d/', { files: names }) });
    expectApiValid(synth(chart));
  });
});

describe('extraArgs: real flags that share a prefix with a rendered flag are not refused', () => {
  const pod = (engine: InferenceEngine) => (c: any) => {
    const p = new AiInferencePod(c, 'p', { server: { engine }, gpu: { count: 1 } });
    new ModelPrepInit(p, 'prep', { source: ModelSource.s3('s3://my-models/llama/') });
  };
  const accepted = (engine: InferenceEngine) => {
    const chart = newChart('flags');
    pod(engine)(chart);
    expectApiValid(synth(chart));
  };
  // vLLM (vllm/engine/arg_utils.py): longer flags that start with a rendered one, and flags beside them
  test('vLLM: --model-impl, --model-loader-extra-config, --max-num-seqs, --max-seq-len-to-capture, -O3, dotted JSON args', () => {
    accepted(InferenceEngine.vllm({
      extraArgs: [
        '--model-impl', 'transformers', '--model-loader-extra-config', '{}', '--max-num-seqs', '256', '--max_num_batched_tokens', '8192',
        '--max-seq-len-to-capture', '8192', '--max-logprobs', '20', '--data-parallel-rpc-port', '13345', '-O3', '--compilation-config.level', '3',
        '--kv-cache-dtype', 'fp8', '--enable-prefix-caching', '--tokenizer-mode', 'mistral', '--disable-log-requests',
      ],
    }));
  });
  test('SGLang: --model-impl, --model-loader-extra-config, --nccl-port, --chunked-prefill-size, --max-running-requests', () => {
    accepted(InferenceEngine.sglang({
      extraArgs: [
        '--model-impl', 'transformers', '--model-loader-extra-config', '{}', '--nccl-port', '29500', '--chunked-prefill-size', '4096',
        '--max-running-requests', '64', '--tokenizer-mode', 'auto', '--enable-metrics',
      ],
    }));
  });
  test('TGI (clap, no abbreviations): --prometheus-port, --master-port, --max-input-tokens', () => {
    // a 3.0 image: 3.1+ starts only as root (the rootOnlyImages rule, hostile round 19)
    accepted(InferenceEngine.tgi({ image: 'ghcr.io/huggingface/text-generation-inference:3.0.1', extraArgs: ['--prometheus-port', '9000', '--master-port', '29500', '--max-input-tokens', '4096', '--max-batch-prefill-tokens', '8192'] }));
  });
  test('the rendered flags themselves and their argparse abbreviations are still refused', () => {
    for (const arg of ['--max-model', '--served', '--gpu-memory', '--tensor-parallel', '--max_model_len=4096', '--po=8001']) {
      expectRefused(pod(InferenceEngine.vllm({ extraArgs: [arg, '1'] })), /extraArgs: .* repeats a flag the engine options render/);
    }
  });
});

describe('extraArgs: a single-dash abbreviation', () => {
  // argparse matches a prefix of a single-dash option as well (Python's _get_option_tuples):
  // vLLM read `-t 4` as `-tp 4`, a tensor-parallel size other than the GPU count the pod requests
  test('vLLM -t (argparse reads it as -tp) is refused', () => {
    expectRefused(c => {
      const p = new AiInferencePod(c, 'p', { server: { engine: InferenceEngine.vllm({ extraArgs: ['-t', '4'] }) }, gpu: { count: 1 } });
      new ModelPrepInit(p, 'prep', { source: ModelSource.s3('s3://my-models/llama/') });
    }, /extraArgs: "-t" repeats a flag the engine options render \(vllm reads a flag's unambiguous prefix as the flag: -tp\)\. Fix: remove it: tensor parallelism follows the GPU count/);
  });
  test('vLLM single-dash flags that are not a prefix of -tp (-pp, -q, -O3) are accepted', () => {
    const chart = newChart('short');
    const p = new AiInferencePod(chart, 'p', { server: { engine: InferenceEngine.vllm({ extraArgs: ['-q', 'fp8', '-O3'] }) }, gpu: { count: 1 } });
    new ModelPrepInit(p, 'prep', { source: ModelSource.s3('s3://my-models/llama/') });
    expectApiValid(synth(chart));
  });
});

describe('server.listens: false with JSON patches (escape hatches stay validated)', () => {
  const WORKER = { image: 'vllm/vllm-openai:v0.9.1', command: ['python3', '-m', 'vllm.entrypoints.openai.run_batch'], listens: false };
  test('a patch that adds the port back and a probe of it is written and valid', () => {
    const chart = newChart('patched');
    const p = new AiInferencePod(chart, 'p', { server: WORKER });
    ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/ports', [{ containerPort: 8000, name: 'http' }]));
    ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/readinessProbe', { httpGet: { path: '/health', port: 'http' } }));
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(manifestOf(manifests, 'Pod').spec.containers[0].readinessProbe.httpGet.port).toBe('http');
  });
  test('a patch that adds a probe of the port nobody declares is a warning (declared ports are informational)', () => {
    const chart = newChart();
    const p = new AiInferencePod(chart, 'p', { server: WORKER });
    ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/livenessProbe', { tcpSocket: { port: 8000 } }));
    expect(synthWithWarnings(chart).warnings).toMatch(/livenessProbe: probes port 8000, which no container of the pod declares \(declared: none\)/);
  });
});

describe('MODEL_PATH in the server is the path the downloader writes, whatever $ the source holds', () => {
  // The downloader's MODEL_DIR and MODEL_TARGET are written with '$' doubled; the server's
  // MODEL_PATH was written as is: the kubelet read '$$' in it as '$' (and would expand $(VAR)),
  // so vLLM looked for /models/m$.gguf while the file was /models/m$$.gguf.
  test.each([
    ['S3 prefix', () => ModelSource.s3('s3://my-models/a$$b$(HOME)/')],
    ['GCS object', () => ModelSource.gcs('gs://my-models/x$y.gguf')],
    ['HTTP file', () => ModelSource.http('https://models.example.com/m$$.gguf')],
  ])('%s', (_kind, source) => {
    const chart = newChart('paths');
    const pod = new AiInferencePod(chart, 'p', { server: { engine: InferenceEngine.vllm(), env: { HOME: '/home/vllm' } }, gpu: { count: 1 } });
    const prep = new ModelPrepInit(pod, 'prep', { source: source() });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const spec = manifestOf(manifests, 'Pod').spec;
    const downloader = plainEnvAsStarted(spec.initContainers.find((c: any) => c.name === 'model-prep' || c.command?.[0] === '/bin/sh').env);
    const server = plainEnvAsStarted(spec.containers.find((c: any) => c.name === 'server').env);
    expect(`${downloader.MODEL_DIR}/${downloader.MODEL_TARGET}`).toBe(prep.modelPath);
    expect(server.MODEL_PATH).toBe(prep.modelPath);
  });

  test('InferenceEngine.render({ modelPath }) writes the literal path so the kubelet passes it as given', () => {
    const rendered = InferenceEngine.vllm().render({ gpuCount: 1, modelPath: '/models/llama$$v2' });
    expect(rendered.errors).toEqual([]);
    expect(kubeletExpand(rendered.args![0], {})).toBe('/models/llama$$v2');
  });
});

describe('env values that refer to a Secret key or pod field are written after it', () => {
  // `$$$(POD_IP)` is a literal '$' and a reference to POD_IP; it was read as escaped (one '$'
  // before it) and written before POD_IP, so the kubelet left $(POD_IP) unexpanded
  test('a reference after an escaped $ ($$$(POD_IP)) comes after POD_IP; an escaped one ($$(POD_IP)) may come first', () => {
    const chart = newChart('order');
    new AiInferencePod(chart, 'p', { server: { image: 'registry.example.com/app:1', env: { PRICE: 'cost$$$(POD_IP)', TEXT: '$$(POD_IP)' }, fieldEnv: { POD_IP: PodField.POD_IP } } });
    const env: any[] = manifestOf(synth(chart), 'Pod').spec.containers[0].env;
    const at = (name: string) => env.findIndex(e => e.name === name);
    expect(at('PRICE')).toBeGreaterThan(at('POD_IP'));
    expect(env.find(e => e.name === 'TEXT').value).toBe('$$(POD_IP)');
  });
});

describe('serviceOptions.appProtocol on the port of a ProxySidecar', () => {
  // The proxy's nginx speaks HTTP/1.1 (no http2 listener): a Service port to it marked
  // kubernetes.io/h2c makes gateways and meshes speak cleartext HTTP/2 to it, and every request fails.
  const deployment = (appProtocol: string, tls = false) => (c: any) => {
    const d = new AiInferenceDeployment(c, 'd', { server: { image: 'registry.example.com/grpc-model:1' }, serviceOptions: { appProtocol } });
    new ProxySidecar(d, 'proxy', { auth: ProxyAuth.bearerTokens('tokens'), ...(tls ? { tls: ProxyTls.fromSecret('llm-tls') } : {}) });
  };
  test.each([['kubernetes.io/h2c', false], ['kubernetes.io/h2c', true]] as const)('%s (tls: %s) is refused', (appProtocol, tls) => {
    expectRefused(deployment(appProtocol, tls), /^ {2}\[test\/d\] spec\.ports\[0\]\.appProtocol: "kubernetes\.io\/h2c" marks port \d+, the ProxySidecar's, as cleartext HTTP\/2.*Fix: /);
  });
  test.each(['http', 'kubernetes.io/ws', 'example.com/custom'])('%s is written', appProtocol => {
    const chart = newChart('proto');
    deployment(appProtocol)(chart);
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(manifestOf(manifests, 'Service').spec.ports[0].appProtocol).toBe(appProtocol);
  });
  test('kubernetes.io/h2c without a proxy (the server speaks gRPC itself) is written', () => {
    const chart = newChart('grpc');
    new AiInferenceDeployment(chart, 'd', { server: { image: 'registry.example.com/grpc-model:1' }, serviceOptions: { appProtocol: 'kubernetes.io/h2c' } });
    expectApiValid(synth(chart));
  });
});

describe('bucket names the providers accept are not refused', () => {
  const prep = (source: () => ModelSource) => {
    const chart = newChart('bucket');
    const pod = new AiInferencePod(chart, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } });
    new ModelPrepInit(pod, 'prep', { source: source() });
    expectApiValid(synth(chart));
  };
  test.each([
    'my-ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias', // an access point alias: a bucket name to the CLI
    'models--usw2-az1--x-s3', // an S3 Express One Zone directory bucket
    'mfzwi23gnjvgw.mrap', // a Multi-Region Access Point alias
    'a.b', `a${'b'.repeat(61)}c`, '123', 'models.example.com',
  ])('s3://%s/llama/', bucket => prep(() => ModelSource.s3(`s3://${bucket}/llama/`)));
  test.each([
    'my_models', 'a_b', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(29)}`, 'models.example.com',
  ])('gs://%s/llama/', bucket => prep(() => ModelSource.gcs(`gs://${bucket}/llama/`)));
  test.each(['1.2.3.4', 'ab', 'a..b', 'Models', '-models', 'models-', `${'a'.repeat(64)}`])('s3://%s/llama/ is refused', bucket => {
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image: 'vllm/vllm-openai:v0.9.1' } });
      new ModelPrepInit(pod, 'prep', { source: ModelSource.s3(`s3://${bucket}/llama/`) });
    }, /source\.uri: |uri: /);
  });
});

describe('valid MIG pods are not refused', () => {
  test.each([
    ['vLLM on one MIG device', { server: { engine: InferenceEngine.vllm() }, gpu: { count: 1, resourceName: 'nvidia.com/mig-3g.40gb' } }],
    ['SGLang on one shared MIG device', { server: { engine: InferenceEngine.sglang() }, gpu: { count: 1, resourceName: 'nvidia.com/mig-1g.10gb.shared' } }],
    ['a custom command on two MIG devices (one process per device, no engine or plan)', { server: { image: 'registry.example.com/embedder:1', command: ['serve'] }, gpu: { count: 2, resourceName: 'nvidia.com/mig-1g.10gb' } }],
    ['a batch worker on one MIG device', { restartPolicy: undefined, server: { image: 'vllm/vllm-openai:v0.9.1', command: ['python3', '-m', 'vllm.entrypoints.openai.run_batch'], listens: false }, gpu: { count: 1, resourceName: 'nvidia.com/mig-2g.20gb' } }],
  ])('%s', (_name, props: any) => {
    const chart = newChart('mig');
    const pod = new AiInferencePod(chart, 'p', props);
    new ModelPrepInit(pod, 'prep', { source: ModelSource.s3('s3://my-models/llama/') });
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(Object.keys(manifestOf(manifests, 'Pod').spec.containers[0].resources.limits)).toContain(props.gpu.resourceName);
  });
});
