import { ApiObject, JsonPatch } from 'cdk8s';
import { AiInferencePod, AiInferencePodProps } from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * What a JSON patch or an escape hatch can write into a pod that the API server refuses
 * (pkg/apis/core/validation, ValidateObjectMeta): each fails synth with a structured line naming
 * the field and the value, and writes nothing; the valid use of each field still synthesizes.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };
const C = '/spec/containers/0';

/** An AiInferencePod patched with `patches` (the server has probes, one /tmp mount, one volume; grace 60s). */
function patched(patches: JsonPatch[], props: Partial<AiInferencePodProps> = {}) {
  return (chart: any) => {
    const pod = new AiInferencePod(chart, 'p', { server: SERVER, ...props });
    ApiObject.of(pod.pod).addJsonPatch(...patches);
  };
}

const add = JsonPatch.add;
const volume = (v: any) => add('/spec/volumes/-', { name: 'extra', ...v });
const nodeTerms = (terms: any) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
const nodeExpression = (expr: any) => nodeTerms([{ matchExpressions: [expr] }]);
const GATE = 'example.com/capacity';

describe('refused, with the field and the value, nothing written', () => {
  test.each<[string, JsonPatch[], RegExp]>([
    // volumeMounts
    ['subPath with subPathExpr', [add(`${C}/volumeMounts/0/subPath`, 'a'), add(`${C}/volumeMounts/0/subPathExpr`, 'b')],
      /volumeMounts\[0\]\.subPathExpr: "b" is set together with subPath "a"/],
    ['an absolute subPath', [add(`${C}/volumeMounts/0/subPath`, '/etc')], /volumeMounts\[0\]\.subPath: "\/etc" must be a relative path without '\.\.'/],
    ['a subPathExpr with ..', [add(`${C}/volumeMounts/0/subPathExpr`, '$(POD_NAME)/../x')], /volumeMounts\[0\]\.subPathExpr: "\$\(POD_NAME\)\/\.\.\/x" must be a relative path/],
    // probes
    ['a liveness grace period of 0', [add(`${C}/livenessProbe/terminationGracePeriodSeconds`, 0)],
      /livenessProbe\.terminationGracePeriodSeconds: 0 must be a whole number greater than 0/],
    ['a grace period on a readiness probe', [add(`${C}/readinessProbe/terminationGracePeriodSeconds`, 10)],
      /readinessProbe\.terminationGracePeriodSeconds: 10 is set on a readiness probe/],
    ['a header name with a space', [add(`${C}/readinessProbe/httpGet/httpHeaders`, [{ name: 'X Health', value: '1' }])],
      /readinessProbe\.httpGet\.httpHeaders\[0\]\.name: "X Health" is not a valid HTTP header name/],
    // lifecycle
    ['a hook with two actions', [add(`${C}/lifecycle`, { preStop: { exec: { command: ['sleep', '5'] }, sleep: { seconds: 5 } } })],
      /lifecycle\.preStop: must have exactly one action, found exec and sleep/],
    ['a hook with no action', [add(`${C}/lifecycle`, { postStart: {} })], /lifecycle\.postStart: must have exactly one action, found none/],
    ['a header name in a hook', [add(`${C}/lifecycle`, { preStop: { httpGet: { port: 8000, path: '/drain', httpHeaders: [{ name: 'a:b', value: '1' }] } } })],
      /lifecycle\.preStop\.httpGet\.httpHeaders\[0\]\.name: "a:b"/],
    ['a negative sleep', [add(`${C}/lifecycle`, { preStop: { sleep: { seconds: -1 } } })], /lifecycle\.preStop\.sleep\.seconds: -1 is not a whole number of seconds of at least 1/],
    ['a sleep longer than the grace period', [add(`${C}/lifecycle`, { preStop: { sleep: { seconds: 120 } } })],
      /sleep\.seconds: sleeps 120 s, longer than the pod's termination grace period \(60 s\)/],
    // envFrom
    ['an envFrom with both sources', [add(`${C}/envFrom`, [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }])],
      /envFrom\[0\]: names both a configMapRef and a secretRef/],
    ['an envFrom with no source', [add(`${C}/envFrom`, [{ prefix: 'X_' }])], /envFrom\[0\]: names neither a configMapRef nor a secretRef/],
    ['a prefix with =', [add(`${C}/envFrom`, [{ prefix: 'A=', configMapRef: { name: 'cfg' } }])], /envFrom\[0\]\.prefix: "A=" is not a valid prefix/],
    ['a prefix starting with a digit', [add(`${C}/envFrom`, [{ prefix: '1X', configMapRef: { name: 'cfg' } }])], /envFrom\[0\]\.prefix: "1X"/],
    ['a Secret name that is not a subdomain', [add(`${C}/envFrom`, [{ secretRef: { name: 'My_Secret' } }])],
      /envFrom\[0\]\.secretRef\.name: "My_Secret" is not a valid Secret name/],
    // DNS
    ['dnsPolicy None without dnsConfig', [JsonPatch.replace('/spec/dnsPolicy', 'None')], /spec\.dnsConfig: dnsPolicy "None" needs at least one nameserver, got no dnsConfig/],
    ['dnsPolicy None without nameservers', [JsonPatch.replace('/spec/dnsPolicy', 'None'), add('/spec/dnsConfig', { searches: ['svc.cluster.local'] })],
      /spec\.dnsConfig\.nameservers: dnsPolicy "None" needs at least one nameserver, got \[\]/],
    ['four nameservers', [add('/spec/dnsConfig', { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9', '1.0.0.1'] })], /dnsConfig\.nameservers: .* lists 4 nameservers/],
    ['a nameserver that is a host name', [add('/spec/dnsConfig', { nameservers: ['dns.example.com'] })],
      /dnsConfig\.nameservers\[0\]: "dns\.example\.com" is not an IP address/],
    ['33 search domains', [add('/spec/dnsConfig', { searches: Array.from({ length: 33 }, (_, i) => `d${i}.example.com`) })], /dnsConfig\.searches: lists 33 search domains/],
    ['a search domain with a space', [add('/spec/dnsConfig', { searches: ['my domain'] })], /dnsConfig\.searches\[0\]: "my domain" is not a DNS domain/],
    ['an option without a name', [add('/spec/dnsConfig', { options: [{ value: '2' }] })], /dnsConfig\.options\[0\]\.name: "" is empty/],
    // names
    ['a hostname with an underscore', [add('/spec/hostname', 'My_Host')], /spec\.hostname: "My_Host" is not a valid hostname/],
    ['a subdomain with a dot', [add('/spec/subdomain', 'llm.headless')], /spec\.subdomain: "llm\.headless" is not a valid subdomain/],
    ['a serviceAccountName in capitals', [add('/spec/serviceAccountName', 'My_SA')], /spec\.serviceAccountName: "My_SA" is not a valid ServiceAccount name/],
    ['a priorityClassName with a space', [add('/spec/priorityClassName', 'high priority')], /spec\.priorityClassName: "high priority" is not a valid PriorityClass name/],
    ['an empty runtimeClassName', [add('/spec/runtimeClassName', '')], /spec\.runtimeClassName: "" is not a valid RuntimeClass name/],
    ['a nodeName with an underscore', [add('/spec/nodeName', 'gpu_node')], /spec\.nodeName: "gpu_node" is not a valid node name/],
    ['a readiness gate that is not a qualified name', [add('/spec/readinessGates', [{ conditionType: 'model warm' }])],
      /spec\.readinessGates\[0\]\.conditionType: "model warm" is not a valid condition type/],
    // pod fields
    ['activeDeadlineSeconds 0', [add('/spec/activeDeadlineSeconds', 0)], /spec\.activeDeadlineSeconds: 0 must be a whole number from 1/],
    ['os darwin', [add('/spec/os', { name: 'darwin' })], /spec\.os\.name: "darwin" is not an operating system/],
    ['a scheduling gate twice', [add('/spec/schedulingGates', [{ name: GATE }, { name: GATE }])], /spec\.schedulingGates\[1\]\.name: "example\.com\/capacity" is listed twice/],
    ['a scheduling gate that is not a qualified name', [add('/spec/schedulingGates', [{ name: 'wait!' }])], /spec\.schedulingGates\[0\]\.name: "wait!" is not a valid scheduling gate/],
    // security
    ['a negative supplemental group', [add('/spec/securityContext/supplementalGroups', [1000, -1])],
      /spec\.securityContext\.supplementalGroups\[1\]: -1 is not a valid group id/],
    ['a supplemental group past int32', [add('/spec/securityContext/supplementalGroups', [2147483648])], /supplementalGroups\[0\]: 2147483648 is not a valid group id/],
    ['seccomp Localhost without a profile', [JsonPatch.replace('/spec/securityContext/seccompProfile', { type: 'Localhost' })],
      /spec\.securityContext\.seccompProfile\.localhostProfile: is not set, but type "Localhost"/],
    ['seccomp Localhost with ..', [JsonPatch.replace('/spec/securityContext/seccompProfile', { type: 'Localhost', localhostProfile: '../etc/x.json' })],
      /seccompProfile\.localhostProfile: "\.\.\/etc\/x\.json" must be a path relative/],
    ['a container profile file with RuntimeDefault', [add(`${C}/securityContext/seccompProfile`, { type: 'RuntimeDefault', localhostProfile: 'x.json' })],
      /containers\[0\]\.securityContext\.seccompProfile\.localhostProfile: "x\.json" is set with type "RuntimeDefault"/],
    // volumes
    ['defaultMode 777 (decimal)', [volume({ configMap: { name: 'c', defaultMode: 777 } })], /volumes\[1\]\.configMap\.defaultMode: 777 is not a file mode from 0 to 0777/],
    ['a negative item mode', [volume({ secret: { secretName: 's', items: [{ key: 'k', path: 'k', mode: -1 }] } })], /volumes\[1\]\.secret\.items\[0\]\.mode: -1/],
    ['an item path with ..', [volume({ secret: { secretName: 's', items: [{ key: 'k', path: '../../etc/passwd' }] } })],
      /volumes\[1\]\.secret\.items\[0\]\.path: "\.\.\/\.\.\/etc\/passwd" must be a non-empty relative path/],
    ['an item path starting with ..', [volume({ configMap: { name: 'c', items: [{ key: 'k', path: '..data' }] } })], /configMap\.items\[0\]\.path: "\.\.data"/],
    ['an absolute projected item path', [volume({ projected: { sources: [{ configMap: { name: 'c', items: [{ key: 'k', path: '/abs' }] } }] } })],
      /volumes\[1\]\.projected\.sources\[0\]\.configMap\.items\[0\]\.path: "\/abs"/],
    ['a projected defaultMode past 0777', [volume({ projected: { defaultMode: 1000, sources: [] } })], /projected\.defaultMode: 1000/],
    ['a downwardAPI file of spec.nodeName', [volume({ downwardAPI: { items: [{ path: 'node', fieldRef: { fieldPath: 'spec.nodeName' } }] } })],
      /downwardAPI\.items\[0\]\.fieldRef\.fieldPath: "spec\.nodeName" is not a pod field a downwardAPI volume can hold/],
    ['a downwardAPI file with no source', [volume({ downwardAPI: { items: [{ path: 'x' }] } })], /downwardAPI\.items\[0\]: "x" needs exactly one of fieldRef and resourceFieldRef, found neither/],
    ['an empty claimName', [volume({ persistentVolumeClaim: { claimName: '' } })], /volumes\[1\]\.persistentVolumeClaim\.claimName: "" is empty/],
    // resizePolicy
    ['cpu twice in resizePolicy', [add(`${C}/resizePolicy`, [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }, { resourceName: 'cpu', restartPolicy: 'RestartContainer' }])],
      /resizePolicy\[1\]\.resourceName: "cpu" already has a resize policy/],
    // metadata
    ['a generateName with an underscore', [add('/metadata/generateName', 'llm_')], /metadata\.generateName: "llm_" is not a valid name prefix for a Pod/],
    ['a finalizer with a space', [add('/metadata/finalizers', ['model cleanup'])], /metadata\.finalizers\[0\]: "model cleanup" is not a valid finalizer/],
    ['orphan with foregroundDeletion', [add('/metadata/finalizers', ['orphan', 'foregroundDeletion'])], /metadata\.finalizers: .* holds both "orphan" and "foregroundDeletion"/],
    ['two controllers', [add('/metadata/ownerReferences', [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
    ])], /metadata\.ownerReferences\[1\]\.controller: true here and on ReplicaSet\/a/],
    ['an owner without a uid', [add('/metadata/ownerReferences', [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '' }])],
      /metadata\.ownerReferences\[0\]\.uid: "" is empty/],
    // affinity patched in
    ['no node selector term', [add('/spec/affinity', nodeTerms([]))], /nodeSelectorTerms: \[\] has no node selector term/],
    ['In without values', [add('/spec/affinity', nodeExpression({ key: 'gpu', operator: 'In' }))], /nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.values: operator In needs at least one value/],
    ['Exists with values', [add('/spec/affinity', nodeExpression({ key: 'gpu', operator: 'Exists', values: ['a'] }))], /matchExpressions\[0\]\.values: operator Exists takes no values, got \["a"\]/],
    ['Gt with a word', [add('/spec/affinity', nodeExpression({ key: 'gpu-count', operator: 'Gt', values: ['many'] }))], /values: operator Gt needs exactly one integer value, got \["many"\]/],
    ['Lt with two values', [add('/spec/affinity', nodeExpression({ key: 'gpu-count', operator: 'Lt', values: ['1', '2'] }))], /values: operator Lt needs exactly one integer value/],
    ['an unknown operator', [add('/spec/affinity', nodeExpression({ key: 'gpu', operator: 'Equals', values: ['a'] }))], /matchExpressions\[0\]\.operator: "Equals" is not one of In/],
    ['a node label key with a space', [add('/spec/affinity', nodeExpression({ key: 'gpu type', operator: 'Exists' }))], /matchExpressions\[0\]\.key: "gpu type" is not a valid node label key/],
    ['a matchFields key other than metadata.name', [add('/spec/affinity', nodeTerms([{ matchFields: [{ key: 'spec.nodeName', operator: 'In', values: ['n'] }] }]))],
      /matchFields\[0\]\.key: "spec\.nodeName" is not a node field/],
    ['a preferred weight of 0', [add('/spec/affinity', { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] } }] } })],
      /nodeAffinity\.preferredDuringSchedulingIgnoredDuringExecution\[0\]\.weight: 0 is not a weight from 1 to 100/],
    ['an anti-affinity weight of 101', [add('/spec/affinity', {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 101, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'llm' } } } },
        ],
      },
    })],
    /podAntiAffinity\.preferredDuringSchedulingIgnoredDuringExecution\[0\]\.weight: 101/],
    ['an empty topologyKey', [add('/spec/affinity', { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: '', labelSelector: { matchLabels: { app: 'cache' } } }] } })],
      /podAffinity\.requiredDuringSchedulingIgnoredDuringExecution\[0\]\.topologyKey: "" is empty/],
    ['a pod selector key with a space', [add('/spec/affinity', {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app name', operator: 'Exists' }] } },
        ],
      },
    })],
    /labelSelector\.matchExpressions\[0\]\.key: "app name" is not a valid label key/],
  ])('%s', (_name, patches, field) => {
    expectRefused(patched(patches), field);
  });

  test.each<[string, any, RegExp]>([
    ['In without values', nodeExpression({ key: 'gpu', operator: 'In', values: [] }), /matchExpressions\[0\]\.values: operator In needs at least one value/],
    ['Gt with a decimal', nodeExpression({ key: 'gpu-memory', operator: 'Gt', values: ['7.5'] }), /operator Gt needs exactly one integer value, got \["7\.5"\]/],
    ['an empty topologyKey', { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: '', labelSelector: { matchLabels: { app: 'llm' } } }] } },
      /requiredDuringSchedulingIgnoredDuringExecution\[0\]\.topologyKey: "" is empty/],
    // a missing one is the schema's finding (a required field), before the rules run
    ['no topologyKey', { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'llm' } } }] } }, /\[0\]\.topologyKey: is missing/],
  ])('the affinity prop: %s', (_name, affinity, field) => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: SERVER, affinity }), field);
  });
});

describe('the valid use of each field still synthesizes', () => {
  test.each<[string, JsonPatch[]]>([
    ['a subPath', [add(`${C}/volumeMounts/0/subPath`, 'server/tmp')]],
    ['a subPathExpr', [add(`${C}/volumeMounts/0/subPathExpr`, '$(POD_NAME)'), add(`${C}/env`, [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }])]],
    ['a liveness grace period and HTTP headers', [add(`${C}/livenessProbe/terminationGracePeriodSeconds`, 30),
      add(`${C}/readinessProbe/httpGet/httpHeaders`, [{ name: 'X-Health-Check', value: '1' }, { name: 'Authorization', value: 'Bearer x' }])]],
    ['a preStop exec and a postStart httpGet', [add(`${C}/lifecycle`, {
      preStop: { exec: { command: ['sleep', '5'] } }, postStart: { httpGet: { port: 8000, path: '/warm', httpHeaders: [{ name: 'X-Warm', value: '1' }] } },
    })]],
    ['a preStop sleep within the grace period', [add(`${C}/lifecycle`, { preStop: { sleep: { seconds: 60 } } })]],
    ['envFrom a ConfigMap with a prefix and a Secret', [add(`${C}/envFrom`, [{ prefix: 'HF_', configMapRef: { name: 'llm-config' } }, { secretRef: { name: 'hf-token', optional: true } }])]],
    ['dnsPolicy None with a nameserver, searches and options', [JsonPatch.replace('/spec/dnsPolicy', 'None'),
      add('/spec/dnsConfig', { nameservers: ['10.96.0.10', 'fd00::a'], searches: ['svc.cluster.local', 'example.com.'], options: [{ name: 'ndots', value: '2' }] })]],
    ['hostname, subdomain and the names a pod refers to', [add('/spec/hostname', 'llm-0'), add('/spec/subdomain', 'llm'),
      add('/spec/priorityClassName', 'high-priority'), add('/spec/runtimeClassName', 'nvidia'), add('/spec/nodeName', 'gpu-node-1.example.com'),
      add('/spec/readinessGates', [{ conditionType: 'example.com/model-warm' }, { conditionType: 'Ready2' }])]],
    ['a deadline, linux and scheduling gates', [add('/spec/activeDeadlineSeconds', 3600), add('/spec/os', { name: 'linux' }),
      add('/spec/schedulingGates', [{ name: GATE }, { name: 'example.com/quota' }])]],
    ['supplemental groups', [add('/spec/securityContext/supplementalGroups', [0, 1000, 2147483647])]],
    ['a Localhost seccomp profile', [JsonPatch.replace('/spec/securityContext/seccompProfile', { type: 'Localhost', localhostProfile: 'profiles/vllm.json' })]],
    ['file volumes with modes, items and pod fields', [
      volume({ configMap: { name: 'c', defaultMode: 0o440, items: [{ key: 'a', path: 'conf/a.json', mode: 0o400 }] } }),
      add('/spec/volumes/-', {
        name: 'info', downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'zone', fieldRef: { fieldPath: "metadata.labels['topology.kubernetes.io/zone']" } },
            { path: 'mem', resourceFieldRef: { containerName: 'server', resource: 'limits.memory' } },
          ],
        },
      }),
      add('/spec/volumes/-', { name: 'bundle', projected: { defaultMode: 0o444, sources: [{ secret: { name: 's', items: [{ key: 'token', path: 'auth/token' }] } }] } }),
      add('/spec/volumes/-', { name: 'cache', persistentVolumeClaim: { claimName: 'model-cache' } }),
    ]],
    ['a resize policy per resource', [add(`${C}/resizePolicy`, [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }, { resourceName: 'memory', restartPolicy: 'RestartContainer' }])]],
    ['generateName, a finalizer and owner references', [add('/metadata/generateName', 'llm-'), add('/metadata/finalizers', ['example.com/cleanup']),
      add('/metadata/ownerReferences', [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'b', uid: '2', controller: false },
      ])]],
    ['affinity patched in', [add('/spec/affinity', {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'nvidia.com/gpu.count', operator: 'Gt', values: ['3'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gpu-node-1'] }] } }],
      },
    })]],
  ])('%s', (_name, patches) => {
    const result = run(patched(patches));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });

  test('the affinity prop: node affinity, pod affinity and anti-affinity', () => {
    const result = run(c => new AiInferencePod(c, 'p', {
      server: SERVER,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-L4'] }, { key: 'spot', operator: 'DoesNotExist' }] },
            ],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'gpu-memory', operator: 'Lt', values: ['-1'] }] } }],
        },
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 50, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'cache' } }, namespaces: ['inference'] } },
          ],
        },
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['llm'] }] } },
          ],
        },
      },
    }));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });
});
