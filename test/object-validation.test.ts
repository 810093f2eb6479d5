import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CacheAccessMode, AiInferenceDeployment, AiInferencePod, HealthCheck, InferenceServer, LogCredentials, LogDestination, LogSidecar, ModelCache,
  ModelPrepInit, ModelSource, ProxyAuth, ProxySidecar, ProxyTls,
} from '../src';
import { expectApiValid, newChart, schemaFindings, synth } from './helpers/synth';
import { selectorMatches } from '../src/validation/_object-helpers';
import { CEL_EXPRESSION_MAX_LENGTH, deviceRequests } from '../src/validation/device-claim-rules';
import { Finding } from '../src/validation/model';
import { OBJECT_RULES, objectFindings } from '../src/validation/object-rules';
import { CONFIG_MAP_MAX_BYTES } from '../src/validation/storage-rules';

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm(), resources: { memory: { request: '16Gi', limit: '16Gi' } } };

/** Every object kind the library writes, rendered by the library itself (synth + schema). */
function renderLibraryObjects(): any[] {
  const chart = newChart('objects');
  const llm = new AiInferenceDeployment(chart, 'llm', {
    metadata: { name: 'llama-3-8b', namespace: 'inference', labels: { app: 'llama-3-8b' } },
    replicas: 2, server: SERVER, gpu: { count: 1 }, modelLoadTimeout: Duration.minutes(20),
  });
  new ModelPrepInit(llm, 'model', {
    source: ModelSource.s3('s3://my-models/llama/'),
    cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi', storageClassName: 'efs-sc', accessMode: CacheAccessMode.READ_WRITE_MANY }),
  });
  new LogSidecar(llm, 'logs', { shipTo: LogDestination.loki({ host: 'loki.monitoring.svc', port: 3100, tls: false, credentials: LogCredentials.basicAuth('loki-auth') }) });
  new ProxySidecar(llm, 'proxy', { tls: ProxyTls.fromSecret('llama-tls'), auth: ProxyAuth.bearerTokens('llama-api-tokens') });
  new AiInferencePod(chart, 'pod', { metadata: { name: 'ai-inference-pod', labels: { app: 'ai-engine' } }, server: SERVER });
  const service = new kplus.Service(chart, 'governing', { ports: [{ port: 8000 }] });
  new InferenceServer(new kplus.StatefulSet(chart, 'sts', { service }), 'server', { server: SERVER });
  new InferenceServer(new kplus.Job(chart, 'job', { restartPolicy: kplus.RestartPolicy.NEVER }), 'server', { server: SERVER });
  return synth(chart);
}

/** Kinds the library is about to write (issue 12): written by hand, as the constructs will. */
const NETWORK_POLICY = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'llama-3-8b-proxy-only', namespace: 'inference' },
  spec: {
    podSelector: { matchLabels: { app: 'llama-3-8b' } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      { ports: [{ port: 8443, protocol: 'TCP' }] },
      { from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['ml'] }] }, podSelector: {} }], ports: [{ port: 'metrics' }] },
    ],
    egress: [{
      to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] } }, { ipBlock: { cidr: 'fd00::/8', except: ['fd00:1::/32'] } }],
      ports: [{ port: 9000, endPort: 9100, protocol: 'TCP' }],
    }],
  },
};

const CLAIM_TEMPLATE = {
  apiVersion: 'resource.k8s.io/v1',
  kind: 'ResourceClaimTemplate',
  metadata: { name: 'single-gpu', namespace: 'inference' },
  spec: {
    spec: {
      devices: {
        requests: [
          {
            name: 'gpu',
            exactly: {
              deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 1,
              selectors: [{ cel: { expression: 'device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("40Gi")) >= 0' } }],
            },
          },
          { name: 'fallback', firstAvailable: [{ name: 'mig', deviceClassName: 'mig.nvidia.com' }, { name: 'any', deviceClassName: 'gpu.nvidia.com', allocationMode: 'All' }] },
        ],
        constraints: [{ requests: ['gpu', 'fallback/mig'], matchAttribute: 'gpu.nvidia.com/productName' }],
      },
    },
  },
};

const LIBRARY = renderLibraryObjects();
// the hand-written kinds first: variants start from the richest object of each kind
const GOOD = [NETWORK_POLICY, CLAIM_TEMPLATE, ...LIBRARY];

/** A deep copy of the good object of `kind` (the first one), changed by `change`. */
function variant(kind: string, change: (m: any) => void): any {
  const found = GOOD.find(m => m.kind === kind);
  if (!found) {
    throw new Error(`no good ${kind}`);
  }
  const copy = JSON.parse(JSON.stringify(found));
  change(copy);
  return copy;
}

const long = (n: number, c = 'a') => c.repeat(n);
const deploymentSelector = (m: any, selector: any) => {
  m.spec.selector = selector;
};

describe('good objects', () => {
  test('every object the library renders, and the kinds it is about to write, have zero findings and pass the schema', () => {
    expect(GOOD.map(m => m.kind).sort()).toEqual(
      ['ConfigMap', 'ConfigMap', 'Deployment', 'Job', 'NetworkPolicy', 'NetworkPolicy', 'PersistentVolumeClaim', 'Pod', 'ResourceClaimTemplate', 'Service', 'Service', 'StatefulSet']);
    for (const m of GOOD) {
      expect({ kind: m.kind, findings: objectFindings(m) }).toEqual({ kind: m.kind, findings: [] });
    }
    expectApiValid(GOOD);
  });

  // What the API server accepts must not be refused: each of these is valid, and near a rule.
  const ACCEPTED: Array<[string, string, (m: any) => void]> = [
    ['Recreate strategy', 'Deployment', m => { m.spec.strategy = { type: 'Recreate' }; }],
    ['surge in percent, nothing unavailable', 'Deployment', m => { m.spec.strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: 0 }; }],
    ['rolling update with Kubernetes defaults', 'Deployment', m => { delete m.spec.strategy.rollingUpdate; }],
    ['zero replicas and no progress deadline', 'Deployment', m => { m.spec.replicas = 0; delete m.spec.progressDeadlineSeconds; }],
    ['selector by expressions', 'Deployment', m => {
      m.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['llama-3-8b'] }, { key: 'tier', operator: 'DoesNotExist' }, { key: 'app', operator: 'Exists' }, { key: 'app', operator: 'NotIn', values: ['other'] }] };
    }],
    ['StatefulSet with a claim template, Parallel, OnDelete', 'StatefulSet', m => {
      m.spec.podManagementPolicy = 'Parallel';
      m.spec.updateStrategy = { type: 'OnDelete' };
      m.spec.volumeClaimTemplates = [{ metadata: { name: 'model-cache' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } } }];
      m.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' };
    }],
    ['Indexed Job', 'Job', m => Object.assign(m.spec, { completionMode: 'Indexed', completions: 4, parallelism: 2, backoffLimitPerIndex: 1, maxFailedIndexes: 1 })],
    ['Job with a manual selector that matches', 'Job', m => Object.assign(m.spec, { manualSelector: true, selector: { matchLabels: m.spec.template.metadata.labels } })],
    ['Job selecting its own job-name label', 'Job', m => { m.spec.selector = { matchLabels: { 'batch.kubernetes.io/job-name': m.metadata.name } }; m.spec.template.metadata.labels['batch.kubernetes.io/job-name'] = m.metadata.name; }],
    ['headless Service without ports', 'Service', m => { m.spec.clusterIP = 'None'; delete m.spec.ports; }],
    ['ExternalName Service with a trailing dot', 'Service', m => { m.spec = { type: 'ExternalName', externalName: 'models.example.com.' }; }],
    ['NodePort Service, named target port, Local traffic', 'Service', m => {
      m.spec.type = 'NodePort';
      m.spec.externalTrafficPolicy = 'Local';
      m.spec.ports = [{ name: 'https', port: 443, targetPort: 'proxy', nodePort: 30443 }, { name: 'https-udp', port: 443, protocol: 'UDP', targetPort: 8443 }];
    }],
    ['targetPort 0, which Kubernetes defaults to the port', 'Service', m => { m.spec.ports[0].targetPort = 0; }],
    ['Service with an IPv6 cluster IP and long port name', 'Service', m => { m.spec.clusterIP = 'fd00::10'; m.spec.ports[0].name = 'this-is-a-longer-port-name'; }],
    ['claim without class and ReadWriteOncePod', 'PersistentVolumeClaim', m => { m.spec.storageClassName = ''; m.spec.accessModes = ['ReadWriteOncePod']; m.spec.volumeMode = 'Block'; }],
    ['ConfigMap with binaryData and a dot file', 'ConfigMap', m => { m.data = { '.hidden': 'x' }; m.binaryData = { 'weights.bin': Buffer.from([0, 1, 2]).toString('base64') }; }],
    ['ConfigMap of exactly 1 MiB', 'ConfigMap', m => { m.data = { big: long(CONFIG_MAP_MAX_BYTES) }; }],
    ['NetworkPolicy selecting every pod, ingress only', 'NetworkPolicy', m => { m.spec = { podSelector: {}, policyTypes: ['Ingress'] }; }],
    ['DRA request for all devices of a class', 'ResourceClaimTemplate', m => { m.spec.spec.devices = { requests: [{ name: 'all-gpus', exactly: { deviceClassName: 'gpu.nvidia.com', allocationMode: 'All' } }] }; }],
    ['CEL expression of exactly 10 Ki characters', 'ResourceClaimTemplate', m => {
      m.spec.spec.devices.requests[0].exactly.selectors = [{ cel: { expression: `device.driver == "${long(CEL_EXPRESSION_MAX_LENGTH - 20)}"` } }];
    }],
  ];

  test.each(ACCEPTED)('accepted: %s', (_name, kind, change) => {
    const m = variant(kind, change);
    expect(objectFindings(m)).toEqual([]);
    expectApiValid([m]);
  });
});

// Each row: a distinct bad object (a good one, changed), the field and the message its rule reports.
const CASES: Array<[string, string, (m: any) => void, string, string]> = [
  // --- metadata, per kind
  ['Service name of 64 characters', 'Service', m => { m.metadata.name = long(64, 's'); }, 'metadata.name', `"${long(64, 's')}" is not a valid Service name (DNS-1035 label`],
  ['Service name starting with a digit', 'Service', m => { m.metadata.name = '8b-llama'; }, 'metadata.name', '"8b-llama" is not a valid Service name'],
  ['Service name with a dot', 'Service', m => { m.metadata.name = 'llama.v1'; }, 'metadata.name', '"llama.v1" is not a valid Service name'],
  ['StatefulSet name with a dot', 'StatefulSet', m => { m.metadata.name = 'llm.v1'; }, 'metadata.name', '"llm.v1" is not a valid StatefulSet name (DNS-1123 label'],
  ['StatefulSet name of 64 characters', 'StatefulSet', m => { m.metadata.name = long(64); }, 'metadata.name', 'is not a valid StatefulSet name'],
  ['Job name of 64 characters', 'Job', m => { m.metadata.name = long(64, 'j'); }, 'metadata.name', 'has 64 characters; a Job name can have at most 63, because its pods carry it as the job-name label'],
  ['claim name with uppercase and underscore', 'PersistentVolumeClaim', m => { m.metadata.name = 'Bad_Claim'; }, 'metadata.name', '"Bad_Claim" is not a valid Kubernetes name'],
  ['ConfigMap name ending in a dash', 'ConfigMap', m => { m.metadata.name = 'proxy-config-'; }, 'metadata.name', '"proxy-config-" is not a valid Kubernetes name'],
  ['Deployment without a name', 'Deployment', m => { delete m.metadata.name; }, 'metadata.name', 'the object has no name'],
  ['NetworkPolicy namespace with uppercase', 'NetworkPolicy', m => { m.metadata.namespace = 'AI_ns'; }, 'metadata.namespace', '"AI_ns" is not a valid namespace'],
  ['Service label value with a leading dash', 'Service', m => { m.metadata.labels = { tier: '-bad-' }; }, 'metadata.labels["tier"]', 'value "-bad-" is not a valid label value'],
  ['claim annotation key with a space', 'PersistentVolumeClaim', m => { m.metadata.annotations = { 'not valid': 'x' }; }, 'metadata.annotations["not valid"]', '"not valid" is not a valid annotation key'],
  ['ConfigMap annotations over 256 KiB', 'ConfigMap', m => { m.metadata.annotations = { big: long(300 * 1024) }; }, 'metadata.annotations', 'more than the API server\'s limit of 262144 (256 KiB)'],
  // --- Deployment, StatefulSet: counts and selector
  ['Deployment replicas -1', 'Deployment', m => { m.spec.replicas = -1; }, 'spec.replicas', '-1 must be a whole number from 0 to 2147483647'],
  ['Deployment replicas 1.5', 'Deployment', m => { m.spec.replicas = 1.5; }, 'spec.replicas', '1.5 must be a whole number'],
  ['StatefulSet replicas over int32', 'StatefulSet', m => { m.spec.replicas = 2 ** 31; }, 'spec.replicas', '2147483648 must be a whole number from 0 to 2147483647'],
  ['Deployment minReadySeconds -5', 'Deployment', m => { m.spec.minReadySeconds = -5; }, 'spec.minReadySeconds', '-5 must be a whole number'],
  ['Deployment revisionHistoryLimit -1', 'Deployment', m => { m.spec.revisionHistoryLimit = -1; }, 'spec.revisionHistoryLimit', '-1 must be a whole number'],
  ['Deployment without a selector', 'Deployment', m => { delete m.spec.selector; }, 'spec.selector', 'a Deployment needs a selector'],
  ['Deployment with an empty selector', 'Deployment', m => deploymentSelector(m, {}), 'spec.selector', 'an empty selector would select every pod of the namespace'],
  ['selector that misses the template labels', 'Deployment', m => deploymentSelector(m, { matchLabels: { app: 'other' } }), 'spec.template.metadata.labels', 'the selector {"matchLabels":{"app":"other"}} does not select the pod template\'s labels'],
  ['selector expression with an unknown operator', 'Deployment', m => deploymentSelector(m, { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] }), 'spec.selector.matchExpressions[0].operator', '"Equals" is not a valid selector operator'],
  ['selector In without values', 'Deployment', m => deploymentSelector(m, { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }), 'spec.selector.matchExpressions[0].values', 'operator In needs at least one value'],
  ['selector Exists with values', 'Deployment', m => deploymentSelector(m, { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] }), 'spec.selector.matchExpressions[0].values', 'operator Exists takes no values'],
  ['selector label key with a space', 'StatefulSet', m => { m.spec.selector.matchLabels['bad key'] = 'x'; }, 'spec.selector.matchLabels["bad key"]', '"bad key" is not a valid label key'],
  ['selector expression value with a space', 'Deployment', m => deploymentSelector(m, { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a b'] }] }), 'spec.selector.matchExpressions[0].values[0]', 'value "a b" is not a valid label value'],
  ['selector expression key with two slashes', 'Deployment', m => deploymentSelector(m, { matchExpressions: [{ key: 'a/b/c', operator: 'Exists' }] }), 'spec.selector.matchExpressions[0].key', '"a/b/c" is not a valid label key'],
  ['pod template label value over 63', 'Deployment', m => { m.spec.template.metadata.labels.app = long(64, 'v'); }, 'spec.template.metadata.labels["app"]', 'is not a valid label value'],
  ['pod template annotation key with a space', 'StatefulSet', m => { m.spec.template.metadata.annotations = { 'a b': 'x' }; }, 'spec.template.metadata.annotations["a b"]', '"a b" is not a valid annotation key'],
  ['Deployment pod template with activeDeadlineSeconds', 'Deployment', m => { m.spec.template.spec.activeDeadlineSeconds = 60; }, 'spec.template.spec.activeDeadlineSeconds', 'a Deployment does not accept activeDeadlineSeconds'],
  // --- Deployment strategy and deadline
  ['strategy type BlueGreen', 'Deployment', m => { m.spec.strategy.type = 'BlueGreen'; }, 'spec.strategy.type', '"BlueGreen" is not a valid Deployment strategy (one of RollingUpdate, Recreate)'],
  ['Recreate with rollingUpdate', 'Deployment', m => { m.spec.strategy.type = 'Recreate'; }, 'spec.strategy.rollingUpdate', 'rollingUpdate cannot be set when the strategy type is Recreate'],
  ['maxSurge 0 and maxUnavailable 0', 'Deployment', m => { m.spec.strategy.rollingUpdate.maxSurge = 0; }, 'spec.strategy.rollingUpdate.maxUnavailable', 'maxUnavailable and maxSurge are both 0'],
  ['maxSurge "0%" and maxUnavailable 0', 'Deployment', m => { m.spec.strategy.rollingUpdate.maxSurge = '0%'; }, 'spec.strategy.rollingUpdate.maxUnavailable', 'maxUnavailable and maxSurge are both 0'],
  ['maxSurge "lots"', 'Deployment', m => { m.spec.strategy.rollingUpdate.maxSurge = 'lots'; }, 'spec.strategy.rollingUpdate.maxSurge', '"lots" is neither a whole number ≥ 0 nor a percentage'],
  ['maxUnavailable -1', 'Deployment', m => { m.spec.strategy.rollingUpdate.maxUnavailable = -1; }, 'spec.strategy.rollingUpdate.maxUnavailable', '-1 is neither a whole number ≥ 0 nor a percentage'],
  ['maxUnavailable "150%"', 'Deployment', m => { m.spec.strategy.rollingUpdate.maxUnavailable = '150%'; }, 'spec.strategy.rollingUpdate.maxUnavailable', '"150%" is more than 100%'],
  ['progress deadline equal to minReadySeconds', 'Deployment', m => { m.spec.minReadySeconds = 600; m.spec.progressDeadlineSeconds = 600; }, 'spec.progressDeadlineSeconds', '600 must be greater than minReadySeconds (600)'],
  ['progress deadline -1', 'Deployment', m => { m.spec.progressDeadlineSeconds = -1; }, 'spec.progressDeadlineSeconds', '-1 must be a whole number'],
  // --- StatefulSet
  ['StatefulSet serviceName with underscore', 'StatefulSet', m => { m.spec.serviceName = 'Bad_Svc'; }, 'spec.serviceName', '"Bad_Svc" is not a valid Service name (DNS-1035 label)'],
  ['StatefulSet serviceName starting with a digit', 'StatefulSet', m => { m.spec.serviceName = '1svc'; }, 'spec.serviceName', '"1svc" is not a valid Service name'],
  ['podManagementPolicy Random', 'StatefulSet', m => { m.spec.podManagementPolicy = 'Random'; }, 'spec.podManagementPolicy', '"Random" is not a valid pod management policy'],
  ['StatefulSet update strategy Rolling', 'StatefulSet', m => { m.spec.updateStrategy.type = 'Rolling'; }, 'spec.updateStrategy.type', '"Rolling" is not a valid StatefulSet update strategy'],
  ['OnDelete with rollingUpdate', 'StatefulSet', m => { m.spec.updateStrategy.type = 'OnDelete'; }, 'spec.updateStrategy.rollingUpdate', 'rollingUpdate cannot be set when the update strategy is OnDelete'],
  ['partition -1', 'StatefulSet', m => { m.spec.updateStrategy.rollingUpdate.partition = -1; }, 'spec.updateStrategy.rollingUpdate.partition', '-1 must be a whole number'],
  ['StatefulSet maxUnavailable 0', 'StatefulSet', m => { m.spec.updateStrategy.rollingUpdate.maxUnavailable = 0; }, 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'maxUnavailable cannot be 0'],
  ['claim retention Keep', 'StatefulSet', m => { m.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Keep' }; }, 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted', '"Keep" is not a valid claim retention policy'],
  ['claim template name with uppercase', 'StatefulSet', m => { m.spec.volumeClaimTemplates = [{ metadata: { name: 'Cache_1' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]; },
    'spec.volumeClaimTemplates[0].metadata.name', '"Cache_1" is not a valid claim template name'],
  ['claim template without access modes', 'StatefulSet', m => { m.spec.volumeClaimTemplates = [{ metadata: { name: 'cache' }, spec: { resources: { requests: { storage: '1Gi' } } } }]; },
    'spec.volumeClaimTemplates[0].spec.accessModes', 'a claim needs at least one access mode'],
  ['claim template defined twice', 'StatefulSet', m => { const t = { metadata: { name: 'cache' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }; m.spec.volumeClaimTemplates = [t, t]; },
    'spec.volumeClaimTemplates[1].metadata.name', 'claim template "cache" is defined twice'],
  ['StatefulSet selector that misses the template', 'StatefulSet', m => { m.spec.template.metadata.labels = { app: 'x' }; }, 'spec.template.metadata.labels', 'does not select the pod template\'s labels {"app":"x"}'],
  // --- Job
  ['Job parallelism -1', 'Job', m => { m.spec.parallelism = -1; }, 'spec.parallelism', '-1 must be a whole number'],
  ['Job completions 2.5', 'Job', m => { m.spec.completions = 2.5; }, 'spec.completions', '2.5 must be a whole number'],
  ['Job backoffLimit -1', 'Job', m => { m.spec.backoffLimit = -1; }, 'spec.backoffLimit', '-1 must be a whole number'],
  ['Job activeDeadlineSeconds -60', 'Job', m => { m.spec.activeDeadlineSeconds = -60; }, 'spec.activeDeadlineSeconds', '-60 must be a whole number'],
  ['Job ttlSecondsAfterFinished "soon"', 'Job', m => { m.spec.ttlSecondsAfterFinished = 'soon'; }, 'spec.ttlSecondsAfterFinished', '"soon" must be a whole number'],
  ['Job completionMode Ordered', 'Job', m => { m.spec.completionMode = 'Ordered'; }, 'spec.completionMode', '"Ordered" is not a valid completion mode (one of NonIndexed, Indexed)'],
  ['Indexed Job without completions', 'Job', m => { m.spec.completionMode = 'Indexed'; }, 'spec.completions', 'an Indexed Job needs completions'],
  ['backoffLimitPerIndex without Indexed', 'Job', m => { m.spec.backoffLimitPerIndex = 1; }, 'spec.backoffLimitPerIndex', 'backoffLimitPerIndex needs completionMode Indexed'],
  ['Indexed Job with 200000 parallel pods', 'Job', m => Object.assign(m.spec, { completionMode: 'Indexed', completions: 300000, parallelism: 200000 }), 'spec.parallelism', '200000 is more than 100000'],
  ['Indexed Job whose last hostname is too long', 'Job', m => { m.metadata.name = long(60, 'w'); Object.assign(m.spec, { completionMode: 'Indexed', completions: 1000 }); },
    'metadata.name', `the last pod's hostname "${long(60, 'w')}-999" would not be a DNS-1123 label`],
  ['Job with manualSelector and no selector', 'Job', m => { m.spec.manualSelector = true; }, 'spec.selector', 'a Job needs a selector'],
  ['Job selector that misses the template', 'Job', m => Object.assign(m.spec, { manualSelector: true, selector: { matchLabels: { app: 'other' } } }), 'spec.template.metadata.labels', 'does not select the pod template\'s labels'],
  ['Job selector without manualSelector', 'Job', m => { m.spec.selector = { matchLabels: { app: 'llm' } }; }, 'spec.selector', 'a Job\'s selector is generated by Kubernetes unless manualSelector is true'],
  // --- Service
  ['Service without ports', 'Service', m => { m.spec.ports = []; }, 'spec.ports', 'a Service needs at least one port'],
  ['Service port 0', 'Service', m => { m.spec.ports[0].port = 0; }, 'spec.ports[0].port', '0 is not a port number (1-65535)'],
  ['Service port 70000', 'Service', m => { m.spec.ports[0].port = 70000; }, 'spec.ports[0].port', '70000 is not a port number'],
  ['second Service port without a name', 'Service', m => { m.spec.ports.push({ port: 9090 }); }, 'spec.ports[1].name', 'every port of a Service with several ports needs a name'],
  ['Service port name in uppercase', 'Service', m => { m.spec.ports[0].name = 'HTTP'; }, 'spec.ports[0].name', '"HTTP" is not a valid Service port name (DNS-1123 label'],
  ['Service port name used twice', 'Service', m => { m.spec.ports.push({ ...m.spec.ports[0], port: 9443 }); }, 'spec.ports[1].name', 'port name "proxy" is used twice'],
  ['Service protocol HTTP', 'Service', m => { m.spec.ports[0].protocol = 'HTTP'; }, 'spec.ports[0].protocol', '"HTTP" is not a valid protocol (one of TCP, UDP, SCTP)'],
  ['targetPort 70000', 'Service', m => { m.spec.ports[0].targetPort = 70000; }, 'spec.ports[0].targetPort', '70000 is neither a port number (1-65535) nor a port name'],
  ['targetPort name over 15 characters', 'Service', m => { m.spec.ports[0].targetPort = 'this-name-is-too-long'; }, 'spec.ports[0].targetPort', '"this-name-is-too-long" is neither a port number'],
  ['targetPort name with underscore', 'Service', m => { m.spec.ports[0].targetPort = 'http_port'; }, 'spec.ports[0].targetPort', '"http_port" is neither a port number'],
  ['same port and protocol twice', 'Service', m => { m.spec.ports.push({ ...m.spec.ports[0], name: 'again' }); }, 'spec.ports[1]', 'port 8443/TCP is listed twice'],
  ['nodePort on a ClusterIP Service', 'Service', m => { m.spec.ports[0].nodePort = 30443; }, 'spec.ports[0].nodePort', 'nodePort cannot be set on a Service of type ClusterIP'],
  ['nodePort 70000', 'Service', m => { m.spec.type = 'NodePort'; m.spec.ports[0].nodePort = 70000; }, 'spec.ports[0].nodePort', '70000 is not a port number'],
  ['Service type Internal', 'Service', m => { m.spec.type = 'Internal'; }, 'spec.type', '"Internal" is not a valid Service type'],
  ['clusterIP "auto"', 'Service', m => { m.spec.clusterIP = 'auto'; }, 'spec.clusterIP', '"auto" is not an IP address, "None" or empty'],
  ['headless LoadBalancer', 'Service', m => { m.spec.type = 'LoadBalancer'; m.spec.clusterIP = 'None'; }, 'spec.clusterIP', 'a LoadBalancer Service cannot be headless'],
  ['ExternalName without externalName', 'Service', m => { m.spec = { type: 'ExternalName' }; }, 'spec.externalName', 'undefined is not a DNS name'],
  ['ExternalName with a cluster IP', 'Service', m => { m.spec = { type: 'ExternalName', externalName: 'models.example.com', clusterIP: '10.0.0.1' }; }, 'spec.clusterIP', 'an ExternalName Service has no cluster IP'],
  ['Service selector value with a space', 'Service', m => { m.spec.selector = { app: 'a b' }; }, 'spec.selector["app"]', 'value "a b" is not a valid label value'],
  ['sessionAffinity Sticky', 'Service', m => { m.spec.sessionAffinity = 'Sticky'; }, 'spec.sessionAffinity', '"Sticky" is not a valid session affinity'],
  ['externalTrafficPolicy on a ClusterIP Service', 'Service', m => { m.spec.externalTrafficPolicy = 'Local'; }, 'spec.externalTrafficPolicy', 'externalTrafficPolicy only applies to NodePort and LoadBalancer Services, not ClusterIP'],
  ['internalTrafficPolicy Node', 'Service', m => { m.spec.internalTrafficPolicy = 'Node'; }, 'spec.internalTrafficPolicy', '"Node" is not a valid traffic policy'],
  // --- PersistentVolumeClaim
  ['claim with no access modes', 'PersistentVolumeClaim', m => { m.spec.accessModes = []; }, 'spec.accessModes', 'a claim needs at least one access mode'],
  ['claim access mode ReadWriteAll', 'PersistentVolumeClaim', m => { m.spec.accessModes = ['ReadWriteAll']; }, 'spec.accessModes[0]', '"ReadWriteAll" is not a valid access mode'],
  ['ReadWriteOncePod with another mode', 'PersistentVolumeClaim', m => { m.spec.accessModes = ['ReadWriteOncePod', 'ReadWriteOnce']; }, 'spec.accessModes', 'ReadWriteOncePod cannot be combined with other access modes'],
  ['claim without a storage request', 'PersistentVolumeClaim', m => { delete m.spec.resources.requests.storage; }, 'spec.resources.requests.storage', 'a claim needs a storage request'],
  ['claim size "100GB"', 'PersistentVolumeClaim', m => { m.spec.resources.requests.storage = '100GB'; }, 'spec.resources.requests.storage', '"100GB" is not a positive Kubernetes quantity'],
  ['claim size "0"', 'PersistentVolumeClaim', m => { m.spec.resources.requests.storage = '0'; }, 'spec.resources.requests.storage', '"0" is not a positive Kubernetes quantity'],
  ['claim size "-1Gi"', 'PersistentVolumeClaim', m => { m.spec.resources.requests.storage = '-1Gi'; }, 'spec.resources.requests.storage', '"-1Gi" is not a positive'],
  ['storage class with uppercase', 'PersistentVolumeClaim', m => { m.spec.storageClassName = 'EFS_SC'; }, 'spec.storageClassName', '"EFS_SC" is not a valid StorageClass name'],
  ['volumeMode Raw', 'PersistentVolumeClaim', m => { m.spec.volumeMode = 'Raw'; }, 'spec.volumeMode', '"Raw" is not a valid volume mode (one of Filesystem, Block)'],
  // --- ConfigMap
  ['ConfigMap key with a space', 'ConfigMap', m => { m.data['nginx conf'] = 'x'; }, 'data["nginx conf"]', '"nginx conf" is not a valid ConfigMap key'],
  ['ConfigMap key starting with ..', 'ConfigMap', m => { m.data['..data'] = 'x'; }, 'data["..data"]', '"..data" is not a valid ConfigMap key'],
  ['ConfigMap key "."', 'ConfigMap', m => { m.data['.'] = 'x'; }, 'data["."]', '"." is not a valid ConfigMap key'],
  ['ConfigMap key over 253 characters', 'ConfigMap', m => { m.data[long(254, 'k')] = 'x'; }, `data["${long(254, 'k')}"]`, 'is not a valid ConfigMap key'],
  ['binaryData key with a slash', 'ConfigMap', m => { m.binaryData = { 'a/b': 'AA==' }; }, 'binaryData["a/b"]', '"a/b" is not a valid ConfigMap key'],
  ['key in data and binaryData', 'ConfigMap', m => { m.data['nginx.conf'] = 'x'; m.binaryData = { 'nginx.conf': 'AA==' }; }, 'data["nginx.conf"]', '"nginx.conf" is also a key of binaryData'],
  ['binaryData that is not base64', 'ConfigMap', m => { m.binaryData = { blob: 'not base64!' }; }, 'binaryData["blob"]', 'the value of "blob" is not base64'],
  ['ConfigMap over 1 MiB', 'ConfigMap', m => { m.data.big = long(CONFIG_MAP_MAX_BYTES); }, 'data', 'more than the 1048576 (1 MiB) the API server accepts'],
  ['ConfigMap over 1 MiB in multi-byte characters', 'ConfigMap', m => { m.data = { big: long(CONFIG_MAP_MAX_BYTES / 2 + 1, 'é') }; }, 'data', 'the ConfigMap holds 1048578 bytes'],
  // --- NetworkPolicy
  ['NetworkPolicy without podSelector', 'NetworkPolicy', m => { delete m.spec.podSelector; }, 'spec.podSelector', 'a NetworkPolicy needs a podSelector'],
  ['podSelector value over 63', 'NetworkPolicy', m => { m.spec.podSelector.matchLabels.app = long(64); }, 'spec.podSelector.matchLabels["app"]', 'is not a valid label value'],
  ['policyTypes Both', 'NetworkPolicy', m => { m.spec.policyTypes = ['Both']; }, 'spec.policyTypes[0]', '"Both" is not a valid policy type (one of Ingress, Egress)'],
  ['policyTypes Ingress twice', 'NetworkPolicy', m => { m.spec.policyTypes = ['Ingress', 'Ingress']; }, 'spec.policyTypes[1]', '"Ingress" is listed twice'],
  ['ingress port 0', 'NetworkPolicy', m => { m.spec.ingress[0].ports[0].port = 0; }, 'spec.ingress[0].ports[0].port', '0 is neither a port number'],
  ['ingress port name in uppercase', 'NetworkPolicy', m => { m.spec.ingress[1].ports[0].port = 'METRICS'; }, 'spec.ingress[1].ports[0].port', '"METRICS" is neither a port number'],
  ['ingress protocol ICMP', 'NetworkPolicy', m => { m.spec.ingress[0].ports[0].protocol = 'ICMP'; }, 'spec.ingress[0].ports[0].protocol', '"ICMP" is not a valid protocol'],
  ['endPort below port', 'NetworkPolicy', m => { m.spec.egress[0].ports[0].endPort = 8000; }, 'spec.egress[0].ports[0].endPort', 'endPort 8000 is below port 9000'],
  ['endPort after a named port', 'NetworkPolicy', m => { m.spec.ingress[1].ports[0].endPort = 9100; }, 'spec.ingress[1].ports[0].endPort', 'endPort 9100 needs a numeric port to start the range, got "metrics"'],
  ['endPort 70000', 'NetworkPolicy', m => { m.spec.egress[0].ports[0].endPort = 70000; }, 'spec.egress[0].ports[0].endPort', '70000 is not a port number'],
  ['empty peer', 'NetworkPolicy', m => { m.spec.ingress[1].from = [{}]; }, 'spec.ingress[1].from[0]', 'a peer needs a podSelector, a namespaceSelector or an ipBlock'],
  ['peer with ipBlock and podSelector', 'NetworkPolicy', m => { m.spec.egress[0].to[0].podSelector = {}; }, 'spec.egress[0].to[0]', 'a peer cannot combine an ipBlock with selectors'],
  ['ipBlock without a prefix length', 'NetworkPolicy', m => { m.spec.egress[0].to[0].ipBlock = { cidr: '10.0.0.0' }; }, 'spec.egress[0].to[0].ipBlock.cidr', '"10.0.0.0" is not a CIDR'],
  ['ipBlock /33', 'NetworkPolicy', m => { m.spec.egress[0].to[0].ipBlock = { cidr: '10.0.0.0/33' }; }, 'spec.egress[0].to[0].ipBlock.cidr', '"10.0.0.0/33" is not a CIDR'],
  ['except outside the block', 'NetworkPolicy', m => { m.spec.egress[0].to[0].ipBlock.except = ['192.168.0.0/16']; }, 'spec.egress[0].to[0].ipBlock.except[0]', '"192.168.0.0/16" is not a CIDR strictly inside "10.0.0.0/8"'],
  ['except equal to the block', 'NetworkPolicy', m => { m.spec.egress[0].to[0].ipBlock.except = ['10.0.0.0/8']; }, 'spec.egress[0].to[0].ipBlock.except[0]', '"10.0.0.0/8" is not a CIDR strictly inside'],
  ['IPv6 except outside the block', 'NetworkPolicy', m => { m.spec.egress[0].to[1].ipBlock.except = ['fe80::/16']; }, 'spec.egress[0].to[1].ipBlock.except[0]', '"fe80::/16" is not a CIDR strictly inside "fd00::/8"'],
  ['IPv4 except in an IPv6 block', 'NetworkPolicy', m => { m.spec.egress[0].to[1].ipBlock.except = ['10.0.0.0/16']; }, 'spec.egress[0].to[1].ipBlock.except[0]', '"10.0.0.0/16" is not a CIDR strictly inside "fd00::/8"'],
  ['peer namespaceSelector with a bad operator', 'NetworkPolicy', m => { m.spec.ingress[1].from[0].namespaceSelector.matchExpressions[0].operator = 'Is'; },
    'spec.ingress[1].from[0].namespaceSelector.matchExpressions[0].operator', '"Is" is not a valid selector operator'],
  // --- ResourceClaimTemplate (resource.k8s.io/v1)
  ['DRA claim in v1beta1', 'ResourceClaimTemplate', m => { m.apiVersion = 'resource.k8s.io/v1beta1'; }, 'apiVersion', '"resource.k8s.io/v1beta1" is not resource.k8s.io/v1'],
  ['request name with uppercase', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[0].name = 'GPU_0'; }, 'spec.spec.devices.requests[0].name', '"GPU_0" is not a valid request name (DNS-1123 label'],
  ['request name used twice', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[1].name = 'gpu'; }, 'spec.spec.devices.requests[1].name', 'request name "gpu" is used twice'],
  ['request with neither exactly nor firstAvailable', 'ResourceClaimTemplate', m => { delete m.spec.spec.devices.requests[0].exactly; }, 'spec.spec.devices.requests[0]', 'needs exactly one of `exactly` or `firstAvailable`, found neither'],
  ['request with exactly and firstAvailable', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[1].exactly = { deviceClassName: 'gpu.nvidia.com' }; }, 'spec.spec.devices.requests[1]', 'found both'],
  ['request without deviceClassName', 'ResourceClaimTemplate', m => { delete m.spec.spec.devices.requests[0].exactly.deviceClassName; }, 'spec.spec.devices.requests[0].exactly.deviceClassName', 'undefined is not a valid DeviceClass name'],
  ['deviceClassName with a space', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[0].exactly.deviceClassName = 'GPU Class'; }, 'spec.spec.devices.requests[0].exactly.deviceClassName', '"GPU Class" is not a valid DeviceClass name (DNS-1123 subdomain)'],
  ['allocationMode Some', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[0].exactly.allocationMode = 'Some'; }, 'spec.spec.devices.requests[0].exactly.allocationMode', '"Some" is not a valid allocation mode (one of ExactCount, All)'],
  ['ExactCount with count 0', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[0].exactly.count = 0; }, 'spec.spec.devices.requests[0].exactly.count', '0 must be a whole number of at least 1 with allocationMode ExactCount'],
  ['count 1.5 with the default mode', 'ResourceClaimTemplate', m => { delete m.spec.spec.devices.requests[0].exactly.allocationMode; m.spec.spec.devices.requests[0].exactly.count = 1.5; },
    'spec.spec.devices.requests[0].exactly.count', '1.5 must be a whole number of at least 1'],
  ['All with a count', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[0].exactly.allocationMode = 'All'; }, 'spec.spec.devices.requests[0].exactly.count', 'count 1 cannot be set with allocationMode All'],
  ['selector without cel', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[0].exactly.selectors = [{}]; }, 'spec.spec.devices.requests[0].exactly.selectors[0].cel.expression', 'undefined is not a CEL expression'],
  ['empty CEL expression', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[0].exactly.selectors[0].cel.expression = '  '; }, 'spec.spec.devices.requests[0].exactly.selectors[0].cel.expression', '"  " is not a CEL expression'],
  ['CEL expression over 10 Ki characters', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[0].exactly.selectors[0].cel.expression = `device.driver == "${long(CEL_EXPRESSION_MAX_LENGTH)}"`; },
    'spec.spec.devices.requests[0].exactly.selectors[0].cel.expression', `the expression has ${CEL_EXPRESSION_MAX_LENGTH + 19} characters, more than the 10240`],
  ['nine alternatives', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[1].firstAvailable = Array.from({ length: 9 }, (_, i) => ({ name: `alt-${i}`, deviceClassName: 'gpu.nvidia.com' })); },
    'spec.spec.devices.requests[1].firstAvailable', '9 alternatives are more than the 8 a request accepts'],
  ['alternative name used twice', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests[1].firstAvailable[1].name = 'mig'; }, 'spec.spec.devices.requests[1].firstAvailable[1].name', 'request name "mig" is used twice'],
  ['alternative without deviceClassName', 'ResourceClaimTemplate', m => { delete m.spec.spec.devices.requests[1].firstAvailable[0].deviceClassName; },
    'spec.spec.devices.requests[1].firstAvailable[0].deviceClassName', 'undefined is not a valid DeviceClass name'],
  ['constraint naming an unknown request', 'ResourceClaimTemplate', m => { m.spec.spec.devices.constraints[0].requests = ['fallback/a100']; },
    'spec.spec.devices.constraints[0].requests[0]', '"fallback/a100" is not the name of a request (or request/subrequest) of this claim'],
  ['33 requests', 'ResourceClaimTemplate', m => { m.spec.spec.devices.requests = Array.from({ length: 33 }, (_, i) => ({ name: `gpu-${i}`, exactly: { deviceClassName: 'gpu.nvidia.com' } })); delete m.spec.spec.devices.constraints; },
    'spec.spec.devices.requests', '33 requests are more than the 32 a claim accepts'],
];

describe('bad objects', () => {
  test('the table holds at least 60 distinct bad objects, as many as the README says', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8').replace(/\s+/g, ' ')).toContain(`holds ${CASES.length} distinct bad objects`);
    expect(new Set(CASES.map(c => c[0])).size).toBe(CASES.length);
    const objects = CASES.map(([, kind, change]) => JSON.stringify(variant(kind, change)));
    expect(new Set(objects).size).toBe(CASES.length);
  });

  test.each(CASES)('%s', (_name, kind, change, field, message) => {
    const findings = objectFindings(variant(kind, change));
    expect(findings).toContainEqual(expect.objectContaining({ severity: 'error', field, message: expect.stringContaining(message) }));
    findings.forEach(assertActionable);
  });
});

/** Every finding names a field, says what is wrong and how to fix it. */
function assertActionable(f: Finding): void {
  expect(f.field).toMatch(/^[a-zA-Z]/);
  expect(f.message.length).toBeGreaterThan(10);
  expect(f.fix.length).toBeGreaterThan(5);
}

describe('the registry and its helpers', () => {
  test('OBJECT_RULES covers every kind the library writes; an unknown kind still gets its metadata checked', () => {
    for (const kind of new Set(GOOD.map(m => m.kind))) {
      expect(OBJECT_RULES[kind]?.length).toBeGreaterThan(0);
    }
    expect(objectFindings({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'Bad_Secret' } }))
      .toEqual([expect.objectContaining({ field: 'metadata.name', message: expect.stringContaining('"Bad_Secret" is not a valid Kubernetes name') })]);
  });

  test('selector matching follows the four operators', () => {
    const labels = { app: 'llm', tier: 'gpu' };
    expect(selectorMatches({ matchLabels: { app: 'llm' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'llm', zone: 'a' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['gpu', 'cpu'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gpu'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['llm'] }] }, labels)).toBe(false);
  });

  test('rules never throw on malformed JSON (null, wrong types), they report it', () => {
    const shapes = [null, {}, { kind: 'Service' }, { kind: 'Deployment', spec: null }, { kind: 'ConfigMap', metadata: { name: 'x' }, data: null },
      { kind: 'NetworkPolicy', metadata: { name: 'x' }, spec: { ingress: [null], egress: [{ to: [null], ports: [null] }] } },
      { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', metadata: { name: 'x' }, spec: { spec: { devices: { requests: [null, { name: 'a', firstAvailable: [null] }] } } } },
      { kind: 'StatefulSet', metadata: { name: 'x' }, spec: { volumeClaimTemplates: [null], selector: { matchExpressions: [null] } } },
      { kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchExpressions: {} }, replicas: null, strategy: { type: null } } },
      { kind: 'Service', metadata: { name: 'x' }, spec: { ports: 'http' } }, { kind: 'PersistentVolumeClaim', metadata: { name: 'x' }, spec: { accessModes: 'RWO' } }];
    for (const json of shapes) {
      expect(() => objectFindings(json)).not.toThrow();
    }
    expect(deviceRequests({ apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', spec: { spec: { devices: { requests: [null] } } } }).map(f => f.field))
      .toEqual(['spec.spec.devices.requests[0].name', 'spec.spec.devices.requests[0]']);
  });

  test('schemaFindings reports the schema\'s field paths; expectApiValid fails on a bad object', () => {
    const bad = variant('Service', m => { m.spec.ports[0].port = 'https'; });
    expect(schemaFindings(bad)).toContainEqual(expect.objectContaining({ field: 'spec.ports[0].port', message: 'must be integer' }));
    expect(() => expectApiValid([bad])).toThrow(/Service llama-3-8b: spec.ports\[0\].port: must be integer/);
    expect(() => expectApiValid([variant('Deployment', m => { m.spec.replicas = -1; })])).toThrow(/Deployment llama-3-8b: spec.replicas: -1 must be a whole number/);
    expect(schemaFindings({ apiVersion: 'v9', kind: 'Gadget' })).toEqual([expect.objectContaining({ message: 'no schema registered in test/helpers/synth.ts for v9 Gadget' })]);
  });
});
