/**
 * The props of review 6 (gaps found writing public production pods, production-pods-4): the
 * Deployment's Service (port names, node ports, further ports, labels, annotations),
 * `PodVolume.hostPath`, pod sysctls and the low-port warning, and a GPU pod without `/dev/shm`.
 * Each valid use synthesizes and passes the API checks; each bad input is refused with the
 * structured error.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, HostPathType, InferenceServiceType, PodSecurityLevel, PodVolume, PortProtocol, Sidecar,
} from '../src';
import { mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { pssRestrictedViolations } from './helpers/pss';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

const image = 'vllm/vllm-openai:v0.9.1';

describe('the Deployment\'s Service: serviceOptions', () => {
  test('AIBrix: the public port named serve, the runtime\'s 8080 as http, labels and annotations', () => {
    const chart = newChart('aibrix');
    const llm = new AiInferenceDeployment(chart, 'model', {
      metadata: { name: 'qwen', labels: { 'model.aibrix.ai/name': 'qwen' } },
      server: { image, port: 8000 },
      serviceOptions: {
        portName: 'serve',
        extraPorts: [{ name: 'http', port: 8080 }],
        labels: { 'prometheus-discovery': 'true' },
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
      },
    });
    new Sidecar(llm, 'runtime', { name: 'aibrix-runtime', image: 'aibrix/runtime:v0.3.0', ports: [{ number: 8080, name: 'metrics' }] });
    const { manifests, warnings } = synthWithWarnings(chart);
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.ports).toEqual([
      { name: 'serve', port: 8000, protocol: 'TCP', targetPort: 8000 },
      { name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 },
    ]);
    expect(service.metadata.labels).toEqual({ 'prometheus-discovery': 'true' });
    expect(service.metadata.annotations).toEqual({ 'prometheus.io/port': '8080', 'prometheus.io/scrape': 'true' });
    expect(service.spec.selector).toEqual(manifestOf(manifests, 'Deployment').spec.selector.matchLabels);
    expect(warnings).toBe('');
  });

  test('a NodePort Service with the public port\'s node port and a named target port the pod declares', () => {
    const chart = newChart('nodeport');
    new AiInferenceDeployment(chart, 'reranking', {
      metadata: { name: 'reranking' },
      server: { image, port: 8000, extraPorts: [{ number: 9000, name: 'grpc' }] },
      serviceType: InferenceServiceType.NODE_PORT,
      serviceOptions: {
        portName: 'http-reranking', nodePort: 32237,
        extraPorts: [{ name: 'grpc', port: 9000, targetPortName: 'grpc', nodePort: 32238 }, { name: 'udp', port: 9001, targetPort: 9000, protocol: PortProtocol.UDP }],
      },
    });
    const { manifests } = synthWithWarnings(chart);
    expect(manifestOf(manifests, 'Service').spec).toMatchObject({
      type: 'NodePort',
      ports: [
        { name: 'http-reranking', nodePort: 32237, port: 8000, protocol: 'TCP', targetPort: 8000 },
        { name: 'grpc', nodePort: 32238, port: 9000, protocol: 'TCP', targetPort: 'grpc' },
        { name: 'udp', port: 9001, protocol: 'UDP', targetPort: 9000 },
      ],
    });
  });

  test.each([
    ['a bad port name', { portName: 'Serve_1' }, /serviceOptions\.portName: "Serve_1" is not a Service port name\. Fix: /],
    // a Service's port names are DNS-1123 labels (63), not IANA service names (15) as a container's
    ['a name longer than 63', { extraPorts: [{ name: 'm'.repeat(64), port: 9100 }] }, /serviceOptions\.extraPorts\[0\]\.name: "m{64}" is not a Service port name/],
    ['a name twice', { portName: 'api', extraPorts: [{ name: 'api', port: 9100 }] }, /serviceOptions\.extraPorts\[0\]\.name: "api" is already the name of serviceOptions\. Fix: /],
    ['a port number twice', { extraPorts: [{ name: 'a', port: 9100 }, { name: 'b', port: 9100 }] }, /serviceOptions\.extraPorts\[1\]\.port: 9100\/TCP is already the port of serviceOptions\.extraPorts\[0\]/],
    ['port 0', { extraPorts: [{ name: 'a', port: 0 }] }, /serviceOptions\.extraPorts\[0\]\.port: 0 must be a whole number from 1 to 65535/],
    ['port 70000', { extraPorts: [{ name: 'a', port: 70000 }] }, /serviceOptions\.extraPorts\[0\]\.port: 70000 must be a whole number from 1 to 65535/],
    ['a nodePort on ClusterIP', { nodePort: 32000 }, /serviceOptions\.nodePort: 32000 is given, but a ClusterIP Service has no node ports\. Fix: /],
    ['targetPort and targetPortName', { extraPorts: [{ name: 'a', port: 9100, targetPort: 9100, targetPortName: 'a' }] }, /targetPortName: is given with targetPort/],
    ['a bad targetPortName', { extraPorts: [{ name: 'a', port: 9100, targetPortName: 'A B' }] }, /targetPortName: "A B" is not a port name/],
    ['a bad protocol', { extraPorts: [{ name: 'a', port: 9100, protocol: 'QUIC' }] }, /protocol: "QUIC" is not a protocol/],
    ['an unknown key', { portNmae: 'x' }, /serviceOptions\.portNmae: unknown prop .*did you mean 'portName'\?/],
    ['labels not a map', { labels: 'app=x' }, /serviceOptions\.labels: "app=x" is not a map of strings/],
    ['extraPorts not a list', { extraPorts: { name: 'a', port: 1 } }, /serviceOptions\.extraPorts: .* is not a list/],
  ])('refused: %s', (_, serviceOptions, expected) => {
    expectRefused(c => new AiInferenceDeployment(c, 'llm', { server: { image }, serviceOptions: serviceOptions as any }), expected);
  });

  test.each([
    ['below the range', 30, /serviceOptions\.nodePort: 30 is not a node port \(30000-32767/],
    ['above the range', 40000, /serviceOptions\.nodePort: 40000 is not a node port/],
  ])('a node port %s is refused', (_, nodePort, expected) => {
    expectRefused(c => new AiInferenceDeployment(c, 'llm', { server: { image }, serviceType: InferenceServiceType.NODE_PORT, serviceOptions: { nodePort } }), expected);
  });

  test('a node port twice, serviceOptions with service: false', () => {
    expectRefused(c => new AiInferenceDeployment(c, 'llm', {
      server: { image }, serviceType: InferenceServiceType.LOAD_BALANCER, serviceOptions: { nodePort: 32000, extraPorts: [{ name: 'a', port: 9100, nodePort: 32000 }] },
    }), /serviceOptions\.extraPorts\[0\]\.nodePort: 32000\/TCP is already the node port of serviceOptions\. Fix: /);
    expectRefused(c => new AiInferenceDeployment(c, 'llm', { server: { image }, service: false, serviceOptions: { portName: 'api' } }),
      /serviceOptions: is given with service: false/);
  });

  test('the rendered Service is checked: a named target port the pod does not declare, a name or port the public one has', () => {
    expectRefused(c => new AiInferenceDeployment(c, 'llm', { server: { image }, serviceOptions: { extraPorts: [{ name: 'metrics', port: 9100, targetPortName: 'metrics' }] } }),
      /\[test\/llm\] spec\.ports\[1\]\.targetPort: "metrics" is not the name of a port a container of the pod declares \("http"\).* Fix: /);
    expectRefused(c => new AiInferenceDeployment(c, 'llm', { server: { image }, serviceOptions: { extraPorts: [{ name: 'http', port: 9100 }] } }),
      /spec\.ports\[1\]\.name: port name "http" is used twice/);
    expectRefused(c => new AiInferenceDeployment(c, 'llm', { server: { image }, serviceOptions: { extraPorts: [{ name: 'again', port: 8000 }] } }),
      /spec\.ports\[1\]: port 8000\/TCP is listed twice/);
    // a JSON patch onto the Service is checked the same way
    expectRefused(c => {
      const d = new AiInferenceDeployment(c, 'llm', { server: { image } });
      ApiObject.of(d.service!).addJsonPatch(JsonPatch.add('/spec/ports/0/nodePort', 31000));
    }, /spec\.ports\[0\]\.nodePort: nodePort cannot be set on a Service of type ClusterIP/);
  });
});

describe('PodVolume.hostPath', () => {
  test('LMDeploy\'s model cache on the node: DirectoryOrCreate, read-write, with the privileged level it needs', () => {
    const chart = newChart('lmdeploy');
    new AiInferenceDeployment(chart, 'lmdeploy', {
      metadata: { name: 'lmdeploy' },
      server: {
        image: 'openmmlab/lmdeploy:v0.7.3-cu12', port: 23333, env: { HF_HOME: '/data/huggingface' },
        volumeMounts: [{ volume: PodVolume.hostPath('hf-cache', '/mnt/huggingface', { type: HostPathType.DIRECTORY_OR_CREATE }), path: '/data/huggingface', readOnly: false }],
      },
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    expect(volume(podSpec(deploy), 'hf-cache')).toEqual({ name: 'hf-cache', hostPath: { path: '/mnt/huggingface', type: 'DirectoryOrCreate' } });
    expect(mount(container(deploy, 'server'), '/data/huggingface')).toEqual({ mountPath: '/data/huggingface', name: 'hf-cache', readOnly: false });
    // without a type, nothing is written for it; a mount is read-only unless told
    const chart2 = newChart('triton');
    new AiInferencePod(chart2, 'triton', {
      server: { image: 'nvcr.io/nvidia/tritonserver:24.08-py3', volumeMounts: [{ volume: PodVolume.hostPath('models', '/srv/models'), path: '/models' }] },
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    const pod = synthWithWarnings(chart2).manifests[0];
    expect(volume(pod.spec, 'models')).toEqual({ name: 'models', hostPath: { path: '/srv/models' } });
    expect(mount(container(pod, 'server'), '/models').readOnly).toBe(true);
  });

  test('without the privileged level, synth fails naming hostPath, the way out to a claim and PRIVILEGED (once, also at restricted)', () => {
    const build = (level?: PodSecurityLevel) => (c: any) => new AiInferencePod(c, 'llm', {
      server: { image, volumeMounts: [{ volume: PodVolume.hostPath('cache', '/mnt/cache'), path: '/cache' }] },
      security: level && { level },
    });
    for (const level of [undefined, PodSecurityLevel.BASELINE]) {
      const lines = expectRefused(build(level), /spec: volume cache is a hostPath, which Pod Security Standard "(restricted|baseline)" forbids\. Fix: keep the files on a PersistentVolumeClaim .*security: \{ level: PodSecurityLevel\.PRIVILEGED \}$/);
      expect(lines).toHaveLength(1);
    }
  });

  test.each([
    ['a relative path', ['cache', 'mnt/cache'], /volume "cache"\.path: "mnt\/cache" must be an absolute path/],
    ['a path with ..', ['cache', '/mnt/../etc'], /volume "cache"\.path: "\/mnt\/\.\.\/etc" must be an absolute path/],
    ['/ itself', ['cache', '/'], /volume "cache"\.path: "\/" must be an absolute path .*and not '\/'/],
    ['a missing path', ['cache', undefined], /volume "cache"\.path: is missing/],
    ['a bad type', ['cache', '/mnt/cache', { type: 'Dir' }], /volume "cache"\.type: "Dir" is not a hostPath type\. Fix: use HostPathType\.DIRECTORY_OR_CREATE/],
    ['an unknown option', ['cache', '/mnt/cache', { typ: 'Directory' }], /volume "cache"\.typ: unknown prop .*did you mean 'type'\?/],
    ['a bad volume name', ['Cache', '/mnt/cache'], /volume name: "Cache" is not a valid volume name/],
  ])('refused: %s', (_, args, expected) => {
    const [name, path, options] = args as [string, string, any];
    expectRefused(c => new AiInferencePod(c, 'llm', {
      server: { image, volumeMounts: [{ volume: PodVolume.hostPath(name, path, options), path: '/cache' }] },
      security: { level: PodSecurityLevel.PRIVILEGED },
    }), expected);
  });
});

describe('pod sysctls and the low-port warning', () => {
  test('a safe sysctl passes restricted and lets a non-root server on port 80 bind it without a warning', () => {
    const chart = newChart('tei');
    new AiInferenceDeployment(chart, 'tei', {
      server: { image: 'ghcr.io/huggingface/text-embeddings-inference:turing-1.5', port: 80 },
      security: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.tcp_keepalive_time': '600' } },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    expect(podSpec(deploy).securityContext.sysctls).toEqual([
      { name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }, { name: 'net.ipv4.tcp_keepalive_time', value: '600' },
    ]);
    expect(pssRestrictedViolations(deploy)).toEqual([]);
    expect(warnings).toBe('');
  });

  test('port 80 as user 1000 without the sysctl is a warning with both fixes; none as root, none with a start at or below the port', () => {
    const chart = newChart('low');
    new AiInferencePod(chart, 'a', { metadata: { name: 'a' }, server: { image, port: 80 } });
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).toContain('spec.containers[0].ports[0].containerPort: port 80 is below 1024 and the container runs as user 1000');
    expect(warnings).toContain('containerd before 2.0');
    expect(warnings).toContain('Fix: serve on a port of 1024 or above (a Service can still expose 80), or let the pod bind it: security: { sysctls: { \'net.ipv4.ip_unprivileged_port_start\': \'80\' } }');
    const quiet = newChart('quiet');
    new AiInferencePod(quiet, 'root', {
      metadata: { name: 'root' }, server: { image, port: 80, security: { runAsNonRoot: false, runAsUser: 0 } },
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false },
    });
    new AiInferencePod(quiet, 'at', { metadata: { name: 'at' }, server: { image, port: 80 }, security: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80' } } });
    new AiInferencePod(quiet, 'high', { metadata: { name: 'high' }, server: { image, port: 1024 } });
    // the root pod's only warning is its declared relaxation
    const quietWarnings = synthWithWarnings(quiet).warnings.split('\n').filter(Boolean);
    expect(quietWarnings).toHaveLength(1);
    expect(quietWarnings[0]).toContain('[quiet/root] spec: the pod meets Pod Security Standard "baseline", not "restricted"');
    const above = newChart('above');
    new AiInferencePod(above, 'b', { metadata: { name: 'b' }, server: { image, port: 443 }, security: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '500' } } });
    expect(synthWithWarnings(above).warnings).toContain('port 443 is below 1024');
  });

  test('an unsafe sysctl fails restricted and baseline, naming it and PRIVILEGED; passes as privileged', () => {
    const lines = expectRefused(c => new AiInferencePod(c, 'llm', { server: { image }, security: { sysctls: { 'kernel.msgmax': '65536' } } }),
      /spec: sysctl kernel\.msgmax is not a safe sysctl, which Pod Security Standard "restricted" forbids\. Fix: remove the sysctl \(security\.sysctls\), or use a safe one, or declare the relaxation: security: \{ level: PodSecurityLevel\.PRIVILEGED \}$/);
    expect(lines).toHaveLength(1);
    const chart = newChart('priv');
    new AiInferencePod(chart, 'llm', { server: { image }, security: { level: PodSecurityLevel.PRIVILEGED, sysctls: { 'kernel.msgmax': '65536' } } });
    expect(podSpec(synthWithWarnings(chart).manifests[0]).securityContext.sysctls).toEqual([{ name: 'kernel.msgmax', value: '65536' }]);
  });

  test('the safe set follows the target version: the keepalive sysctls from 1.29', async () => {
    const { KubernetesTarget } = await import('../src');
    expectRefused(c => new AiInferencePod(c, 'llm', { server: { image }, target: KubernetesTarget.V1_28, security: { sysctls: { 'net.ipv4.tcp_keepalive_time': '600' } } }),
      /sysctl net\.ipv4\.tcp_keepalive_time is a safe sysctl only from Kubernetes 1\.29, which Pod Security Standard "restricted" forbids/);
  });

  test.each([
    ['a bad name', { 'Net.IPv4': '0' }, /security\.sysctls\["Net\.IPv4"\]: is not a sysctl name\. Fix: /],
    ['a name with a space', { 'net.ipv4 x': '0' }, /security\.sysctls\["net\.ipv4 x"\]: is not a sysctl name/],
    ['one parameter twice', { 'net.ipv4.ping_group_range': '0 0', 'net/ipv4/ping_group_range': '1 1' }, /security\.sysctls\["net\/ipv4\/ping_group_range"\]: is the parameter "net\.ipv4\.ping_group_range" again/],
    ['a value that is not a string', { 'net.ipv4.ip_unprivileged_port_start': 0 }, /security\.sysctls: .* is not a map of strings/],
    ['not a map', ['net.ipv4.tcp_syncookies=1'], /security\.sysctls: .* is not a map of strings/],
  ])('refused: %s', (_, sysctls, expected) => {
    expectRefused(c => new AiInferencePod(c, 'llm', { server: { image }, security: { sysctls: sysctls as any } }), expected);
  });

  test('a patched sysctl list is checked: names, each once', () => {
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'llm', { server: { image } });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/securityContext/sysctls', [
        { name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '0' }, { name: 'bad name', value: '1' },
      ]));
    }, /spec\.securityContext\.sysctls\[1\]\.name: "net\.ipv4\.tcp_syncookies" is set twice\. Fix: set each sysctl once/);
  });
});

describe('gpu.sharedMemory', () => {
  test('false: a TPU server without /dev/shm; the default keeps it', () => {
    const chart = newChart('tpu');
    new AiInferencePod(chart, 'jetstream', {
      metadata: { name: 'jetstream' },
      server: { image: 'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-pytorch-server:v0.2.4', port: 9000, health: HealthCheck.tcp() },
      gpu: { count: 8, resourceName: 'google.com/tpu', sharedMemory: false },
    });
    new AiInferencePod(chart, 'gpu', { metadata: { name: 'gpu' }, server: { image }, gpu: { count: 1 } });
    const [tpu, gpu] = synthWithWarnings(chart).manifests;
    expect(volume(tpu.spec, 'dshm')).toBeUndefined();
    expect(mount(container(tpu, 'server'), '/dev/shm')).toBeUndefined();
    expect(container(tpu, 'server').resources.limits['google.com/tpu']).toBe('8');
    expect(volume(gpu.spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
  });

  test('refused: with shmSize, or not a boolean', () => {
    expectRefused(c => new AiInferencePod(c, 'llm', { server: { image }, gpu: { count: 1, sharedMemory: false, shmSize: '2Gi' } }),
      /gpu\.shmSize: "2Gi" is given with gpu\.sharedMemory: false, so no \/dev\/shm volume has that size\. Fix: remove shmSize/);
    expectRefused(c => new AiInferencePod(c, 'llm', { server: { image }, gpu: { count: 1, sharedMemory: 'no' as any } }),
      /gpu\.sharedMemory: "no" is not true or false\. Fix: /);
  });
});
