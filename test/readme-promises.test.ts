import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import {
  AiInferenceDeployment, AiInferencePod, DOWNLOADER_IMAGES, FsGroupChangePolicy, HealthCheck, InferenceServiceType, InitContainer, LogDestination,
  LogSidecar, ModelCache, ModelPrepInit, ModelSource, ProxyAuth, ProxySidecar, ProxyTls, Sidecar,
} from '../src';
import { pssRestrictedViolations } from './helpers/pss';
import { README, readmeSection } from './helpers/readme-blocks';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart, podSpec, synth } from './helpers/synth';
import { SAFE_SYSCTLS } from '../src/validation/pss';

/*
 * README sentences that no other test guarded. "A README sentence is a promise": each test
 * names the sentence it guards, grouped by README section, and fails if the sentence breaks.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };
const section = readmeSection;

/** The one match of `pattern` in `text` (its groups). */
function one(text: string, pattern: RegExp): RegExpMatchArray {
  const m = text.match(pattern);
  if (!m) {
    throw new Error(`README: no match for ${pattern}`);
  }
  return m;
}

function pod(build: (p: AiInferencePod) => void = () => undefined) {
  const chart = newChart();
  const p = new AiInferencePod(chart, 'llm', { server: SERVER });
  build(p);
  return manifestOf(synth(chart), 'Pod');
}

describe('README § ModelPrepInit', () => {
  test('"A model\'s name (the last segment of the source) has at most 180 bytes ... (refused at synth)"', () => {
    const ok = pod(p => new ModelPrepInit(p, 'model-downloader', { source: ModelSource.http(`https://e.com/${'a'.repeat(180)}`) }));
    expect(container(ok, 'model-downloader').env).toContainEqual({ name: 'MODEL_TARGET', value: 'a'.repeat(180) });
    expect(container(ok, 'server').env).toContainEqual({ name: 'MODEL_PATH', value: `/models/${'a'.repeat(180)}` });
    // bytes, not characters: 91 two-byte characters are 182 bytes, too many
    expectRefused(c => new ModelPrepInit(new AiInferencePod(c, 'llm', { server: SERVER }), 'm', {
      source: ModelSource.http(`https://e.com/${'a'.repeat(181)}`),
    }), /source: the model's name .* is too long \(181 bytes; at most 180\)/);
    expectRefused(c => new ModelPrepInit(new AiInferencePod(c, 'llm', { server: SERVER }), 'm', {
      source: ModelSource.s3(`s3://bucket/${'é'.repeat(91)}`),
    }), /too long \(182 bytes; at most 180\)/);
  });
});

describe('README § Defaults', () => {
  const defaults = section('Defaults');

  test('"InitContainer resources | requests cpu `100m`, memory `128Mi`; limit memory `256Mi`"', () => {
    expect(defaults).toContain('| InitContainer resources | requests cpu `100m`, memory `128Mi`; limit memory `256Mi` |');
    const manifest = pod(p => new InitContainer(p, 'render', { name: 'render', image: 'busybox:1.36.1', command: ['true'] }));
    expect(container(manifest, 'render').resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
  });

  test('"download attempts / first retry / lock expiry | 5 / 2 s doubling to 60 s / 2 minutes"; "AWS CLI standard retries, 3 attempts per try"', () => {
    const env = container(pod(p => new ModelPrepInit(p, 'model-downloader', { source: ModelSource.s3('s3://my-models/claude.bin') })), 'model-downloader').env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'MODEL_ATTEMPTS', value: '5' },
      { name: 'MODEL_RETRY_DELAY_SECONDS', value: '2' },
      { name: 'MODEL_LOCK_STALE_SECONDS', value: '120' },
      { name: 'AWS_RETRY_MODE', value: 'standard' },
      { name: 'AWS_MAX_ATTEMPTS', value: '3' },
    ]));
    const script = fs.readFileSync(path.join(__dirname, '..', 'src', 'scripts', 'model-prep-script.ts'), 'utf8');
    expect(script).toContain('[ "$delay" -le 60 ] || delay=60');
  });

  test('"downloader images | `amazon/aws-cli:2.15.30`, `gcr.io/.../google-cloud-cli:494.0.0-slim`, `curlimages/curl:8.10.1`", each used by its source', () => {
    const images = ['amazon/aws-cli:2.15.30', 'gcr.io/google.com/cloudsdktool/google-cloud-cli:494.0.0-slim', 'curlimages/curl:8.10.1'];
    expect(defaults).toContain(`| downloader images | ${images.map(i => `\`${i}\``).join(', ')} |`);
    expect(DOWNLOADER_IMAGES).toEqual({ awsCli: images[0], gcloud: images[1], curl: images[2] });
    const imageOf = (source: ModelSource) => container(pod(p => new ModelPrepInit(p, 'model-downloader', { source })), 'model-downloader').image;
    expect(imageOf(ModelSource.s3('s3://b-1/m.bin'))).toBe(images[0]);
    expect(imageOf(ModelSource.gcs('gs://b-1/m.bin'))).toBe(images[1]);
    expect(imageOf(ModelSource.http('https://e.com/m.bin'))).toBe(images[2]);
    expect(imageOf(ModelSource.huggingFace('org/model', { revision: 'main', files: ['m.bin'] }))).toBe(images[2]);
  });

  test('"LogSidecar | name `log-forwarder`, `logDir` `/var/log/app`, `*.log`, volume `app-logs` (`1Gi`) ...; 10m/16Mi/64Mi"', () => {
    const manifest = pod(p => new LogSidecar(p, 'logs'));
    const sidecar = container(manifest, 'log-forwarder');
    expect(sidecar.resources).toEqual({ requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } });
    expect(sidecar.volumeMounts).toEqual([{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true }]);
    expect(podSpec(manifest).volumes).toContainEqual({ name: 'app-logs', emptyDir: { sizeLimit: '1Gi' } });
  });

  test('"LogSidecar shipping | Fluent Bit `3.1.9`, health port 2020, TLS on and verified, port 443 with TLS; 50m/64Mi/128Mi"', () => {
    const chart = newChart();
    const p = new AiInferencePod(chart, 'llm', { server: SERVER });
    new LogSidecar(p, 'logs', { shipTo: LogDestination.http({ host: 'logs.example.com' }) });
    const manifests = synth(chart);
    const sidecar = container(manifestOf(manifests, 'Pod'), 'log-forwarder');
    expect(sidecar.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
    const conf: string = manifestOf(manifests, 'ConfigMap').data['fluent-bit.conf'];
    expect(conf).toMatch(/^\s+HTTP_Port\s+2020$/m);
    expect(conf).toMatch(/^\s+Port\s+443$/m);
    expect(conf).toMatch(/^\s+tls\s+On$/m);
    expect(conf).toMatch(/^\s+tls\.verify\s+On$/m);
  });

  test('"ProxySidecar | name `auth-proxy`, ... auth none, open paths `/health`, body `64m`, timeout 10 min, `nginxinc/nginx-unprivileged:1.27.2-alpine` as user 101; 100m/64Mi/256Mi"', () => {
    const chart = newChart();
    const p = new AiInferencePod(chart, 'llm', { server: SERVER });
    new ProxySidecar(p, 'proxy');
    const manifests = synth(chart);
    const proxy = container(manifestOf(manifests, 'Pod'), 'auth-proxy');
    expect(proxy.image).toBe('nginxinc/nginx-unprivileged:1.27.2-alpine');
    expect(proxy.securityContext).toMatchObject({ runAsUser: 101 });
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    const conf: string = manifestOf(manifests, 'ConfigMap').data['nginx.conf'];
    expect(conf).toMatch(/client_max_body_size 64m;/);
    expect(conf).toMatch(/proxy_read_timeout 600s;/);
    expect(conf).toMatch(/proxy_send_timeout 600s;/);
    // auth none: no token or htpasswd check anywhere in the config
    expect(conf).not.toMatch(/auth_basic |Authorization/);
  });

  test('"AiInferenceDeployment | 1 replica, maxSurge 1, maxUnavailable 0, progress deadline = load timeout + 10 min" with the default 15-minute load timeout', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', { server: SERVER });
    const deployment = manifestOf(synth(chart), 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(deployment.spec.progressDeadlineSeconds).toBe(15 * 60 + 10 * 60);
  });

  test('"model load estimate | not checked unless `expectedLoadTime` or `modelSize` (at `loadThroughput` `200Mi`/s)", against the 15-minute default budget', () => {
    // 175Gi at 200Mi/s is 896 s, within 900 s; 176Gi is 902 s
    const build = (modelSize: string) => (c: any) =>
      new ModelPrepInit(new AiInferencePod(c, 'llm', { server: SERVER }), 'm', { source: ModelSource.s3('s3://b-1/m.bin'), modelSize });
    pod(p => new ModelPrepInit(p, 'm', { source: ModelSource.s3('s3://b-1/m.bin'), modelSize: '175Gi' }));
    expectRefused(build('176Gi'), /give the startup probe at least 902s \(initialDelay \+ periodSeconds × failureThreshold is 900s now\)/);
    // without a size nothing is estimated: a model of any size passes
    pod(p => new ModelPrepInit(p, 'm', { source: ModelSource.s3('s3://b-1/m.bin') }));
  });

  test('"Deployment Service (`serviceOptions`) | ... no node port (the cluster picks one for NodePort/LoadBalancer), no labels or annotations"', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', {
      metadata: { name: 'llama', labels: { app: 'llama' }, annotations: { team: 'ml' } }, server: SERVER, serviceType: InferenceServiceType.NODE_PORT,
    });
    const service = manifestOf(synth(chart), 'Service');
    expect(service.metadata).toEqual({ name: 'llama' });
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, protocol: 'TCP', targetPort: 8000 }]);
  });

  test('"`Sidecar` stdin / tty | not written (Kubernetes: false)"', () => {
    const sidecar = container(pod(p => new Sidecar(p, 'redis', { name: 'redis', image: 'redis:7.4.1' })), 'redis');
    expect(sidecar).not.toHaveProperty('stdin');
    expect(sidecar).not.toHaveProperty('tty');
  });
});

describe('README § What gets checked: the counts of test cases it quotes', () => {
  /** The number of elements of the array literal `const <name> = [...]` in a test file. */
  function arrayLength(file: string, name: string): number {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(__dirname, file), 'utf8'), ts.ScriptTarget.Latest, true);
    let count: number | undefined;
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && node.name.getText() === name && node.initializer && ts.isArrayLiteralExpression(node.initializer)) {
        count = node.initializer.elements.length;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    if (count === undefined) {
      throw new Error(`${file}: no array ${name}`);
    }
    return count;
  }

  test('"`test/validation.test.ts` holds 124 distinct bad inputs"', () => {
    const quoted = Number(one(README, /`test\/validation\.test\.ts` holds (\d+) distinct bad\s+inputs/)[1]);
    expect(arrayLength('validation.test.ts', 'CASES')).toBe(quoted);
  });

  test('"`test/sidecar-props.test.ts` 86 more for the sidecars\' props"', () => {
    const quoted = Number(one(README, /`test\/sidecar-props\.test\.ts` (\d+) more/)[1]);
    expect(arrayLength('sidecar-props.test.ts', 'CASES')).toBe(quoted);
  });

  test('"`test/model-prep-props.test.ts` more than 60 for ModelPrepInit"', () => {
    const quoted = Number(one(README, /`test\/model-prep-props\.test\.ts` more than (\d+)/)[1]);
    expect(arrayLength('model-prep-props.test.ts', 'CASES')).toBeGreaterThan(quoted);
  });

  test('"`test/object-validation.test.ts` holds 142 distinct bad objects"', () => {
    const quoted = Number(one(README, /`test\/object-validation\.test\.ts` holds (\d+) distinct bad objects/)[1]);
    expect(arrayLength('object-validation.test.ts', 'CASES')).toBe(quoted);
  });
});

describe('README § Performance: the figures quoted in prose are the ones the bench tables show', () => {
  const perf = section('Performance');
  const num = (s: string) => Number(s.replace(/,/g, ''));

  test('the bench writes the tables the README shows (same headers)', () => {
    const bench = fs.readFileSync(path.join(__dirname, '..', 'bench', 'run.ts'), 'utf8');
    const header = '| pods | variant | CPU ms/pod | wall ms/pod | pods/s (wall) | peak RSS MB | library / hand-written (CPU: median of per-round ratios) |';
    expect(perf).toContain(header);
    expect(bench).toContain(`'${header}'`);
    expect(bench).toContain('Run-time rendering of one worker pod (new App, AiInferencePod + ModelPrepInit + LogSidecar, \\`toManifest()\\`, median of 500)');
    expect(bench).toContain('Render loop of a long-running worker manager (one process, \\`node --expose-gc\\`, ');
  });

  test('§ Worker pods: "Rendering one worker pod in memory takes under 1 ms (X ms per job over a 100,000-job loop)" matches the Performance run', () => {
    const worker = section('Deployments, StatefulSets, Jobs and worker pods');
    const [, under, perJob] = one(worker, /Rendering\s+one worker pod in memory takes under (\d+) ms \(([\d.]+) ms per job over a 100,000-job loop/);
    const median = num(one(perf, /median of 500\): ([\d.]+) ms\./)[1]);
    const loop = num(one(perf, /Render loop of a long-running worker manager \(one process, `node --expose-gc`, ([\d.]+) ms per job\)/)[1]);
    expect(num(perJob)).toBe(loop);
    expect(median).toBeLessThan(num(under));
    expect(loop).toBeLessThan(num(under));
  });

  /** Rows of the synth table: pods → library's CPU and RSS ratios. */
  function synthRatios(): Map<number, { cpu: number; rss: number }> {
    const rows = new Map<number, { cpu: number; rss: number }>();
    for (const m of perf.matchAll(/^\| (\d+) \| library \|.*\| \*\*([\d.]+)\*\* CPU, [\d.]+ wall, ([\d.]+) RSS \|$/gm)) {
      rows.set(num(m[1]), { cpu: num(m[2]), rss: num(m[3]) });
    }
    expect([...rows.keys()]).toEqual([1, 100, 1000, 10000]);
    return rows;
  }

  test('"N× at 1 pod, N× at 100, N× at 1,000, N× at 10,000 in this run" are the table\'s CPU ratios, rounded', () => {
    const rows = synthRatios();
    const prose = one(perf, /([\d.]+)× at 1 pod, ([\d.]+)× at 100, ([\d.]+)× at 1,000, ([\d.]+)× at 10,000\s+in this run/).slice(1).map(num);
    expect(prose).toEqual([1, 100, 1000, 10000].map(n => Math.round(rows.get(n)!.cpu * 100) / 100));
    const [low, high] = one(perf, /takes about ([\d.]+)–([\d.]+)× the CPU time/).slice(1).map(num);
    expect([low, high]).toEqual([Math.min(...prose), Math.max(...prose)]);
  });

  test('"Peak RSS, ≤ 1.15× hand-written: met at every size / not met at N pods (…)" are the table\'s RSS ratios, and the claim follows them', () => {
    const rows = synthRatios();
    const [, limitText, claim, ...proseText] = one(perf, /Peak RSS, ≤ ([\d.]+)× hand-written: (met at every size|not met at [\d,]+(?: and [\d,]+)? pods?)\*\* \(([\d.]+)×, ([\d.]+)×, ([\d.]+)×, ([\d.]+)×/);
    const prose = proseText.map(num);
    const table = [1, 100, 1000, 10000].map(n => rows.get(n)!.rss);
    expect(prose).toEqual(table.map(r => Math.round(r * 100) / 100));
    // the claim is what the table shows: met everywhere, or not met exactly at the sizes named
    const above = [1, 100, 1000, 10000].filter((_n, i) => table[i] > num(limitText));
    const named = claim === 'met at every size' ? [] : claim.replace(/^not met at /, '').replace(/ pods?$/, '').split(' and ').map(num);
    expect(named).toEqual(above);
  });

  test('"A 100,000-job render loop keeps memory flat": the heap and RSS figures in prose are the loop table\'s', () => {
    // the bench writes a "no" in bold
    const rss = one(perf, /^\| RSS \| ([\d.]+) \| ([\d.]+) \| [\d.]+ \| ([\d.]+) \| (yes|\*\*no\*\*) \|$/m);
    const heap = one(perf, /^\| V8 heap used \| ([\d.]+) \| ([\d.]+) \| [\d.]+ \| ([\d.]+) \| (yes|\*\*no\*\*) \|$/m);
    for (const row of [rss, heap]) {
      expect(num(row[3])).toBeCloseTo(num(row[2]) / num(row[1]), 2);
      expect(row[4]).toBe(num(row[3]) <= 1.05 ? 'yes' : '**no**');
    }
    const [first, last] = one(perf, /the V8 heap is\s+([\d.]+) MB after the first 10,000 jobs and ([\d.]+) MB after 100,000/).slice(1).map(num);
    expect([first, last]).toEqual([num(heap[1]), num(heap[2])]);
    const [rssFirst, rssLast] = one(perf, /RSS goes from (\d+) to (\d+) MB/).slice(1).map(num);
    expect([rssFirst, rssLast]).toEqual([Math.round(num(rss[1])), Math.round(num(rss[2]))]);
  });

  test('the download summary\'s "this session" column is the full table\'s ratios, and "the 1.1× target is met by N of the 10 ratios" counts the ones ≤ 1.10', () => {
    const full = new Map<string, [number, number]>();
    for (const m of perf.matchAll(/^\| ([^|]+) \| \d+ \| \d+ \| \d+ \| \*\*([\d.]+)\*\* \([^)]*\) \| \*\*([\d.]+)\*\* \([^)]*\) \|/gm)) {
      full.set(m[1].trim(), [num(m[2]), num(m[3])]);
    }
    expect(full.size).toBe(5);
    for (const [transfer, ratios] of full) {
      const row = perf.split('\n').find(l => l.startsWith(`| ${transfer} | **`));
      expect(row).toBeDefined();
      expect(one(row!, /^\| [^|]+ \| \*\*([\d.]+)\*\* \/ \*\*([\d.]+)\*\* \|/).slice(1).map(num)).toEqual(ratios);
    }
    const ratios = [...full.values()].flat();
    const [met, total] = one(perf, /the 1\.1× target is met by (\d+) of the (\d+) ratios/).slice(1).map(num);
    expect([met, total]).toEqual([ratios.filter(r => r <= 1.1).length, ratios.length]);
  });

  test('"A warm start ... stays far under its 50 ms / 200 ms budget (8.6 / 13.8 ms in this run)" is the warm-start table', () => {
    const one1 = num(one(perf, /^\| 1 file \| \*\*([\d.]+)\*\* \|/m)[1]);
    const hundred = num(one(perf, /^\| 100 files \| \*\*([\d.]+)\*\* \|/m)[1]);
    const [budget1, budget100, prose1, prose100] = one(perf, /under its (\d+) ms \/ (\d+) ms budget \(([\d.]+) \/ ([\d.]+) ms in this run\)/).slice(1).map(num);
    expect([prose1, prose100]).toEqual([one1, hundred]);
    expect(one1).toBeLessThan(budget1);
    expect(hundred).toBeLessThan(budget100);
  });
});

/** The quick start's pod, as the README writes it (the server left at its default name for the guide below). */
function quickStart(serverName?: string) {
  const chart = newChart('llm');
  const p = new AiInferencePod(chart, 'ai-inference-pod', {
    metadata: { name: 'ai-inference-pod', labels: { app: 'ai-engine', tier: 'backend' } },
    server: {
      name: serverName,
      image: 'myrepo/ai-fastapi:v1.2',
      port: 8000,
      env: { MODEL_NAME: 'claude-3-sonnet' },
      resources: { cpu: { request: '500m', limit: '1000m' }, memory: { request: '1Gi', limit: '2Gi' } },
      health: HealthCheck.http('/health'),
    },
    gpu: { count: 1 },
  });
  new ModelPrepInit(p, 'model-downloader', { source: ModelSource.s3('s3://my-models/claude.bin'), cache: ModelCache.persistentVolumeClaim('model-cache') });
  new LogSidecar(p, 'log-forwarder', { logDir: '/var/log/app' });
  new ProxySidecar(p, 'auth-proxy', { tls: ProxyTls.fromSecret('llm-tls'), auth: ProxyAuth.bearerTokens('llm-api-tokens') });
  return { chart, pod: p };
}

describe('README § Quick start', () => {
  test('"writes one Pod with the server, an init container that fetches the model into the claim, two native sidecars ... The server finds the model at `$MODEL_PATH`"', () => {
    const manifests = synth(quickStart('fastapi-container').chart);
    expect(manifests.filter(m => m.kind === 'Pod')).toHaveLength(1);
    const manifest = manifestOf(manifests, 'Pod');
    const spec = podSpec(manifest);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['fastapi-container']);
    expect(spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([
      ['model-downloader', undefined], ['log-forwarder', 'Always'], ['auth-proxy', 'Always'],
    ]);
    const model = spec.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === 'model-cache');
    expect(model).toBeDefined();
    expect(container(manifest, 'model-downloader').volumeMounts).toContainEqual({ name: model.name, mountPath: '/models' });
    expect(container(manifest, 'fastapi-container').env).toContainEqual({ name: 'MODEL_PATH', value: '/models/claude.bin' });
  });
});

describe('README § When a pod is stuck', () => {
  test('the guide printed by `pod.describe()` is the one the README shows (`pod/…` abbreviating the pod in the "stuck" lines)', () => {
    const block = one(section('When a pod is stuck'), /```\n(Start order[\s\S]*?)```/)[1].trimEnd();
    const guide = quickStart().pod.describe().trimEnd();
    const [order, stuck] = guide.split('\nWhen it is stuck:\n');
    expect(`${order}\nWhen it is stuck:\n${stuck.split('pod/ai-inference-pod').join('pod/…')}`).toBe(block);
  });

  test('"the pod shows `Init:0/3` while the model downloads": the quick start\'s pod has three init containers', () => {
    expect(section('When a pod is stuck')).toContain('`Init:0/3`');
    expect(podSpec(manifestOf(synth(quickStart().chart), 'Pod')).initContainers).toHaveLength(3);
  });
});

describe('README § AiInferencePod', () => {
  test('"Ports below 1024": the safe sysctls the README lists, with the version that adds each, are the ones the check allows', () => {
    const text = one(section('AiInferencePod'), /the Pod Security Standards allow\s+only the safe ones \(([\s\S]*?), by the\s+\[target version\]/)[1];
    const listed: Array<[string, number]> = [];
    let since = 0;
    for (const part of text.split(/(from\s+(?:Kubernetes\s+)?1\.\d+)/)) {
      const version = part.match(/^from\s+(?:Kubernetes\s+)?1\.(\d+)$/);
      if (version) {
        since = Number(version[1]);
        continue;
      }
      for (const m of part.matchAll(/`([a-z0-9_.]+)`/g)) {
        listed.push([m[1].includes('.') ? m[1] : `net.ipv4.${m[1]}`, since]);
      }
    }
    const sort = (l: ReadonlyArray<readonly [string, number]>) => [...l].map(([n, v]) => `${n}@${v}`).sort();
    expect(sort(listed)).toEqual(sort(SAFE_SYSCTLS));
  });
});

describe('README § Security', () => {
  test('"capabilities | `{ addCapabilities: [\'NET_BIND_SERVICE\'] }` | anything beyond NET_BIND_SERVICE fails PSS restricted"', () => {
    const manifest = manifestOf(synth((() => {
      const chart = newChart();
      new AiInferencePod(chart, 'llm', { server: { ...SERVER, security: { addCapabilities: ['NET_BIND_SERVICE'] } } });
      return chart;
    })()), 'Pod');
    expect(container(manifest, 'server').securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
    expect(pssRestrictedViolations(manifest)).toEqual([]);
    expectRefused(c => new AiInferencePod(c, 'llm', { server: { ...SERVER, security: { addCapabilities: ['NET_ADMIN'] } } }),
      /adds capability NET_ADMIN/);
  });

  test('"volume ownership | pod `security.fsGroupChangePolicy: FsGroupChangePolicy.ALWAYS`" (default OnRootMismatch)', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'always', { metadata: { name: 'always' }, server: SERVER, security: { fsGroupChangePolicy: FsGroupChangePolicy.ALWAYS } });
    new AiInferencePod(chart, 'default', { metadata: { name: 'default' }, server: SERVER });
    const pods = synth(chart).filter(m => m.kind === 'Pod');
    expect(pods.map(m => [m.metadata.name, m.spec.securityContext.fsGroupChangePolicy, m.spec.securityContext.fsGroup])).toEqual([
      ['always', 'Always', 1000], ['default', 'OnRootMismatch', 1000],
    ]);
    pods.forEach(m => expect(pssRestrictedViolations(m)).toEqual([]));
  });
});

describe('README § Sidecars: ProxySidecar', () => {
  test('"The open paths (`openPaths`, default `[\'/health\']`) pass without auth"; "`proxy_buffering off` and `proxy_request_buffering off` ..., keep-alive to the upstream"', () => {
    const chart = newChart();
    new ProxySidecar(new AiInferencePod(chart, 'llm', { server: SERVER }), 'auth-proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    const conf: string = manifestOf(synth(chart), 'ConfigMap').data['nginx.conf'];
    const map = one(conf, /map \$request_uri \$inference_authorized \{\n([\s\S]*?)\n\s*\}/)[1].split('\n').map(l => l.trim());
    expect(map).toEqual(['default $inference_token_ok;', '"~^\\Q/health\\E$" 1;']);
    expect(conf).toMatch(/^\s+proxy_buffering off;$/m);
    expect(conf).toMatch(/^\s+proxy_request_buffering off;$/m);
    expect(conf).toMatch(/upstream model_server \{\n\s+server 127\.0\.0\.1:8000;\n\s+keepalive \d+;/);
    expect(conf).toMatch(/^\s+proxy_set_header Connection "";$/m);
  });
});

describe('README § Development', () => {
  const dev = section('Development');
  const root = path.join(__dirname, '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

  test('every `npm run <script>` the README names is a script of package.json', () => {
    const named = new Set([...README.matchAll(/npm run (\w+)/g)].map(m => m[1]));
    expect([...named].sort()).toEqual(expect.arrayContaining(['bench', 'docs', 'format', 'lint', 'synth']));
    expect([...named].filter(s => !(s in pkg.scripts))).toEqual([]);
  });

  test('"npm install # also builds lib/ (prepare)"; "npm test # installs missing test tools ..., builds, tsc over everything, eslint, jest"; "npm run format fixes what it can"', () => {
    expect(dev).toContain('npm install          # also builds lib/ (prepare)');
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.pretest).toBe('node scripts/ensure-test-tools.js && npm run build');
    expect(pkg.scripts.test).toMatch(/^tsc -p tsconfig\.dev\.json && npm run lint && jest$/);
    expect(pkg.scripts.lint).toMatch(/^eslint\b/);
    expect(pkg.scripts.format).toMatch(/^eslint --fix\b/);
    expect(pkg.scripts.docs).toBe('typedoc');
  });

  test('"`npm run synth` ... (`cdk8s synth` runs the same app)": cdk8s.yaml runs what `npm run synth` runs, into dist/', () => {
    const config = fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8');
    expect(one(config, /^app: (.+)$/m)[1]).toBe(pkg.scripts.synth);
    expect(config).toMatch(/^output: dist$/m);
  });

  test('"bash .ci/run # what CI runs: npm ci, npm test"', () => {
    const commands = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8').split('\n').filter(l => /^npm /.test(l));
    expect(commands).toEqual(['npm ci', 'npm test']);
  });

  test('"eslint (..., 150 columns)"; "License: Apache-2.0"; "npx cdk8s-ai-inference model-digest" is the package\'s command', () => {
    expect(fs.readFileSync(path.join(root, 'eslint.config.js'), 'utf8')).toMatch(/code: 150,/);
    expect(pkg.license).toBe('Apache-2.0');
    expect(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(README).toContain('npx cdk8s-ai-inference model-digest');
    expect(pkg.bin).toEqual({ 'cdk8s-ai-inference': 'lib/cli/model-digest.js' });
    expect(fs.existsSync(path.join(root, 'src', 'cli', 'model-digest.ts'))).toBe(true);
  });

  test('"Layout:" every file and directory the paragraph names exists under src/', () => {
    const layout = one(dev, /Layout: ([\s\S]*?)CONTRIBUTING\.md has the architecture map/)[1];
    const named = [...layout.matchAll(/`([\w./-]+)`/g)].map(m => m[1]).map(n => (n.startsWith('src/') ? n : `src/${n}`));
    expect(named.length).toBeGreaterThanOrEqual(10);
    expect(named.filter(n => !fs.existsSync(path.join(root, n)))).toEqual([]);
  });
});
