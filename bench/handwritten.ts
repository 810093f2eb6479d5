import { ApiObject, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LOG_STREAM_SCRIPT } from '../src/scripts/log-stream-script';
import { modelPrepScript, S3_FETCH } from '../src/scripts/model-prep-script';
import { nginxConfig, PROXY_START_SCRIPT } from '../src/scripts/nginx-config';

// The same pod written by hand with cdk8s-plus-27, the way a careful engineer would without
// the library: cdk8s-plus for the structure, and one override of the final JSON for what
// cdk8s-plus-27 drops or cannot express (native sidecars, GPU quantities, probes on sidecars,
// capabilities, seccomp). The script texts are the library's, so the outputs can be compared.

const DROP_ALL = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true };
const AS_1000 = { ...DROP_ALL, runAsGroup: 1000, runAsUser: 1000 };
const MODEL_SCRIPT = modelPrepScript(S3_FETCH);
const NGINX_CONF = nginxConfig({
  listenPort: 8443, upstreamPort: 8000, tlsDir: '/etc/nginx/tls', auth: 'bearer', authDir: '/etc/nginx/auth', runDir: '/tmp/nginx',
  openPaths: ['/health'], bodyLimit: '64m', timeoutSeconds: 600,
});
const probe = (handler: any, period: number, failure: number) => ({
  ...handler, failureThreshold: failure, periodSeconds: period, timeoutSeconds: 5,
});
// the server's probes go through the proxy (the server may bind 127.0.0.1)
const http = { httpGet: { path: '/health', port: 8443, scheme: 'HTTPS' } };
const tcp = { tcpSocket: { port: 8443 } };
const env = (vars: { [k: string]: string }) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]));

/** The full example pod i, by hand. */
export function handwrittenPod(chart: Chart, i: number): void {
  const scope = new Construct(chart, `llm-${i}`);
  const pod = new kplus.Pod(scope, 'Resource', {
    metadata: { name: `llm-${i}`, labels: { app: 'llm' } },
    terminationGracePeriod: undefined,
    securityContext: { ensureNonRoot: true, user: 1000, group: 1000, fsGroup: 1000, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH },
  });
  const server = pod.addContainer({ name: 'server', image: 'vllm/vllm-openai:v0.6.3', ports: [{ number: 8000, name: 'http' }], envVariables: env({ MODEL_NAME: `model-${i}` }), resources: {} });
  server.mount('/tmp', kplus.Volume.fromEmptyDir(scope, 'tmp', 'server-tmp'));
  server.mount('/dev/shm', kplus.Volume.fromEmptyDir(scope, 'dshm', 'dshm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.gibibytes(1) }));

  const model = new Construct(scope, 'model-downloader');
  const models = kplus.Volume.fromEmptyDir(model, 'volume', 'model-storage');
  const downloader = pod.addInitContainer({
    name: 'model-downloader', image: 'amazon/aws-cli:2.15.30', command: ['/bin/sh', '-c', MODEL_SCRIPT], resources: {},
    envVariables: env({
      MODEL_DIR: '/models', MODEL_TARGET: `model-${i}`, MODEL_SOURCE: `s3://models/model-${i}/`, MODEL_KIND: 'directory', MODEL_ATTEMPTS: '5',
      MODEL_RETRY_DELAY_SECONDS: '2', MODEL_LOCK_STALE_SECONDS: '120', MODEL_LOCK_HEARTBEAT_SECONDS: '5', S3_MAX_CONCURRENT_REQUESTS: '16', S3_MULTIPART_CHUNKSIZE: '64MB',
      AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '3', HOME: '/home/model-downloader',
    }),
  });
  downloader.env.addVariable('MODEL_POD_UID', kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_UID));
  downloader.mount('/models', models);
  downloader.mount('/home/model-downloader', kplus.Volume.fromEmptyDir(model, 'home', 'model-downloader-home'));
  server.mount('/models', models, { readOnly: true });
  server.env.addVariable('MODEL_PATH', kplus.EnvValue.fromValue(`/models/model-${i}`));

  const logScope = new Construct(scope, 'log-forwarder');
  const logs = kplus.Volume.fromEmptyDir(logScope, 'logs', 'app-logs', { sizeLimit: Size.gibibytes(1) });
  const logger = pod.addInitContainer({
    name: 'log-forwarder', image: 'debian:12.8-slim', command: ['/bin/sh', '-c', LOG_STREAM_SCRIPT], resources: {},
    envVariables: env({ LOG_DIR: '/var/log/app', LOG_PATTERN: '*.log' }),
  });
  logger.mount('/var/log/app', logs, { readOnly: true });
  server.mount('/var/log/app', logs);

  const proxyScope = new Construct(scope, 'auth-proxy');
  const config = new kplus.ConfigMap(proxyScope, 'config', { data: { 'nginx.conf': NGINX_CONF } });
  const proxy = pod.addInitContainer({
    name: 'auth-proxy', image: 'nginxinc/nginx-unprivileged:1.27.2-alpine', command: ['/bin/sh', '-c', PROXY_START_SCRIPT], resources: {},
    ports: [{ number: 8443, name: 'https' }],
    envVariables: env({ PROXY_CONFIG: '/etc/nginx/cdk8s/nginx.conf', PROXY_RUN_DIR: '/tmp/nginx', PROXY_AUTH: 'bearer', PROXY_TOKENS_FILE: '/etc/nginx/auth/tokens' }),
  });
  proxy.mount('/etc/nginx/cdk8s', kplus.Volume.fromConfigMap(proxyScope, 'config-volume', config, { name: 'auth-proxy-config' }), { readOnly: true });
  proxy.mount('/tmp', kplus.Volume.fromEmptyDir(proxyScope, 'run', 'auth-proxy-tmp'));
  proxy.mount('/etc/nginx/tls', kplus.Volume.fromSecret(proxyScope, 'tls', kplus.Secret.fromSecretName(proxyScope, 'tls-secret', 'tls'), { name: 'auth-proxy-tls' }), { readOnly: true });
  proxy.mount('/etc/nginx/auth', kplus.Volume.fromSecret(proxyScope, 'auth', kplus.Secret.fromSecretName(proxyScope, 'auth-secret', 'tokens'), { name: 'auth-proxy-auth' }), { readOnly: true });

  // What cdk8s-plus-27 cannot say, written onto the final JSON (a JSON patch would be dropped).
  const api = ApiObject.of(pod);
  const toJson = api.toJson.bind(api);
  api.toJson = () => {
    const json = toJson();
    const spec = json.spec;
    spec.terminationGracePeriodSeconds = 60;
    spec.securityContext.seccompProfile = { type: 'RuntimeDefault' };
    spec.tolerations = [{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' }];
    for (const v of spec.volumes) {
      if (v.emptyDir?.sizeLimit) v.emptyDir.sizeLimit = '1Gi';
    }
    spec.volumes.sort((a: any, b: any) => a.name.localeCompare(b.name));
    const [s] = spec.containers;
    delete s.imagePullPolicy;
    Object.assign(s, {
      resources: { limits: { 'memory': '16Gi', 'nvidia.com/gpu': '1' }, requests: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1' } },
      securityContext: DROP_ALL,
      startupProbe: probe(http, 10, 90), readinessProbe: probe(http, 5, 3), livenessProbe: probe(http, 10, 3),
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    const [d, l, p] = spec.initContainers;
    delete d.imagePullPolicy;
    Object.assign(d, { resources: { limits: { memory: '2Gi' }, requests: { cpu: '1', memory: '1Gi' } }, securityContext: AS_1000, terminationMessagePolicy: 'FallbackToLogsOnError' });
    delete l.imagePullPolicy;
    Object.assign(l, { restartPolicy: 'Always', resources: { limits: { memory: '64Mi' }, requests: { cpu: '10m', memory: '16Mi' } }, securityContext: AS_1000 });
    delete p.imagePullPolicy;
    Object.assign(p, {
      restartPolicy: 'Always', resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
      securityContext: { ...DROP_ALL, runAsGroup: 101, runAsUser: 101 },
      startupProbe: probe(tcp, 10, 3), readinessProbe: probe(tcp, 5, 3), livenessProbe: probe(tcp, 10, 3),
    });
    return json;
  };
  // only the proxy's port is reachable from the network
  new ApiObject(proxyScope, 'network-policy', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `llm-${i}-auth-proxy` },
    spec: {
      ingress: [{ ports: [{ port: 8443, protocol: 'TCP' }] }],
      podSelector: { matchLabels: { 'app': 'llm', 'cdk8s.io/metadata.addr': api.metadata.getLabel('cdk8s.io/metadata.addr') } },
      policyTypes: ['Ingress'],
    },
  });
}
