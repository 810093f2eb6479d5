import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AiInferenceDeployment, AiInferencePod, FsGroupChangePolicy, HealthCheck, InferenceServer, InitContainer, LogSidecar, ModelCache,
  ModelPrepInit, ModelSource, PodSecurityLevel, PodVolume, Probe, ProxyAuth, ProxySidecar, ProxyTls, Sidecar, TerminationMessagePolicy,
} from '../src';
import * as publicApi from '../src';
import { pssRestrictedViolations } from './helpers/pss';
import { container, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';

// Hostile checks of the composition promises (issue 13, points 1-5): order does not matter,
// escape hatches land as asked, relaxations are explicit, and every knob reaches the YAML.

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() };

/** Every ordering of `items`. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map(rest => [item, ...rest]));
}

type AddOn = (scope: Construct) => void;

describe('order-free composition', () => {
  test('24 orders of InferenceServer, ModelPrepInit, LogSidecar, ProxySidecar on a Deployment: byte-identical files from App.synth', () => {
    const addOns: AddOn[] = [
      w => new InferenceServer(w, 'server', { server: SERVER, gpu: { count: 1 } }),
      w => new ModelPrepInit(w, 'model', { source: ModelSource.s3('s3://models/llama/'), cache: ModelCache.persistentVolumeClaim('llama-cache') }),
      w => new LogSidecar(w, 'logs'),
      w => new ProxySidecar(w, 'proxy', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') }),
    ];
    const orders = permutations([0, 1, 2, 3]);
    expect(orders).toHaveLength(24);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'composition-'));
    try {
      const outputs = orders.map((order, i) => {
        const outdir = path.join(root, String(i));
        const app = new App({ outdir });
        const deployment = new kplus.Deployment(new Chart(app, 'llm'), 'llm', { metadata: { name: 'llm' } });
        order.forEach(k => addOns[k](deployment));
        app.synth();
        return fs.readdirSync(outdir).map(f => `${f}\n${fs.readFileSync(path.join(outdir, f), 'utf8')}`).join('\n');
      });
      // the wiring really happened: model mount, MODEL_PATH and the proxy's upstream on the server port
      expect(outputs[0]).toContain('MODEL_PATH');
      expect(outputs[0]).toContain('server 127.0.0.1:8000;');
      expect(new Set(outputs).size).toBe(1);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('120 orders of ModelPrepInit, InitContainer, LogSidecar, Sidecar, ProxySidecar on an AiInferencePod: identical JSON, canonical order', () => {
    const addOns: AddOn[] = [
      p => new ModelPrepInit(p, 'model', { source: ModelSource.http('https://models.example.com/m.bin') }),
      p => new InitContainer(p, 'render', { name: 'render-config', image: 'busybox:1.36.1', command: ['true'] }),
      p => new LogSidecar(p, 'logs'),
      p => new Sidecar(p, 'redis', { name: 'redis', image: 'redis:7.4.1', ports: [{ number: 6379 }], health: HealthCheck.tcp() }),
      p => new ProxySidecar(p, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') }),
    ];
    const orders = permutations([0, 1, 2, 3, 4]);
    expect(orders).toHaveLength(120);
    const outputs = orders.map(order => {
      const chart = new Chart(Testing.app(), 'pod');
      const pod = new AiInferencePod(chart, 'pod', { metadata: { name: 'pod' }, server: SERVER });
      order.forEach(k => addOns[k](pod));
      return JSON.stringify(chart.toJson());
    });
    expect(new Set(outputs).size).toBe(1);
    const spec = JSON.parse(outputs[0]).find((m: any) => m.kind === 'Pod').spec;
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['model-downloader', 'render-config', 'log-forwarder', 'redis', 'auth-proxy']);
  });
});

describe('escape hatches: JSON patches apply after the library and are validated', () => {
  function patchedPod(...patches: JsonPatch[]) {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'pod', { metadata: { name: 'pod' }, server: SERVER });
    new InitContainer(pod, 'init', { name: 'migrate', image: 'busybox:1.36.1', command: ['true'] });
    new LogSidecar(pod, 'logs');
    ApiObject.of(pod.pod).addJsonPatch(...patches);
    return chart;
  }

  test('probes, resources, securityContext, imagePullPolicy, pod user, a native sidecar restartPolicy and resizePolicy land exactly as asked', () => {
    const resizePolicy = [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }];
    const manifest = manifestOf(synth(patchedPod(
      JsonPatch.replace('/spec/containers/0/readinessProbe/periodSeconds', 17),
      JsonPatch.replace('/spec/containers/0/resources/limits/memory', '9Gi'),
      JsonPatch.replace('/spec/containers/0/resources/requests/memory', '9Gi'),
      JsonPatch.add('/spec/containers/0/securityContext/runAsUser', 4321),
      JsonPatch.add('/spec/containers/0/imagePullPolicy', 'Always'),
      JsonPatch.replace('/spec/securityContext/runAsUser', 2000),
      JsonPatch.add('/spec/initContainers/0/restartPolicy', 'Always'),
      JsonPatch.add('/spec/containers/0/resizePolicy', resizePolicy),
    )), 'Pod');
    const server = container(manifest, 'server');
    expect(server.readinessProbe.periodSeconds).toBe(17);
    expect(server.resources.limits.memory).toBe('9Gi');
    expect(server.resources.requests.memory).toBe('9Gi');
    expect(server.securityContext.runAsUser).toBe(4321);
    expect(server.imagePullPolicy).toBe('Always');
    expect(server.resizePolicy).toEqual(resizePolicy);
    expect(manifest.spec.securityContext.runAsUser).toBe(2000);
    expect(container(manifest, 'migrate').restartPolicy).toBe('Always');
  });

  test('a patch that makes the pod invalid is a structured error naming the construct, the field, the value and a fix', () => {
    const message = synthError(patchedPod(JsonPatch.replace('/spec/containers/0/ports/0/containerPort', 70000)));
    expect(message).toMatch(/test\/pod/);
    expect(message).toMatch(/containerPort: 70000 is not a port number/);
    expect(message).toMatch(/Fix: /);
  });
});

describe('explicit relaxations', () => {
  test('pod- and container-level relaxation to root renders a root-capable pod', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'root', {
      server: { ...SERVER, security: { runAsNonRoot: false, runAsUser: 0 } },
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0 },
    });
    const manifest = manifestOf(synth(chart), 'Pod');
    expect(manifest.spec.securityContext.runAsUser).toBe(0);
    expect(manifest.spec.securityContext.runAsNonRoot).toBeUndefined();
    expect(container(manifest, 'server').securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0 });
    expect(pssRestrictedViolations(manifest)).toEqual(expect.arrayContaining(['pod runAsUser is 0', 'container server may run as root (runAsNonRoot)']));
  });

  test('a restricted pod with runAsUser 0 is an error naming the relaxation', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'root', { server: SERVER, security: { runAsUser: 0 } });
    const message = synthError(chart);
    expect(message).toMatch(/securityContext\.runAsUser: is 0 \(root\) while runAsNonRoot is true/);
    expect(message).toMatch(/Fix: .*runAsNonRoot: false/);
  });
});

describe('per-probe control', () => {
  function probesOf(health: HealthCheck) {
    const chart = newChart();
    new AiInferencePod(chart, 'pod', { server: { ...SERVER, health }, modelLoadTimeout: Duration.minutes(20) });
    return container(manifestOf(synth(chart), 'Pod'), 'server');
  }

  test('TCP startup with HTTP liveness and readiness, each with its own timing', () => {
    const server = probesOf(HealthCheck.custom({
      startup: Probe.tcp({ period: Duration.seconds(20) }),
      readiness: Probe.httpGet('/ready', { timeout: Duration.seconds(2), failureThreshold: 2, successThreshold: 2 }),
      liveness: Probe.httpGet('/live', { initialDelay: Duration.seconds(30), failureThreshold: 6 }),
    }));
    // startup budget = modelLoadTimeout / period: 1200 s / 20 s
    expect(server.startupProbe).toEqual({ tcpSocket: { port: 8000 }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 60 });
    expect(server.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8000 }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2, successThreshold: 2 });
    expect(server.livenessProbe).toEqual({ httpGet: { path: '/live', port: 8000 }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
  });

  test('readiness only', () => {
    const server = probesOf(HealthCheck.custom({ readiness: Probe.httpGet('/ready') }));
    expect(server.readinessProbe.httpGet.path).toBe('/ready');
    expect(server.startupProbe).toBeUndefined();
    expect(server.livenessProbe).toBeUndefined();
  });
});

describe('InitContainer', () => {
  test('restricted defaults: the pull policy left to Kubernetes, drop ALL, FallbackToLogsOnError; after model downloads, in the order added', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'pod', { server: SERVER });
    new InitContainer(pod, 'b', { name: 'second', image: 'busybox:1.36.1', command: ['true'] });
    new InitContainer(pod, 'a', { name: 'first', image: 'busybox:1.36.1', command: ['true'] });
    new ModelPrepInit(pod, 'model', { source: ModelSource.http('https://models.example.com/m.bin') });
    const manifest = manifestOf(synth(chart), 'Pod');
    expect(manifest.spec.initContainers.map((c: any) => c.name)).toEqual(['model-downloader', 'second', 'first']);
    const init = container(manifest, 'second');
    expect(init.imagePullPolicy).toBeUndefined();
    expect(init.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(init.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(pssRestrictedViolations(manifest)).toEqual([]);
  });
});

describe('knobs reach the YAML', () => {
  test('PodVolume mounts (PVC, ConfigMap, Secret, emptyDir), preStop, terminationMessagePolicy, runtime/priority class, affinity, spread, tmpSize, pull secrets', () => {
    const chart = newChart();
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'In', values: ['a100'] }] }] } } };
    const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'llm' } } }];
    new AiInferencePod(chart, 'pod', {
      metadata: { labels: { app: 'llm' } },
      server: {
        ...SERVER,
        volumeMounts: [
          { volume: PodVolume.persistentVolumeClaim('cache', 'cache-claim'), path: '/cache', readOnly: false },
          { volume: PodVolume.configMap('templates', 'chat-templates', { keys: ['llama.jinja'] }), path: '/templates' },
          { volume: PodVolume.secret('keys', 'api-keys', { defaultMode: 0o440 }), path: '/keys' },
          { volume: PodVolume.emptyDir('scratch', { sizeLimit: '5Gi' }), path: '/scratch' },
        ],
        preStopCommand: ['sleep', '10'],
        terminationMessagePolicy: TerminationMessagePolicy.FILE,
        tmpSize: '2Gi',
      },
      runtimeClassName: 'nvidia',
      priorityClassName: 'inference-high',
      affinity,
      topologySpreadConstraints: spread,
      imagePullSecrets: ['registry-creds'],
    });
    const manifest = manifestOf(synth(chart), 'Pod');
    const spec = podSpec(manifest);
    const server = container(manifest, 'server');
    expect(server.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'cache', mountPath: '/cache', readOnly: false },
      { name: 'templates', mountPath: '/templates', readOnly: true },
      { name: 'keys', mountPath: '/keys', readOnly: true },
      { name: 'scratch', mountPath: '/scratch', readOnly: false },
    ]));
    expect(spec.volumes).toEqual(expect.arrayContaining([
      { name: 'cache', persistentVolumeClaim: { claimName: 'cache-claim' } },
      { name: 'templates', configMap: { name: 'chat-templates', items: [{ key: 'llama.jinja', path: 'llama.jinja' }] } },
      { name: 'keys', secret: { secretName: 'api-keys', defaultMode: 0o440 } },
      { name: 'scratch', emptyDir: { sizeLimit: '5Gi' } },
      { name: 'server-tmp', emptyDir: { sizeLimit: '2Gi' } },
    ]));
    expect(server.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    expect(server.terminationMessagePolicy).toBe('File');
    expect(spec.runtimeClassName).toBe('nvidia');
    expect(spec.priorityClassName).toBe('inference-high');
    expect(spec.affinity).toEqual(affinity);
    expect(spec.topologySpreadConstraints).toEqual(spread);
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
    expect(pssRestrictedViolations(manifest)).toEqual([]);
  });

  test.each([
    [{}, false, undefined],
    [{ serviceAccountName: 'kube-rbac' }, true, 'kube-rbac'],
    [{ serviceAccountName: 'kube-rbac', automountServiceAccountToken: false }, false, 'kube-rbac'],
  ])('service account %j: token mounted = %s', (props, mounted, account) => {
    const chart = newChart();
    new AiInferencePod(chart, 'pod', { server: SERVER, ...props });
    const spec = podSpec(manifestOf(synth(chart), 'Pod'));
    expect(spec.automountServiceAccountToken).toBe(mounted);
    expect(spec.serviceAccountName).toBe(account);
  });

  test('InferenceServer on your Deployment honours terminationGracePeriod and fsGroupChangePolicy OnRootMismatch', () => {
    const chart = newChart();
    const deployment = new kplus.Deployment(chart, 'd');
    new InferenceServer(deployment, 'server', { server: SERVER, terminationGracePeriod: Duration.seconds(300) });
    const spec = podSpec(manifestOf(synth(chart), 'Deployment'));
    expect(spec.terminationGracePeriodSeconds).toBe(300);
    expect(spec.securityContext.fsGroupChangePolicy).toBe(FsGroupChangePolicy.ON_ROOT_MISMATCH);
  });
});

describe('ProxySidecar in front of the server', () => {
  function proxied(props: any = {}) {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', { metadata: { name: 'llm', labels: { app: 'llm' } }, server: SERVER });
    new ProxySidecar(llm, 'proxy', { tls: ProxyTls.fromSecret('tls'), ...props });
    return synth(chart);
  }

  test('NetworkPolicy: only the proxy port, selecting the pod by its labels; server probes go through the proxy over HTTPS', () => {
    const manifests = proxied();
    const policy = manifestOf(manifests, 'NetworkPolicy');
    const deployment = manifestOf(manifests, 'Deployment');
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 8443, protocol: 'TCP' }] }]);
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    const server = container(deployment, 'server');
    for (const probe of [server.startupProbe, server.readinessProbe, server.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/health', port: 8443, scheme: 'HTTPS' });
    }
  });

  test('networkPolicy: false writes none; routeServerProbes: false keeps the probes on the server port', () => {
    const manifests = proxied({ networkPolicy: false, routeServerProbes: false });
    expect(manifests.filter(m => m.kind === 'NetworkPolicy')).toEqual([]);
    const server = container(manifestOf(manifests, 'Deployment'), 'server');
    expect(server.readinessProbe.httpGet).toEqual({ path: '/health', port: 8000 });
  });
});

test.each([
  ['/\\E.*\\Q', 'it has whitespace, control characters or characters outside letters, digits and -._~!*+,=:@'],
  ['/a/../health', 'it has a "." or ".." segment'],
  ['/he%61lth', 'it has a %-encoding, a query or a fragment'],
  ['health', 'it does not start with "/"'],
  ['/h\nx', 'it has whitespace, control characters or characters outside letters, digits and -._~!*+,=:@'],
])('a health path %j is refused, and never becomes an open path of the proxy', (badPath, problem) => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { ...SERVER, health: HealthCheck.http(badPath) } });
  const proxy = new ProxySidecar(pod, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
  expect(synthError(chart)).toContain(`server.health.path: ${JSON.stringify(badPath)} is not a URL path in canonical form: ${problem}`);
  const config = ApiObject.of(proxy.config).toJson().data['nginx.conf'];
  expect(config).not.toContain(`\\Q${badPath}\\E`);
  expect(config).toContain('\\Q/health\\E');
});

describe('a Sidecar of yours as the front door (kube-rbac-proxy)', () => {
  function fronted(frontDoor: any) {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', { metadata: { name: 'llm', labels: { app: 'llm' } }, server: SERVER });
    new Sidecar(llm, 'rbac', { name: 'kube-rbac-proxy', image: 'quay.io/brancz/kube-rbac-proxy:v0.18.1', ports: [{ number: 8443, name: 'https' }], frontDoor });
    return chart;
  }

  test('the Service targets its port, a NetworkPolicy admits only that port, probes stay on the server unless routed', () => {
    const manifests = synth(fronted({ port: 8443, https: true }));
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'proxy', port: 8443, protocol: 'TCP', targetPort: 8443 }]);
    expect(manifestOf(manifests, 'NetworkPolicy').spec.ingress).toEqual([{ ports: [{ port: 8443, protocol: 'TCP' }] }]);
    const deployment = manifestOf(manifests, 'Deployment');
    expect(container(deployment, 'server').readinessProbe.httpGet).toEqual({ path: '/health', port: 8000 });
    // it starts last among the sidecars, right before the server, like ProxySidecar
    expect(podSpec(deployment).initContainers.map((c: any) => c.name)).toEqual(['kube-rbac-proxy']);
  });

  test('routeServerProbes sends the probes through it; networkPolicy: false writes none', () => {
    const manifests = synth(fronted({ port: 8443, https: true, routeServerProbes: true, networkPolicy: false }));
    expect(manifests.filter(m => m.kind === 'NetworkPolicy')).toEqual([]);
    expect(container(manifestOf(manifests, 'Deployment'), 'server').livenessProbe.httpGet).toEqual({ path: '/health', port: 8443, scheme: 'HTTPS' });
  });

  test('a front-door port the sidecar does not declare is refused', () => {
    expect(synthError(fronted({ port: 9443 }))).toContain(
      '[test/llm/rbac] frontDoor.port: 9443 is not one of the sidecar\'s ports (8443). Fix: list it in ports');
  });
});

test('two InferenceServers on one workload is an error naming the fix', () => {
  const chart = newChart();
  const deployment = new kplus.Deployment(chart, 'd');
  new InferenceServer(deployment, 'a', { server: SERVER });
  new InferenceServer(deployment, 'b', { server: { ...SERVER, name: 'second' } });
  const message = synthError(chart);
  expect(message).toMatch(/test\/d\/b.*server: the workload already has a model server \(test\/d\/a\)/s);
  expect(message).toMatch(/Fix: one InferenceServer per workload/);
});

test('exported defaults and catalogues are frozen: no pod can change what the next one gets', () => {
  const lib = publicApi as any;
  for (const name of ['DOWNLOADER_IMAGES', 'ENGINE_IMAGES', 'LOG_SIDECAR_IMAGES']) {
    expect([name, Object.isFrozen(lib[name])]).toEqual([name, true]);
    expect(() => { 'use strict'; lib[name].x = 'y'; }).toThrow(TypeError);
  }
});

test('without a startup probe, a too-short budget names the missing startup probe, not modelLoadTimeout', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', {
    server: { ...SERVER, health: HealthCheck.custom({ liveness: Probe.httpGet('/health') }) },
    modelLoadTimeout: Duration.minutes(20),
  });
  new ModelPrepInit(pod, 'model', { source: ModelSource.http('https://e.com/m.bin'), expectedLoadTime: Duration.minutes(10) });
  expect(synthError(chart)).toContain('the startup budget is 30s, but test/llm/model (expectedLoadTime) needs 600s to load the model. '
    + 'Fix: add a startup probe that covers 600s (HealthCheck.http, or HealthCheck.custom({ startup })): without one, the liveness probe restarts the loading server after 30s');
});

test('a startup budget beyond int32 is refused by modelLoadTimeout, not written', () => {
  const chart = newChart();
  new AiInferencePod(chart, 'llm', { server: SERVER, modelLoadTimeout: Duration.days(1e7) });
  const message = synthError(chart);
  expect(message).toContain('[test/llm] modelLoadTimeout: 864000000000 s is more than 2147483647 s (about 68 years), the most the startup probe\'s failureThreshold can count');
  expect(message).not.toContain('startupProbe.failureThreshold');
});

test.each([
  ['pod SELinux type spc_t', JsonPatch.add('/spec/securityContext/seLinuxOptions', { type: 'spc_t' }), 'pod SELinux type spc_t'],
  ['container SELinux user and role', JsonPatch.add('/spec/containers/0/securityContext/seLinuxOptions', { user: 'system_u', role: 'system_r' }),
    'container server sets SELinux user system_u'],
  ['Windows HostProcess', JsonPatch.add('/spec/containers/0/securityContext/windowsOptions', { hostProcess: true }), 'container server is a Windows HostProcess container'],
  ['AppArmor unconfined annotation', JsonPatch.add('/metadata/annotations', { 'container.apparmor.security.beta.kubernetes.io/server': 'unconfined' }),
    'annotation container.apparmor.security.beta.kubernetes.io/server is "unconfined"'],
  ['AppArmor unconfined field', JsonPatch.add('/spec/securityContext/appArmorProfile', { type: 'Unconfined' }), 'pod AppArmor Unconfined'],
])('an escape hatch that breaks Pod Security baseline is refused: %s', (_name, patch, violation) => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
  ApiObject.of(pod.pod).addJsonPatch(patch);
  expect(synthError(chart)).toContain(`spec: ${violation}, which Pod Security Standard "restricted" forbids`);
});

test.each([
  ['imagePullPolicy', (p: AiInferencePod) => ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/imagePullPolicy', 'Sometimes')),
    'spec.containers[0].imagePullPolicy: "Sometimes" is not a pull policy'],
  ['toleration', (p: AiInferencePod) => ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/tolerations', [{ key: 'a b', effect: 'Whatever', operator: 'Maybe' }])),
    'spec.tolerations[0].operator: "Maybe" is not a toleration operator'],
  ['topology spread', (p: AiInferencePod) => ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/topologySpreadConstraints', [{ maxSkew: -1, topologyKey: '', whenUnsatisfiable: 'X' }])),
    'spec.topologySpreadConstraints[0].maxSkew: -1 is not a whole number of at least 1'],
  ['env value type', (p: AiInferencePod) => ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/env', [{ name: 'A', value: 1 }])),
    'spec.containers[0].env[0].value: 1 is not a string'],
  ['host alias', (p: AiInferencePod) => p.pod.addHostAlias({ ip: 'not-an-ip', hostnames: ['x'] }), 'spec.hostAliases[0].ip: "not-an-ip" is not an IP address'],
  ['dnsPolicy', (p: AiInferencePod) => ApiObject.of(p.pod).addJsonPatch(JsonPatch.replace('/spec/dnsPolicy', 'Whatever')),
    'spec.dnsPolicy: "Whatever" is not one of ClusterFirst'],
  ['probe scheme', (p: AiInferencePod) => ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/readinessProbe/httpGet/scheme', 'FTP')),
    'spec.containers[0].readinessProbe.httpGet.scheme: "FTP" is not HTTP or HTTPS'],
  ['image with whitespace', (p: AiInferencePod) => ApiObject.of(p.pod).addJsonPatch(JsonPatch.replace('/spec/containers/0/image', 'a b:1')),
    'spec.containers[0].image: "a b:1" contains whitespace'],
  ['automount as a string', (p: AiInferencePod) => ApiObject.of(p.pod).addJsonPatch(JsonPatch.replace('/spec/automountServiceAccountToken', 'yes')),
    'spec.automountServiceAccountToken: "yes" is not a boolean'],
])('a field value the API server rejects fails synth: %s', (_name, change, message) => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
  change(pod);
  expect(synthError(chart)).toContain(message);
});

test('two models in one pod: a second ModelPrepInit with the default names is told which props to set; with its own names it works', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
  new ModelPrepInit(pod, 'base', { source: ModelSource.http('https://e.com/base.bin') });
  new ModelPrepInit(pod, 'adapter', { source: ModelSource.http('https://e.com/lora.bin') });
  const message = synthError(chart);
  expect(message).toContain('[test/llm/adapter] name: container name "model-downloader" is already used by test/llm/base. Fix: give this container its own name');
  expect(message).toContain('[test/llm/adapter] volumeName: volume name "model-storage" is already used by test/llm/base. Fix: give this volume its own volumeName');

  const ok = newChart();
  const pod2 = new AiInferencePod(ok, 'llm', { server: SERVER });
  new ModelPrepInit(pod2, 'base', { source: ModelSource.http('https://e.com/base.bin') });
  new ModelPrepInit(pod2, 'adapter', {
    source: ModelSource.http('https://e.com/lora.bin'), name: 'adapter-downloader', volumeName: 'adapter-storage', mountPath: '/adapters', modelPathEnv: 'ADAPTER_PATH',
  });
  const server = container(manifestOf(synth(ok), 'Pod'), 'server');
  expect(server.env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['MODEL_PATH', 'ADAPTER_PATH']));
});

test('a sidecar named like the server is refused with the prop to change', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
  new Sidecar(pod, 'x', { name: 'server', image: 'x/y:1' });
  expect(synthError(chart)).toContain('[test/llm/x] name: container name "server" is already used by test/llm. Fix: give this container its own name');
});

test('a warningsAsErrors context value that is not a boolean is reported, not ignored', () => {
  const chart = newChart();
  chart.node.setContext('cdk8s-ai-inference:warningsAsErrors', 'yes');
  new AiInferencePod(chart, 'llm', { server: SERVER });
  expect(synthError(chart)).toContain('[test/llm] context cdk8s-ai-inference:warningsAsErrors: "yes" is not true or false. Fix: set it to true or false');
});

test('a secretEnv entry that is not a Secret key reference is a structured error, not a TypeError', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { ...SERVER, secretEnv: { TOKEN: null as any, KEY: { secretName: 'Bad Name', key: 'k' } } } });
  new InitContainer(pod, 'init', { name: 'init', image: 'busybox:1.36.1', secretEnv: { TOKEN: 'x' as any } });
  const message = synthError(chart);
  expect(message).toContain('[test/llm] server.secretEnv.TOKEN: null is not a Secret key reference. Fix: give { secretName: \'my-secret\', key: \'token\' }');
  expect(message).toContain('[test/llm] server.secretEnv.KEY.secretName: "Bad Name" is not a valid Secret name');
  expect(message).toContain('[test/llm/init] secretEnv.TOKEN: "x" is not a Secret key reference');
});

test('the package exports constructs, classes, enums and constants only: no internal helper functions', () => {
  const helpers = Object.entries(publicApi).filter(([name, value]) => typeof value === 'function' && !/^[A-Z]/.test(name)).map(([name]) => name);
  expect(helpers).toEqual([]);
});
