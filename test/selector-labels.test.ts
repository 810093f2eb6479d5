import { AiInferenceDeployment, ProxySidecar, ProxyTls } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, synth } from './helpers/synth';

// A Deployment's selector cannot change: replacing a Helm release in place (OpenVINO Model
// Server's chart selects `app: ovms`-style labels) needs the release's selector, not cdk8s-plus's
// `cdk8s.io/metadata.addr`. The Service follows the selector; the pods carry its labels.

const server = { image: 'openvino/model_server:2024.4', port: 8080 };

test('selectorLabels: the Deployment, its pods and its Service use them, with a proxy too', () => {
  const chart = newChart();
  const d = new AiInferenceDeployment(chart, 'ovms', {
    metadata: { name: 'ovms', labels: { team: 'ml' } }, selectorLabels: { 'app.kubernetes.io/name': 'ovms', 'app.kubernetes.io/instance': 'prod' }, server,
  });
  new ProxySidecar(d, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
  const manifests = synth(chart);
  expectApiValid(manifests);
  const deployment = manifestOf(manifests, 'Deployment');
  expect(deployment.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'ovms', 'app.kubernetes.io/instance': 'prod' } });
  expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': 'ovms', 'app.kubernetes.io/instance': 'prod', 'team': 'ml' }));
  expect(manifestOf(manifests, 'Service').spec.selector).toEqual({ 'app.kubernetes.io/name': 'ovms', 'app.kubernetes.io/instance': 'prod' });
  expect(d.describe()).toContain('-l app.kubernetes.io/name=ovms,app.kubernetes.io/instance=prod');
});

test('without selectorLabels the selector is cdk8s-plus\'s own, as before', () => {
  const chart = newChart();
  new AiInferenceDeployment(chart, 'llm', { server });
  expect(Object.keys(manifestOf(synth(chart), 'Deployment').spec.selector.matchLabels)).toEqual(['cdk8s.io/metadata.addr']);
});

test.each([
  [{}, /selectorLabels: \{\} selects every pod of the namespace/],
  [{ app: 1 }, /selectorLabels: .* is not a map of strings/],
  [{ 'cdk8s.io/metadata.addr': 'x' }, /selectorLabels: "cdk8s\.io\/metadata\.addr" is the label/],
  [{ app: 'Not Valid!' }, /Not Valid!/],
])('selectorLabels %j is refused', (labels, message) => {
  expectRefused(chart => new AiInferenceDeployment(chart, 'llm', { server, selectorLabels: labels as any }), message);
});

test('a selector label that podMetadata.labels contradicts is refused', () => {
  expectRefused(chart => new AiInferenceDeployment(chart, 'llm', { server, selectorLabels: { app: 'ovms' }, podMetadata: { labels: { app: 'other' } } }),
    /selectorLabels: "app" is "ovms" but podMetadata\.labels gives it "other"/);
});
