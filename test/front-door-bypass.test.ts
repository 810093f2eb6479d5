import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePod, InferenceServer, ProxySidecar, ProxyTls, Sidecar } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, synth } from './helpers/synth';

// README, Sidecars: the front door (a ProxySidecar, a Sidecar frontDoor) is the only way in — its
// NetworkPolicy admits only its port. cdk8s-plus's exposeViaService() and connections.allowFrom(),
// or a Service or NetworkPolicy of your own, on the same pods must not open the server's port
// around it (policies add up; a Service to the server's port sends what the policy drops).

const server = { image: 'vllm/vllm-openai:v0.6.3', port: 8000 };

function proxied(chart: Chart): AiInferenceDeployment {
  const d = new AiInferenceDeployment(chart, 'llm', { metadata: { name: 'llm' }, server });
  new ProxySidecar(d, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
  return d;
}

test('exposeViaService() on a proxied Deployment targets the server\'s port: refused, naming the Service and the front door', () => {
  expectRefused(chart => proxied(chart).deployment.exposeViaService({ name: 'direct' }),
    /test\/llm\/Resource\/directService: spec\.ports\[0\] targets the model server's port 8000 behind the front door test\/llm\/auth-proxy.*Fix: target the front door's port 8443/);
});

test('connections.allowFrom() without ports admits the server\'s port around the proxy: refused; with the front door\'s port it is written', () => {
  expectRefused(chart => {
    const d = proxied(chart);
    d.deployment.connections.allowFrom(kplus.Pods.all(chart, 'all'), { isolation: kplus.PodConnectionsIsolation.POD });
  }, /the NetworkPolicy admits the model server's port 8000 of the pod behind the front door test\/llm\/auth-proxy/);
  const chart = newChart();
  const d = proxied(chart);
  d.deployment.connections.allowFrom(kplus.Pods.all(chart, 'all'), { isolation: kplus.PodConnectionsIsolation.POD, ports: [kplus.NetworkPolicyPort.tcp(8443)] });
  const manifests = synth(chart);
  expectApiValid(manifests);
  expect(manifests.filter(m => m.kind === 'NetworkPolicy')).toHaveLength(2);
});

test('a Service of your own to the front door\'s port is written; to the server\'s port (by name too) refused; other pods are not concerned', () => {
  const chart = newChart();
  const d = proxied(chart);
  new kplus.Service(chart, 'public', { selector: d.deployment, ports: [{ port: 443, targetPort: 8443 }] });
  const other = new kplus.Deployment(chart, 'other', { containers: [{ image: 'nginx:1.27.2', portNumber: 8000, securityContext: { ensureNonRoot: false } }] });
  new kplus.Service(chart, 'other-svc', { selector: other, ports: [{ port: 80, targetPort: 8000 }] });
  const manifests = synth(chart);
  expect(manifests.filter(m => m.kind === 'Service').map(m => m.spec.ports[0].targetPort).sort()).toEqual([8000, 8443, 8443]);
  expectRefused(c => {
    const p = proxied(c);
    new kplus.Service(c, 'by-name', { selector: p.deployment, ports: [{ port: 80, targetPort: 'http' as any }] });
  }, /by-name: spec\.ports\[0\] targets the model server's port "http"/);
});

test('on your own Deployment, a bare AiInferencePod and behind a Sidecar frontDoor alike; admitPorts opens a port on purpose', () => {
  expectRefused(chart => {
    const workload = new kplus.Deployment(chart, 'mine');
    new InferenceServer(workload, 'server', { server });
    new ProxySidecar(workload, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
    workload.exposeViaService({ name: 'svc' });
  }, /targets the model server's port 8000 behind the front door test\/mine\/auth-proxy/);
  expectRefused(chart => {
    const pod = new AiInferencePod(chart, 'pod', { server });
    new Sidecar(pod, 'rbac', { name: 'kube-rbac-proxy', image: 'quay.io/brancz/kube-rbac-proxy:v0.18.1', ports: [{ number: 8443 }], frontDoor: { port: 8443, https: true } });
    new kplus.Service(chart, 'direct', { selector: pod.pod, ports: [{ port: 80, targetPort: 8000 }] });
  }, /direct: spec\.ports\[0\] targets the model server's port 8000 behind the front door test\/pod\/rbac/);
  // a metrics port admitted on purpose: a Service of cdk8s-plus's to it is written
  const chart = newChart();
  const d = new AiInferenceDeployment(chart, 'llm', { server: { ...server, extraPorts: [{ number: 9090, name: 'metrics' }] } });
  new ProxySidecar(d, 'auth-proxy', { tls: ProxyTls.fromSecret('tls'), admitPorts: [9090] });
  d.deployment.exposeViaService({ name: 'metrics', ports: [{ port: 9090, targetPort: 9090, name: 'metrics' }] });
  const manifests = synth(chart);
  expectApiValid(manifests);
  expect(manifests.filter(m => m.kind === 'Service').map(m => m.spec.ports[0].targetPort).sort()).toEqual([8443, 9090]);
  expect(manifestOf(manifests, 'Deployment')).toBeDefined();
});

test('a headless Service (a StatefulSet\'s DNS names) forwards nothing and is left alone', () => {
  const chart = newChart();
  const d = proxied(chart);
  new kplus.Service(chart, 'headless', { selector: d.deployment, clusterIP: 'None', ports: [{ port: 80, targetPort: 8000 }] });
  expectApiValid(synth(chart));
});

