/**
 * Production pods, fifteenth batch (new-user review 15, 2026-11): KubeAI's Infinity reranker pod, the
 * OpenVINO Model Server Helm chart of openvinotoolkit/model_server, AIBrix's heterogeneous-GPU vLLM
 * Deployment (aibrix_download init step, aibrix-runtime beside vLLM, a draining preStop script) and
 * KubeRay's vLLM RayService (head and GPU worker pod templates). Each describe names the public source it
 * follows; each pod goes through the real App synth, the official schema and the object rules, and the
 * fields that matter are asserted against the manifest.
 */
import { ApiObject, Duration, Testing } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, HostPathType, InferenceServiceType, InitContainer, PodSecurityLevel, PodVolume, Probe, Sidecar,
  SidecarMode,
} from '../src';
import { env, mount, synthWithWarnings, templateOf, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: substratusai/kubeai internal/modelcontroller/engine_infinity.go (infinityPodForModel; 0e8d1952) with
// model_controller.go labelsForModel, charts/kubeai/values.yaml (00218190: modelServers.Infinity michaelf34/infinity:latest;
// resourceProfiles.cpu requests cpu 1 / memory 2Gi) and docs "Configure reranking models" (catalog entry
// bge-rerank-base-cpu: url hf://BAAI/bge-reranker-base, engine Infinity, features Reranking, resourceProfile cpu:1).
// Container "server", args ["v2"], port 8000 "http"; env INFINITY_MODEL_ID, INFINITY_SERVED_MODEL_NAME,
// INFINITY_URL_PREFIX /v1, INFINITY_ENGINE torch, INFINITY_PORT 8000, then HF_TOKEN from the optional Secret
// kubeai-huggingface (the hf:// source's pod additions); startup GET /health on "http" every 2 s, 600 failures, 2 s
// timeout (20 minutes); readiness every 10 s (2 s, 3 failures); liveness every 30 s (3 s, 3 failures); /dev/shm an
// unsized memory emptyDir; no container securityContext (the image's root user), no pod securityContext.
describe('KubeAI Infinity reranker pod (substratusai/kubeai engine_infinity.go)', () => {
  test('"v2" with the model in INFINITY_* variables, three /health probes on "http", cpu 1 / 2Gi, an unsized /dev/shm', () => {
    const chart = newChart('kubeai-infinity');
    const model = 'bge-rerank-base-cpu';
    new AiInferencePod(chart, 'model', {
      metadata: {
        name: `model-${model}-0`,
        labels: {
          'app': 'model', model, 'app.kubernetes.io/name': 'infinity', 'app.kubernetes.io/instance': `infinity-${model}`, 'app.kubernetes.io/managed-by': 'kubeai',
        },
        annotations: { 'model-pod-port': '8000' },
      },
      serviceAccountName: 'kubeai-models',
      server: {
        name: 'server',
        image: 'michaelf34/infinity:latest',
        args: ['v2'],
        port: 8000,
        env: {
          INFINITY_MODEL_ID: 'BAAI/bge-reranker-base', INFINITY_SERVED_MODEL_NAME: model, INFINITY_URL_PREFIX: '/v1', INFINITY_ENGINE: 'torch', INFINITY_PORT: '8000',
        },
        secretEnv: { HF_TOKEN: { secretName: 'kubeai-huggingface', key: 'token', optional: true } },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { portName: 'http', failureThreshold: 600, period: Duration.seconds(2), timeout: Duration.seconds(2), successThreshold: 1 }),
          readiness: Probe.httpGet('/health', { portName: 'http', failureThreshold: 3, period: Duration.seconds(10), timeout: Duration.seconds(2), successThreshold: 1 }),
          liveness: Probe.httpGet('/health', { portName: 'http', failureThreshold: 3, period: Duration.seconds(30), timeout: Duration.seconds(3), successThreshold: 1 }),
        }),
        resources: { cpu: { request: '1' }, memory: { request: '2Gi' } },
        // the pod runs the image as it is built (root, downloading into its own cache under a writable root filesystem)
        security: { runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false },
        volumeMounts: [{ volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' }],
      },
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0 },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const pod = manifestOf(manifests, 'Pod');
    const spec = podSpec(pod);
    const c = container(pod, 'server');
    expect(pod.metadata.labels).toMatchObject({
      'app': 'model', model, 'app.kubernetes.io/name': 'infinity', 'app.kubernetes.io/instance': 'infinity-bge-rerank-base-cpu', 'app.kubernetes.io/managed-by': 'kubeai',
    });
    expect(pod.metadata.annotations).toEqual({ 'model-pod-port': '8000' });
    expect(c.image).toBe('michaelf34/infinity:latest');
    expect(c.command).toBeUndefined();
    expect(c.args).toEqual(['v2']);
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(c.env.map((e: any) => e.name)).toEqual(['INFINITY_MODEL_ID', 'INFINITY_SERVED_MODEL_NAME', 'INFINITY_URL_PREFIX', 'INFINITY_ENGINE', 'INFINITY_PORT', 'HF_TOKEN']);
    expect(env(c, 'INFINITY_MODEL_ID').value).toBe('BAAI/bge-reranker-base');
    expect(env(c, 'HF_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'kubeai-huggingface', key: 'token', optional: true } });
    expect(c.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, failureThreshold: 600, periodSeconds: 2, timeoutSeconds: 2, successThreshold: 1 });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, failureThreshold: 3, periodSeconds: 10, timeoutSeconds: 2, successThreshold: 1 });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, failureThreshold: 3, periodSeconds: 30, timeoutSeconds: 3, successThreshold: 1 });
    expect(c.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' } });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory' });
    expect(mount(c, '/dev/shm')).toMatchObject({ name: 'dshm' });
    expect(spec.serviceAccountName).toBe('kubeai-models');
    expect(spec.tolerations).toBeUndefined();
    // KubeAI's catalog runs :latest, and the image as root (no container securityContext), declared baseline
    expect(warnings).toContain('"michaelf34/infinity:latest" is not pinned (:latest)');
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: pod runAsUser is 0');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: openvinotoolkit/model_server deploy/ovms (templates/deployment.yaml 562401e8, service.yaml 084688e9,
// values.yaml 66ed2813) rendered with gcp_creds_secret_name gcpcreds, model_path gs://models-repository and
// model_name icnet-camvid-ava-0001 (the chart's own example in its earlier template): Deployment ovms (label app
// ovms, 1 replica), container ovms-resnet, intelaipg/openvino-model-server:latest, command
// /ie-serving-py/start_server.sh with args `ie_serving model --model_path … --model_name … --port 8080 --rest_port
// 8081`, two unnamed ports 8080 (gRPC) and 8081 (REST), a TCP readiness probe on 8080 after 5 s every 10 s and no
// other probe, GOOGLE_APPLICATION_CREDENTIALS /secret/gcp-creds.json from the Secret gcpcreds mounted read-only at
// /secret; no resources. Service openvino-model-server, LoadBalancer, grpc 8080 and rest 8081.
describe('OpenVINO Model Server Helm chart (openvinotoolkit/model_server deploy/ovms)', () => {
  test('gRPC 8080 and REST 8081, TCP readiness only, GCS credentials from a Secret file, a LoadBalancer with both ports', () => {
    const chart = newChart('ovms');
    new AiInferenceDeployment(chart, 'ovms', {
      metadata: { name: 'ovms', labels: { app: 'ovms' } },
      replicas: 1,
      server: {
        name: 'ovms-resnet',
        image: 'intelaipg/openvino-model-server:latest',
        command: ['/ie-serving-py/start_server.sh'],
        args: ['ie_serving', 'model', '--model_path', 'gs://models-repository', '--model_name', 'icnet-camvid-ava-0001', '--port', '8080', '--rest_port', '8081'],
        port: 8080,
        portName: 'grpc',
        extraPorts: [{ number: 8081, name: 'rest' }],
        env: { GOOGLE_APPLICATION_CREDENTIALS: '/secret/gcp-creds.json' },
        health: HealthCheck.custom({ readiness: Probe.tcp({ initialDelay: Duration.seconds(5), period: Duration.seconds(10) }) }),
        // the chart sets no resources: the library's defaults (cpu 1, memory 4Gi) are left out
        resources: {},
        volumeMounts: [{ volume: PodVolume.secret('gcpcreds', 'gcpcreds'), path: '/secret', readOnly: true }],
      },
      serviceType: InferenceServiceType.LOAD_BALANCER,
      serviceOptions: { name: 'openvino-model-server', portName: 'grpc', port: 8080, extraPorts: [{ name: 'rest', port: 8081 }] },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'ovms-resnet');
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.template.metadata.labels).toMatchObject({ app: 'ovms' });
    expect(c).toMatchObject({ image: 'intelaipg/openvino-model-server:latest', command: ['/ie-serving-py/start_server.sh'] });
    expect(c.args).toEqual(['ie_serving', 'model', '--model_path', 'gs://models-repository', '--model_name', 'icnet-camvid-ava-0001', '--port', '8080', '--rest_port', '8081']);
    expect(c.ports.map((p: any) => p.containerPort)).toEqual([8080, 8081]);
    expect(c.readinessProbe).toMatchObject({ tcpSocket: { port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 });
    expect(c.livenessProbe ?? c.startupProbe).toBeUndefined();
    expect(env(c, 'GOOGLE_APPLICATION_CREDENTIALS').value).toBe('/secret/gcp-creds.json');
    expect(volume(spec, 'gcpcreds').secret).toMatchObject({ secretName: 'gcpcreds' });
    expect(mount(c, '/secret')).toMatchObject({ name: 'gcpcreds', readOnly: true });
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('openvino-model-server');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([
      { name: 'grpc', port: 8080, protocol: 'TCP', targetPort: 8080 }, { name: 'rest', port: 8081, protocol: 'TCP', targetPort: 8081 },
    ]);
    expect(c.resources).toBeUndefined();
    expect(warnings).toContain('"intelaipg/openvino-model-server:latest" is not pinned (:latest)');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});

// Source: vllm-project/aibrix samples/heterogeneous/deepseek-coder-7b-l20-deployment.yaml (bcf362fa): Deployment
// deepseek-coder-7b-l20 (4 replicas; labels adapter.model.aibrix.ai/enabled, model.aibrix.ai/name, /port 8000,
// /min_replicas 1), pod labels app, model name and adapter flag, Prometheus annotations on /metrics :8000; node
// affinity on machine.cluster.vke.volcengine.com/gpu-name In [NVIDIA-L20]; container llm-engine (vllm-openai
// v0.6.2-distributed from AIBrix's registry) started by `python3 -m vllm.entrypoints.openai.api_server` with the
// manifest's --api-key literal, port 8000 unnamed, readiness GET /health:8000 after 90 s every 5 s (1 s, 3 failures)
// and no other probe, a preStop script that waits until vLLM has no running or waiting request, 1 GPU; /models a
// hostPath /root/models (DirectoryOrCreate), /dev/shm a 4Gi memory emptyDir; aibrix-runtime v0.3.0 as an ordinary
// container on 8080 (/healthz liveness 3 s / 2 s, /ready readiness 5 s / 10 s); init container init-model running
// aibrix_download from tos:// into /models with the TOS keys of the Secret tos-credential; serviceAccountName
// default-app-sa; terminationGracePeriodSeconds 300. No Service in the file.
describe('AIBrix vLLM on L20 GPUs with the model downloaded by aibrix_download (samples/heterogeneous)', () => {
  const DRAIN = 'while true; do\n'
    + "  RUNNING=$(curl -s http://localhost:8000/metrics | grep 'vllm:num_requests_running' | grep -v '#' | awk '{print $2}')\n"
    + "  WAITING=$(curl -s http://localhost:8000/metrics | grep 'vllm:num_requests_waiting' | grep -v '#' | awk '{print $2}')\n"
    + '  if [ "$RUNNING" = "0.0" ] && [ "$WAITING" = "0.0" ]; then\n'
    + '    echo "Terminating: No active or waiting requests, safe to terminate" >> /proc/1/fd/1\n'
    + '    exit 0\n'
    + '  else\n'
    + '    echo "Terminating: Running: $RUNNING, Waiting: $WAITING" >> /proc/1/fd/1\n'
    + '    sleep 5\n'
    + '  fi\n'
    + 'done\n';
  const RUNTIME = 'aibrix-container-registry-cn-beijing.cr.volces.com/aibrix/runtime:v0.3.0';

  test('the download init step into the node\'s /root/models, vLLM draining before SIGTERM, the runtime beside it, L20 affinity', () => {
    const chart = newChart('aibrix-l20');
    const models = PodVolume.hostPath('model-hostpath', '/root/models', { type: HostPathType.DIRECTORY_OR_CREATE });
    const llm = new AiInferenceDeployment(chart, 'model', {
      metadata: {
        name: 'deepseek-coder-7b-l20',
        namespace: 'default',
        labels: {
          'adapter.model.aibrix.ai/enabled': 'true', 'model.aibrix.ai/name': 'deepseek-coder-7b', 'model.aibrix.ai/port': '8000', 'model.aibrix.ai/min_replicas': '1',
        },
      },
      podMetadata: {
        labels: { app: 'deepseek-coder-7b-l20' },
        annotations: { 'prometheus.io/path': '/metrics', 'prometheus.io/port': '8000', 'prometheus.io/scrape': 'true' },
      },
      replicas: 4,
      service: false,
      serviceAccountName: 'default-app-sa',
      terminationGracePeriod: Duration.seconds(300),
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'machine.cluster.vke.volcengine.com/gpu-name', operator: 'In', values: ['NVIDIA-L20'] }] }],
          },
        },
      },
      server: {
        name: 'llm-engine',
        image: 'aibrix-container-registry-cn-beijing.cr.volces.com/aibrix/vllm-openai:v0.6.2-distributed',
        command: ['python3', '-m', 'vllm.entrypoints.openai.api_server', '--host', '0.0.0.0', '--port', '8000', '--uvicorn-log-level', 'warning',
          '--model', '/models/deepseek-coder-6.7b-instruct', '--served-model-name', 'deepseek-coder-7b', '--trust-remote-code', '--max-model-len', '15000',
          '--api-key', 'sk-kFJ12nKsFVfVmGpj3QzX65s4RbN2xJqWzPYCjYu7wT3BlbLi'],
        port: 8000,
        health: HealthCheck.custom({
          readiness: Probe.httpGet('/health', {
            initialDelay: Duration.seconds(90), period: Duration.seconds(5), timeout: Duration.seconds(1), failureThreshold: 3, successThreshold: 1,
          }),
        }),
        preStopCommand: ['/bin/sh', '-c', DRAIN],
        // the vLLM image as built: root, writing its caches under the root filesystem
        security: { runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false },
        resources: {},
        volumeMounts: [{ volume: models, path: '/models', readOnly: false }],
      },
      gpu: { count: 1, shmSize: '4Gi' },
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0 },
    });
    new Sidecar(llm, 'aibrix-runtime', {
      name: 'aibrix-runtime',
      image: RUNTIME,
      mode: SidecarMode.CLASSIC,
      command: ['aibrix_runtime', '--port', '8080'],
      env: { INFERENCE_ENGINE: 'vllm', INFERENCE_ENGINE_ENDPOINT: 'http://localhost:8000' },
      ports: [{ number: 8080 }],
      health: HealthCheck.custom({
        liveness: Probe.httpGet('/healthz', { initialDelay: Duration.seconds(3), period: Duration.seconds(2) }),
        readiness: Probe.httpGet('/ready', { initialDelay: Duration.seconds(5), period: Duration.seconds(10) }),
      }),
    });
    new InitContainer(llm, 'init-model', {
      name: 'init-model',
      image: RUNTIME,
      command: ['aibrix_download', '--model-uri', 'tos://aibrix-artifact-testing/models/deepseek-ai/deepseek-coder-6.7b-instruct/', '--local-dir', '/models/'],
      env: {
        DOWNLOADER_MODEL_NAME: 'deepseek-coder-6.7b-instruct', DOWNLOADER_NUM_THREADS: '16', DOWNLOADER_ALLOW_FILE_SUFFIX: 'json, safetensors',
        DOWNLOADER_TOS_VERSION: 'v1', TOS_ENDPOINT: 'tos-cn-beijing.ivolces.com', TOS_REGION: 'cn-beijing',
      },
      secretEnv: {
        TOS_ACCESS_KEY: { secretName: 'tos-credential', key: 'TOS_ACCESS_KEY' },
        TOS_SECRET_KEY: { secretName: 'tos-credential', key: 'TOS_SECRET_KEY' },
      },
      podVolumeMounts: [{ volume: models, path: '/models', readOnly: false }],
      // the image's user (root), as the manifest runs it: the kubelet creates /root/models as root with mode 0755, which
      // the library's default user 1000 could not write (nothing warns about that: a finding of this review)
      security: { runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind)).toEqual(['Deployment']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const server = container(deploy, 'llm-engine');
    const runtime = container(deploy, 'aibrix-runtime');
    expect(deploy.metadata).toMatchObject({ name: 'deepseek-coder-7b-l20', namespace: 'default' });
    expect(deploy.spec.replicas).toBe(4);
    expect(deploy.spec.template.metadata.labels).toMatchObject({ 'app': 'deepseek-coder-7b-l20', 'model.aibrix.ai/name': 'deepseek-coder-7b', 'adapter.model.aibrix.ai/enabled': 'true' });
    expect(deploy.spec.template.metadata.annotations).toEqual({ 'prometheus.io/path': '/metrics', 'prometheus.io/port': '8000', 'prometheus.io/scrape': 'true' });
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'machine.cluster.vke.volcengine.com/gpu-name', operator: 'In', values: ['NVIDIA-L20'] }]);
    expect(spec.serviceAccountName).toBe('default-app-sa');
    expect(spec.terminationGracePeriodSeconds).toBe(300);
    expect(spec.containers.map((x: any) => x.name)).toEqual(['llm-engine', 'aibrix-runtime']);
    expect(spec.initContainers.map((x: any) => x.name)).toEqual(['init-model']);
    expect(server.command.slice(-2)).toEqual(['--api-key', 'sk-kFJ12nKsFVfVmGpj3QzX65s4RbN2xJqWzPYCjYu7wT3BlbLi']);
    expect(server.readinessProbe).toEqual({
      httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 90, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1,
    });
    expect(server.livenessProbe ?? server.startupProbe).toBeUndefined();
    expect(server.lifecycle.preStop).toEqual({ exec: { command: ['/bin/sh', '-c', DRAIN] } });
    expect(server.resources).toEqual({ requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(mount(server, '/models')).toMatchObject({ name: 'model-hostpath' });
    expect(mount(server, '/models').readOnly).not.toBe(true);
    expect(volume(spec, 'model-hostpath').hostPath).toEqual({ path: '/root/models', type: 'DirectoryOrCreate' });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '4Gi' });
    expect(runtime.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 3, periodSeconds: 2 });
    expect(runtime.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 });
    const init = spec.initContainers[0];
    expect(init.command[0]).toBe('aibrix_download');
    expect(env(init, 'TOS_SECRET_KEY').valueFrom).toEqual({ secretKeyRef: { name: 'tos-credential', key: 'TOS_SECRET_KEY' } });
    expect(env(init, 'DOWNLOADER_ALLOW_FILE_SUFFIX').value).toBe('json, safetensors');
    expect(mount(init, '/models')).toMatchObject({ name: 'model-hostpath', readOnly: false });
    expect(init.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false });
    // the sample's API key is a literal in vLLM's command: readable from the Deployment (credentialInArgs), never echoed
    expect(warnings).toContain('spec.template.spec.containers[0].command[17]: the value of --api-key is a literal credential in the pod spec');
    expect(warnings).not.toContain('sk-kFJ12');
    expect(warnings).toContain('the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: volume model-hostpath is a hostPath');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: ray-project/kuberay ray-operator/config/samples/vllm/ray-service.vllm.yaml (acf14c16): RayService
// llama-3-8b serving Meta-Llama-3-8B-Instruct with tensor parallelism 2 through Ray Serve (serveConfigV2 with a
// runtime_env pip vllm==0.6.1.post2); head group (dashboard-host 0.0.0.0): container ray-head,
// rayproject/ray-ml:2.33.0.914af0-py311, cpu 2 / memory 8Gi as request = limit, HUGGING_FACE_HUB_TOKEN from the
// Secret hf-secret key hf_api_token; worker group gpu-group (1 replica, 0 to 4): container llm, the same image and
// token, cpu 8 / memory 20Gi / nvidia.com/gpu 2 as request = limit, tolerating nvidia.com/gpu Exists NoSchedule.
// Neither template has a command, a port or a probe: KubeRay writes `ray start`, the Ray ports, the probes and a
// /dev/shm itself.
describe('KubeRay vLLM RayService (ray-project/kuberay config/samples/vllm/ray-service.vllm.yaml)', () => {
  const image = 'rayproject/ray-ml:2.33.0.914af0-py311';
  const SERVE_CONFIG = 'applications:\n- name: llm\n  route_prefix: /\n  import_path:  ray-operator.config.samples.vllm.serve:model\n'
    + '  deployments:\n  - name: VLLMDeployment\n    num_replicas: 1\n    ray_actor_options:\n      num_cpus: 8\n'
    + '      # NOTE: num_gpus is set automatically based on TENSOR_PARALLELISM\n'
    + '  runtime_env:\n    working_dir: "https://github.com/ray-project/kuberay/archive/master.zip"\n    pip: ["vllm==0.6.1.post2"]\n'
    + '    env_vars:\n      MODEL_ID: "meta-llama/Meta-Llama-3-8B-Instruct"\n      TENSOR_PARALLELISM: "2"\n      PIPELINE_PARALLELISM: "1"\n';
  const token = { HUGGING_FACE_HUB_TOKEN: { secretName: 'hf-secret', key: 'hf_api_token' } };

  test('head and GPU worker templates with no command, port or probe (KubeRay\'s), the token from the Secret, 2 GPUs tolerated', () => {
    const chart = newChart('rayservice-vllm');
    const head = new AiInferencePod(chart, 'head', {
      server: {
        name: 'ray-head',
        image,
        listens: false,
        resources: { cpu: { request: '2', limit: '2' }, memory: { request: '8Gi', limit: '8Gi' } },
        secretEnv: token,
        // Ray writes its session directory under /tmp/ray and pip installs into the image: as the image runs (user ray)
        security: { runAsUser: 1000, readOnlyRootFilesystem: false },
      },
    });
    const worker = new AiInferencePod(chart, 'worker', {
      server: {
        name: 'llm',
        image,
        listens: false,
        resources: { cpu: { request: '8', limit: '8' }, memory: { request: '20Gi', limit: '20Gi' } },
        secretEnv: token,
        security: { runAsUser: 1000, readOnlyRootFilesystem: false },
      },
      // KubeRay mounts its own /dev/shm (sized at the memory limit) when the template has none
      gpu: { count: 2, sharedMemory: false },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    });
    const h = templateOf(head);
    const w = templateOf(worker);
    new ApiObject(chart, 'rayservice', {
      apiVersion: 'ray.io/v1',
      kind: 'RayService',
      metadata: { name: 'llama-3-8b' },
      spec: {
        serveConfigV2: SERVE_CONFIG,
        rayClusterConfig: {
          headGroupSpec: { rayStartParams: { 'dashboard-host': '0.0.0.0' }, template: h.template },
          workerGroupSpecs: [{ replicas: 1, minReplicas: 0, maxReplicas: 4, groupName: 'gpu-group', rayStartParams: {}, template: w.template }],
        },
      },
    });
    const hc = h.template.spec.containers[0];
    expect(hc).toMatchObject({ name: 'ray-head', image });
    expect(hc.command ?? hc.args ?? hc.ports ?? hc.readinessProbe ?? hc.livenessProbe ?? hc.startupProbe).toBeUndefined();
    expect(hc.resources).toEqual({ limits: { cpu: '2', memory: '8Gi' }, requests: { cpu: '2', memory: '8Gi' } });
    expect(env(hc, 'HUGGING_FACE_HUB_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-secret', key: 'hf_api_token' } });
    const ws = w.template.spec;
    const wc = ws.containers[0];
    expect(wc).toMatchObject({ name: 'llm', image });
    expect(wc.command ?? wc.ports ?? wc.readinessProbe).toBeUndefined();
    expect(wc.resources).toEqual({ limits: { 'cpu': '8', 'memory': '20Gi', 'nvidia.com/gpu': '2' }, requests: { 'cpu': '8', 'memory': '20Gi', 'nvidia.com/gpu': '2' } });
    expect(ws.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect((ws.volumes ?? []).find((v: any) => v.name === 'dshm')).toBeUndefined();
    expect(Testing.synth(chart).map((m: any) => m.kind)).toEqual(['RayService']);
    expect(h.warnings + w.warnings).toBe('');
  });
});

describe('credentialInArgs: a literal credential in command or args', () => {
  function warningsFor(args: string[], extra: Partial<{ secretEnv: any; command: string[] }> = {}) {
    const chart = newChart('cred-args');
    new AiInferencePod(chart, 'llm', {
      server: {
        image: 'vllm/vllm-openai:v0.9.1', args, health: HealthCheck.none(), secretEnv: extra.secretEnv, command: extra.command,
        resources: { cpu: { request: '1' }, memory: { request: '1Gi', limit: '1Gi' } },
      },
    });
    return synthWithWarnings(chart).warnings;
  }

  test('--api-key VALUE and --hf-token=VALUE warn, at the value\'s index, without printing it', () => {
    const warnings = warningsFor(['--model', 'm', '--api-key', 'token-abc123', '--hf-token=hf_secret_value']);
    expect(warnings).toContain('spec.containers[0].args[3]: the value of --api-key is a literal credential in the pod spec');
    expect(warnings).toContain('spec.containers[0].args[4]: the value of --hf-token is a literal credential in the pod spec');
    expect(warnings).toContain('Fix: keep it in a Secret and pass it by reference: secretEnv: { API_KEY: { secretName, key } } with "--api-key", "$(API_KEY)"');
    expect(warnings).not.toContain('token-abc123');
    expect(warnings).not.toContain('hf_secret_value');
    // vLLM's own variable is named for --api-key only
    expect(warnings.match(/VLLM_API_KEY/g)).toHaveLength(1);
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });

  test('a $(VAR) from secretEnv, a file path, a following flag, a look-alike flag and a script pass', () => {
    const warnings = warningsFor(
      ['--api-key', '$(API_KEY)', '--token', '/var/run/secrets/token', '--password', '--port', '8000', '--max-num-batched-tokens', '8192', '--api-key='],
      { secretEnv: { API_KEY: { secretName: 'vllm', key: 'api-key' } } },
    );
    expect(warnings).not.toContain('credentialInArgs');
    expect(warnings).not.toContain('literal credential');
    const script = warningsFor(['vllm serve m \\\n  --api-key sk-in-a-script\n'], { command: ['/bin/sh', '-c'] });
    expect(script).not.toContain('literal credential');
  });
});
