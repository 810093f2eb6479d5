import * as kplus from 'cdk8s-plus-27';
import {
  AiInferencePod, HealthCheck, LogCredentials, LogDestination, LogSidecar, ModelPrepInit, ModelSource, PROXY_SIDECAR_IMAGE,
  ProxyAuth, ProxySidecar, ProxyTls, Sidecar, SidecarMode,
} from '../src';
import { pssRestrictedViolations } from './helpers/pss';
import { container, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';

function inferencePod(props: any = {}) {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' }, ...props });
  return { chart, pod };
}

describe('the sidecar mechanism', () => {
  test('native (default): an init container with restartPolicy Always, probes kept, small explicit resources, restricted', () => {
    const { chart, pod } = inferencePod();
    new Sidecar(pod, 'redis', { name: 'redis', image: 'redis:7.4.1', ports: [{ number: 6379, name: 'redis' }], health: HealthCheck.tcp() });
    const manifest = manifestOf(synth(chart), 'Pod');
    const redis = podSpec(manifest).initContainers[0];
    expect(redis).toEqual({
      name: 'redis',
      image: 'redis:7.4.1',
      ports: [{ containerPort: 6379, name: 'redis' }],
      restartPolicy: 'Always',
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      securityContext: {
        allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true,
        runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000,
      },
      startupProbe: { tcpSocket: { port: 6379 }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
      readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    });
    expect(podSpec(manifest).containers.map((c: any) => c.name)).toEqual(['server']);
    expect(pssRestrictedViolations(manifest)).toEqual([]);
  });

  test('classic: an ordinary container without restartPolicy', () => {
    const { chart, pod } = inferencePod();
    new Sidecar(pod, 'adapter', { name: 'adapter', image: 'example/adapter:2.0', mode: SidecarMode.CLASSIC });
    const spec = podSpec(manifestOf(synth(chart), 'Pod'));
    expect(spec.initContainers).toBeUndefined();
    expect(spec.containers.map((c: any) => c.name)).toEqual(['server', 'adapter']);
    expect(container(manifestOf(synth(chart), 'Pod'), 'adapter').restartPolicy).toBeUndefined();
  });

  test('native sidecars let a restartPolicy Never worker pod complete; model downloads run before the sidecars start', () => {
    const { chart, pod } = inferencePod({ restartPolicy: kplus.RestartPolicy.NEVER });
    new LogSidecar(pod, 'logs');
    new ModelPrepInit(pod, 'model', { source: ModelSource.http('https://e.com/m.bin') });
    const spec = podSpec(manifestOf(synth(chart), 'Pod'));
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['model-downloader', undefined], ['log-forwarder', 'Always']]);
  });

  test.each([
    ['Pod', (chart: any) => new kplus.Pod(chart, 'w', { containers: [{ name: 'app', image: 'x/app:1', portNumber: 8000 }] })],
    ['Deployment', (chart: any) => new kplus.Deployment(chart, 'w', { containers: [{ name: 'app', image: 'x/app:1', portNumber: 8000 }] })],
    ['StatefulSet', (chart: any) => new kplus.StatefulSet(chart, 'w', {
      containers: [{ name: 'app', image: 'x/app:1', portNumber: 8000 }],
      service: new kplus.Service(chart, 'svc', { ports: [{ port: 8000 }] }),
    })],
    ['Job', (chart: any) => new kplus.Job(chart, 'w', { containers: [{ name: 'app', image: 'x/app:1', portNumber: 8000 }] })],
  ])('every sidecar works on a cdk8s-plus %s', (kind, make) => {
    const chart = newChart();
    const workload = make(chart);
    new LogSidecar(workload, 'logs', { logDir: '/logs' });
    new ProxySidecar(workload, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    new Sidecar(workload, 'redis', { name: 'redis', image: 'redis:7.4.1' });
    const manifests = synth(chart);
    const manifest = manifestOf(manifests, kind);
    expect(podSpec(manifest).initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([
      ['log-forwarder', 'Always'], ['redis', 'Always'], ['auth-proxy', 'Always'],
    ]);
    expect(container(manifest, 'app').volumeMounts).toContainEqual({ name: 'app-logs', mountPath: '/logs' });
    expect(container(manifest, 'auth-proxy').ports).toEqual([{ containerPort: 8080, name: 'http-proxy' }]);
    expect(podSpec(manifest).securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(manifests.filter(m => m.kind === 'ConfigMap')).toHaveLength(1);
    expect(manifests.filter(m => m.kind === 'NetworkPolicy')).toHaveLength(1);
  });
});

describe('LogSidecar', () => {
  test('streaming (default): shared volume rw in the server, ro in the sidecar, pinned image', () => {
    const { chart, pod } = inferencePod();
    new LogSidecar(pod, 'log-forwarder', { logDir: '/var/log/app' });
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    const manifest = manifestOf(manifests, 'Pod');
    const sidecar = container(manifest, 'log-forwarder');
    expect(sidecar.image).toBe('debian:12.8-slim');
    expect(sidecar.volumeMounts).toEqual([{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true }]);
    expect(container(manifest, 'server').volumeMounts).toContainEqual({ name: 'app-logs', mountPath: '/var/log/app' });
    expect(podSpec(manifest).volumes).toContainEqual({ name: 'app-logs', emptyDir: { sizeLimit: '1Gi' } });
    expect(sidecar.env).toEqual([{ name: 'LOG_DIR', value: '/var/log/app' }, { name: 'LOG_PATTERN', value: '*.log' }]);
    expect(pssRestrictedViolations(manifest)).toEqual([]);
  });

  test('shipping: Fluent Bit with a generated ConfigMap, credentials from a Secret, pod metadata, disk buffer', () => {
    const { chart, pod } = inferencePod();
    new LogSidecar(pod, 'log-forwarder', {
      shipTo: LogDestination.loki({ host: 'loki.monitoring.svc', port: 3100, tls: false, tenantId: 'ml', labels: { app: 'llm' }, credentials: LogCredentials.basicAuth('loki-auth') }),
    });
    const manifests = synth(chart);
    const conf = manifestOf(manifests, 'ConfigMap').data['fluent-bit.conf'];
    expect(conf).toMatchSnapshot();
    expect(conf).toContain('    Path               /var/log/app/*.log');
    expect(conf).toContain('    Labels             job=${LOG_SINK_JOB}, pod=${POD_NAME}, namespace=${POD_NAMESPACE}, app=llm');
    expect(conf).toContain('    http_Passwd        ${LOG_SINK_PASSWORD}');
    expect(conf).not.toContain('loki-auth');
    const sidecar = container(manifestOf(manifests, 'Pod'), 'log-forwarder');
    expect(sidecar.image).toBe('cr.fluentbit.io/fluent/fluent-bit:3.1.9');
    expect(sidecar.env).toContainEqual({ name: 'LOG_SINK_PASSWORD', valueFrom: { secretKeyRef: { name: 'loki-auth', key: 'password' } } });
    expect(sidecar.readinessProbe.httpGet).toEqual({ path: '/api/v1/health', port: 2020 });
  });

  test('fails on a writer that is not a container', () => {
    const { chart, pod } = inferencePod();
    new LogSidecar(pod, 'logs', { writers: ['ghost'] });
    expect(synthError(chart)).toContain('[test/llm/logs] writers: container "ghost" is not a regular container of the workload (have: server)');
  });
});

describe('ProxySidecar', () => {
  test('TLS + bearer tokens: public port 8443, forwards to the server port, secrets mounted, config in a ConfigMap', () => {
    const { chart, pod } = inferencePod({ server: { image: 'vllm/vllm-openai:v0.6.3', port: 9000 } });
    const proxy = new ProxySidecar(pod, 'auth-proxy', { tls: ProxyTls.fromSecret('llm-tls'), auth: ProxyAuth.bearerTokens('llm-tokens') });
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expect(proxy.port).toBe(8443);
    expect(proxy.upstreamPort).toBe(9000);
    const manifest = manifestOf(manifests, 'Pod');
    const sidecar = container(manifest, 'auth-proxy');
    expect(sidecar.image).toBe(PROXY_SIDECAR_IMAGE);
    expect(sidecar.securityContext).toMatchObject({ runAsUser: 101, runAsGroup: 101, readOnlyRootFilesystem: true });
    expect(podSpec(manifest).volumes).toContainEqual({ name: 'auth-proxy-tls', secret: { secretName: 'llm-tls' } });
    expect(manifestOf(manifests, 'ConfigMap').data['nginx.conf']).toContain('server 127.0.0.1:9000;');
    expect(pssRestrictedViolations(manifest)).toEqual([]);
  });

  test('basic auth mounts only the htpasswd key', () => {
    const { chart, pod } = inferencePod();
    new ProxySidecar(pod, 'auth-proxy', { auth: ProxyAuth.basicAuth('users', 'htpasswd') });
    const spec = podSpec(manifestOf(synth(chart), 'Pod'));
    expect(spec.volumes).toContainEqual({ name: 'auth-proxy-auth', secret: { secretName: 'users', items: [{ key: 'htpasswd', path: 'auth' }] } });
  });
});

describe('shared-namespace rules', () => {
  test('fails when two containers bind the same port, naming both', () => {
    const { chart, pod } = inferencePod();
    new Sidecar(pod, 'metrics', { name: 'metrics', image: 'example/metrics:1.0', ports: [{ number: 8000 }] });
    expect(synthError(chart)).toContain('[test/llm] container "server": spec.containers[0].ports[0].containerPort: port 8000/TCP is also bound by container "metrics"; containers of a pod share one network namespace. Fix: move one of "metrics" and "server" to another port');
  });

  test('fails when a sidecar mounts a volume the pod does not define, naming both', () => {
    const { chart, pod } = inferencePod();
    new Sidecar(pod, 'reader', { name: 'reader', image: 'example/reader:1.0', volumeMounts: [{ volume: 'model-storage', path: '/models' }] });
    expect(synthError(chart)).toContain('[test/llm/reader] container "reader": spec.initContainers[0].volumeMounts[0].name: mounts volume "model-storage", which the pod does not define (volumes: server-tmp)');
  });

  test('a sidecar mount of an existing volume is fine', () => {
    const { chart, pod } = inferencePod();
    new ModelPrepInit(pod, 'model', { source: ModelSource.http('https://e.com/m.bin') });
    new Sidecar(pod, 'reader', { name: 'reader', image: 'example/reader:1.0', volumeMounts: [{ volume: 'model-storage', path: '/models' }] });
    expect(container(manifestOf(synth(chart), 'Pod'), 'reader').volumeMounts).toEqual([{ name: 'model-storage', mountPath: '/models', readOnly: true }]);
  });

  test('fails when the proxy forwards to a port no container serves', () => {
    const { chart, pod } = inferencePod();
    new ProxySidecar(pod, 'auth-proxy', { upstreamPort: 9999 });
    expect(synthError(chart)).toContain('[test/llm/auth-proxy] container "auth-proxy": spec.initContainers[0].env: test/llm/auth-proxy forwards to localhost:9999, but no other container of the pod listens there (served: 8000 (server))');
  });

  test('fails when the proxy takes the server port', () => {
    const { chart, pod } = inferencePod();
    new ProxySidecar(pod, 'auth-proxy', { port: 8000 });
    expect(synthError(chart)).toContain('port 8000/TCP is also bound by container "auth-proxy"; containers of a pod share one network namespace. Fix: move one of "auth-proxy" and "server" to another port');
  });

  test('fails on bad proxy props', () => {
    const { chart, pod } = inferencePod();
    new ProxySidecar(pod, 'auth-proxy', { openPaths: ['health; deny all'], requestBodyLimit: '64 MB' });
    const message = synthError(chart);
    expect(message).toContain('[test/llm/auth-proxy] openPaths: "health; deny all" is not a URL path');
    expect(message).toContain('[test/llm/auth-proxy] requestBodyLimit: "64 MB" is not an nginx size');
  });
});

describe('Fluent Bit configuration (Fluent Bit does not run on this machine: checked structurally)', () => {
  function shipped(destination: LogDestination) {
    const { chart, pod } = inferencePod();
    new LogSidecar(pod, 'log-forwarder', { shipTo: destination, logDir: '/var/log/app' });
    const manifests = synth(chart);
    return { conf: manifestOf(manifests, 'ConfigMap').data['fluent-bit.conf'] as string, sidecar: container(manifestOf(manifests, 'Pod'), 'log-forwarder') };
  }

  /** Parses the classic format: [SECTION] lines, then 4-space-indented `Key Value` pairs. */
  function parse(conf: string): Array<{ section: string; entries: Array<[string, string]> }> {
    const sections: Array<{ section: string; entries: Array<[string, string]> }> = [];
    for (const line of conf.split('\n')) {
      if (!line.trim()) continue;
      const header = /^\[([A-Z]+)\]$/.exec(line);
      if (header) {
        sections.push({ section: header[1], entries: [] });
        continue;
      }
      const pair = /^ {4}(\S+) +(\S.*)$/.exec(line);
      if (!pair || !sections.length) throw new Error(`not a Fluent Bit line: ${JSON.stringify(line)}`);
      sections[sections.length - 1].entries.push([pair[1], pair[2]]);
    }
    return sections;
  }

  test.each([
    ['http', LogDestination.http({ host: 'logs.example.com', uri: '/ingest', credentials: LogCredentials.bearerToken('sink') })],
    ['loki', LogDestination.loki({ host: 'loki', tls: false, credentials: LogCredentials.basicAuth('loki') })],
    ['es', LogDestination.elasticsearch({ host: 'es.example.com', port: 9243, index: 'llm' })],
  ])('%s: well-formed, every ${VAR} provided by the container, every path on a mount', (plugin, destination) => {
    const { conf, sidecar } = shipped(destination);
    const sections = parse(conf);
    expect(sections.map(s => s.section)).toEqual(['SERVICE', 'INPUT', 'FILTER', 'OUTPUT']);
    const output = Object.fromEntries(sections[3].entries);
    expect(output.Name).toBe(plugin);
    expect(output.Match).toBe(Object.fromEntries(sections[1].entries).Tag.replace('*', '*'));
    const vars = [...conf.matchAll(/\$\{(\w+)\}/g)].map(m => m[1]);
    const env = sidecar.env.map((e: any) => e.name);
    for (const v of vars) expect(env).toContain(v);
    const mounts = sidecar.volumeMounts.map((m: any) => m.mountPath);
    for (const [key, value] of [...sections[0].entries, ...sections[1].entries]) {
      if (['Path', 'DB', 'storage.path'].includes(key)) {
        expect({ key, onMount: mounts.some((m: string) => value.startsWith(`${m}/`)) }).toEqual({ key, onMount: true });
      }
    }
    // the health port in the config is the one the probes use
    expect(Object.fromEntries(sections[0].entries).HTTP_Port).toBe(String(sidecar.readinessProbe.httpGet.port));
    expect(sidecar.command).toEqual(['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/cdk8s/fluent-bit.conf']);
  });
});
