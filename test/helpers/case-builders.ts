import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import {
  absPath, Bad, badDuration, badNumber, badQuantity, badString, cpu, dataKey, dict, dnsLabel, duration, envName, image, memory, Picker,
} from './adversarial';
import {
  AiInferenceDeployment, AiInferencePod, Accelerator, CacheAccessMode, EnvFromSource, GpuClaim, HealthCheck, HostPathType, ImagePullPolicy,
  InferenceEngine, InferenceServer, PodField,
  InferenceServiceType, InitContainer, KubernetesTarget, LogCredentials, LogDestination, LogSidecar, ModelCache, ModelCredentials, ModelPrepInit,
  ModelProfile, ModelSource, PodRestartPolicy, PodSecurityLevel, PodVolume, Probe, ProxyAuth, ProxySidecar, ProxyTls, Sidecar, SidecarMode,
  WeightDtype,
} from '../../src';

/*
 * One generated case: a workload (AiInferencePod, AiInferenceDeployment, or InferenceServer on
 * a cdk8s-plus Deployment, StatefulSet or Job) with up to four add-ons, every prop drawn valid
 * or adversarial. Plain data (`caseData`) first, so the test can tell a clean case from one
 * with a bad value; `buildCase` turns it into constructs the way a user's code would.
 */

/** The workload kinds a case builds. */
export const HOSTS = ['pod', 'deployment', 'kplus-deployment', 'kplus-statefulset', 'kplus-job'] as const;
/** The add-on kinds a case attaches. */
export const ADD_ONS = ['model', 'init', 'sidecar', 'logs', 'proxy'] as const;

const SERVER_PORTS = [8000, 9000, 5000];
/** In generated `fieldEnv`: the server container's name, filled in when the case is built. */
const SERVER_CONTAINER = '$server';
/** In generated probe options: the port name of the probed container, filled in when the case is built. */
const NAMED_PORT = '$named';
/** In generated Service options: the server's port name, filled in when the case is built. */
const SERVER_PORT_NAME = '$server-port';

/** The generator of cases, for one rate of adversarial values (0: only valid ones), of the props' types or any. */
export function caseData(rate: number, wrongTypes = false): fc.Arbitrary<any> {
  const p = new Picker(rate, wrongTypes);
  const str = (valid: fc.Arbitrary<string>) => p.pick(valid, badString);
  const optStr = (valid: fc.Arbitrary<string>) => p.opt(valid, badString);
  const optNum = (valid: fc.Arbitrary<number>) => p.opt(valid, badNumber);
  const optDuration = (min: number, max: number) => p.opt(duration(min, max), badDuration);
  const optQuantity = (valid: fc.Arbitrary<string>) => p.opt(valid, badQuantity);
  const resources = p.opt(fc.record({
    cpu: p.opt(fc.record({ request: optQuantity(cpu) })),
    memory: p.opt(fc.record({ request: optQuantity(memory), limit: optQuantity(fc.constant('32Gi')) })),
    ephemeralStorage: p.opt(fc.record({ limit: optQuantity(fc.constant('10Gi')) })),
    extended: p.opt(fc.constantFrom({ 'vpc.amazonaws.com/efa': '1' }, { 'rdma/ib': '2' }), fc.constant({ ib: '1' }), fc.constant({ 'rdma/ib': 'lots' })),
  }, { requiredKeys: [] }));
  const security = p.opt(fc.record({
    runAsUser: optNum(fc.integer({ min: 1000, max: 65534 })),
    runAsGroup: optNum(fc.integer({ min: 1000, max: 65534 })),
    readOnlyRootFilesystem: p.opt(fc.boolean()),
  }, { requiredKeys: [] }), fc.constant({ runAsUser: 0 }), fc.constant({ privileged: true }), fc.constant({ addCapabilities: ['NET_ADMIN'] }),
  fc.constant({ allowPrivilegeEscalation: true }), fc.constant({ runAsNonRoot: false }), fc.constant({ addCapabilities: ['a b'] }));
  const env = p.opt(dict(envName, fc.string({ maxLength: 20 })), dict(badString, fc.constant('x')));
  const secretRef = fc.record({ secretName: str(dnsLabel), key: str(dataKey) });
  const secretEnv = p.opt(dict(envName, secretRef));
  // downward-API variables get their own names (F_...): a name in two variable props is refused
  const fieldEnv = p.opt(dict(envName.map(n => `F_${n}`), fc.oneof(
    fc.record({ kind: fc.constantFrom('POD_IP', 'POD_NAME', 'NODE_NAME', 'POD_UID') }),
    fc.record({ kind: fc.constant('label'), key: fc.constantFrom('app', 'example.com/role') }),
    // the API server takes 1m or 1 as a cpu divisor, 1, 1Ki, 1Mi... for memory
    fc.record({ kind: fc.constant('resource'), resource: fc.constant('limits.memory'), divisor: fc.constantFrom(undefined, '1Mi') }),
    fc.record({ kind: fc.constant('resource'), resource: fc.constant('requests.cpu'), divisor: fc.constantFrom(undefined, '1m') }),
    // another container's resources: the server's (SERVER_CONTAINER, filled in when the case is built)
    fc.record({
      kind: fc.constant('containerResource'), container: fc.constant(SERVER_CONTAINER), resource: fc.constant('requests.memory'),
      divisor: fc.constantFrom(undefined, '1Mi'),
    }),
  )), fc.constantFrom({ F_X: 'status.podIP' }, { F_X: { kind: 'label', key: 'a b' } }, { F_X: { kind: 'resource', resource: 'limits.gpu' } },
    { F_X: { kind: 'resource', resource: 'limits.memory', divisor: 'lots' } }, { F_X: { kind: 'resource', resource: 'requests.cpu', divisor: '1Mi' } },
    { F_X: { kind: 'containerResource', container: 'Bad_Name', resource: 'limits.memory' } },
    { F_X: { kind: 'containerResource', container: 'not-in-pod', resource: 'limits.memory' } }));
  const envFrom = p.opt(fc.array(fc.record({
    kind: fc.constantFrom('configMap', 'secret'), name: dnsLabel, prefix: fc.constantFrom(undefined, 'VLLM_'), optional: fc.constantFrom(undefined, true),
  }), { maxLength: 2 }), fc.constantFrom([{ configMapRef: { name: 'a' } }], [{ kind: 'secret', name: 'Bad_Name' }], [{ kind: 'configMap', name: 'a', prefix: 'my-' }]));
  // a name in both env and secretEnv is refused (one would replace the other)
  const envCollision = (c: any) => badWhen(c, ['secretEnv'], Object.keys(c.env ?? {}).some(k => Object.keys(c.secretEnv ?? {}).includes(k)));
  // a program first (an empty one never starts); any words after it
  const command = p.opt(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.array(fc.string({ maxLength: 12 }), { maxLength: 2 }))
    .map(([program, words]) => [program, ...words]), fc.constantFrom([], ['']));
  // volume names differ per owner: two owners defining one name is a conflict, not a bad value
  const podVolume = (owner: string) => fc.record({
    // hostPath only on the server, where the workload's security level is known (it needs privileged)
    kind: owner === 's' ? fc.constantFrom('emptyDir', 'pvc', 'configMap', 'secret', 'hostPath') : fc.constantFrom('emptyDir', 'pvc', 'configMap', 'secret'),
    name: str(dnsLabel.map(n => `v-${owner}-${n}`)),
    ref: str(dnsLabel),
    sizeLimit: optQuantity(memory),
    keys: p.opt(fc.array(dataKey, { maxLength: 2 }), fc.constant(['../x'])),
    defaultMode: optNum(fc.constantFrom(0o400, 0o440, 0o644)),
    hostPath: str(absPath.map(a => `/srv${a}`)),
    hostPathType: p.opt(fc.constantFrom(...Object.values(HostPathType)), fc.constant('Dir')),
  });
  const podVolumeMounts = (owner: string) => p.opt(fc.array(fc.record({
    volume: podVolume(owner), path: str(absPath.map(a => `/mnt${a}`)),
    readOnly: p.opt(fc.boolean()), subPath: p.opt(fc.constantFrom('a', 'b/c'), fc.constantFrom('../x', '/abs')),
  }), { maxLength: 1 }))
    .map(mounts => Array.isArray(mounts) ? mounts.map((m: any, i: number) => ({
      ...m,
      path: typeof m.path === 'string' && m.path.startsWith('/mnt') ? `${m.path}${i}` : m.path,
    })) : mounts);
  const probe = fc.record({
    kind: fc.constantFrom('http', 'tcp', 'grpc', 'exec'),
    path: str(fc.constantFrom('/health', '/ready', '/v2/health/ready')),
    command: p.pick(fc.constant(['cat', '/tmp/ready']), fc.constant([])),
    options: p.opt(fc.record({
      period: optDuration(1, 60), timeout: optDuration(1, 30), failureThreshold: optNum(fc.integer({ min: 1, max: 30 })),
      successThreshold: optNum(fc.constant(1)), initialDelay: optDuration(0, 30), port: p.risky(fc.constantFrom(8000, 9000, 1.5)),
      https: p.opt(fc.boolean()),
      // NAMED_PORT: the probed container's own port name (resolved by healthOf); a number with it is refused
      portName: p.opt(fc.constant(NAMED_PORT), fc.constantFrom('Bad_1', 'no-such-port')),
    }, { requiredKeys: [] }).map(o => badWhen(o, ['portName'], o.port !== undefined))),
  });
  const health = p.opt(fc.oneof(
    fc.record({
      kind: fc.constant('http'), path: str(fc.constantFrom('/health', '/v1/models')),
      options: p.opt(fc.record({
        livenessPath: optStr(fc.constant('/live')), port: p.risky(fc.constantFrom(8000, 9000, 1.5)), https: p.opt(fc.boolean()),
        portName: p.opt(fc.constant(NAMED_PORT), fc.constantFrom('Bad_1', 'no-such-port')),
      }, { requiredKeys: [] }).map(o => badWhen(o, ['portName'], o.port !== undefined))),
    }),
    fc.record({ kind: fc.constantFrom('vllm', 'tgi', 'nim', 'triton', 'none') }),
    fc.record({ kind: fc.constant('tcp'), port: p.risky(fc.constantFrom(8000, 9000, 1.5)) }),
    fc.record({ kind: fc.constant('command'), command: p.pick(fc.constant(['cat', '/tmp/ready']), fc.constant([]), fc.constant([''])) }),
    fc.record({
      kind: fc.constant('custom'), startup: fc.option(probe, { nil: undefined }), readiness: fc.option(probe,
        { nil: undefined }), liveness: fc.option(probe, { nil: undefined }),
    }),
  ));
  // an engine writes the command line, needs GPUs and $(MODEL_PATH): valid only with the right partners
  const engine = p.risky(fc.record({
    kind: fc.constantFrom('vllm', 'sglang', 'tgi', 'triton', 'nim'),
    options: p.opt(fc.record({
      servedModelName: optStr(dnsLabel), maxModelLength: optNum(fc.constantFrom(4096, 8192)), gpuMemoryUtilization: optNum(fc.constantFrom(0.8, 0.9)),
      tensorParallelSize: optNum(fc.constant(1)), extraArgs: p.opt(fc.constant(['--enforce-eager']), fc.constant(['--port', '1'])),
    }, { requiredKeys: [] })),
  }));
  const gpu = p.opt(fc.record({
    count: p.pick(fc.integer({ min: 1, max: 4 }), badNumber),
    resourceName: optStr(fc.constantFrom('nvidia.com/gpu', 'amd.com/gpu', 'nvidia.com/mig-1g.10gb')),
    tolerate: p.opt(fc.constant(true), fc.constant(false)),
    shmSize: optQuantity(fc.constant('1Gi')),
    sharedMemory: p.opt(fc.boolean(), fc.constant('no')),
    nodeSelector: p.opt(dict(fc.constantFrom('zone', 'nvidia.com/gpu.product'), dnsLabel), dict(badString, fc.constant('x'))),
    accelerator: p.risky(fc.constantFrom('L4', 'H100', 'MI300X', 'custom')),
    claim: p.risky(fc.record({
      productName: fc.option(fc.constantFrom('H100', 'x"y', ''), { nil: undefined }),
      minMemory: fc.option(fc.constantFrom('80Gi', 'lots'), { nil: undefined }), templateName: fc.option(fc.oneof(dnsLabel, badString), { nil: undefined }),
    })),
  }, { requiredKeys: ['count'] }).map(g => badWhen(g, ['shmSize'], g.sharedMemory === false))); // no /dev/shm to size
  const server = fc.record({
    name: optStr(dnsLabel.map(n => `srv-${n}`)),
    image: p.pick(image, badString),
    engine,
    port: optNum(fc.constantFrom(...SERVER_PORTS)),
    portName: optStr(fc.constantFrom('http', 'api')),
    extraPorts: p.opt(fc.constant([{ number: 9464, name: 'metrics' }]), fc.constant([{ number: 9464, protocol: 'SCTP?' }]),
      fc.constant([{ number: 8000 }])),
    command, args: command, env, secretEnv, fieldEnv, envFrom, resources, health, security,
    imagePullPolicy: p.opt(fc.constantFrom(...Object.values(ImagePullPolicy)), fc.constant('Sometimes')),
    workingDir: optStr(absPath),
    volumeMounts: podVolumeMounts('s'),
    tmpSize: optQuantity(fc.constant('1Gi')),
    preStopCommand: p.opt(fc.constant(['sleep', '5']), fc.constant([])),
    preStopSleep: optDuration(1, 90),
  }, { requiredKeys: ['image'] }).map(envCollision);
  const workload = fc.record({
    server,
    target: p.opt(fc.constantFrom({ version: '1.29' }, { version: '1.31', imageVolumes: false }, { version: '1.33' }, {
      version: '1.33',
      imageVolumes: true,
    }, { version: '1.35' }),
    fc.constant({ version: '2.0' }), fc.constant({ version: '1.26' }), fc.constant({ version: '1.27', imageVolumes: true }),
    fc.constant({ version: '1.27' }), fc.constant({ version: 'v1.30' })),
    model: p.risky(fc.record({
      profile: fc.constantFrom('llama8b', 'custom'), concurrentSequences: fc.option(fc.oneof(fc.constant(8),
        badNumber), { nil: undefined }), runtimeOverhead: fc.option(fc.oneof(fc.constant('2Gi'), badQuantity), { nil: undefined }),
    })),
    gpu,
    modelLoadTimeout: optDuration(10, 7200),
    security: p.opt(fc.record({
      level: p.opt(fc.constantFrom(...Object.values(PodSecurityLevel)), fc.constant('lax')),
      fsGroup: optNum(fc.constant(2000)), runAsUser: optNum(fc.constant(1000)),
      // safe sysctls (every valid target is 1.29 or later); an unsafe one needs the privileged level
      sysctls: p.opt(dict(fc.constantFrom('net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_keepalive_time', 'kernel.shm_rmid_forced',
        'net.ipv4.ip_local_reserved_ports'), fc.constantFrom('0', '1', '600')),
      fc.constant({ 'kernel.msgmax': '65536' }), fc.constant({ 'Net IPv4': '1' }), fc.constant({ 'net.ipv4.tcp_syncookies': 1 }),
      fc.constant({ 'net.ipv4.tcp_syncookies': '1', 'net/ipv4/tcp_syncookies': '0' })),
    }, { requiredKeys: [] })),
    terminationGracePeriod: optDuration(0, 600),
    serviceAccountName: optStr(dnsLabel),
    automountServiceAccountToken: p.opt(fc.boolean()),
    runtimeClassName: optStr(fc.constant('nvidia')),
    priorityClassName: optStr(fc.constant('high-priority')),
    tolerations: p.opt(fc.constant([{ key: 'dedicated', operator: 'Equal', value: 'llm', effect: 'NoSchedule' }]),
      fc.constant([{ operator: 'Maybe' }]), fc.constant([{ key: 'a b', effect: 'Never' }])),
    nodeSelector: p.opt(dict(fc.constantFrom('zone', 'pool'), dnsLabel), dict(badString, fc.constant('x'))),
    imagePullSecrets: p.opt(fc.array(dnsLabel, { maxLength: 2 }), fc.constant(['Bad_Secret']), fc.constant([''])),
    enableServiceLinks: p.opt(fc.boolean(), fc.constant('no')),
  }, { requiredKeys: ['server'] }).map(sleepChecked).map(hostPathChecked);
  const metadata = p.opt(fc.record({
    name: optStr(dnsLabel),
    namespace: optStr(dnsLabel),
    labels: p.opt(dict(fc.constantFrom('app', 'tier', 'example.com/team'), dnsLabel), dict(badString, fc.constant('x')),
      dict(fc.constant('app'), badString)),
    annotations: p.opt(dict(fc.constantFrom('note', 'example.com/owner'), fc.string({ maxLength: 30 })), dict(badString, fc.constant('x'))),
  }, { requiredKeys: [] }));
  const hostExtra = fc.record({
    metadata,
    restartPolicy: p.opt(fc.constantFrom(PodRestartPolicy.ALWAYS, PodRestartPolicy.NEVER), fc.constant('Sometimes')),
    replicas: optNum(fc.integer({ min: 0, max: 5 })),
    service: p.opt(fc.boolean()),
    serviceType: p.opt(fc.constantFrom(...Object.values(InferenceServiceType)), fc.constant('Ingress')),
    serviceOptions: p.opt(fc.record({
      portName: optStr(fc.constantFrom('serve', 'http-reranking')),
      port: p.opt(fc.constantFrom(80, 443), fc.constant(0)),
      nodePort: p.opt(fc.constantFrom(30080, 32237), fc.constant(80)),
      // SERVER_PORT_NAME: the server's port name, filled in when the case is built
      extraPorts: p.opt(fc.constantFrom([{ name: 'metrics', port: 9464 }], [{ name: 'grpc2', port: 9001, targetPort: 9000, protocol: 'TCP' }],
        [{ name: 'by-name', port: 9002, targetPortName: SERVER_PORT_NAME }]),
      fc.constant([{ name: 'x', port: 0 }]), fc.constant([{ name: 'Bad_1', port: 9464 }]), fc.constant([{ name: 'a', port: 9464, targetPort: 1, targetPortName: 'a' }]),
      fc.constant([{ name: 'a', port: 9464 }, { name: 'a', port: 9465 }])),
      labels: p.opt(dict(fc.constantFrom('tier', 'example.com/scrape'), dnsLabel), dict(badString, fc.constant('x'))),
      annotations: p.opt(dict(fc.constantFrom('prometheus.io/scrape', 'note'), fc.string({ maxLength: 20 })), dict(badString, fc.constant('x'))),
    }, { requiredKeys: [] })),
  }, { requiredKeys: [] }).map(serviceChecked);

  const sha = p.opt(fc.constant('a'.repeat(64)), fc.constant('abc'), fc.constant(`md5:${'a'.repeat(64)}`));
  const files = p.opt(fc.array(fc.constantFrom('config.json', 'model.safetensors', 'sub/tokenizer.json'), {
    minLength: 1,
    maxLength: 2,
  }).map(f => [...new Set(f)]));
  const credentials = p.opt(fc.oneof(
    fc.record({ kind: fc.constant('podIdentity') }),
    fc.record({
      kind: fc.constant('awsAccessKey'), secretName: str(dnsLabel), options: p.opt(fc.record({
        accessKeyIdKey: optStr(dataKey),
        sessionTokenKey: optStr(dataKey),
      }, { requiredKeys: [] })),
    }),
    fc.record({ kind: fc.constant('token'), secretName: str(dnsLabel), key: optStr(dataKey) }),
    fc.record({
      kind: fc.constant('secretEnv'), secretName: str(dnsLabel), envToKey: p.pick(dict(envName, dataKey, 2), dict(badString,
        fc.constant('k'))),
    }),
  ));
  // credentials must fit the source: boxed as risky, the library refuses the mismatches
  const riskyCredentials = p.risky(credentials);
  const source = fc.oneof(
    fc.record({
      kind: fc.constant('s3'), uri: str(fc.constantFrom('s3://models/llama/', 's3://my-models/model.bin',
        's3://models/a.b/c-d_e.gguf')), options: p.opt(fc.record({ sha256: sha, endpoint: optStr(fc.constantFrom('http://minio:9000', 'https://s3.example.com')), region: optStr(fc.constantFrom('us-east-1', 'eu-west-3')) }, { requiredKeys: [] })), credentials: riskyCredentials,
    }),
    fc.record({
      kind: fc.constant('gcs'), uri: str(fc.constantFrom('gs://models/gemma/', 'gs://models/m.bin')),
      options: p.opt(fc.record({ sha256: sha }, { requiredKeys: [] })), credentials: riskyCredentials,
    }),
    fc.record({
      kind: fc.constant('huggingFace'), repo: str(fc.constantFrom('org/model', 'meta-llama/Llama-3.1-8B-Instruct')),
      options: fc.record({ revision: str(fc.constantFrom('main', 'a'.repeat(40), 'v1.0')), files, endpoint: optStr(fc.constant('https://hub.example.com')) }, { requiredKeys: ['revision'] }), credentials: riskyCredentials,
    }),
    fc.record({
      kind: fc.constant('http'), url: str(fc.constantFrom('https://cdn.example.com/model.gguf', 'http://10.0.0.1:8080/m.bin',
        'https://e.com/repo/')), options: p.opt(fc.record({ files, sha256: sha }, { requiredKeys: [] })), credentials: riskyCredentials,
    }),
    fc.record({
      kind: fc.constant('ociImage'), reference: str(fc.constantFrom('registry.example.com/models/llama:8b',
      `ghcr.io/org/m@sha256:${'b'.repeat(64)}`)), options: p.opt(fc.record({ path: optStr(fc.constantFrom('/weights/', '/models')), pullPolicy: p.opt(fc.constantFrom(...Object.values(ImagePullPolicy))), name: optStr(dnsLabel) }, { requiredKeys: [] })),
    }),
  );
  const cache = p.opt(fc.oneof(
    fc.record({ kind: fc.constant('emptyDir'), sizeLimit: optQuantity(fc.constant('50Gi')) }),
    fc.record({ kind: fc.constant('pvc'), claimName: str(dnsLabel) }),
    fc.record({
      kind: fc.constant('newPvc'), size: p.pick(fc.constant('100Gi'), badQuantity), storageClassName: optStr(dnsLabel),
      accessMode: p.opt(fc.constantFrom(...Object.values(CacheAccessMode)), fc.constant('ReadSometimes')), claimName: optStr(dnsLabel),
    }),
  ));
  const model = fc.record({
    source: p.pick(source, fc.constant(undefined)), cache,
    name: optStr(fc.constant('model-prep')),
    image: optStr(image),
    mountPath: optStr(fc.constantFrom('/models', '/mnt/weights')),
    volumeName: optStr(fc.constant('weights')),
    modelPathEnv: optStr(fc.constantFrom('MODEL_DIR', 'WEIGHTS')),
    consumers: p.risky(fc.constantFrom(['server'], ['nope'], [])),
    attempts: optNum(fc.integer({ min: 1, max: 10 })),
    retryDelay: optDuration(1, 60),
    lockStaleAfter: optDuration(30, 3600),
    verifyOnCacheHit: p.opt(fc.boolean()),
    s3MaxConcurrentRequests: optNum(fc.integer({ min: 1, max: 64 })),
    s3MultipartChunkSize: optStr(fc.constantFrom('8MB', '64MB', '16MiB')),
    resources, security,
    expectedLoadTime: p.risky(duration(1, 600)),
    // a load-time estimate must fit modelLoadTimeout: risky
    modelSize: p.risky(fc.constantFrom('16Gi', '140Gi', '1GB')),
    loadThroughput: p.risky(fc.constantFrom('500Mi', '2Gi', '-1')),
  }, { requiredKeys: ['source'] }).map(m => {
    const kind = (m.source as any)?.kind;
    // props that have no effect given another are refused: an image volume runs no copier
    let c = badWhen(m, ['cache', 'image', 'attempts', 'retryDelay', 'lockStaleAfter', 'verifyOnCacheHit', 'resources', 'security'], kind === 'ociImage');
    c = badWhen(c, ['s3MaxConcurrentRequests', 's3MultipartChunkSize'], kind !== 's3');
    c = badWhen(c, ['modelSize', 'loadThroughput'], c.expectedLoadTime !== undefined);
    return badWhen(c, ['loadThroughput'], c.modelSize === undefined);
  });
  const init = fc.record({
    name: str(dnsLabel.map(n => `init-${n}`)),
    image: p.pick(image, badString),
    command, args: command, env, secretEnv, fieldEnv, envFrom, resources, security,
    podVolumeMounts: podVolumeMounts('i'),
    volumeMounts: p.risky(fc.constantFrom([{ volume: 'server-tmp', path: '/scratch' }], [{ volume: 'nope', path: '/x' }], [{
      volume: 'x',
      path: 'relative',
    }])),
    imagePullPolicy: p.opt(fc.constantFrom(...Object.values(ImagePullPolicy)), fc.constant('Sometimes')),
    workingDir: optStr(absPath),
  }, { requiredKeys: ['name', 'image'] }).map(envCollision);
  const sidecarOptions = {
    mode: p.opt(fc.constantFrom(...Object.values(SidecarMode)), fc.constant('sometimes')),
    resources, security,
    image: optStr(image),
    imagePullPolicy: p.opt(fc.constantFrom(...Object.values(ImagePullPolicy)), fc.constant('Sometimes')),
  };
  const sidecar = fc.record({
    name: str(dnsLabel.map(n => `side-${n}`)),
    ...sidecarOptions,
    command, args: command, env, secretEnv, fieldEnv, envFrom, podVolumeMounts: podVolumeMounts('c'),
    // a sidecar's probes need the port it declares: valid only in the right pairs
    health: p.risky(health),
    ports: p.opt(fc.constant([{ number: 9100, name: 'side' }]), fc.constant([{ number: 8000 }]), fc.constant([{ number: -3 }])),
    volumeMounts: p.risky(fc.constantFrom([{ volume: 'server-tmp', path: '/scratch' }], [{ volume: 'nope', path: '/x' }])),
    startupTimeout: optDuration(1, 600),
    // a sleep's validity depends on the pod (its target and grace period): risky; with a command, refused
    preStopSleep: p.risky(duration(1, 30)),
    preStopCommand: p.opt(fc.constant(['sleep', '3']), fc.constant([])),
    stdin: p.opt(fc.boolean(), fc.constant('yes')),
    tty: p.opt(fc.boolean(), fc.constant(1)),
  }, { requiredKeys: ['name'] }).map(c => envCollision(badWhen(badWhen(c, ['startupTimeout'], true), ['preStopCommand'], c.preStopSleep !== undefined))); // refused without a startup probe; the health may have none
  const endpoint = {
    host: str(fc.constantFrom('loki.monitoring', '10.0.0.7', 'fd00::1', 'ES.Example.com')),
    port: optNum(fc.constantFrom(3100, 443, 9200)),
    tls: p.opt(fc.boolean()),
    credentials: p.opt(fc.oneof(
      fc.record({ kind: fc.constant('basic'), secretName: str(dnsLabel), userKey: optStr(dataKey), passwordKey: optStr(dataKey) }),
      fc.record({ kind: fc.constant('bearer'), secretName: str(dnsLabel), key: optStr(dataKey) }),
    )),
  };
  const logs0 = fc.record({
    ...sidecarOptions,
    name: optStr(fc.constant('log-shipper')),
    logDir: optStr(fc.constantFrom('/var/log/app', '/logs/', '/var/log/app_1@x+y')),
    filePattern: optStr(fc.constantFrom('*.log', 'requests/[a-z]*-?.log', 'app-?.log')),
    volumeName: optStr(fc.constant('logs')),
    sizeLimit: optQuantity(fc.constant('2Gi')),
    writers: p.risky(fc.constantFrom(['server'], ['nope'], [])),
    prefixFileName: p.opt(fc.boolean()),
    shipTo: p.opt(fc.oneof(
      fc.record({ kind: fc.constant('http'), ...endpoint, uri: optStr(fc.constantFrom('/ingest', '/ingest?source=llm&x=1')) },
        { requiredKeys: ['kind', 'host'] }),
      fc.record({
        kind: fc.constant('loki'), ...endpoint, labels: p.opt(dict(fc.constantFrom('app', 'model_name'), dnsLabel),
          dict(badString, fc.constant('x'))), tenantId: optStr(fc.constantFrom('team-a', 'team-a.(ml)\'')),
      }, { requiredKeys: ['kind', 'host'] }),
      fc.record({ kind: fc.constant('elasticsearch'), ...endpoint, index: optStr(fc.constantFrom('llm-logs', 'llm.logs-2026')) },
        { requiredKeys: ['kind', 'host'] }),
    )),
  }, { requiredKeys: [] });
  const logs = logs0.map(l => badWhen(l, ['prefixFileName'], l.shipTo !== undefined)); // only for streaming
  const proxy = fc.record({
    ...sidecarOptions,
    name: optStr(fc.constant('auth-proxy')),
    port: optNum(fc.constantFrom(8443, 8081)),
    upstreamPort: p.risky(fc.constantFrom(8000, 9000, 1)),
    tls: p.opt(fc.record({ secretName: str(dnsLabel) })),
    auth: p.opt(fc.oneof(
      fc.record({ kind: fc.constant('none') }),
      fc.record({ kind: fc.constant('bearer'), secretName: str(dnsLabel), key: optStr(dataKey) }),
      fc.record({ kind: fc.constant('basic'), secretName: str(dnsLabel), key: optStr(dataKey) }),
    )),
    openPaths: p.opt(fc.constantFrom([], ['/health'], ['/health', '/v2/health/ready', '/metrics/']), fc.constant(['/a/../b']),
      fc.constant(['/health', '/health']), fc.constant(['//x'])),
    requestBodyLimit: optStr(fc.constantFrom('64m', '1g', '4096')),
    timeout: optDuration(1, 86400),
    networkPolicy: p.opt(fc.boolean()),
    admitPorts: p.opt(fc.constantFrom([5600], [5600, 9090]), fc.constant([0]), fc.constant([5600, 5600])),
    routeServerProbes: p.opt(fc.boolean()),
  }, { requiredKeys: [] });
  const addOn = fc.oneof(
    fc.record({ kind: fc.constant('model'), props: model }),
    fc.record({ kind: fc.constant('init'), props: init }),
    fc.record({ kind: fc.constant('sidecar'), props: sidecar }),
    fc.record({ kind: fc.constant('logs'), props: logs }),
    // admitted ports need the NetworkPolicy they are admitted in
    fc.record({ kind: fc.constant('proxy'), props: proxy.map(x => badWhen(x, ['admitPorts'], x.networkPolicy === false)) }),
  );
  // one add-on of each kind at most: two model downloads or proxies conflict by design
  const addOns = fc.uniqueArray(addOn, { maxLength: 4, selector: a => a.kind });
  return fc.record({ host: fc.constantFrom(...HOSTS), workload, hostExtra, addOns }).map(frontDoorChecked);
}

/** Builds the case's constructs in the chart, as user code would: the workload, then its add-ons. */
export function buildCase(chart: Chart, data: any): void {
  const workloadProps = workloadPropsOf(data.workload);
  const scope = buildHost(chart, data.host, workloadProps, data.hostExtra ?? {});
  const serverName = typeof data.workload?.server?.name === 'string' ? data.workload.server.name : 'server';
  data.addOns.forEach((a: any, i: number) => ADD_ON_BUILDERS[a.kind as (typeof ADD_ONS)[number]](scope, `${a.kind}${i}`, a.props, serverName));
}

function buildHost(chart: Chart, host: (typeof HOSTS)[number], props: any, extra: any): any {
  switch (host) {
    case 'pod':
      return new AiInferencePod(chart, 'llm', { ...props, metadata: extra.metadata, restartPolicy: extra.restartPolicy });
    case 'deployment':
      return new AiInferenceDeployment(chart, 'llm', {
        ...props, metadata: extra.metadata, replicas: extra.replicas,
        service: extra.service, serviceType: extra.serviceType, serviceOptions: serviceOptionsOf(extra.serviceOptions, props.server),
      });
    case 'kplus-deployment':
      return withServer(new kplus.Deployment(chart, 'llm', { metadata: extra.metadata }), props);
    case 'kplus-statefulset':
      return withServer(new kplus.StatefulSet(chart, 'llm', {
        metadata: extra.metadata, service: new kplus.Service(chart, 'headless',
          { metadata: { namespace: extra.metadata?.namespace }, clusterIP: 'None', ports: [{ port: 80 }] }),
      }), props);
    case 'kplus-job':
      return withServer(new kplus.Job(chart, 'llm', { metadata: extra.metadata, restartPolicy: kplus.RestartPolicy.NEVER }), props);
  }
}

/** Service options with the SERVER_PORT_NAME placeholder replaced by the server's port name. */
function serviceOptionsOf(o: any, server: any): any {
  if (o === null || typeof o !== 'object' || !Array.isArray(o.extraPorts)) {
    return o;
  }
  const portName = typeof server?.portName === 'string' ? server.portName : 'http';
  return { ...o, extraPorts: o.extraPorts.map((p: any) => (p?.targetPortName === SERVER_PORT_NAME ? { ...p, targetPortName: portName } : p)) };
}

function withServer(workload: kplus.AbstractPod, props: any): kplus.AbstractPod {
  new InferenceServer(workload, 'server', props);
  return workload;
}

function workloadPropsOf(w: any): any {
  if (w === null || typeof w !== 'object') {
    return w;
  }
  return {
    ...w,
    server: serverOf(w.server, typeof w.server?.name === 'string' ? w.server.name : 'server'),
    target: w.target && typeof w.target === 'object' ? KubernetesTarget.of(w.target.version,
      w.target.imageVolumes === undefined ? {} : { imageVolumes: w.target.imageVolumes }) : w.target,
    model: w.model && typeof w.model === 'object' ? fitOf(w.model) : w.model,
    gpu: gpuOf(w.gpu),
  };
}

function serverOf(s: any, serverName: string): any {
  if (s === null || typeof s !== 'object') {
    return s;
  }
  const portName = typeof s.portName === 'string' ? s.portName : 'http';
  return { ...s, engine: engineOf(s.engine), health: healthOf(s.health, portName), volumeMounts: mountsOf(s.volumeMounts), ...envOf(s, serverName) };
}

function engineOf(e: any): any {
  if (e === null || typeof e !== 'object') {
    return e;
  }
  const factory = {
    vllm: InferenceEngine.vllm, sglang: InferenceEngine.sglang, tgi: InferenceEngine.tgi, triton: InferenceEngine.triton,
    nim: InferenceEngine.nim,
  }[e.kind as string]!;
  return factory(e.options);
}

function fitOf(m: any): any {
  const profile = m.profile === 'custom'
    ? ModelProfile.of({ parameters: 7e9, dtype: WeightDtype.BF16, layers: 32, kvHeads: 8, headDim: 128, maxContext: 32768 })
    : ModelProfile.LLAMA_3_1_8B;
  return { profile, concurrentSequences: m.concurrentSequences, runtimeOverhead: m.runtimeOverhead };
}

const ACCELERATORS: { [name: string]: Accelerator } = {
  L4: Accelerator.NVIDIA_L4,
  H100: Accelerator.NVIDIA_H100,
  MI300X: Accelerator.AMD_MI300X,
  custom: Accelerator.custom({ name: 'Acme X1', memory: '48Gi', resourceName: 'acme.com/gpu', productLabel: 'acme-x1' }),
};

function gpuOf(g: any): any {
  if (g === null || typeof g !== 'object') {
    return g;
  }
  return {
    ...g,
    accelerator: typeof g.accelerator === 'string' ? ACCELERATORS[g.accelerator] : g.accelerator,
    claim: g.claim && typeof g.claim === 'object' ? GpuClaim.dra(g.claim) : g.claim,
  };
}

/** Options with the NAMED_PORT placeholder replaced by the probed container's port name. */
function named(o: any, portName: string): any {
  return o !== null && typeof o === 'object' && o.portName === NAMED_PORT ? { ...o, portName } : o;
}

function probeOf(pr: any, portName: string): any {
  if (pr === null || typeof pr !== 'object') {
    return pr;
  }
  // one generated options record serves every kind: each factory gets only its own options' keys
  const o = named(pr.options, portName);
  const { https: _https, ...tcpOptions } = o !== null && typeof o === 'object' ? o : ({} as any);
  const { portName: _portName, ...portOptions } = tcpOptions;
  const { port: _port, ...timing } = portOptions;
  switch (pr.kind) {
    case 'http': return Probe.httpGet(pr.path, o);
    case 'tcp': return Probe.tcp(o !== null && typeof o === 'object' ? tcpOptions : o);
    case 'grpc': return Probe.grpc(o !== null && typeof o === 'object' ? portOptions : o);
    default: return Probe.exec(pr.command, o !== null && typeof o === 'object' ? timing : o);
  }
}

function healthOf(h: any, portName: string): any {
  if (h === null || typeof h !== 'object') {
    return h;
  }
  switch (h.kind) {
    case 'http': return HealthCheck.http(h.path, named(h.options, portName));
    case 'vllm': return HealthCheck.vllm();
    case 'tgi': return HealthCheck.textGenerationInference();
    case 'nim': return HealthCheck.nim();
    case 'triton': return HealthCheck.triton();
    case 'none': return HealthCheck.none();
    case 'tcp': return HealthCheck.tcp(h.port);
    case 'command': return HealthCheck.command(h.command);
    default: return HealthCheck.custom({
      startup: probeOf(h.startup, portName), readiness: probeOf(h.readiness, portName), liveness: probeOf(h.liveness, portName),
    });
  }
}

function volumeOf(v: any): any {
  if (v === null || typeof v !== 'object') {
    return v;
  }
  switch (v.kind) {
    case 'emptyDir': return PodVolume.emptyDir(v.name, { sizeLimit: v.sizeLimit });
    case 'pvc': return PodVolume.persistentVolumeClaim(v.name, v.ref);
    case 'hostPath': return PodVolume.hostPath(v.name, v.hostPath, v.hostPathType === undefined ? undefined : { type: v.hostPathType });
    case 'configMap': return PodVolume.configMap(v.name, v.ref, { keys: v.keys, defaultMode: v.defaultMode });
    default: return PodVolume.secret(v.name, v.ref, { keys: v.keys, defaultMode: v.defaultMode });
  }
}

function mountsOf(mounts: any): any {
  return Array.isArray(mounts) ? mounts.map(m => (m && typeof m === 'object' ? { ...m, volume: volumeOf(m.volume) } : m)) : mounts;
}

function credentialsOf(c: any): any {
  if (c === null || typeof c !== 'object') {
    return c;
  }
  switch (c.kind) {
    case 'podIdentity': return ModelCredentials.podIdentity();
    case 'awsAccessKey': return ModelCredentials.awsAccessKey(c.secretName, c.options);
    case 'token': return ModelCredentials.token(c.secretName, c.key);
    default: return ModelCredentials.secretEnv(c.secretName, c.envToKey);
  }
}

function sourceOf(s: any): any {
  if (s === null || typeof s !== 'object') {
    return s;
  }
  const options = (o: any) => (o === undefined || (o !== null && typeof o === 'object') ? { ...o, credentials: credentialsOf(s.credentials) } : o);
  switch (s.kind) {
    case 's3': return ModelSource.s3(s.uri, options(s.options));
    case 'gcs': return ModelSource.gcs(s.uri, options(s.options));
    case 'huggingFace': return ModelSource.huggingFace(s.repo, options(s.options));
    case 'http': return ModelSource.http(s.url, options(s.options));
    default: return ModelSource.ociImage(s.reference, s.options);
  }
}

function cacheOf(c: any): any {
  if (c === null || typeof c !== 'object') {
    return c;
  }
  switch (c.kind) {
    case 'emptyDir': return ModelCache.emptyDir({ sizeLimit: c.sizeLimit });
    case 'pvc': return ModelCache.persistentVolumeClaim(c.claimName);
    default: return ModelCache.newPersistentVolumeClaim({
      size: c.size, storageClassName: c.storageClassName, accessMode: c.accessMode,
      claimName: c.claimName,
    });
  }
}

function destinationOf(d: any): any {
  if (d === null || typeof d !== 'object') {
    return d;
  }
  const c = d.credentials;
  const credentials = c && typeof c === 'object'
    ? (c.kind === 'basic' ? LogCredentials.basicAuth(c.secretName, c.userKey, c.passwordKey) : LogCredentials.bearerToken(c.secretName, c.key))
    : c;
  // `kind` picks the factory; it is not one of the options
  const { kind: _kind, ...rest } = d;
  const options = { ...rest, credentials };
  switch (d.kind) {
    case 'http': return LogDestination.http(options);
    case 'loki': return LogDestination.loki(options);
    default: return LogDestination.elasticsearch(options);
  }
}

function authOf(a: any): any {
  if (a === null || typeof a !== 'object') {
    return a;
  }
  switch (a.kind) {
    case 'none': return ProxyAuth.none();
    case 'bearer': return ProxyAuth.bearerTokens(a.secretName, a.key);
    default: return ProxyAuth.basicAuth(a.secretName, a.key);
  }
}

/** `fieldEnv` and `envFrom` data as the library's classes (other values pass through as the bad values they are). */
function envOf(props: any, serverName: string): any {
  const out: any = {};
  if (props.fieldEnv !== undefined) {
    out.fieldEnv = props.fieldEnv !== null && typeof props.fieldEnv === 'object' ? Object.fromEntries(Object.entries(props.fieldEnv).map(([k, f]: [string, any]) => [k,
      f === null || typeof f !== 'object' ? f
        : f.kind === 'label' ? PodField.label(f.key)
          : f.kind === 'resource' ? PodField.resource(f.resource, f.divisor)
            : f.kind === 'containerResource' ? PodField.containerResource(f.container === SERVER_CONTAINER ? serverName : f.container, f.resource, f.divisor)
              : (PodField as any)[f.kind]])) : props.fieldEnv;
  }
  if (props.envFrom !== undefined) {
    out.envFrom = Array.isArray(props.envFrom) ? props.envFrom.map((e: any) => (e?.kind === 'configMap' || e?.kind === 'secret'
      ? EnvFromSource[e.kind as 'configMap' | 'secret'](e.name, { ...(e.prefix === undefined ? {} : { prefix: e.prefix }), ...(e.optional === undefined ? {} : { optional: e.optional }) })
      : e)) : props.envFrom;
  }
  return out;
}

const ADD_ON_BUILDERS: { [kind in (typeof ADD_ONS)[number]]: (scope: any, id: string, props: any, serverName: string) => void } = {
  model: (scope, id, props) => new ModelPrepInit(scope, id, { ...props, source: sourceOf(props.source), cache: cacheOf(props.cache) }),
  init: (scope, id, props, serverName) => new InitContainer(scope, id, {
    ...props, podVolumeMounts: mountsOf(props.podVolumeMounts), ...envOf(props, serverName),
  }),
  sidecar: (scope, id, props, serverName) => new Sidecar(scope, id, {
    ...props, health: healthOf(props.health, Array.isArray(props.ports) ? props.ports[0]?.name ?? 'side' : 'side'), ...envOf(props, serverName),
    podVolumeMounts: mountsOf(props.podVolumeMounts), image: props.image ?? 'busybox:1.36.1',
  }),
  logs: (scope, id, props) => new LogSidecar(scope, id, { ...props, shipTo: destinationOf(props.shipTo) }),
  proxy: (scope, id, props) => new ProxySidecar(scope, id, {
    ...props,
    tls: props.tls && typeof props.tls === 'object' ? ProxyTls.fromSecret(props.tls.secretName) : props.tls,
    auth: authOf(props.auth),
  }),
};

/** Whether the case declares a pod security level below "restricted". */
export function relaxesSecurity(data: any): boolean {
  const level = data?.workload?.security?.level;
  return level !== undefined && level !== PodSecurityLevel.RESTRICTED;
}

/**
 * The workload with the server's preStopSleep boxed as adversarial where the library refuses it:
 * with preStopCommand, beyond the grace period (60 s unless given), below Kubernetes 1.30.
 */
function sleepChecked(w: any): any {
  const server = w.server;
  const sleep = server?.preStopSleep;
  if (!(sleep instanceof Duration)) {
    return w;
  }
  const given = w.terminationGracePeriod;
  const grace = given === undefined ? 60 : given instanceof Duration ? given.toSeconds() : Infinity;
  const target = w.target;
  const minor = target === undefined ? 33 : target instanceof Bad ? Infinity : Number(/1\.(\d+)/.exec(target.version)?.[1]);
  const refused = server.preStopCommand !== undefined || sleep.toSeconds() > grace || minor < 30;
  return refused ? { ...w, server: badWhen(server, ['preStopSleep'], true) } : w;
}

/** The Deployment's Service props boxed where the library refuses them: with service: false, a node port on a type without node ports. */
function serviceChecked(h: any): any {
  const c = badWhen(h, ['serviceType', 'serviceOptions'], h.service === false); // no Service has them
  const o = c.serviceOptions;
  if (o === undefined || o instanceof Bad || o.nodePort === undefined) {
    return c;
  }
  return { ...c, serviceOptions: badWhen(o, ['nodePort'], c.serviceType !== InferenceServiceType.NODE_PORT && c.serviceType !== InferenceServiceType.LOAD_BALANCER) };
}

/**
 * A ProxySidecar with its NetworkPolicy (admitting its port, 5600 and 9090 at most) makes every
 * further Service port of the Deployment refused: the generated ones target 9464, 9000 or the
 * server's port, which the policy does not admit or the front door must not be bypassed to.
 */
function frontDoorChecked(c: any): any {
  const proxy = c.addOns.find((a: any) => a.kind === 'proxy')?.props;
  const policy = proxy !== undefined && !(proxy instanceof Bad) && proxy.networkPolicy !== false;
  const o = c.hostExtra?.serviceOptions;
  if (c.host !== 'deployment' || !policy || o === undefined || o instanceof Bad || o.extraPorts === undefined || o.extraPorts instanceof Bad) {
    return c;
  }
  return { ...c, hostExtra: { ...c.hostExtra, serviceOptions: badWhen(o, ['extraPorts'], true) } };
}

/**
 * A hostPath needs the privileged level (PSS baseline forbids it): the workload declares it when
 * it declares no level, and the server's mounts are boxed when it declares another.
 */
function hostPathChecked(w: any): any {
  const mounts = w.server?.volumeMounts;
  const hostPath = Array.isArray(mounts) && mounts.some((m: any) => m?.volume?.kind === 'hostPath');
  if (!hostPath || w.security?.level === PodSecurityLevel.PRIVILEGED) {
    return w;
  }
  if (w.security === undefined || (w.security !== null && typeof w.security === 'object' && !(w.security instanceof Bad) && w.security.level === undefined)) {
    return { ...w, security: { ...w.security, level: PodSecurityLevel.PRIVILEGED } };
  }
  return { ...w, server: badWhen(w.server, ['volumeMounts'], true) };
}

/** `data` with each of `keys` that is set boxed as adversarial when `when` holds: the library refuses it there. */
function badWhen<T extends object>(data: T, keys: string[], when: boolean): T {
  if (!when) {
    return data;
  }
  const copy: any = { ...data };
  for (const key of keys) {
    if (copy[key] !== undefined && !(copy[key] instanceof Bad)) {
      copy[key] = new Bad(copy[key]);
    }
  }
  return copy;
}
