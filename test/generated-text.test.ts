import {
  AiInferencePod, LogDestination, LogSidecar, ModelPrepInit, ModelSource, ProxyAuth, ProxySidecar, ProxyTls,
} from '../src';
import { kubeletExpand } from './helpers/kubelet-env';
import { newChart, synth } from './helpers/synth';

// The scripts and configs the library writes into every pod are plain ASCII: a shell in any
// locale reads them alike, and V8 keeps such a string one byte per character — one non-ASCII
// character in a 37 KB script doubled its size and made every scan of it (validation, YAML)
// several times slower, once per pod.

const SOURCES: ReadonlyArray<[string, ModelSource]> = [
  ['S3', ModelSource.s3('s3://models/llama/')],
  ['GCS', ModelSource.gcs('gs://models/llama/')],
  ['HTTP', ModelSource.http('https://models.example.com/llama.gguf')],
  ['Hugging Face', ModelSource.huggingFace('meta-llama/Llama-3.1-8B-Instruct', { revision: '0e9e39f249a16976918f6564b8830bc894c89659' })],
  ['OCI image (copied)', ModelSource.ociImage('registry.example.com/models/llama:1')],
];

/** Every string a container runs or reads from the library: command, args, env values, ConfigMap data. */
function generatedTexts(manifests: any[]): string[] {
  const texts: string[] = [];
  for (const m of manifests) {
    if (m.kind === 'ConfigMap') {
      texts.push(...Object.values<string>(m.data ?? {}));
    }
    for (const c of [...(m.spec?.initContainers ?? []), ...(m.spec?.containers ?? [])]) {
      texts.push(...(c.command ?? []), ...(c.args ?? []), ...(c.env ?? []).map((e: any) => e.value).filter((v: any) => typeof v === 'string'));
    }
  }
  return texts;
}

/** A pod with every generated script: the download for `source`, a log shipper and a TLS/auth proxy. */
function podWithEveryScript(source: ModelSource): any[] {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new ModelPrepInit(pod, 'model-downloader', { source });
  new LogSidecar(pod, 'log-shipper', { shipTo: LogDestination.loki({ host: 'loki.monitoring' }) });
  new ProxySidecar(pod, 'auth-proxy', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') });
  return synth(chart);
}

describe('generated scripts and configs are ASCII', () => {
  test.each(SOURCES)('%s download script, log shipper and proxy', (_name, source) => {
    const texts = generatedTexts(podWithEveryScript(source));
    const scripts = texts.filter(t => t.includes('\n'));
    // the download script, the log shipper's start script and config, the proxy's start script and nginx.conf
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    expect(scripts.some(t => t.length > 20000)).toBe(true);
    const nonAscii = texts.flatMap(t => [...t.matchAll(/[^ -~\t\n]/g)].map(m => `${JSON.stringify(t.slice(Math.max(0, m.index - 30), m.index + 10))}`));
    expect(nonAscii).toEqual([]);
  });

  test.each(SOURCES)('%s: the kubelet\'s $(VAR) and $$ expansion of command and args leaves every script as written', (_name, source) => {
    const changed: string[] = [];
    for (const m of podWithEveryScript(source)) {
      for (const c of [...(m.spec?.initContainers ?? []), ...(m.spec?.containers ?? [])]) {
        // every variable of the container counts, whatever its source: the kubelet expands them all
        const defined = Object.fromEntries((c.env ?? []).map((e: any) => [e.name, `<${e.name}>`]));
        for (const word of [...(c.command ?? []), ...(c.args ?? [])]) {
          if (kubeletExpand(word, defined) !== word) changed.push(`${c.name}: ${word.length > 80 ? `${word.slice(0, 80)}...` : word}`);
        }
      }
    }
    expect(changed).toEqual([]);
  });
});
