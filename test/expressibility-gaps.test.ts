/**
 * Expressibility gaps found by new users writing production pods (Knative's queue-proxy, Seldon
 * Core v1's executor, KServe ModelMesh): HTTP probe headers, downwardAPI and projected volumes,
 * `subPathExpr` mounts and the Deployment's progress deadline. Each field is asserted in the
 * manifest, the manifests are checked against the official schema, and bad input is refused at
 * synth in the library's format.
 */
import { Chart, Duration } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, PodField, PodVolume, Probe, ProjectedSource, ProxyAuth, ProxySidecar, ProxyTls,
} from '../src';
import { mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

const IMAGE = 'vllm/vllm-openai:v0.6.3';
const KNATIVE = [{ name: 'K-Network-Probe', value: 'queue' }];

describe('httpHeaders on HTTP probes and health checks', () => {
  test('Probe.httpGet writes httpGet.httpHeaders as given, a repeated name kept (Knative\'s queue-proxy readiness)', () => {
    const chart = newChart();
    const headers = [...KNATIVE, { name: 'Accept', value: 'text/plain' }, { name: 'Accept', value: 'application/json' }];
    new AiInferencePod(chart, 'llm', {
      server: {
        image: IMAGE,
        health: HealthCheck.custom({ readiness: Probe.httpGet('/', { httpHeaders: headers, period: Duration.seconds(1) }) }),
      },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const server = container(manifestOf(manifests, 'Pod'), 'server');
    expect(server.readinessProbe.httpGet).toEqual({ path: '/', port: 8000, httpHeaders: headers });
    expect(warnings).toBe('');
  });

  test('HealthCheck.http sends the headers with the startup, readiness and liveness probes', () => {
    const chart = newChart();
    const headers = [{ name: 'Host', value: 'llm.example.com' }];
    new AiInferencePod(chart, 'llm', { server: { image: IMAGE, health: HealthCheck.http('/health', { httpHeaders: headers, livenessPath: '/live' }) } });
    const { manifests } = synthWithWarnings(chart);
    const server = container(manifestOf(manifests, 'Pod'), 'server');
    expect(server.startupProbe.httpGet).toEqual({ path: '/health', port: 8000, httpHeaders: headers });
    expect(server.readinessProbe.httpGet).toEqual({ path: '/health', port: 8000, httpHeaders: headers });
    expect(server.livenessProbe.httpGet).toEqual({ path: '/live', port: 8000, httpHeaders: headers });
  });

  test('the headers given are a snapshot: changing the caller\'s list afterwards changes nothing', () => {
    const chart = newChart();
    const headers = [{ name: 'Authorization', value: 'Bearer probe' }];
    new AiInferencePod(chart, 'llm', { server: { image: IMAGE, health: HealthCheck.http('/health', { httpHeaders: headers }) } });
    headers.push({ name: 'X-Late', value: 'no' });
    const { manifests } = synthWithWarnings(chart);
    expect(container(manifestOf(manifests, 'Pod'), 'server').readinessProbe.httpGet.httpHeaders).toEqual([{ name: 'Authorization', value: 'Bearer probe' }]);
  });

  test('through a ProxySidecar the server\'s probes keep their headers on the proxy port, and the proxy\'s own probes are unchanged', () => {
    const chart = newChart();
    const headers = [{ name: 'Authorization', value: 'Bearer probe' }, ...KNATIVE];
    const pod = new AiInferencePod(chart, 'llm', { server: { image: IMAGE, health: HealthCheck.http('/health', { httpHeaders: headers }) } });
    new ProxySidecar(pod, 'proxy', { tls: ProxyTls.fromSecret('llm-tls'), auth: ProxyAuth.bearerTokens('tokens') });
    const { manifests } = synthWithWarnings(chart);
    const manifest = manifestOf(manifests, 'Pod');
    const server = container(manifest, 'server');
    for (const probe of [server.startupProbe, server.readinessProbe, server.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/health', port: 8443, scheme: 'HTTPS', httpHeaders: headers });
    }
    const proxy = container(manifest, 'auth-proxy');
    for (const probe of [proxy.startupProbe, proxy.readinessProbe, proxy.livenessProbe]) {
      expect(probe.httpGet).toBeUndefined();
      expect(probe.tcpSocket).toEqual({ port: 8443 });
    }
    // nginx forwards request headers as they come (Host included); the probe path skips the proxy's token check
    const conf: string = manifestOf(manifests, 'ConfigMap').data['nginx.conf'];
    expect(conf).toContain('proxy_set_header Host $inference_host;'); // the client's Host, its port kept (hostile round 25)
    expect(conf).not.toMatch(/proxy_set_header (Authorization|K-Network-Probe)/i);
    expect(conf).toContain('"~^\\Q/health\\E$" 1;');
  });

  test.each([
    ['a name with a space', [{ name: 'K Network', value: 'queue' }], /health\.readiness\.httpHeaders\[0\]\.name: "K Network" is not an HTTP header name/],
    ['a name with an underscore', [{ name: 'X_Probe', value: '1' }], /httpHeaders\[0\]\.name: "X_Probe" is not an HTTP header name/],
    ['a value that is not a string', [{ name: 'X-Probe', value: 1 }], /httpHeaders\[0\]\.value: 1 is not a header value/],
    ['a value over two lines', [{ name: 'X-Probe', value: 'a\nb' }], /httpHeaders\[0\]\.value: .* is not a header value/],
    ['a header without a value', [{ name: 'X-Probe' }], /httpHeaders\[0\]\.value: undefined is not a header value/],
    ['an unknown key', [{ name: 'X-Probe', value: '1', override: true }], /httpHeaders\[0\]\.override: unknown prop/],
    ['a map instead of a list', { 'X-Probe': '1' }, /httpHeaders: .* is not a list/],
  ])('refused: %s', (_what, headers, field) => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', { server: { image: IMAGE, health: HealthCheck.custom({ readiness: Probe.httpGet('/health', { httpHeaders: headers as any }) }) } });
    }, field);
  });

  test('refused on HealthCheck.http once, under the option (not once per probe it makes)', () => {
    const lines = expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', { server: { image: IMAGE, health: HealthCheck.http('/health', { httpHeaders: [{ name: 'Bad Name', value: 'x' }] }) } });
    }, /server\.health\.httpHeaders\[0\]\.name/);
    expect(lines).toHaveLength(1);
    // the bad header is not rendered: the prop error says it once, the httpHeaderNames rule does not repeat it
    expect(lines.filter(l => /httpGet\.httpHeaders/.test(l))).toEqual([]);
  });
});

describe('PodVolume.downwardApi', () => {
  test('whole labels and annotations, one label, a container\'s resource with its divisor, file modes', () => {
    const chart = newChart();
    const podinfo = PodVolume.downwardApi('podinfo', {
      defaultMode: 0o644,
      items: [
        { path: 'labels', field: PodField.LABELS },
        { path: 'annotations', field: PodField.ANNOTATIONS, mode: 0o444 },
        { path: 'app', field: PodField.label('app') },
        { path: 'name', field: PodField.POD_NAME },
        { path: 'limits/memory', field: PodField.containerResource('server', 'limits.memory', '1Mi') },
      ],
    });
    new AiInferencePod(chart, 'llm', { server: { image: IMAGE, volumeMounts: [{ volume: podinfo, path: '/etc/podinfo' }] } });
    const { manifests, warnings } = synthWithWarnings(chart);
    const manifest = manifestOf(manifests, 'Pod');
    expect(volume(podSpec(manifest), 'podinfo')).toEqual({
      name: 'podinfo',
      downwardAPI: {
        defaultMode: 420,
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' }, mode: 292 },
          { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'limits/memory', resourceFieldRef: { containerName: 'server', resource: 'limits.memory', divisor: '1Mi' } },
        ],
      },
    });
    expect(mount(container(manifest, 'server'), '/etc/podinfo')).toEqual({ name: 'podinfo', mountPath: '/etc/podinfo', readOnly: true });
    expect(warnings).toBe('');
  });

  test.each([
    ['a field only an environment variable holds', [{ path: 'ip', field: PodField.POD_IP }], /items\[0\]\.field: status\.podIP is for environment variables only/],
    ['a resource of no container', [{ path: 'mem', field: PodField.resource('limits.memory') }], /items\[0\]\.field: PodField\.resource\("limits\.memory"\) names no container/],
    ['an absolute path', [{ path: '/labels', field: PodField.LABELS }], /items\[0\]\.path: "\/labels" is not a relative file name/],
    ['a path with ..', [{ path: '../labels', field: PodField.LABELS }], /items\[0\]\.path: "\.\.\/labels"/],
    ['a path written twice', [{ path: 'l', field: PodField.LABELS }, { path: 'l', field: PodField.ANNOTATIONS }], /items\[1\]\.path: "l" is written twice/],
    ['a field that is not a PodField', [{ path: 'l', field: 'metadata.labels' }], /items\[0\]\.field: "metadata\.labels" is not a PodField/],
    ['a mode above 0777', [{ path: 'l', field: PodField.LABELS, mode: 0o1000 }], /items\[0\]\.mode: 512 is not a file mode/],
  ])('refused: %s', (_what, items, field) => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', { server: { image: IMAGE, volumeMounts: [{ volume: PodVolume.downwardApi('podinfo', { items: items as any }), path: '/etc/podinfo' }] } });
    }, field);
  });

  test('a refused file is reported once, as a prop: the volumeFiles rule does not repeat it', () => {
    const lines = expectRefused((chart: Chart) => {
      const podinfo = PodVolume.downwardApi('podinfo', { defaultMode: 644, items: [{ path: '../x', field: PodField.POD_IP, mode: 0o1000 }] });
      new AiInferencePod(chart, 'llm', { server: { image: IMAGE, volumeMounts: [{ volume: podinfo, path: '/etc/podinfo' }] } });
    }, /volume "podinfo"\.items\[0\]\.path/);
    expect(lines.filter(l => /spec\.volumes/.test(l))).toEqual([]);
    expect(lines).toHaveLength(4);
  });

  test('refused: no items', () => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', { server: { image: IMAGE, volumeMounts: [{ volume: PodVolume.downwardApi('podinfo', {} as any), path: '/etc/podinfo' }] } });
    }, /volume "podinfo"\.items: is missing/);
  });

  test('PodField.LABELS is refused as an environment variable', () => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', { server: { image: IMAGE, fieldEnv: { LABELS: PodField.LABELS } } });
    }, /fieldEnv\.LABELS: metadata\.labels .* is a file of a downwardAPI volume only/);
  });
});

describe('PodVolume.projected', () => {
  test('an audience-bound service account token with ConfigMap, Secret and pod fields; no warning with automountServiceAccountToken false', () => {
    const chart = newChart();
    const projected = PodVolume.projected('vault', {
      defaultMode: 0o440,
      sources: [
        ProjectedSource.serviceAccountToken({ path: 'token', audience: 'vault', expiration: Duration.minutes(10) }),
        ProjectedSource.configMap('vault-ca', { keys: ['ca.crt'] }),
        ProjectedSource.secret('vault-role', { optional: true }),
        ProjectedSource.downwardApi([{ path: 'namespace', field: PodField.POD_NAMESPACE }]),
      ],
    });
    new AiInferencePod(chart, 'llm', { server: { image: IMAGE, volumeMounts: [{ volume: projected, path: '/var/run/secrets/vault' }] } });
    const { manifests, warnings } = synthWithWarnings(chart);
    const manifest = manifestOf(manifests, 'Pod');
    expect(podSpec(manifest).automountServiceAccountToken).toBe(false);
    expect(volume(podSpec(manifest), 'vault')).toEqual({
      name: 'vault',
      projected: {
        defaultMode: 288,
        sources: [
          { serviceAccountToken: { audience: 'vault', expirationSeconds: 600, path: 'token' } },
          { configMap: { name: 'vault-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { secret: { name: 'vault-role', optional: true } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
    expect(mount(container(manifest, 'server'), '/var/run/secrets/vault')).toEqual({ name: 'vault', mountPath: '/var/run/secrets/vault', readOnly: true });
    expect(warnings).toBe('');
  });

  test('a token with neither audience nor expiration: Kubernetes\' defaults, nothing written for them', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', {
      server: { image: IMAGE, volumeMounts: [{ volume: PodVolume.projected('sa', { sources: [ProjectedSource.serviceAccountToken({ path: 'token' })] }), path: '/var/run/sa' }] },
    });
    const { manifests } = synthWithWarnings(chart);
    expect(volume(podSpec(manifestOf(manifests, 'Pod')), 'sa').projected).toEqual({ sources: [{ serviceAccountToken: { path: 'token' } }] });
  });

  test.each([
    ['a token valid less than 10 minutes', [ProjectedSource.serviceAccountToken({ path: 'token', expiration: Duration.minutes(5) })],
      /sources\[0\]\.serviceAccountToken\.expiration: 300 s is less than 600 s\. Fix: use e\.g\. Duration\.seconds\(600\)/],
    ['a token without a path', [ProjectedSource.serviceAccountToken({} as any)], /sources\[0\]\.serviceAccountToken\.path: is missing/],
    ['an empty audience', [ProjectedSource.serviceAccountToken({ path: 'token', audience: '' })], /serviceAccountToken\.audience: "" is not an audience/],
    ['a ConfigMap name that is not one', [ProjectedSource.configMap('Vault_CA')], /sources\[0\]\.configMap\.name/],
    ['a Secret key that is not one', [ProjectedSource.secret('role', { keys: ['a/b'] })], /sources\[0\]\.secret\.keys\[0\]/],
    ['a source that is not a ProjectedSource', [{ secret: { name: 'x' } }], /sources\[0\]: .* is not a ProjectedSource/],
    ['no sources', [], /volume "vault"\.sources: is empty/],
  ])('refused: %s', (_what, sources, field) => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', { server: { image: IMAGE, volumeMounts: [{ volume: PodVolume.projected('vault', { sources: sources as any }), path: '/var/run/vault' }] } });
    }, field);
  });

  test('refused: a defaultMode above 0777', () => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', {
        server: { image: IMAGE, volumeMounts: [{ volume: PodVolume.projected('vault', { defaultMode: 644, sources: [ProjectedSource.serviceAccountToken({ path: 't' })] }), path: '/v' }] },
      });
    }, /volume "vault"\.defaultMode: 644 is not a file mode/);
  });
});

describe('subPathExpr on volume mounts', () => {
  test('a directory per pod: subPathExpr with the container\'s own variable', () => {
    const chart = newChart();
    const logs = PodVolume.persistentVolumeClaim('logs', 'llm-logs');
    new AiInferencePod(chart, 'llm', {
      server: {
        image: IMAGE,
        fieldEnv: { POD_NAME: PodField.POD_NAME },
        volumeMounts: [{ volume: logs, path: '/var/log/llm', readOnly: false, subPathExpr: 'pods/$(POD_NAME)' }],
      },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(mount(container(manifestOf(manifests, 'Pod'), 'server'), '/var/log/llm'))
      .toEqual({ name: 'logs', mountPath: '/var/log/llm', readOnly: false, subPathExpr: 'pods/$(POD_NAME)' });
    expect(warnings).toBe('');
  });

  test('refused: a variable the container does not set', () => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', {
        server: { image: IMAGE, volumeMounts: [{ volume: PodVolume.emptyDir('scratch'), path: '/scratch', subPathExpr: '$(POD_NAME)' }] },
      });
    }, /volumeMounts\[\d+\]\.subPathExpr: .*refers to \$\(POD_NAME\), which the container's env does not set/);
  });

  test('refused: with subPath', () => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', {
        server: { image: IMAGE, env: { X: 'a' }, volumeMounts: [{ volume: PodVolume.emptyDir('scratch'), path: '/scratch', subPath: 'a', subPathExpr: '$(X)' }] },
      });
    }, /volumeMounts\[0\]\.subPathExpr: "\$\(X\)" is given with subPath "a": a mount takes one of them/);
  });

  test.each([
    ['an absolute path', '/$(X)'],
    ['a path with ..', '../$(X)'],
  ])('refused: %s', (_what, expr) => {
    expectRefused((chart: Chart) => {
      new AiInferencePod(chart, 'llm', {
        server: { image: IMAGE, env: { X: 'a' }, volumeMounts: [{ volume: PodVolume.emptyDir('scratch'), path: '/scratch', subPathExpr: expr }] },
      });
    }, /volumeMounts\[0\]\.subPathExpr: .* is not a relative path without '\.\.'/);
  });
});

describe('AiInferenceDeployment progressDeadline', () => {
  test('by default modelLoadTimeout + 10 minutes; given, it is written as is', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'default', { server: { image: IMAGE }, modelLoadTimeout: Duration.minutes(20) });
    new AiInferenceDeployment(chart, 'given', { server: { image: IMAGE }, progressDeadline: Duration.minutes(45) });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deployments = manifests.filter(m => m.kind === 'Deployment');
    expect(deployments.map(d => d.spec.progressDeadlineSeconds)).toEqual([1200 + 600, 2700]);
    expect(warnings).toBe('');
  });

  test('shorter than the startup probe budget: a warning naming both', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', { server: { image: IMAGE }, modelLoadTimeout: Duration.minutes(30), progressDeadline: Duration.minutes(10) });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifestOf(manifests, 'Deployment').spec.progressDeadlineSeconds).toBe(600);
    expect(warnings).toMatch(/progressDeadline: 600 s is shorter than the server's startup probe budget \(1800 s\)/);
    expect(warnings).toMatch(/Fix: give at least Duration\.seconds\(1800\)/);
  });

  test('no startup probe: no warning', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', { server: { image: IMAGE, health: HealthCheck.none() }, progressDeadline: Duration.seconds(60) });
    expect(synthWithWarnings(chart).warnings).toBe('');
  });

  test.each([
    ['a fraction of a second', Duration.millis(1500)],
    ['zero', Duration.seconds(0)],
  ])('refused: %s', (_what, deadline) => {
    expectRefused((chart: Chart) => {
      new AiInferenceDeployment(chart, 'llm', { server: { image: IMAGE }, progressDeadline: deadline });
    }, /progressDeadline: (.* is not a whole number of seconds of at least 1|0 s is less than 1 s)/);
  });
});
