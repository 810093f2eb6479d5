/**
 * Production pods, fourteenth batch (new-user review 14, 2026-11): SGLang's two-node StatefulSet with
 * `--dist-init-addr`, KubeAI's Ollama model pod (the model pulled by its startup probe), the LoRAX Helm
 * chart, and Seldon Core v2's Triton server (agent and rclone beside Triton, a claim per replica). Each
 * describe names the public source it follows; each pod goes through the real App synth, the official
 * schema and the object rules, and the fields that matter are asserted against the manifest.
 */
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, CacheAccessMode, DnsPolicy, HealthCheck, HostPathType, ImagePullPolicy, InferenceServer, PodField,
  PodSecurityLevel, PodVolume, Probe, Sidecar, SidecarMode,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: sgl-project/sglang docker/k8s-sglang-distributed-sts.yaml (0e6ed14d): StatefulSet distributed-sglang,
// 2 replicas, serviceName "", pod label app distributed-sglang; container sglang-container,
// docker.io/lmsysorg/sglang:latest pulled Always, `/bin/bash -c` with `python3 -m sglang.launch_server --model
// /llm-folder --dist-init-addr sglang-master-pod:5000 --tensor-parallel-size 16 --nnodes 2 --node-rank $POD_INDEX
// --trust-remote-code --host 0.0.0.0 --port 8000 --enable-metrics --expert-parallel-size 16` (the file at that
// commit holds an unresolved merge conflict around --enable-ep-moe; origin/main's side is taken here); POD_INDEX
// from the label apps.kubernetes.io/pod-index, NCCL_DEBUG INFO; 8 GPUs as a limit (requests empty); privileged
// (RDMA with hostNetwork); no port, no probe; /dev/shm a 10Gi memory emptyDir "dshm"; /llm-folder a hostPath
// DirectoryOrCreate "llm". Services sglang-master-pod (ClusterIP, 5000 "dist-port") and sglang-serving-on-master
// (NodePort, 8000 "serving" and 8080 "metrics"), both selecting pod index 0.
describe('SGLang on two nodes (sgl-project/sglang docker/k8s-sglang-distributed-sts.yaml, --dist-init-addr)', () => {
  const SCRIPT = 'python3 -m sglang.launch_server \\\n--model /llm-folder \\\n--dist-init-addr sglang-master-pod:5000 \\\n'
    + '--tensor-parallel-size 16 \\\n--nnodes 2 \\\n--node-rank $POD_INDEX \\\n--trust-remote-code \\\n--host 0.0.0.0 \\\n'
    + '--port 8000 \\\n--enable-metrics \\\n--expert-parallel-size 16\n';

  function sglang(dnsPolicy?: DnsPolicy) {
    const chart = newChart('sglang-dist');
    const headless = new kplus.Service(chart, 'headless', { metadata: { name: 'distributed-sglang' }, clusterIP: 'None', ports: [{ port: 8000 }] });
    const sts = new kplus.StatefulSet(chart, 'sglang', { metadata: { name: 'distributed-sglang' }, replicas: 2, service: headless });
    sts.podMetadata.addLabel('app', 'distributed-sglang');
    new InferenceServer(sts, 'server', {
      server: {
        name: 'sglang-container',
        image: 'docker.io/lmsysorg/sglang:latest',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['/bin/bash', '-c'],
        args: [SCRIPT],
        port: 8000,
        env: { NCCL_DEBUG: 'INFO' },
        fieldEnv: { POD_INDEX: PodField.label('apps.kubernetes.io/pod-index') },
        health: HealthCheck.none(),
        resources: {},
        security: { privileged: true, runAsNonRoot: false, runAsUser: 0, allowPrivilegeEscalation: true, readOnlyRootFilesystem: false },
        volumeMounts: [{ volume: PodVolume.hostPath('llm', '/llm-folder', { type: HostPathType.DIRECTORY_OR_CREATE }), path: '/llm-folder', readOnly: false }],
      },
      gpu: { count: 8, shmSize: '10Gi' },
      hostNetwork: true,
      dnsPolicy,
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0 },
    });
    // the two Services select pod 0 by its index label: plain cdk8s-plus Services
    const master = new kplus.Service(chart, 'master', { metadata: { name: 'sglang-master-pod' }, ports: [{ name: 'dist-port', port: 5000, targetPort: 5000 }] });
    const serving = new kplus.Service(chart, 'serving', {
      metadata: { name: 'sglang-serving-on-master' }, type: kplus.ServiceType.NODE_PORT,
      ports: [{ name: 'serving', port: 8000, targetPort: 8000 }, { name: 'metrics', port: 8080, targetPort: 8080 }],
    });
    for (const s of [master, serving]) {
      s.selectLabel('app', 'distributed-sglang');
      s.selectLabel('apps.kubernetes.io/pod-index', '0');
    }
    return chart;
  }

  test('hostNetwork and privileged, node rank from the pod-index label, 8 GPUs, 10Gi dshm, the model from the node, two Services on pod 0', () => {
    const { manifests, warnings } = synthWithWarnings(sglang());
    const sts = manifestOf(manifests, 'StatefulSet');
    const spec = podSpec(sts);
    const c = container(sts, 'sglang-container');
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.template.metadata.labels).toMatchObject({ app: 'distributed-sglang' });
    expect(spec.hostNetwork).toBe(true);
    expect(c).toMatchObject({ image: 'docker.io/lmsysorg/sglang:latest', imagePullPolicy: 'Always', command: ['/bin/bash', '-c'], args: [SCRIPT] });
    expect(env(c, 'POD_INDEX').valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } });
    expect(env(c, 'NCCL_DEBUG').value).toBe('INFO');
    expect(c.securityContext).toMatchObject({ privileged: true });
    expect(c.resources).toEqual({ requests: { 'nvidia.com/gpu': '8' }, limits: { 'nvidia.com/gpu': '8' } });
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '10Gi' });
    expect(volume(spec, 'llm').hostPath).toEqual({ path: '/llm-folder', type: 'DirectoryOrCreate' });
    expect(mount(c, '/llm-folder')).toMatchObject({ name: 'llm', readOnly: false });
    const services = manifests.filter(m => m.kind === 'Service');
    const byName = (name: string) => services.find(m => m.metadata.name === name);
    expect(byName('sglang-master-pod').spec).toMatchObject({
      selector: { 'app': 'distributed-sglang', 'apps.kubernetes.io/pod-index': '0' }, ports: [{ name: 'dist-port', port: 5000, targetPort: 5000 }],
    });
    expect(byName('sglang-serving-on-master').spec).toMatchObject({ type: 'NodePort', selector: { 'apps.kubernetes.io/pod-index': '0' } });
    expect(byName('sglang-serving-on-master').spec.ports.map((p: any) => p.port)).toEqual([8000, 8080]);
    // the manifest's :latest, its hostNetwork, hostPath and privileged container (declared), and a real bug in it:
    // --dist-init-addr sglang-master-pod:5000 is a Service name, which a hostNetwork pod on ClusterFirst resolves
    // through the node's resolver, where it does not exist
    expect(warnings).toContain('"docker.io/lmsysorg/sglang:latest" is not pinned (:latest)');
    expect(warnings).toContain('dnsPolicy: is "ClusterFirst" on a pod with hostNetwork');
    expect(warnings).toContain('hostNetwork is true; volume llm is a hostPath; container sglang-container is privileged');
    expect(warnings.trim().split('\n')).toHaveLength(3);
  });

  test('with DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET the name resolves, and the warning goes', () => {
    const { manifests, warnings } = synthWithWarnings(sglang(DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET));
    expect(podSpec(manifestOf(manifests, 'StatefulSet')).dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(warnings).not.toContain('dnsPolicy');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: substratusai/kubeai internal/modelcontroller/engine_ollama.go (oLlamaPodForModel, ollamaStartupProbeScript;
// 0ce90dce) with charts/kubeai/values.yaml (modelServers.OLlama ollama/ollama:latest; modelServerPods.securityContext
// user 0, writable root filesystem, no privilege escalation, drop ALL; resourceProfiles.cpu requests cpu 1 / memory
// 2Gi) for a Model gemma2-2b-cpu (url ollama://gemma2:2b, features TextGeneration, resourceProfile cpu:2): container
// "server", port 8000 "http", OLLAMA_HOST 0.0.0.0:8000 and OLLAMA_KEEP_ALIVE 999999h; the startup probe pulls the model
// (`bash -c "/bin/ollama pull gemma2:2b && /bin/ollama cp gemma2:2b gemma2-2b-cpu && /bin/ollama run gemma2-2b-cpu hi"`)
// after 1 s every 3 s, 10 failures, timeout 10800 s (three hours for the pull); readiness GET / on "http" every 10 s
// (timeout 2 s); liveness GET / on "http" after 900 s every 30 s (timeout 3 s); /dev/shm an unsized memory emptyDir.
describe('KubeAI Ollama model pod (substratusai/kubeai engine_ollama.go)', () => {
  test('the model pulled by an exec startup probe whose 3 h timeout exceeds its 3 s period, probes on "http", root with drop ALL', () => {
    const chart = newChart('kubeai-ollama');
    const SCRIPT = '/bin/ollama pull gemma2:2b && /bin/ollama cp gemma2:2b gemma2-2b-cpu && /bin/ollama run gemma2-2b-cpu hi';
    new AiInferencePod(chart, 'model', {
      metadata: {
        name: 'model-gemma2-2b-cpu-0',
        labels: { 'app.kubernetes.io/name': 'ollama', 'model': 'gemma2-2b-cpu' },
        annotations: { 'model-pod-port': '8000' },
      },
      serviceAccountName: 'kubeai-models',
      server: {
        name: 'server',
        image: 'ollama/ollama:latest',
        port: 8000,
        env: { OLLAMA_HOST: '0.0.0.0:8000', OLLAMA_KEEP_ALIVE: '999999h' },
        health: HealthCheck.custom({
          startup: Probe.exec(['bash', '-c', SCRIPT], {
            initialDelay: Duration.seconds(1), period: Duration.seconds(3), failureThreshold: 10, timeout: Duration.seconds(60 * 180),
          }),
          readiness: Probe.httpGet('/', { portName: 'http', failureThreshold: 3, initialDelay: Duration.seconds(0), period: Duration.seconds(10), timeout: Duration.seconds(2), successThreshold: 1 }),
          liveness: Probe.httpGet('/', { portName: 'http', failureThreshold: 3, initialDelay: Duration.seconds(900), period: Duration.seconds(30), timeout: Duration.seconds(3), successThreshold: 1 }),
        }),
        resources: { cpu: { request: '2' }, memory: { request: '4Gi' } },
        // modelServerPods.securityContext of the chart: root (Ollama writes /root/.ollama), everything else hardened
        security: { runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false, allowPrivilegeEscalation: false, dropAllCapabilities: true },
        volumeMounts: [{ volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' }],
      },
      // KubeAI sets no pod securityContext (ModelPodSecurityContext is unset by the chart): the container's user 0 decides;
      // the pod-level root here keeps the library's pod user and group 1000 from applying to the image's root files
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0 },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const pod = manifestOf(manifests, 'Pod');
    const spec = podSpec(pod);
    const c = container(pod, 'server');
    expect(pod.metadata).toMatchObject({ name: 'model-gemma2-2b-cpu-0', annotations: { 'model-pod-port': '8000' } });
    expect(spec.serviceAccountName).toBe('kubeai-models');
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(env(c, 'OLLAMA_HOST').value).toBe('0.0.0.0:8000');
    expect(env(c, 'OLLAMA_KEEP_ALIVE').value).toBe('999999h');
    expect(c.startupProbe).toEqual({
      exec: { command: ['bash', '-c', SCRIPT] }, initialDelaySeconds: 1, periodSeconds: 3, failureThreshold: 10, timeoutSeconds: 10800,
    });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/', port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 900, periodSeconds: 30, timeoutSeconds: 3, failureThreshold: 3 });
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' } });
    expect(c.securityContext).toMatchObject({ runAsUser: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory' });
    expect(spec.tolerations).toBeUndefined();
    expect(warnings).toContain('"ollama/ollama:latest" is not pinned (:latest)');
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: pod runAsUser is 0');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: predibase/lorax charts/lorax (a7394ba3): templates/deployment.yaml, service.yaml, _helpers.tpl (app.name is
// "<chart>-<release>", here release "mistral") and values.yaml: Deployment lorax-mistral, 1 replica, label app; container
// "lorax", ghcr.io/predibase/lorax:latest pulled IfNotPresent, args --model-id mistralai/Mistral-7B-Instruct-v0.1
// --max-input-length "512" --max-total-tokens "1024" --max-batch-total-tokens "4096" --max-batch-prefill-tokens "2048"
// --eager-prefill "false" --compile; env PORT 8000 and HUGGING_FACE_HUB_TOKEN "" (the value the user fills in); port 8000
// "http"; liveness and readiness GET /health on "http" (scheme HTTP) after 5 s every 5 s, timeout 1 s, 240 and 600
// failures; cpu 8, memory 27041Mi, ephemeral-storage 100Gi and one GPU, requests = limits; /data an emptyDir and
// /dev/shm an unsized memory emptyDir "shm"; restartPolicy Always, schedulerName default-scheduler, grace 30 s. The
// Service "lorax" (labels app and app.kubernetes.io/name): ClusterIP 80 → "http".
describe('LoRAX Helm chart (predibase/lorax charts/lorax)', () => {
  test('the chart\'s args and empty token, /health on "http" with 240 and 600 failures, 8 CPUs / 27041Mi / 100Gi / 1 GPU, the Service 80 → http', () => {
    const chart = newChart('lorax');
    const HEALTH = { portName: 'http', initialDelay: Duration.seconds(5), period: Duration.seconds(5), successThreshold: 1, timeout: Duration.seconds(1) };
    const ARGS = ['--model-id', 'mistralai/Mistral-7B-Instruct-v0.1', '--max-input-length', '512', '--max-total-tokens', '1024',
      '--max-batch-total-tokens', '4096', '--max-batch-prefill-tokens', '2048', '--eager-prefill', 'false', '--compile'];
    new AiInferenceDeployment(chart, 'lorax', {
      metadata: { name: 'lorax-mistral', labels: { app: 'lorax-mistral' } },
      replicas: 1,
      schedulerName: 'default-scheduler',
      terminationGracePeriod: Duration.seconds(30),
      server: {
        name: 'lorax',
        image: 'ghcr.io/predibase/lorax:latest',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        args: ARGS,
        port: 8000,
        env: { PORT: '8000', HUGGING_FACE_HUB_TOKEN: '' },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', { ...HEALTH, failureThreshold: 240 }),
          readiness: Probe.httpGet('/health', { ...HEALTH, failureThreshold: 600 }),
        }),
        resources: {
          cpu: { request: '8', limit: '8' }, memory: { request: '27041Mi', limit: '27041Mi' }, ephemeralStorage: { request: '100Gi', limit: '100Gi' },
        },
        // no securityContext in the chart: the image's root; LoRAX writes its Hub cache to /data and kernels' caches under /root
        security: {
          runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, dropAllCapabilities: false,
        },
        volumeMounts: [
          { volume: PodVolume.emptyDir('data'), path: '/data' },
          { volume: PodVolume.emptyDir('shm', { memory: true }), path: '/dev/shm' },
        ],
      },
      gpu: { count: 1, sharedMemory: false },
      serviceOptions: { name: 'lorax', port: 80, labels: { 'app': 'lorax-mistral', 'app.kubernetes.io/name': 'lorax-mistral' } },
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'lorax');
    expect(deploy.metadata).toMatchObject({ name: 'lorax-mistral', labels: { app: 'lorax-mistral' } });
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.template.metadata.labels).toMatchObject({ app: 'lorax-mistral' });
    expect(spec).toMatchObject({ restartPolicy: 'Always', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 });
    expect(c).toMatchObject({ image: 'ghcr.io/predibase/lorax:latest', imagePullPolicy: 'IfNotPresent', args: ARGS });
    expect(c.command).toBeUndefined();
    expect(env(c, 'PORT')).toEqual({ name: 'PORT', value: '8000' });
    expect(env(c, 'HUGGING_FACE_HUB_TOKEN')).toEqual({ name: 'HUGGING_FACE_HUB_TOKEN', value: '' });
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    const probe = (failureThreshold: number) => ({
      httpGet: { path: '/health', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5, successThreshold: 1, timeoutSeconds: 1, failureThreshold,
    });
    expect(c.livenessProbe).toMatchObject(probe(240));
    expect(c.readinessProbe).toMatchObject(probe(600));
    expect(c.startupProbe).toBeUndefined();
    const amounts = { 'cpu': '8', 'memory': '27041Mi', 'ephemeral-storage': '100Gi', 'nvidia.com/gpu': '1' };
    expect(c.resources).toEqual({ requests: amounts, limits: amounts });
    expect(volume(spec, 'shm').emptyDir).toEqual({ medium: 'Memory' });
    expect(volume(spec, 'data').emptyDir).toEqual({});
    expect(mount(c, '/data')).toMatchObject({ name: 'data' });
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata).toMatchObject({ name: 'lorax', labels: { 'app': 'lorax-mistral', 'app.kubernetes.io/name': 'lorax-mistral' } });
    // the chart targets the port by its name "http"; the library by its number, the same port
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8000 }]);
    // not in the chart (tolerations: []): the toleration of the nvidia.com/gpu taint, which the library adds for a GPU
    expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' }]);
    expect(warnings).toContain('"ghcr.io/predibase/lorax:latest" is not pinned (:latest)');
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: pod runAsUser is 0');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: SeldonIO/seldon-core operator/config/serverconfigs/triton.yaml (d1f81e56) with kustomization.yaml (images
// seldonio/seldon-rclone:latest, seldonio/seldon-agent:latest, nvcr.io/nvidia/tritonserver:22.05-py3): the ServerConfig
// "triton" the operator turns into a StatefulSet — grace 30 s, service account seldon-server, pod user 1000, fsGroup
// 2000, runAsNonRoot; ordinary containers rclone (port 5572 "rclone", TCP readiness after 5 s every 5 s, timeout 1 s,
// /mnt/agent), agent (/bin/agent --tracing-config-path=/mnt/tracing/tracing.json with its trailing space, the SELDON_*
// env, POD_NAME from the pod's name, MEMORY_REQUEST from triton's requests.memory, ports grpc 9501, http 9001, metrics
// 9006, /mnt/agent, /mnt/config from ConfigMap seldon-agent and /mnt/tracing from seldon-tracing) and triton
// (/opt/tritonserver/bin/tritonserver with $(SERVER_MODELS_DIR), $(SERVER_HTTP_PORT) and $(SERVER_GRPC_PORT) from its
// env, ports server-grpc 9500, server-http 9000 and server-metrics 8002, probes /v2/health/* on "server-http", requests
// cpu 0.1 / memory 1G, /mnt/agent read-only, /dev/shm a 256Mi memory emptyDir "dshm" without a GPU); the claim
// template triton-models, ReadWriteOnce 1Gi.
describe('Seldon Core v2 Triton server (SeldonIO/seldon-core operator/config/serverconfigs/triton.yaml)', () => {
  test('agent and rclone as ordinary containers, $(VAR) args from triton\'s env, three named ports, probes on server-http, the claim per replica', () => {
    const chart = newChart('seldon-triton');
    const headless = new kplus.Service(chart, 'headless', { metadata: { name: 'triton' }, clusterIP: 'None', ports: [{ port: 9000 }] });
    const sts = new kplus.StatefulSet(chart, 'triton', { metadata: { name: 'triton' }, replicas: 1, service: headless });
    const models = PodVolume.claimTemplate('triton-models', { storage: '1Gi', accessMode: CacheAccessMode.READ_WRITE_ONCE });
    new InferenceServer(sts, 'server', {
      serviceAccountName: 'seldon-server',
      terminationGracePeriod: Duration.seconds(30),
      security: { runAsUser: 1000, fsGroup: 2000, runAsNonRoot: true },
      server: {
        name: 'triton',
        image: 'nvcr.io/nvidia/tritonserver:22.05-py3',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        command: ['/opt/tritonserver/bin/tritonserver'],
        args: ['--model-repository=$(SERVER_MODELS_DIR)', '--http-port=$(SERVER_HTTP_PORT)', '--grpc-port=$(SERVER_GRPC_PORT)', '--log-verbose=1',
          '--model-control-mode=explicit', '--backend-config=python,shm-default-byte-size=16777216'],
        env: { SERVER_HTTP_PORT: '9000', SERVER_GRPC_PORT: '9500', SERVER_MODELS_DIR: '/mnt/agent/models' },
        port: 9000,
        portName: 'server-http',
        extraPorts: [{ number: 9500, name: 'server-grpc' }, { number: 8002, name: 'server-metrics' }],
        resources: { cpu: { request: '0.1' }, memory: { request: '1G' } },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/v2/health/live', { portName: 'server-http' }),
          readiness: Probe.httpGet('/v2/health/ready', { portName: 'server-http', initialDelay: Duration.seconds(5), period: Duration.seconds(5) }),
          startup: Probe.httpGet('/v2/health/ready', { portName: 'server-http', failureThreshold: 10, period: Duration.seconds(10) }),
        }),
        volumeMounts: [
          { volume: models, path: '/mnt/agent', readOnly: true },
          { volume: PodVolume.emptyDir('dshm', { memory: true, sizeLimit: '256Mi' }), path: '/dev/shm', readOnly: false },
        ],
      },
    });
    new Sidecar(sts, 'rclone', {
      name: 'rclone',
      image: 'seldonio/seldon-rclone:latest',
      mode: SidecarMode.CLASSIC,
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: 5572, name: 'rclone' }],
      // the ServerConfig gives rclone and agent no resources: {} keeps the library's small defaults out
      resources: {},
      health: HealthCheck.custom({
        readiness: Probe.tcp({
          initialDelay: Duration.seconds(5), period: Duration.seconds(5), timeout: Duration.seconds(1), successThreshold: 1, failureThreshold: 3,
        }),
      }),
      podVolumeMounts: [{ volume: models, path: '/mnt/agent', readOnly: false }],
    });
    const AGENT_ENV = {
      SELDON_SERVER_CAPABILITIES: 'triton,dali,fil,onnx,openvino,python,pytorch,tensorflow,tensorrt', SELDON_OVERCOMMIT_PERCENTAGE: '10',
      SELDON_SERVER_HTTP_PORT: '9000', SELDON_SERVER_GRPC_PORT: '9500', SELDON_REVERSE_PROXY_HTTP_PORT: '9001', SELDON_REVERSE_PROXY_GRPC_PORT: '9501',
      SELDON_SCHEDULER_HOST: 'seldon-scheduler', SELDON_SCHEDULER_PORT: '9005', SELDON_METRICS_PORT: '9006', SELDON_SERVER_TYPE: 'triton',
    };
    new Sidecar(sts, 'agent', {
      name: 'agent',
      image: 'seldonio/seldon-agent:latest',
      mode: SidecarMode.CLASSIC,
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      command: ['/bin/agent'],
      args: ['--tracing-config-path=/mnt/tracing/tracing.json '],
      env: AGENT_ENV,
      fieldEnv: { POD_NAME: PodField.POD_NAME, MEMORY_REQUEST: PodField.containerResource('triton', 'requests.memory') },
      ports: [{ number: 9501, name: 'grpc' }, { number: 9001, name: 'http' }, { number: 9006, name: 'metrics' }],
      resources: {},
      podVolumeMounts: [
        { volume: models, path: '/mnt/agent', readOnly: false },
        { volume: PodVolume.configMap('config-volume', 'seldon-agent'), path: '/mnt/config' },
        { volume: PodVolume.configMap('tracing-config-volume', 'seldon-tracing'), path: '/mnt/tracing' },
      ],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const set = manifestOf(manifests, 'StatefulSet');
    const spec = podSpec(set);
    const triton = container(set, 'triton');
    const agent = container(set, 'agent');
    const rclone = container(set, 'rclone');
    expect(spec.containers.map((x: any) => x.name).sort()).toEqual(['agent', 'rclone', 'triton']);
    expect(spec.initContainers).toBeUndefined();
    expect(spec).toMatchObject({ serviceAccountName: 'seldon-server', terminationGracePeriodSeconds: 30 });
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 2000, runAsNonRoot: true });
    expect(triton).toMatchObject({
      image: 'nvcr.io/nvidia/tritonserver:22.05-py3', imagePullPolicy: 'IfNotPresent', command: ['/opt/tritonserver/bin/tritonserver'],
    });
    expect(triton.args[0]).toBe('--model-repository=$(SERVER_MODELS_DIR)');
    expect(triton.ports).toEqual([
      { containerPort: 9000, name: 'server-http' }, { containerPort: 9500, name: 'server-grpc' }, { containerPort: 8002, name: 'server-metrics' },
    ]);
    expect(triton.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'server-http' });
    expect(triton.readinessProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 'server-http' }, initialDelaySeconds: 5, periodSeconds: 5 });
    expect(triton.startupProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 'server-http' }, failureThreshold: 10, periodSeconds: 10 });
    expect(triton.resources).toEqual({ requests: { cpu: '0.1', memory: '1G' } });
    expect(mount(triton, '/mnt/agent')).toMatchObject({ name: 'triton-models', readOnly: true });
    expect(mount(triton, '/dev/shm')).toMatchObject({ name: 'dshm', readOnly: false });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '256Mi' });
    expect(rclone.readinessProbe).toMatchObject({
      tcpSocket: { port: 5572 }, initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3,
    });
    expect(mount(rclone, '/mnt/agent')).toMatchObject({ name: 'triton-models', readOnly: false });
    expect(agent).toMatchObject({ command: ['/bin/agent'], args: ['--tracing-config-path=/mnt/tracing/tracing.json '] });
    for (const [name, value] of Object.entries(AGENT_ENV)) expect(env(agent, name)).toEqual({ name, value });
    expect(env(agent, 'POD_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env(agent, 'MEMORY_REQUEST').valueFrom).toEqual({ resourceFieldRef: { containerName: 'triton', resource: 'requests.memory' } });
    expect(agent.ports.map((p: any) => p.containerPort)).toEqual([9501, 9001, 9006]);
    expect(volume(spec, 'config-volume').configMap).toMatchObject({ name: 'seldon-agent' });
    expect(volume(spec, 'tracing-config-volume').configMap).toMatchObject({ name: 'seldon-tracing' });
    expect(set.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'triton-models' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }]);
    expect(agent.resources).toBeUndefined();
    expect(rclone.resources).toBeUndefined();
    // the kustomization's moving tags; nothing else (restricted holds: user 1000, the library's container hardening)
    expect(warnings).toContain('"seldonio/seldon-rclone:latest" is not pinned (:latest)');
    expect(warnings).toContain('"seldonio/seldon-agent:latest" is not pinned (:latest)');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});
