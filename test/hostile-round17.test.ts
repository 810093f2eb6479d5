/**
 * Hostile round 17: composition and escape hatches as a platform team wraps the library in its
 * own templates — add-ons in any order, cdk8s-plus calls on the escape hatches after
 * construction, JSON patches on every object written, two apps in one process, subclasses and
 * odd construct ids. Each break a test here.
 */
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AiInferenceDeployment, AiInferencePod, InferenceServer, LogDestination, LogSidecar, ProxyAuth, ProxySidecar, ProxyTls } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, synth } from './helpers/synth';

const server = { image: 'vllm/vllm-openai:v0.6.3' };

function podSpec(manifest: any): any {
  return manifest.spec.template?.spec ?? manifest.spec.jobTemplate?.spec.template.spec ?? manifest.spec;
}

describe('what a workload of yours sets with cdk8s-plus survives InferenceServer', () => {
  // wirePod wrote the library's defaults over the workload's own settings: a platform template's
  // Deployment with a five-minute drain got 60 s, one that mounts its service account token got none
  test('terminationGracePeriod of the cdk8s-plus Deployment is kept when the server gives none', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'd', { terminationGracePeriod: Duration.minutes(5) });
    new InferenceServer(d, 'server', { server });
    expect(podSpec(manifestOf(synth(chart), 'Deployment')).terminationGracePeriodSeconds).toBe(300);
  });

  test('the server\'s own terminationGracePeriod still wins over the workload\'s; neither given is 60 s', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'd', { terminationGracePeriod: Duration.minutes(5) });
    new InferenceServer(d, 'server', { server, terminationGracePeriod: Duration.seconds(90) });
    const j = new kplus.Job(chart, 'j');
    new InferenceServer(j, 'server', { server: { ...server, listens: false } });
    const manifests = synth(chart);
    expect(podSpec(manifestOf(manifests, 'Deployment')).terminationGracePeriodSeconds).toBe(90);
    expect(podSpec(manifestOf(manifests, 'Job')).terminationGracePeriodSeconds).toBe(60);
  });

  test.each([
    ['with its service account', (chart: any) => ({ serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'model-reader'), automountServiceAccountToken: true })],
    ['without one (the namespace default)', () => ({ automountServiceAccountToken: true })],
  ])('automountServiceAccountToken: true of the cdk8s-plus Deployment is kept, %s', (_name, props) => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'd', props(chart));
    new InferenceServer(d, 'server', { server });
    expect(podSpec(manifestOf(synth(chart), 'Deployment')).automountServiceAccountToken).toBe(true);
  });

  test('the server\'s automountServiceAccountToken: false still wins over the workload\'s true', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'd', { automountServiceAccountToken: true });
    new InferenceServer(d, 'server', { server, automountServiceAccountToken: false });
    expect(podSpec(manifestOf(synth(chart), 'Deployment')).automountServiceAccountToken).toBe(false);
  });
});

describe('the affinity prop and cdk8s-plus scheduling on the escape hatch: both land', () => {
  // `affinity` replaced the whole affinity cdk8s-plus rendered: pod.pod.scheduling.attract(...),
  // deployment.scheduling.spread(...) and a StatefulSet's own attract were silently dropped
  const zoneB = () => kplus.Node.labeled(kplus.NodeLabelQuery.is('topology.kubernetes.io/zone', 'b'));
  const hostAnti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'llm' } } }] } };

  test('AiInferencePod: affinity prop (pod anti-affinity) + pod.pod.scheduling.attract (node affinity), attract after construction', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'p', { server, affinity: hostAnti });
    pod.pod.scheduling.attract(zoneB());
    const spec = podSpec(manifestOf(synth(chart), 'Pod'));
    expect(spec.affinity.podAntiAffinity).toEqual(hostAnti.podAntiAffinity);
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
      .toEqual([{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['b'] }] }]);
  });

  test('AiInferenceDeployment: affinity prop (node affinity) + deployment.scheduling.spread (pod anti-affinity)', () => {
    const chart = newChart();
    const d = new AiInferenceDeployment(chart, 'd', {
      server,
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'In', values: ['a100'] }] }] } } },
    });
    d.deployment.scheduling.spread({ topology: kplus.Topology.ZONE });
    const affinity = podSpec(manifestOf(synth(chart), 'Deployment')).affinity;
    expect(Object.keys(affinity)).toEqual(['nodeAffinity', 'podAntiAffinity']);
    expect(affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key).toBe('gpu');
  });

  test('required node terms of both sides must all hold: their pairwise AND, not a looser OR', () => {
    const chart = newChart();
    const sts = new kplus.StatefulSet(chart, 's', { service: new kplus.Service(chart, 'h', { clusterIP: 'None', ports: [{ port: 8000 }] }) });
    sts.scheduling.attract(zoneB());
    new InferenceServer(sts, 'server', {
      server,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'gpu', operator: 'In', values: ['a100'] }] },
              { matchExpressions: [{ key: 'gpu', operator: 'In', values: ['h100'] }] },
            ],
          },
        },
      },
    });
    const terms = podSpec(manifestOf(synth(chart), 'StatefulSet')).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    const zone = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['b'] };
    expect(terms).toEqual([
      { matchExpressions: [zone, { key: 'gpu', operator: 'In', values: ['a100'] }] },
      { matchExpressions: [zone, { key: 'gpu', operator: 'In', values: ['h100'] }] },
    ]);
  });
});

describe('odd construct ids in a platform\'s own scope', () => {
  // the name derived from an id '..' was refused, and the fix suggested the same invalid name;
  // since round 22 the derived names are made valid as the name rules suggest (the user wrote no name)
  const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  test.each(['..', 'v1.', '.hidden', 'a.-.b'])('id %j: every derived name is one the API server accepts', id => {
    const chart = newChart();
    const pod = new AiInferencePod(new Construct(chart, id), id, { server });
    new ProxySidecar(pod, id, { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') });
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs.map(m => m.metadata.name).filter(n => !DNS1123_SUBDOMAIN.test(n))).toEqual([]);
  });
});

describe('JSON patches on the ConfigMaps the sidecars read', () => {
  // a patch that removed the proxy's nginx.conf (or Fluent Bit's configuration) was written:
  // the ConfigMap is valid on its own, but the sidecar mounting it cannot start
  const proxied = (chart: any) => {
    const d = new AiInferenceDeployment(chart, 'd', { server });
    return new ProxySidecar(d, 'proxy', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') });
  };
  test.each([
    ['removes data', JsonPatch.remove('/data')],
    ['removes the key', JsonPatch.remove('/data/nginx.conf')],
    ['empties the key', JsonPatch.replace('/data/nginx.conf', '')],
  ])('a patch that %s of the proxy\'s ConfigMap is refused, naming the key', (_name, patch) => {
    const lines = expectRefused(chart => ApiObject.of(proxied(chart).config).addJsonPatch(patch), /\[test\/d\/proxy\] data\["nginx\.conf"\]: /);
    expect(lines.join('\n')).toMatch(/Fix: patch the content/);
  });

  test('a patch that replaces the proxy\'s configuration, or adds a key, is written as asked', () => {
    const chart = newChart();
    const proxy = proxied(chart);
    ApiObject.of(proxy.config).addJsonPatch(JsonPatch.replace('/data/nginx.conf', 'events {}\nhttp {}\n'), JsonPatch.add('/data/extra.conf', '# more'));
    const cm = synth(chart).find(m => m.kind === 'ConfigMap');
    expect(cm.data).toEqual({ 'nginx.conf': 'events {}\nhttp {}\n', 'extra.conf': '# more' });
  });

  test('a patch that removes Fluent Bit\'s configuration from a shipping LogSidecar\'s ConfigMap is refused', () => {
    expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'p', { server });
      const logs = new LogSidecar(pod, 'logs', { shipTo: LogDestination.loki({ host: 'loki.monitoring' }) });
      ApiObject.of(logs.config!).addJsonPatch(JsonPatch.remove('/data/fluent-bit.conf'));
    }, /\[test\/p\/logs\] data\["fluent-bit\.conf"\]: is missing/);
  });
});

describe('cdk8s-plus exposeViaService on a workload with an InferenceServer', () => {
  // cdk8s-plus checks a Service's target ports against the containers' ports when it is created;
  // the server's ports are shown to it (without addPort's eager duplicate check), so the call
  // works, before or after other add-ons, and a port given twice is still a structured finding.
  test('deployment.exposeViaService() writes a Service to the server port', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'd');
    new InferenceServer(d, 'server', { server });
    d.exposeViaService({ name: 'llm', ports: [{ port: 80, targetPort: 8000 }] });
    const svc = manifestOf(synth(chart), 'Service');
    expect(svc.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 8000 })]);
  });

  test('without ports it exposes the server\'s port and extraPorts, and server.ports lists them', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'd');
    const s = new InferenceServer(d, 'server', { server: { ...server, extraPorts: [{ number: 9090, name: 'metrics' }] } });
    expect(s.container.ports.map(p => p.number)).toEqual([8000, 9090]);
    d.exposeViaService({ name: 'llm' });
    const docs = synth(chart);
    expect(manifestOf(docs, 'Service').spec.ports.map((p: any) => [p.port, p.targetPort, p.name])).toEqual([[8000, 8000, 'http'], [9090, 9090, 'metrics']]);
    expect(manifestOf(docs, 'Deployment').spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 9090, name: 'metrics' }]);
  });

  test('a port added again through the escape hatch is a structured finding, not a throw', () => {
    expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'p', { server });
      pod.server.addPort({ number: 8000, name: 'again' });
    }, /spec\.containers\[0\]\.ports\[1\]/);
  });
});
