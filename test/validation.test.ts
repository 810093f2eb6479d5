import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferencePod, AiInferencePodProps, HealthCheck, LogSidecar, InitContainer, ModelCache, ModelCredentials, ModelPrepInit, ModelSource, PodVolume,
  Probe, ProxySidecar, ProxyTls, Sidecar, WARNINGS_AS_ERRORS_CONTEXT,
} from '../src';
import { podSpecOf } from '../src/_kplus-adapter';
import { WorkloadHost } from '../src/_workload-host';
import { synthWithWarnings } from './helpers/pod-parts';
import { newChart, synth, synthError } from './helpers/synth';

const IMAGE = 'vllm/vllm-openai:v0.6.3';

/** An AiInferencePod with the given props over a valid base. */
function pod(props: Partial<AiInferencePodProps> = {}, server: Partial<AiInferencePodProps['server']> = {}) {
  return (chart: Chart) => new AiInferencePod(chart, 'llm', { ...props, server: { image: IMAGE, ...server } });
}

/** An AiInferencePod changed through the cdk8s-plus escape hatches. */
function hatch(change: (p: AiInferencePod) => void) {
  return (chart: Chart) => change(new AiInferencePod(chart, 'llm', { server: { image: IMAGE } }));
}

/** An AiInferencePod whose final pod spec is edited (what a user's JSON patch would do). */
function edit(change: (spec: any) => void) {
  return hatch(p => editSpec(p.pod, change));
}

/** Edits a workload's final pod spec, after the library's rendering. */
function editSpec(workload: kplus.AbstractPod, change: (spec: any) => void) {
  WorkloadHost.of(workload).addWorkloadStep(json => change(podSpecOf(json)));
}

const server = (spec: any) => spec.containers[0];

// Each row: a distinct bad input, and the specific message synth must print for it.
const CASES: Array<[string, (chart: Chart) => void, string]> = [
  // --- metadata (API server: names and labels)
  ['pod name with uppercase and underscore', pod({ metadata: { name: 'Bad_Name' } }), '[test/llm] metadata.name: "Bad_Name" is not a valid Kubernetes name'],
  ['pod name ending in a dot', pod({ metadata: { name: 'llm.' } }), 'metadata.name: "llm." is not a valid Kubernetes name'],
  ['pod name longer than 253', pod({ metadata: { name: 'a'.repeat(254) } }), 'is not a valid Kubernetes name (lowercase letters, digits'],
  ['namespace with uppercase', pod({ metadata: { namespace: 'AI_ns' } }), 'metadata.namespace: "AI_ns" is not a valid namespace (DNS-1123 label, at most 63 characters). Fix: use a namespace such as "ai-ns"'],
  ['label key with a space', pod({ metadata: { labels: { 'bad key!': 'x' } } }), 'metadata.labels["bad key!"]: "bad key!" is not a valid label key'],
  ['label key with two slashes', pod({ metadata: { labels: { 'a/b/c': 'x' } } }), 'metadata.labels["a/b/c"]: "a/b/c" is not a valid label key'],
  ['label key with an empty name', pod({ metadata: { labels: { 'example.com/': 'x' } } }), 'metadata.labels["example.com/"]: "example.com/" is not a valid label key'],
  ['label key name over 63', pod({ metadata: { labels: { ['k'.repeat(64)]: 'x' } } }), 'is not a valid label key'],
  ['label value with leading dash', pod({ metadata: { labels: { tier: '-bad-' } } }), 'metadata.labels["tier"]: value "-bad-" is not a valid label value'],
  ['label value over 63', pod({ metadata: { labels: { tier: 'v'.repeat(64) } } }), 'metadata.labels["tier"]: value "' + 'v'.repeat(64) + '" is not a valid label value'],
  ['annotation key with a space', pod({ metadata: { annotations: { 'not valid': 'x' } } }), 'metadata.annotations["not valid"]: "not valid" is not a valid annotation key'],
  ['node selector key with a space', pod({ gpu: { count: 1, nodeSelector: { 'gpu type': 'a100' } } }, { resources: { memory: { limit: '8Gi' } } }), 'spec.nodeSelector["gpu type"]: "gpu type" is not a valid label key'],
  // --- containers
  // one line: the prop's (the rule over the rendered container said it again before)
  ['server container name with uppercase', pod({}, { name: 'Server' }), '[test/llm] server.name: "Server" is not a valid container name. Fix: '],
  ['container name over 63', pod({}, { name: 's'.repeat(64) }), `server.name: "${'s'.repeat(64)}" is not a valid container name. Fix: `],
  ['init container named like the server', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { name: 'server', source: ModelSource.http('https://e.com/m') }),
    'spec.containers[0].name: "server" is already the name of spec.initContainers[0]'],
  ['two sidecars with one name', (chart) => { const p = pod()(chart) as any; new Sidecar(p, 'a', { name: 'helper', image: 'x/h:1' }); new Sidecar(p, 'b', { name: 'helper', image: 'x/h:1' }); },
    'spec.initContainers[1].name: "helper" is already the name of spec.initContainers[0]'],
  ['empty image', pod({}, { image: '' }), 'container "server": spec.containers[0].image: the image is empty. Fix: set an image reference'],
  ['whitespace image', pod({}, { image: '  ' }), 'spec.containers[0].image: the image is empty'],
  ['env name starting with a digit', pod({}, { env: { '1BAD': 'x' } }), 'spec.containers[0].env[0].name: "1BAD" is not a valid environment variable name'],
  ['env name with =', pod({}, { env: { 'A=B': 'x' } }), 'spec.containers[0].env[0].name: "A=B" is not a valid environment variable name'],
  ['env name ..X', pod({}, { env: { '..X': 'x' } }), 'spec.containers[0].env[0].name: "..X" is not a valid environment variable name'],
  ['env set twice', edit(s => { server(s).env = [{ name: 'A', value: '1' }, { name: 'A', value: '2' }]; }), 'spec.containers[0].env[1].name: "A" is set twice; the later value silently wins'],
  ['secret env with a bad key', pod({}, { secretEnv: { TOKEN: { secretName: 'hf', key: 'bad key' } } }), 'spec.containers[0].env[0].valueFrom: key "bad key" of "TOKEN" is not a valid Secret/ConfigMap key'],
  ['env with value and valueFrom', edit(s => { server(s).env = [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]; }), 'spec.containers[0].env[0]: "A" has both value and valueFrom. Fix: keep one of them'],
  ['env valueFrom with two sources', edit(s => { server(s).env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' }, secretKeyRef: { name: 's', key: 'k' } } }]; }), 'spec.containers[0].env[0].valueFrom: "A" must name exactly one source, found 2'],
  // --- restart policies
  ['pod restart policy outside the enum', edit(s => { s.restartPolicy = 'Sometimes'; }), 'spec.restartPolicy: "Sometimes" is not a restart policy'],
  ['init container restartPolicy OnFailure', edit(s => { s.initContainers = [{ name: 'init', image: 'x/i:1', restartPolicy: 'OnFailure' }]; }), 'spec.initContainers[0].restartPolicy: "OnFailure" is not allowed on an init container; only Always (a native sidecar) is'],
  ['regular container with restartPolicy', edit(s => { server(s).restartPolicy = 'Always'; }), 'spec.containers[0].restartPolicy: a regular container cannot set restartPolicy'],
  ['Deployment with restartPolicy Never', (chart) => { const d = new kplus.Deployment(chart, 'd', { containers: [{ name: 'app', image: 'x/a:1' }] }); new Sidecar(d, 's', { name: 's', image: 'x/s:1' }); editSpec(d, s => { s.restartPolicy = 'Never'; }); },
    'spec.template.spec.restartPolicy: a Deployment only accepts Always, got "Never"'],
  ['Job with restartPolicy Always', (chart) => { const j = new kplus.Job(chart, 'j', { containers: [{ name: 'app', image: 'x/a:1' }] }); new Sidecar(j, 's', { name: 's', image: 'x/s:1' }); editSpec(j, s => { s.restartPolicy = 'Always'; }); },
    'spec.template.spec.restartPolicy: a Job cannot use Always. Fix: use Never or OnFailure'],
  // --- ports
  ['server port 0', pod({}, { port: 0 }), '[test/llm] server.port: 0 must be a whole number from 1 to 65535'],
  ['server port 70000', pod({}, { port: 70000 }), '[test/llm] server.port: 70000 must be a whole number from 1 to 65535'],
  ['hostPort 70000', edit(s => { server(s).ports.push({ containerPort: 9000, hostPort: 70000 }); }), 'spec.containers[0].ports[1].hostPort: 70000 is not a port number'],
  ['port name over 15 characters', pod({}, { portName: 'this-name-is-too-long' }), 'spec.containers[0].ports[0].name: "this-name-is-too-long" is not a valid port name'],
  ['port protocol outside the enum (JavaScript caller)', pod({}, { extraPorts: [{ number: 9464, protocol: 'SCTP?' as any }] }), 'spec.containers[0].ports[1].protocol: "SCTP?" is not a protocol. Fix: use PortProtocol (TCP, UDP or SCTP)'],
  ['imagePullPolicy outside the enum (JavaScript caller)', pod({}, { imagePullPolicy: 'Sometimes' as any }), 'spec.containers[0].imagePullPolicy: "Sometimes" is not a pull policy. Fix: use ImagePullPolicy (Always, IfNotPresent, Never)'],
  ['toleration operator Maybe', pod({ tolerations: [{ key: 'dedicated', operator: 'Maybe' }] }), 'spec.tolerations[0].operator: "Maybe" is not a toleration operator. Fix: use Exists or Equal'],
  ['toleration effect Never', pod({ tolerations: [{ key: 'dedicated', value: 'llm', effect: 'Never' }] }), 'spec.tolerations[0].effect: "Never" is not a taint effect'],
  ['toleration key with a space', pod({ tolerations: [{ key: 'a b' }] }), 'spec.tolerations[0].key: "a b" is not a valid taint key'],
  ['toleration Exists with a value', pod({ tolerations: [{ key: 'dedicated', operator: 'Exists', value: 'llm' }] }), 'spec.tolerations[0].value: "llm" is set with operator Exists. Fix: remove the value, or use operator Equal'],
  ['probe timeout beyond int32 seconds', pod({}, { health: HealthCheck.custom({ readiness: Probe.httpGet('/health', { timeout: Duration.days(1e9) }) }) }), 'spec.containers[0].readinessProbe.timeoutSeconds: 86400000000000 must be a whole number from 0 to 2147483647'],
  ['container name with a line break stays on one error line', pod({}, { name: 'a\nb' }), '[test/llm] server.name: "a\\nb" is not a valid container name. Fix: '],
  ['PodVolume name with a line break stays on one error line', pod({}, { volumeMounts: [{ volume: PodVolume.emptyDir('a\nb', { sizeLimit: 'x' }), path: '/mnt/a' }] }), 'volume "a\\nb".sizeLimit: "x" is not a positive Kubernetes quantity'],
  ['emptyDir size with a space inside', pod({}, { volumeMounts: [{ volume: PodVolume.emptyDir('scratch', { sizeLimit: '1 Gi' }), path: '/mnt/a' }] }), 'volume "scratch".sizeLimit: "1 Gi" is not a positive Kubernetes quantity'],
  ['model cache emptyDir size with a space inside', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { source: ModelSource.s3('s3://models/m.bin'), cache: ModelCache.emptyDir({ sizeLimit: '1 Gi' }) }),
    'spec.volumes[1].emptyDir.sizeLimit: "1 Gi" is not a Kubernetes quantity. Fix: write it like \'1Gi\''],
  // --- values of the wrong type (JavaScript callers): reported, never a TypeError
  ['server.health not a HealthCheck', pod({}, { health: '/health' as any }), 'server.health: "/health" is not a HealthCheck. Fix: use a HealthCheck factory such as HealthCheck.http(\'/health\')'],
  ['server.extraPorts not a list', pod({}, { extraPorts: { number: 9000 } as any }), 'server.extraPorts: {"number":9000} is not a list. Fix: give an array'],
  ['server.extraPorts with a hole', pod({}, { extraPorts: new Array(2).fill({ number: 9464, name: 'metrics' }, 1) }),
    'server.extraPorts[0]: undefined is not a port. Fix: give { number: 9464, name: \'metrics\' }'],
  ['imagePullSecrets not a list', pod({ imagePullSecrets: 'regcred' as any }), 'imagePullSecrets: "regcred" is not a list'],
  ['server.preStopCommand not a list', pod({}, { preStopCommand: 'sleep 5' as any }), 'server.preStopCommand: "sleep 5" is not a list'],
  ['server.volumeMounts not a list', pod({}, { volumeMounts: {} as any }), 'server.volumeMounts: {} is not a list'],
  ['a mount without a PodVolume', pod({}, { volumeMounts: [{ volume: 'scratch', path: '/mnt/a' } as any] }), 'volumeMounts[0].volume: "scratch" is not a PodVolume. Fix: give e.g. PodVolume.emptyDir(\'scratch\')'],
  ['PodVolume keys not a list', pod({}, { volumeMounts: [{ volume: PodVolume.configMap('cfg', 'cfg', { keys: 'a.json' as any }), path: '/mnt/a' }] }), 'volume "cfg".keys: "a.json" is not a list'],
  ['automountServiceAccountToken a string', pod({ automountServiceAccountToken: 'yes' as any }), 'spec.automountServiceAccountToken: "yes" is not a boolean. Fix: give a boolean or leave it out'],
  ['readOnlyRootFilesystem a string', pod({}, { security: { readOnlyRootFilesystem: 'no' as any } }), 'spec.containers[0].securityContext.readOnlyRootFilesystem: "no" is not a boolean'],
  ['workingDir a number', pod({}, { workingDir: 42 as any }), 'spec.containers[0].workingDir: 42 is not a string'],
  ['mount readOnly a string', pod({}, { volumeMounts: [{ volume: PodVolume.emptyDir('scratch'), path: '/mnt/a', readOnly: 'true' as any }] }), 'spec.containers[0].volumeMounts[1].readOnly: "true" is not a boolean'],
  ['server security null means the defaults', pod({ metadata: { name: 'Bad_Name' } }, { security: null as any }), 'metadata.name: "Bad_Name" is not a valid Kubernetes name'],
  ['probe exec command not a list', pod({}, { health: HealthCheck.custom({ readiness: Probe.exec('cat /tmp/ready' as any) }) }), 'spec.containers[0].readinessProbe.exec.command: "cat /tmp/ready" is not a list'],
  ['probe httpGet path a number', pod({}, { health: HealthCheck.custom({ readiness: Probe.httpGet(8 as any) }) }), 'spec.containers[0].readinessProbe.httpGet.path: 8 is not a string'],
  ['probe options null mean the defaults', pod({}, { health: HealthCheck.custom({ readiness: Probe.tcp(null as any), liveness: Probe.httpGet('/h', { port: 0 }) }) }), 'livenessProbe.httpGet.port: 0 is not a port number'],
  ['ModelPrepInit without a source', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', {} as any), '[test/llm/m] source: undefined is not a ModelSource. Fix: use ModelSource.s3(), gcs(), huggingFace(), http() or ociImage()'],
  ['ModelPrepInit cache a string', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { source: ModelSource.s3('s3://models/m.bin'), cache: 'pvc' as any }), '[test/llm/m] cache: "pvc" is not a ModelCache'],
  ['ModelPrepInit mountPath a number', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { source: ModelSource.s3('s3://models/m.bin'), mountPath: 7 as any }), '[test/llm/m] mountPath: 7 must be an absolute path'],
  ['model source options null', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { source: ModelSource.http('not a url', null as any) }), 'url: "not a url" is not a URL'],
  ['model files not a list', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { source: ModelSource.http('https://e.com/r/', { files: 'config.json' as any }) }), '[test/llm/m] files: "config.json" is not a list'],
  ['LogSidecar shipTo a string', (chart) => new LogSidecar(pod()(chart) as any, 'l', { shipTo: 'loki:3100' as any }), '[test/llm/l] shipTo: "loki:3100" is not a LogDestination. Fix: use LogDestination.loki(), http() or elasticsearch()'],
  ['LogSidecar logDir a number', (chart) => new LogSidecar(pod()(chart) as any, 'l', { logDir: 5 as any }), '[test/llm/l] logDir: 5'],
  ['Sidecar ports not a list', (chart) => new Sidecar(pod()(chart) as any, 's', { name: 's', image: 'x/s:1', ports: 9000 as any }), '[test/llm/s] ports: 9000 is not a list'],
  ['InitContainer podVolumeMounts not a list', (chart) => new InitContainer(pod()(chart) as any, 'i', { name: 'i', image: 'x/i:1', podVolumeMounts: 'data' as any }), '[test/llm/i] podVolumeMounts: "data" is not a list'],
  ['port name in uppercase', pod({}, { portName: 'HTTP' }), 'spec.containers[0].ports[0].name: "HTTP" is not a valid port name'],
  ['port name without a letter', pod({}, { portName: '8080' }), 'spec.containers[0].ports[0].name: "8080" is not a valid port name'],
  ['port name with a double dash', pod({}, { portName: 'a--b' }), 'spec.containers[0].ports[0].name: "a--b" is not a valid port name'],
  ['port name used twice', pod({}, { extraPorts: [{ number: 9000, name: 'http' }] }), 'spec.containers[0].ports[1].name: port name "http" is used twice in this container. Fix: give each port a distinct name'],
  ['server port repeated in extraPorts', pod({}, { extraPorts: [{ number: 8000, name: 'again' }] }),
    'spec.containers[0].ports[1].containerPort: port 8000/TCP is declared twice in this container; server-side apply refuses it (ports are keyed by number and protocol). Fix: declare each port once'],
  ['port name used twice (escape hatch)', edit(s => { server(s).ports.push({ containerPort: 9000, name: 'http' }); }), 'spec.containers[0].ports[1].name: port name "http" is used twice in this container'],
  ['sidecar on the server port', (chart) => new Sidecar(pod()(chart) as any, 'm', { name: 'metrics', image: 'x/m:1', ports: [{ number: 8000 }] }), 'port 8000/TCP is also bound by container "metrics"'],
  ['proxy to an unserved port', (chart) => new ProxySidecar(pod()(chart) as any, 'p', { upstreamPort: 9999 }), 'forwards to localhost:9999, but no other container of the pod listens there'],
  // --- volumes and mounts
  ['volume name with uppercase', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { volumeName: 'Model_Cache', source: ModelSource.http('https://e.com/m') }), 'spec.volumes[0].name: "Model_Cache" is not a valid volume name (DNS-1123 label)'],
  ['volume without a source', edit(s => { s.volumes.push({ name: 'empty' }); }), 'spec.volumes[1]: volume "empty" must have exactly one source, found none'],
  ['volume with two sources', edit(s => { s.volumes.push({ name: 'two', emptyDir: {}, secret: { secretName: 's' } }); }), 'spec.volumes[1]: volume "two" must have exactly one source, found emptyDir, secret'],
  ['volume defined twice', edit(s => { s.volumes.push({ name: 'server-tmp', emptyDir: {} }); }), 'spec.volumes[1].name: volume "server-tmp" is defined twice'],
  ['mount of a missing volume', (chart) => new Sidecar(pod()(chart) as any, 's', { name: 'reader', image: 'x/r:1', volumeMounts: [{ volume: 'ghost', path: '/ghost' }] }), 'spec.initContainers[0].volumeMounts[0].name: mounts volume "ghost", which the pod does not define'],
  ['relative mount path', (chart) => new Sidecar(pod()(chart) as any, 's', { name: 'reader', image: 'x/r:1', volumeMounts: [{ volume: 'server-tmp', path: 'tmp' }] }), 'spec.initContainers[0].volumeMounts[0].mountPath: "tmp" is not an absolute path'],
  ['path mounted twice', (chart) => new Sidecar(pod()(chart) as any, 's', { name: 'reader', image: 'x/r:1', volumeMounts: [{ volume: 'server-tmp', path: '/a' }, { volume: 'server-tmp', path: '/a/' }] }), 'spec.initContainers[0].volumeMounts[1].mountPath: "/a/" is mounted twice in this container'],
  ['subPath escaping the volume', edit(s => { server(s).volumeMounts.push({ name: 'server-tmp', mountPath: '/x', subPath: '../escape' }); }), 'spec.containers[0].volumeMounts[1].subPath: "../escape" must be a relative path without \'..\''],
  ['model volume read-write in the server', (chart) => { const p = pod()(chart) as AiInferencePod; const m = new ModelPrepInit(p, 'm', { source: ModelSource.http('https://e.com/m') }); p.server.mount('/rw', m.volume); },
    'model volume "model-storage" is mounted read-write; only "model-downloader" may write it'],
  ['log sidecar writer that does not exist', (chart) => new LogSidecar(pod()(chart) as any, 'l', { writers: ['ghost'] }), '[test/llm/l] writers: container "ghost" is not a regular container'],
  ['model consumer that does not exist', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { consumers: ['ghost'], source: ModelSource.http('https://e.com/m') }), '[test/llm/m] consumers: container "ghost" is neither a regular container nor a native sidecar'],
  // --- probes
  ['probe with two handlers', edit(s => { server(s).readinessProbe.tcpSocket = { port: 8000 }; }), 'spec.containers[0].readinessProbe: must have exactly one handler, found httpGet and tcpSocket'],
  ['probe without a handler', edit(s => { server(s).livenessProbe = { periodSeconds: 10 }; }), 'spec.containers[0].livenessProbe: must have exactly one handler, found none'],
  ['liveness successThreshold 2', edit(s => { server(s).livenessProbe.successThreshold = 2; }), 'spec.containers[0].livenessProbe.successThreshold: must be 1 for a livenessProbe, got 2'],
  ['readiness with terminationGracePeriodSeconds', edit(s => { server(s).readinessProbe.terminationGracePeriodSeconds = 5; }), 'spec.containers[0].readinessProbe.terminationGracePeriodSeconds: 5 is set on a readiness probe, which never restarts the container'],
  ['negative periodSeconds', edit(s => { server(s).startupProbe.periodSeconds = -1; }), 'spec.containers[0].startupProbe.periodSeconds: -1 must be a whole number from 0 to 2147483647'],
  ['probe port 0', pod({}, { health: HealthCheck.http('/health', { port: 0 }) }), 'spec.containers[0].startupProbe.httpGet.port: 0 is not a port number (1-65535) or port name'],
  ['probe on an undeclared port name', edit(s => { server(s).readinessProbe.httpGet.port = 'metrics'; }), 'spec.containers[0].readinessProbe: probes the named port "metrics", which container "server" does not declare'],
  ['exec probe with an empty command', pod({}, { health: HealthCheck.command([]) }), 'spec.containers[0].startupProbe.exec.command: is empty'],
  ['probe on a plain init container', edit(s => { s.initContainers = [{ name: 'init', image: 'x/i:1', readinessProbe: { exec: { command: ['true'] } } }]; }), 'spec.initContainers[0].readinessProbe: is not allowed on an init container that runs to completion'],
  ['startup budget shorter than the model load', (chart) => new ModelPrepInit(pod({ modelLoadTimeout: Duration.minutes(5) })(chart) as any, 'm', { expectedLoadTime: Duration.minutes(12), source: ModelSource.http('https://e.com/m') }),
    'spec.containers[0].startupProbe: the startup budget is 300s, but test/llm/m (expectedLoadTime) needs 720s to load the model. Fix: give the startup probe at least 720s (initialDelay + periodSeconds × failureThreshold is 300s now): with its derived failureThreshold, set modelLoadTimeout to at least 12 minutes'],
  ['bad model size for the load estimate', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { modelSize: '16 GB', source: ModelSource.http('https://e.com/m') }), '[test/llm/m] modelSize: "16 GB" is not a positive Kubernetes quantity. Fix:'],
  // --- resources and GPUs
  ['memory written as 1GB', pod({}, { resources: { memory: { request: '1GB' } } }), 'spec.containers[0].resources.requests["memory"]: "1GB" is not a quantity. Fix: write memory like "512Mi" or "2Gi" (binary units, no "B")'],
  ['cpu written as two', pod({}, { resources: { cpu: { limit: 'two' } } }), 'spec.containers[0].resources.limits["cpu"]: "two" is not a quantity'],
  ['negative cpu', pod({}, { resources: { cpu: { request: '-1' } } }), 'spec.containers[0].resources.requests["cpu"]: "-1" is negative'],
  ['cpu request above the limit', pod({}, { resources: { cpu: { request: '2', limit: '1' } } }), 'spec.containers[0].resources.requests["cpu"]: request "2" exceeds the limit "1"'],
  ['memory request above the limit', pod({}, { resources: { memory: { request: '4Gi', limit: '2048Mi' } } }), 'spec.containers[0].resources.requests["memory"]: request "4Gi" exceeds the limit "2048Mi"'],
  ['resource name without a domain', edit(s => { server(s).resources.limits.gpu = '1'; }), 'spec.containers[0].resources.limits["gpu"]: "gpu" is not a resource name'],
  ['fractional GPU', pod({ gpu: { count: 0.5 } }), '[test/llm] gpu.count: 0.5 must be a whole number from 1 to 1024'],
  ['negative GPU count', pod({ gpu: { count: -1 } }), '[test/llm] gpu.count: -1 must be a whole number from 1 to 1024'],
  ['GPU request without a limit', edit(s => { delete server(s).resources.limits; server(s).resources.requests['nvidia.com/gpu'] = '1'; }), 'spec.containers[0].resources.limits["nvidia.com/gpu"]: nvidia.com/gpu is requested without a limit. Fix: set the limit equal to the request ("1")'],
  ['GPU request different from the limit', edit(s => { server(s).resources.requests['nvidia.com/gpu'] = '1'; server(s).resources.limits['nvidia.com/gpu'] = '2'; }), 'spec.containers[0].resources.requests["nvidia.com/gpu"]: request "1" differs from limit "2"; nvidia.com/gpu cannot be overcommitted'],
  ['GPU pod on CPU-only nodes', pod({ gpu: { count: 1, nodeSelector: { 'nvidia.com/gpu.present': 'false' } } }, { resources: { memory: { limit: '8Gi' } } }), 'spec.nodeSelector["nvidia.com/gpu.present"]: selects nodes without GPUs ("false") but container "server" requests nvidia.com/gpu'],
  // --- security
  ['privileged with no escalation', edit(s => { server(s).securityContext.privileged = true; }), 'spec.containers[0].securityContext.allowPrivilegeEscalation: is false while the container is privileged or adds CAP_SYS_ADMIN'],
  ['CAP_SYS_ADMIN with no escalation', pod({}, { security: { addCapabilities: ['CAP_SYS_ADMIN'] } }), 'spec.containers[0].securityContext.allowPrivilegeEscalation: is false while the container is privileged or adds CAP_SYS_ADMIN'],
  ['negative runAsUser', pod({ security: { runAsUser: -1 } }), 'spec.securityContext.runAsUser: -1 is not a valid id (0-2147483647)'],
  ['runAsUser 0 with runAsNonRoot', pod({}, { security: { runAsUser: 0 } }), 'spec.containers[0].securityContext.runAsUser: is 0 (root) while runAsNonRoot is true: the kubelet refuses to start the container'],
  ['group id too large', pod({ security: { fsGroup: 2 ** 31 } }), 'spec.securityContext.fsGroup: 2147483648 is not a valid id'],
  // --- add-on props
  ['zero download attempts', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { attempts: 0, source: ModelSource.http('https://e.com/m') }), '[test/llm/m] attempts: 0 must be a whole number from 1 to 100. Fix: use e.g. 5'],
  ['bearer token on an S3 source', (chart) => new ModelPrepInit(pod()(chart) as any, 'm', { source: ModelSource.s3('s3://b/m', { credentials: ModelCredentials.token('t') }) }), '[test/llm/m] credentials: a bearer token does not apply to this source'],
  ['proxy open path with a semicolon', (chart) => new ProxySidecar(pod()(chart) as any, 'p', { openPaths: ['/health; deny all'] }), '[test/llm/p] openPaths: "/health; deny all" is not a URL path'],
  ['proxy body limit with a space', (chart) => new ProxySidecar(pod()(chart) as any, 'p', { requestBodyLimit: '64 MB' }), '[test/llm/p] requestBodyLimit: "64 MB" is not an nginx size'],
  ['cdk8s-plus error while rendering (duplicate volume name)', (chart) => { const p = pod()(chart) as AiInferencePod; p.pod.addVolume(kplus.Volume.fromEmptyDir(chart, 'dup', 'server-tmp')); },
    '[test/llm] spec.volumes: two different volumes are named "server-tmp" (one of them added with cdk8s-plus: pod.addVolume, container.mount). Fix: give the volume you added another name; "server-tmp" is taken'],
];

describe('every bad input fails synth with its own message, naming construct path, field and fix', () => {
  test('at least 60 distinct bad inputs, as many as the README says', () => {
    expect(new Set(CASES.map(c => c[0])).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8').replace(/\s+/g, ' ')).toContain(`test/validation.test.ts\` holds ${CASES.length} distinct bad inputs`);
  });

  test.each(CASES)('fails: %s', (_name, build, message) => {
    const chart = newChart();
    build(chart);
    const error = synthError(chart);
    expect(error).toContain(message);
    expect(error).toMatch(/^Validation failed with the following errors:\n {2}\[test[/\]]/);
  });
});

test('errors are collected, not only the first', () => {
  const chart = newChart();
  pod({ metadata: { name: 'Bad' }, gpu: { count: 0.5 } }, { port: 0, resources: { memory: { request: '1GB' } } })(chart);
  const lines = synthError(chart).split('\n').slice(1);
  expect(lines.length).toBeGreaterThanOrEqual(4);
  expect(lines.every(l => /^ {2}\[test\/llm\] .*Fix: /.test(l))).toBe(true);
});

test('an invalid app writes no YAML', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'bad');
  pod({ gpu: { count: -1 } })(chart);
  expect(() => app.synth()).toThrow('Validation failed');
  expect(fs.readdirSync(app.outdir)).toEqual([]);
});

describe('warnings', () => {
  test.each<[string, (chart: Chart) => void, string]>([
    ['/dev/shm and another memory volume together larger than the memory limit',
      pod({ gpu: { count: 1, shmSize: '4Gi' } }, { volumeMounts: [{ volume: PodVolume.emptyDir('scratch', { memory: true, sizeLimit: '1Gi' }), path: '/scratch' }] }),
      'memory limit "4Gi" is below the size of memory volumes "dshm" ("4Gi") and "scratch" ("1Gi") together: what is written there is memory charged to the container'],
    ['/dev/shm larger than the memory limit', pod({ gpu: { count: 1, shmSize: '5Gi' } }), 'spec.containers[0].resources.limits["memory"]: memory limit "4Gi" is below the size of memory volume "dshm" ("5Gi"): what is written there is memory charged to the container that writes it, so filling the volume past the limit gets the container OOM-killed'],
  ])('memory volumes larger than the memory limit warn (real charts do it and run while nothing fills them): %s', (_name, build, text) => {
    const chart = newChart();
    build(chart);
    expect(synthWithWarnings(chart).warnings).toContain(text);
  });

  test('a probe of a port number no container declares is a warning: declared ports are informational (ModelMesh probes mm on 8089)', () => {
    const chart = newChart();
    pod({}, { health: HealthCheck.http('/health', { port: 9001 }) })(chart);
    expect(synthWithWarnings(chart).warnings).toContain('spec.containers[0].startupProbe: probes port 9001, which no container of the pod declares (declared: 8000): the kubelet probes it all the same');
  });

  test('an unpinned or :latest image is a warning: printed, synth goes on', () => {
    const chart = newChart();
    pod({}, { image: 'myrepo/server:latest' })(chart);
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
    try {
      expect(() => synth(chart)).not.toThrow();
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toContain('[warning] [test/llm] container "server": spec.containers[0].image: "myrepo/server:latest" is not pinned (:latest): every node may run a different build. Fix: pin a version tag or a digest');
  });

  test('a GPU pod without its toleration is a warning; gpu.tolerate: false says the nodes carry no taint, and silences it', () => {
    const quiet = newChart();
    pod({ gpu: { count: 1, tolerate: false } }, { resources: { memory: { limit: '8Gi' } } })(quiet);
    expect(synthWithWarnings(quiet).warnings).not.toContain('does not tolerate');
    // the toleration removed by a JSON patch: nothing said the nodes are untainted
    const chart = newChart();
    const gpuPod = pod({ gpu: { count: 1 } }, { resources: { memory: { limit: '8Gi' } } })(chart);
    ApiObject.of(gpuPod.pod).addJsonPatch(JsonPatch.remove('/spec/tolerations'));
    expect(synthWithWarnings(chart).warnings).toContain('spec.tolerations: container "server" requests nvidia.com/gpu but the pod does not tolerate the "nvidia.com/gpu" taint');
  });

  test('the warningsAsErrors context turns warnings into errors', () => {
    const app = Testing.app();
    app.node.setContext(WARNINGS_AS_ERRORS_CONTEXT, true);
    const chart = new Chart(app, 'test');
    pod({}, { image: 'myrepo/server' })(chart);
    expect(synthError(chart)).toContain('[test/llm] container "server": spec.containers[0].image: "myrepo/server" is not pinned (no tag)');
  });

  test('a digest-pinned image is fine', () => {
    const chart = newChart();
    pod({}, { image: `myrepo/server@sha256:${'a'.repeat(64)}` })(chart);
    expect(() => synth(chart)).not.toThrow();
  });
});

test('a second synth in the same run sees changes made after the first (no stale reuse)', () => {
  const chart = newChart();
  const p = new AiInferencePod(chart, 'llm', { server: { image: IMAGE } });
  const first = synth(chart).find(m => m.kind === 'Pod');
  expect(first.spec.containers[0].env).toBeUndefined();
  p.server.env.addVariable('EXTRA', kplus.EnvValue.fromValue('1'));
  const second = synth(chart).find(m => m.kind === 'Pod');
  expect(second.spec.containers[0].env).toEqual([{ name: 'EXTRA', value: '1' }]);
  p.server.env.addVariable('1BAD', kplus.EnvValue.fromValue('x'));
  expect(synthError(chart)).toContain('"1BAD" is not a valid environment variable name');
});

describe('a server bound to the loopback address is not probed on the pod IP', () => {
  const loopbackServer = (args: string[]) => ({ image: 'vllm/vllm-openai:v0.6.3', args, health: HealthCheck.vllm() });
  test.each([
    [['--model', '/m', '--host', '127.0.0.1']],
    [['--host=localhost']],
    [['--hostname', '::1']],
    [['--http-address=127.0.0.2:8000']],
    [['--bind_address', '127.0.0.1']],
    [['--rest_bind_address=127.0.0.1', '--rest_port=8000']],
    [['--rest_bind_address=127.0.0.1']],
  ])('%j fails synth naming the probe, the bind and the fix', (args) => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', { server: loopbackServer(args) });
    const message = synthError(chart);
    expect(message).toMatch(/\[test\/llm\] container "server": spec\.containers\[0\]\.(startup|readiness|liveness)Probe: probes port 8000 on the pod IP, but the container listens on the loopback address only/);
    expect(message).toContain('Fix: bind 0.0.0.0');
  });

  test('binding every address, or probing through a ProxySidecar, is fine', () => {
    const open = newChart();
    new AiInferencePod(open, 'llm', { server: loopbackServer(['--host', '0.0.0.0']) });
    expect(synth(open).length).toBeGreaterThan(0);
    const proxied = newChart();
    const proxiedPod = new AiInferencePod(proxied, 'llm', { server: loopbackServer(['--host', '127.0.0.1']) });
    new ProxySidecar(proxiedPod, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
    expect(synth(proxied).length).toBeGreaterThan(0);
  });

  test('a bind of one listener (OVMS --grpc_bind_address, --rest_bind_address) concerns only that listener\'s port', () => {
    const grpcOnly = newChart();
    new AiInferencePod(grpcOnly, 'llm', { server: loopbackServer(['--port=9000', '--grpc_bind_address=127.0.0.1', '--rest_port=8000']) });
    expect(synth(grpcOnly).length).toBeGreaterThan(0);
    const restOnly = newChart();
    new AiInferencePod(restOnly, 'llm', {
      server: { ...loopbackServer(['--port=8001', '--rest_port=8888', '--rest_bind_address=127.0.0.1']), health: HealthCheck.custom({ readiness: Probe.grpc() }), port: 8001 },
    });
    expect(synth(restOnly).length).toBeGreaterThan(0);
  });
});
