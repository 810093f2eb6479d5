/**
 * Production pods, twenty-first batch (new-user review 22, 2026-11): the LeaderWorkerSet project's own
 * multi-node serving examples, none of which an earlier batch covers — SGLang spanning two pods with
 * `--nnodes` (now the engine preset's `nodes`), TensorRT-LLM under Triton launched by mpirun from the
 * leader through `kubectl exec`, llama.cpp's llama-server driving rpc-server workers, and Saxml on a
 * TPU v5e slice (the admin server with its HTTP front beside it, model servers on the workers). Each
 * describe names the public source it follows; each pod template goes through the object rules and
 * the official Pod schema (`templateOf`), and the fields that matter are asserted against the manifest.
 */
import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  Accelerator, AiInferencePod, HealthCheck, ImagePullPolicy, InferenceEngine, ModelCredentials, ModelPrepInit, ModelProfile, ModelSource, PodField,
  PodSecurityLevel, PodVolume, Sidecar, SidecarMode,
} from '../src';
import { env, mount, templateOf, volume, withWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { manifestOf } from './helpers/synth';

/** The LeaderWorkerSet of a leader and a worker template, as the examples write it (its schema is not the official one: written as is). */
function leaderWorkerSet(
  chart: Chart, name: string, spec: { replicas: number; size: number; restartPolicy?: string }, leaderTemplate: any, workerTemplate: any,
) {
  return new ApiObject(chart, `${name}-lws`, {
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name },
    spec: {
      replicas: spec.replicas,
      leaderWorkerTemplate: { size: spec.size, ...(spec.restartPolicy ? { restartPolicy: spec.restartPolicy } : {}), leaderTemplate, workerTemplate },
    },
  });
}

/** The one container of a template, by name. */
function containerOf(template: any, name: string): any {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers].find((c: any) => c.name === name);
}

/** A root container with a writable root filesystem: the image and its scripts assume both. */
const ROOT = { runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, dropAllCapabilities: false };

// Source: kubernetes-sigs/lws docs/examples/sglang/lws.yaml (0377103b) and README.md: LeaderWorkerSet sglang, 2 replicas,
// size 2, restartPolicy RecreateGroupOnPodRestart. Leader (label role leader): container sglang-leader,
// lmsysorg/sglang:latest, env HF_TOKEN = the literal "$HF_TOKEN" (an envsubst placeholder), command `python3 -m
// sglang.launch_server --model-path meta-llama/Meta-Llama-3.1-8B-Instruct --tp 2 --dist-init-addr $(LWS_LEADER_ADDRESS):20000
// --nnodes $(LWS_GROUP_SIZE) --node-rank $(LWS_WORKER_INDEX) --trust-remote-code --host 0.0.0.0 --port 40000`, one GPU as a
// limit, one unnamed port 40000, a TCP readiness probe (15 s delay, every 10 s), /dev/shm an unsized memory emptyDir. Worker:
// sglang-worker, the same command without --host and --port (SGLang's own 127.0.0.1:30000), no port, no probe. Service
// sglang-leader (ClusterIP) selecting leaderworkerset.sigs.k8s.io/name sglang and role leader, 40000 → 40000.
describe('SGLang across two pods in a LeaderWorkerSet (kubernetes-sigs/lws docs/examples/sglang)', () => {
  const lwsEnv = ['LWS_LEADER_ADDRESS', 'LWS_WORKER_INDEX'];
  const perPod = ['--dist-init-addr', '$(LWS_LEADER_ADDRESS):20000', '--node-rank', '$(LWS_WORKER_INDEX)', '--trust-remote-code'];
  /** A pod of the group: the same engine in every pod, tensor parallelism over both pods' GPUs. */
  function sglangPod(chart: Chart, id: string, name: string, labels?: { [key: string]: string }) {
    const pod = new AiInferencePod(chart, id, {
      metadata: labels ? { labels } : undefined,
      injectedEnv: lwsEnv,
      server: {
        name,
        engine: InferenceEngine.sglang({ image: 'lmsysorg/sglang:v0.5.12', nodes: 2, port: 40000, extraArgs: perPod }),
      },
      gpu: { count: 1 },
    });
    // each pod downloads the weights before SGLang starts (the manifest's Hub id, fetched with a token from a Secret)
    new ModelPrepInit(pod, 'model', {
      source: ModelSource.huggingFace('meta-llama/Meta-Llama-3.1-8B-Instruct', { revision: 'main', credentials: ModelCredentials.token('hf-token') }),
    });
    return pod;
  }

  test('the engine spans both pods: --tp-size 2 with --nnodes 2, each pod\'s rank and the leader\'s address from the LeaderWorkerSet', () => {
    const chart = Testing.chart();
    const leader = sglangPod(chart, 'leader', 'sglang-leader', { role: 'leader' });
    const worker = sglangPod(chart, 'worker', 'sglang-worker');
    const { template: leaderTemplate, warnings } = templateOf(leader);
    const { template: workerTemplate, warnings: workerWarnings } = templateOf(worker);
    leaderWorkerSet(chart, 'sglang', { replicas: 2, size: 2, restartPolicy: 'RecreateGroupOnPodRestart' }, leaderTemplate, workerTemplate);
    const leaderService = new kplus.Service(chart, 'service', { metadata: { name: 'sglang-leader' }, ports: [{ port: 40000, targetPort: 40000 }] });
    leaderService.selectLabel('leaderworkerset.sigs.k8s.io/name', 'sglang');
    leaderService.selectLabel('role', 'leader');
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['LeaderWorkerSet', 'Service']);

    for (const [template, name] of [[leaderTemplate, 'sglang-leader'], [workerTemplate, 'sglang-worker']]) {
      const c = containerOf(template, name);
      expect(c.command).toEqual(['python3', '-m', 'sglang.launch_server']);
      // the manifest's flags, with the weights from the model volume (not the Hub at start) and the static memory share the
      // library always writes; the worker listens too: SGLang serves /health on a non-zero rank once its scheduler is up
      expect(c.args).toEqual([
        '--model-path', '$(MODEL_PATH)', '--tp-size', '2', '--nnodes', '2', '--mem-fraction-static', '0.9', '--port', '40000', '--host', '0.0.0.0',
        ...perPod,
      ]);
      expect(c.ports).toEqual([{ containerPort: 40000, name: 'http' }]);
      expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 40000 } });
      expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 40000 } });
      expect(c.resources.limits['nvidia.com/gpu']).toBe('1');
      expect(env(c, 'HF_HUB_OFFLINE').value).toBe('1');
      expect(env(c, 'MODEL_PATH').value).toBe('/models/Meta-Llama-3.1-8B-Instruct');
      // SGLang's JIT kernels (FlashInfer, Triton) cache under HOME: the engine points it at the writable /tmp emptyDir
      expect(env(c, 'HOME').value).toBe('/tmp');
      expect(mount(c, '/tmp').readOnly).toBeFalsy();
      expect(volume(template.spec, mount(c, '/tmp').name).emptyDir).toBeDefined();
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
      // the token comes from a Secret into the downloader, not as the manifest's literal "$HF_TOKEN"
      expect(env(containerOf(template, 'model-downloader'), 'MODEL_HTTP_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-token', key: 'token' } });
      expect(volume(template.spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
      expect(template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    }
    expect(leaderTemplate.metadata.labels).toMatchObject({ role: 'leader' });
    // the pinned image and the declared LeaderWorkerSet variables: nothing to warn about
    expect(warnings).toBe('');
    expect(workerWarnings).toBe('');
    const lws = manifestOf(manifests, 'LeaderWorkerSet');
    expect(lws.spec).toMatchObject({ replicas: 2, leaderWorkerTemplate: { size: 2, restartPolicy: 'RecreateGroupOnPodRestart' } });
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.selector).toEqual({ 'leaderworkerset.sigs.k8s.io/name': 'sglang', 'role': 'leader' });
    expect(service.spec.ports).toEqual([{ port: 40000, targetPort: 40000 }]);
  });

  test('the engines give vLLM and SGLang a writable HOME (their caches), which server.env may move', () => {
    for (const engine of [InferenceEngine.vllm(), InferenceEngine.sglang()]) {
      expect(engine.render({ gpuCount: 1 }).env.HOME).toBe('/tmp');
    }
    // TGI's image runs as root only (README "Engines"), and Triton's and NIM's commands are the user's: no HOME set
    expect(InferenceEngine.tgi().render({ gpuCount: 1 }).env.HOME).toBeUndefined();
    expect(InferenceEngine.triton().render({ gpuCount: 1 }).env.HOME).toBeUndefined();
    const chart = Testing.chart();
    const pod = new AiInferencePod(chart, 'p', {
      server: {
        engine: InferenceEngine.vllm(),
        env: { MODEL_PATH: '/models/qwen', HOME: '/home/vllm' },
        volumeMounts: [{ volume: PodVolume.emptyDir('home'), path: '/home/vllm' }],
      },
      gpu: { count: 1 },
    });
    const { template } = templateOf(pod);
    expect(template.spec.containers[0].env.filter((e: any) => e.name === 'HOME')).toEqual([{ name: 'HOME', value: '/home/vllm' }]);
  });

  test('tensorParallelSize counts every pod\'s GPUs: 2 over two pods of one GPU is right, 4 is refused naming the pods', () => {
    const ok = InferenceEngine.sglang({ nodes: 2, tensorParallelSize: 2, extraArgs: perPod }).render({ gpuCount: 1 });
    expect(ok.errors).toEqual([]);
    expect(ok.args.slice(2, 6)).toEqual(['--tp-size', '2', '--nnodes', '2']);
    expect(InferenceEngine.sglang({ nodes: 2, tensorParallelSize: 4, extraArgs: perPod }).render({ gpuCount: 1 }).errors).toEqual([
      'tensorParallelSize: 4 differs from the 2 GPUs the server across its 2 pods (1 each); sglang would fail to find the GPUs it shards across. '
        + 'Fix: remove tensorParallelSize (it follows the GPU count times nodes) or request 2 GPUs per pod',
    ]);
    // eight GPUs in each of two pods: the --tp-size 16 of SGLang's multi-node docs
    expect(InferenceEngine.sglang({ nodes: 2, extraArgs: perPod }).render({ gpuCount: 8 }).args.slice(2, 6)).toEqual(['--tp-size', '16', '--nnodes', '2']);
    // one pod: no --nnodes at all, as before
    expect(InferenceEngine.sglang().render({ gpuCount: 1 }).args).not.toContain('--nnodes');
  });

  test('a pod without its own --node-rank or --dist-init-addr is refused at synth, field and fix named, nothing written', () => {
    const lines = expectRefused(chart => {
      new AiInferencePod(chart, 'leader', {
        server: { engine: InferenceEngine.sglang({ nodes: 2, extraArgs: ['--trust-remote-code'] }) },
        gpu: { count: 1 },
      });
    }, /^\s*\[test\/leader\] server\.engine\.nodes: 2 pods need each pod's own --node-rank in extraArgs/);
    expect(lines.join('\n')).toContain("Fix: add '--dist-init-addr', '$(LWS_LEADER_ADDRESS):20000'");
    // the alias SGLang's parser takes for the address, and the --flag=value form, are enough
    expect(InferenceEngine.sglang({ nodes: 3, extraArgs: ['--nccl-init-addr=sglang-0.sglang:20000', '--node-rank=$(RANK)'] }).render({ gpuCount: 1 }).errors).toEqual([]);
  });

  test('the GPU-fit plan shards the weights over every pod\'s GPUs, and sizes /dev/shm for the pod\'s own', () => {
    const planned = (nodes: number) => {
      const chart = Testing.chart();
      const pod = new AiInferencePod(chart, 'p', {
        injectedEnv: lwsEnv,
        server: {
          engine: InferenceEngine.sglang({ nodes, extraArgs: nodes > 1 ? perPod : [], maxModelLength: 8192, gpuMemoryUtilization: 0.85 }),
          env: { MODEL_PATH: '/models/llama-3.1-70b' },
        },
        gpu: { count: 2, accelerator: Accelerator.NVIDIA_H100 },
        model: { profile: ModelProfile.LLAMA_3_1_70B },
      });
      return () => pod.toPodTemplate();
    };
    // 70B in bf16 on one pod of 2 × H100: 65.7 GiB of weights per GPU, more than the engine's share
    expect(planned(1)).toThrow(/gpu\.count: Llama-3\.1-70B \(bf16\) does not fit 2 × NVIDIA H100 80GB/);
    // over two such pods it is tensor-parallel over 4 GPUs and fits; each pod's /dev/shm serves its own 2 GPUs
    const { value: template } = withWarnings(planned(2));
    expect(volume(template.spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '2Gi' });
    expect(containerOf(template, 'server').args.slice(2, 6)).toEqual(['--tp-size', '4', '--nnodes', '2']);
  });

  test('--nnodes in extraArgs is refused for nodes; vLLM and TGI refuse nodes above 1; a bad count is named', () => {
    expect(InferenceEngine.sglang({ extraArgs: ['--nnodes', '2'] }).render({ gpuCount: 1 }).errors)
      .toEqual(['extraArgs: "--nnodes" repeats a flag the engine options render. Fix: set nodes']);
    expect(InferenceEngine.vllm({ nodes: 2 }).render({ gpuCount: 8 }).errors).toEqual([
      'nodes: 2 cannot be rendered for vllm: its launcher does not span pods itself (vLLM spans nodes through a Ray cluster it joins). '
        + 'Fix: remove nodes and request the GPUs in one pod, or write the multi-node command yourself in server.command (README "Pods for other controllers")',
    ]);
    expect(InferenceEngine.tgi({ nodes: 2 }).render({ gpuCount: 8 }).errors).toEqual([expect.stringMatching(/^nodes: 2 cannot be rendered for tgi: .*TGI shards within one pod only/)]);
    expect(InferenceEngine.sglang({ nodes: 0 }).render({ gpuCount: 1 }).errors).toEqual(['nodes: 0 must be a whole number from 1 to 64. Fix: use e.g. 2']);
    expect(InferenceEngine.vllm({ nodes: 1 }).render({ gpuCount: 1 }).errors).toEqual([]);
  });
});

// Source: kubernetes-sigs/lws docs/examples/tensorrt-llm/lws.yaml (0e2e095a), rbac.yaml, build/Dockerfile, build/server.py and
// build/install_model.sh: LeaderWorkerSet tensorrt, 1 replica, size 2, the leader Service port http 8000. Both templates:
// serviceAccountName tensorrt-sa (a Role to get/list pods and create pods/exec: server.py waits for the group's pods with
// `kubectl get pods -l leaderworkerset.sigs.k8s.io/group-key=…` and mpirun reaches the workers through kubessh, i.e. kubectl
// exec), the image built from the Dockerfile (FROM nvcr.io/nvidia/tritonserver:24.07-trtllm-python-py3, WORKDIR /workspace,
// ENTRYPOINT bash; the manifest's `<image>`), 8 GPUs as a limit, nothing else sized, /dev/shm an unsized memory emptyDir, env
// HUGGING_FACE_HUB_TOKEN = the literal "$HUGGING_FACE_HUB_TOKEN". Leader (label role leader): container leader, `sh -c
// "./install_model.sh; python3 ./server.py leader --stateful_set_group_key=${GROUP_KEY} --pp=8 --tp=2 --gpu_per_node=8
// --triton_model_repo_dir=/data/tensorrtllm_backend/all_models/inflight_batcher_llm/"`, GROUP_KEY from the pod label
// leaderworkerset.sigs.k8s.io/group-key, one unnamed port 8000, no probe. Worker: container worker, the same script with
// `server.py worker` (it waits for SIGTERM; the leader's mpirun runs tritonserver in it), no port. install_model.sh runs `mkdir
// /data`, clones tensorrtllm_backend, pip-installs huggingface_hub, downloads Llama 3 70B and builds the engines under /data.
describe('TensorRT-LLM under Triton across two pods of 8 GPUs (kubernetes-sigs/lws docs/examples/tensorrt-llm)', () => {
  const image = 'registry.example.com/lws/tensorrtllm-lws:24.07-trtllm';
  const repo = '/data/tensorrtllm_backend/all_models/inflight_batcher_llm/';
  /** Both pods build the engines where install_model.sh puts them: an emptyDir at /data, not the container's writable layer. */
  const data = () => [{ volume: PodVolume.emptyDir('data', { sizeLimit: '600Gi' }), path: '/data' }];
  const common = {
    serviceAccountName: 'tensorrt-sa',
    gpu: { count: 8 },
    // the image's scripts run as root (mkdir /data, pip into the system site-packages, mpirun --allow-run-as-root)
    security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0 },
  };

  test('the leader reaches the API server with its account\'s token, reads its group key from its label, and Triton\'s probes wait out the engine build', () => {
    const chart = Testing.chart();
    const leader = new AiInferencePod(chart, 'leader', {
      ...common,
      metadata: { labels: { role: 'leader' } },
      server: {
        name: 'leader', image,
        command: ['sh', '-c', `./install_model.sh; python3 ./server.py leader --stateful_set_group_key=\${GROUP_KEY} --pp=8 --tp=2 --gpu_per_node=8 --triton_model_repo_dir=${repo}`],
        port: 8000,
        fieldEnv: { GROUP_KEY: PodField.label('leaderworkerset.sigs.k8s.io/group-key') },
        secretEnv: { HUGGING_FACE_HUB_TOKEN: { secretName: 'hf-token', key: 'token' } },
        // Triton answers ready only once every rank has loaded the engines: the group's Service waits for that
        health: HealthCheck.triton(),
        // the manifest sizes only the GPUs
        resources: {},
        security: ROOT,
        volumeMounts: data(),
      },
      // the download of Llama 3 70B and the engine build come first
      modelLoadTimeout: Duration.hours(4),
    });
    const worker = new AiInferencePod(chart, 'worker', {
      ...common,
      server: {
        name: 'worker', image,
        command: ['sh', '-c', `./install_model.sh; python3 ./server.py worker --triton_model_repo_dir=${repo}`],
        // it waits for SIGTERM; tritonserver runs in it through the leader's kubectl exec and answers nothing itself
        listens: false,
        secretEnv: { HUGGING_FACE_HUB_TOKEN: { secretName: 'hf-token', key: 'token' } },
        resources: {},
        security: ROOT,
        volumeMounts: data(),
      },
    });
    const { template: leaderTemplate, warnings } = templateOf(leader);
    const { template: workerTemplate } = templateOf(worker);
    leaderWorkerSet(chart, 'tensorrt', { replicas: 1, size: 2 }, leaderTemplate, workerTemplate);
    expect(Testing.synth(chart).map(m => m.kind)).toEqual(['LeaderWorkerSet']);

    const l = containerOf(leaderTemplate, 'leader');
    expect(leaderTemplate.spec.serviceAccountName).toBe('tensorrt-sa');
    // kubectl in server.py and kubessh need the account's token: given a serviceAccountName, it is mounted
    expect(leaderTemplate.spec.automountServiceAccountToken).toBe(true);
    expect(workerTemplate.spec.automountServiceAccountToken).toBe(true);
    expect(l.command[2]).toContain('--stateful_set_group_key=${GROUP_KEY} --pp=8 --tp=2 --gpu_per_node=8');
    expect(env(l, 'GROUP_KEY').valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.labels['leaderworkerset.sigs.k8s.io/group-key']" } });
    expect(env(l, 'HUGGING_FACE_HUB_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-token', key: 'token' } });
    expect(l.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(l.resources).toEqual({ limits: { 'nvidia.com/gpu': '8' }, requests: { 'nvidia.com/gpu': '8' } });
    expect(l.readinessProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 8000 } });
    expect(l.livenessProbe).toMatchObject({ httpGet: { path: '/v2/health/live', port: 8000 } });
    // four hours of startup budget before the kubelet restarts the leader (and, with it, the build)
    expect(l.startupProbe.periodSeconds * l.startupProbe.failureThreshold).toBeGreaterThanOrEqual(4 * 3600);
    expect(l.securityContext).toMatchObject({ runAsUser: 0, readOnlyRootFilesystem: false });
    expect(leaderTemplate.metadata.labels).toMatchObject({ role: 'leader' });

    const w = containerOf(workerTemplate, 'worker');
    expect(w.command).toEqual(['sh', '-c', `./install_model.sh; python3 ./server.py worker --triton_model_repo_dir=${repo}`]);
    expect(w.ports).toBeUndefined();
    expect(w.startupProbe ?? w.readinessProbe ?? w.livenessProbe).toBeUndefined();
    for (const template of [leaderTemplate, workerTemplate]) {
      expect(volume(template.spec, 'data').emptyDir).toEqual({ sizeLimit: '600Gi' });
      // the documented default without a model plan (the manifest's is unsized): gpu.shmSize sets more
      expect(volume(template.spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    }
    // the declared baseline level (root): said once per pod
    expect(warnings).toContain('[test/leader] spec: the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: pod runAsUser is 0');
    expect(warnings).toContain('[test/worker] spec: the pod meets Pod Security Standard "baseline"');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: kubernetes-sigs/lws docs/examples/llamacpp (k8s/lws.yaml 3565efe5, k8s/service.yaml, images/llamacpp-leader and
// images/llamacpp-worker Dockerfiles, tools/llamacpp-leader/cmd/llamacpp-leader/main.go): LeaderWorkerSet
// llamacpp-llama3-8b-instruct-bartowski-q5km, 1 replica, size 5, RecreateGroupOnPodRestart. Leader (label app
// llamacpp-llama3-8b-instruct-bartowski-q5km): container llamacpp-leader, the image of the same name (:latest, IfNotPresent;
// distroless cc-debian12:nonroot with the GGUF baked in), command `/llamacpp-leader -- --n-gpu-layers 99 --verbose`, LWS_SIZE
// from the annotation leaderworkerset.sigs.k8s.io/size; the binary resolves workers 1…LWS_SIZE-1 from LWS_LEADER_ADDRESS,
// starts /llama-server --host 0.0.0.0 --rpc <ip>:50052,… (llama-server's own port 8080); no port, no probe, no resources.
// Worker: llamacpp-worker:latest (IfNotPresent; distroless nonroot, ENTRYPOINT /rpc-server), args `--host 0.0.0.0 --mem
// 4192` (rpc-server's own port 50052); no port, no probe, no resources. Service llamacpp: ClusterIP 80 → 8080 selecting the
// app label.
describe('llama.cpp\'s llama-server over four rpc-server workers (kubernetes-sigs/lws docs/examples/llamacpp)', () => {
  test('the leader finds its workers from the LeaderWorkerSet\'s size annotation, the workers offer 4192 MiB each, llama-server\'s /health probed', () => {
    const chart = Testing.chart();
    const app = 'llamacpp-llama3-8b-instruct-bartowski-q5km';
    const leader = new AiInferencePod(chart, 'leader', {
      metadata: { labels: { app } },
      server: {
        name: 'llamacpp-leader',
        image: `${app}:latest`,
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        command: ['/llamacpp-leader', '--', '--n-gpu-layers', '99', '--verbose'],
        // llama-server's own port: the manifest declares none, the Service targets it
        port: 8080,
        fieldEnv: { LWS_SIZE: PodField.annotation('leaderworkerset.sigs.k8s.io/size') },
        // llama-server answers 503 on /health until the model is loaded (onto the workers, over RPC)
        health: HealthCheck.http('/health'),
        // the 8B Q5_K_M GGUF (5.7 GB) is memory-mapped from the image and its tensors sent to the workers
        resources: { cpu: { request: '2' }, memory: { request: '8Gi', limit: '8Gi' } },
      },
    });
    const worker = new AiInferencePod(chart, 'worker', {
      server: {
        name: 'llamacpp-worker',
        image: 'llamacpp-worker:latest',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        args: ['--host', '0.0.0.0', '--mem', '4192'],
        port: 50052,
        portName: 'rpc',
        // rpc-server serves one client at a time: a probe's connection would queue behind the leader's (or take its place)
        health: HealthCheck.none(),
        // --mem 4192 offers 4192 MiB of backend buffers: above the library's 4Gi default, which would OOM-kill the worker
        resources: { cpu: { request: '2' }, memory: { request: '5Gi', limit: '5Gi' } },
      },
    });
    const { template: leaderTemplate, warnings } = templateOf(leader);
    const { template: workerTemplate } = templateOf(worker);
    leaderWorkerSet(chart, app, { replicas: 1, size: 5, restartPolicy: 'RecreateGroupOnPodRestart' }, leaderTemplate, workerTemplate);
    new kplus.Service(chart, 'service', { metadata: { name: 'llamacpp' }, ports: [{ port: 80, targetPort: 8080 }] }).selectLabel('app', app);
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['LeaderWorkerSet', 'Service']);

    const l = containerOf(leaderTemplate, 'llamacpp-leader');
    expect(l).toMatchObject({ image: `${app}:latest`, imagePullPolicy: 'IfNotPresent', command: ['/llamacpp-leader', '--', '--n-gpu-layers', '99', '--verbose'] });
    expect(env(l, 'LWS_SIZE').valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.annotations['leaderworkerset.sigs.k8s.io/size']" } });
    expect(l.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(l.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 8080 } });
    expect(leaderTemplate.metadata.labels).toMatchObject({ app });
    const w = containerOf(workerTemplate, 'llamacpp-worker');
    expect(w.command).toBeUndefined();
    expect(w.args).toEqual(['--host', '0.0.0.0', '--mem', '4192']);
    expect(w.ports).toEqual([{ containerPort: 50052, name: 'rpc' }]);
    expect(w.startupProbe ?? w.readinessProbe ?? w.livenessProbe).toBeUndefined();
    expect(w.resources.limits.memory).toBe('5Gi');
    for (const [template, c] of [[leaderTemplate, l], [workerTemplate, w]]) {
      // distroless nonroot images: the restricted defaults hold as they are (user 1000 reads the world-readable binaries)
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      // CPU inference: no GPU, no toleration, no /dev/shm
      expect(template.spec.tolerations).toBeUndefined();
      expect(volume(template.spec, 'dshm')).toBeUndefined();
    }
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.selector).toEqual({ app });
    expect(service.spec.ports).toEqual([{ port: 80, targetPort: 8080 }]);
    // both images are :latest (the example loads them into kind): each said once
    expect(warnings).toContain(`"${app}:latest" is not pinned (:latest)`);
    expect(warnings).toContain('"llamacpp-worker:latest" is not pinned (:latest)');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: kubernetes-sigs/lws docs/examples/saxml/lws.yaml (2becb14a) with configmap.yaml and README.md: LeaderWorkerSet
// saxml-multi-host (annotation exclusive-topology cloud.google.com/gke-nodepool), 2 replicas, size 9, RecreateGroupOnPodRestart.
// Leader (label app saxml-admin): serviceAccountName sax-sa (Workload Identity to the GCS bucket), node selectors
// gke-tpu-topology 4x8 and gke-tpu-accelerator tpu-v5-lite-podslice, a toleration google.com/tpu Exists NoSchedule, no TPU
// requested; container sax-admin-server (…/sax-admin-server:nightly) privileged, one unnamed port 10000, env SAX_REPLICA_NAME from
// metadata.name and SAX_GCS_BUCKET; container sax-http (…/sax-http:nightly), one unnamed port 8888, the same env, the ConfigMap
// saxml-model at /publish/config. Worker: the same account and node selectors (no toleration); container sax-model-server
// (…/sax-model-server:nightly) privileged, args --port=10001 --platform_chip=tpuv5e, unnamed ports 10001 and 8471, env
// SAX_REPLICA_NAME from the annotation leaderworkerset.sigs.k8s.io/leader-name and SAX_GCS_BUCKET, google.com/tpu 4 requested =
// limit. No probes, no /dev/shm. Service saxml (LoadBalancer) 8888 → 8888 selecting app: leader-pod, a label no pod carries.
describe('Saxml on a TPU v5e 4x8 slice (kubernetes-sigs/lws docs/examples/saxml)', () => {
  test('the admin server with its HTTP front in the leader, eight privileged model servers on 4 TPU chips each, the Service selecting the leader', () => {
    const chart = Testing.chart();
    const registry = 'us-docker.pkg.dev/cloud-tpu-images/inference';
    const tpuNodes = { 'cloud.google.com/gke-tpu-topology': '4x8', 'cloud.google.com/gke-tpu-accelerator': 'tpu-v5-lite-podslice' };
    const bucket = { SAX_GCS_BUCKET: 'GCS_BUCKET' };
    // the TPU runtime needs the host's devices: privileged, as root
    const privileged = { ...ROOT, privileged: true };
    const podSecurity = { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0 };
    const leader = new AiInferencePod(chart, 'leader', {
      metadata: { labels: { app: 'saxml-admin' } },
      serviceAccountName: 'sax-sa',
      // the admin server sits on the slice's node pool without a chip of its own
      nodeSelector: tpuNodes,
      tolerations: [{ key: 'google.com/tpu', operator: 'Exists', effect: 'NoSchedule' }],
      server: {
        name: 'sax-admin-server',
        image: `${registry}/sax-admin-server:nightly`,
        port: 10000,
        portName: 'admin',
        env: bucket,
        fieldEnv: { SAX_REPLICA_NAME: PodField.POD_NAME },
        // a gRPC admin port, no HTTP health endpoint: the port accepting is what the manifest can tell
        health: HealthCheck.tcp(),
        resources: {},
        security: privileged,
      },
      security: podSecurity,
    });
    new Sidecar(leader, 'sax-http', {
      name: 'sax-http',
      mode: SidecarMode.CLASSIC,
      image: `${registry}/sax-http:nightly`,
      ports: [{ number: 8888, name: 'http' }],
      env: bucket,
      fieldEnv: { SAX_REPLICA_NAME: PodField.POD_NAME },
      podVolumeMounts: [{ volume: PodVolume.configMap('publish-config', 'saxml-model'), path: '/publish/config' }],
    });
    const worker = new AiInferencePod(chart, 'worker', {
      serviceAccountName: 'sax-sa',
      server: {
        name: 'sax-model-server',
        image: `${registry}/sax-model-server:nightly`,
        args: ['--port=10001', '--platform_chip=tpuv5e'],
        port: 10001,
        portName: 'model',
        extraPorts: [{ number: 8471, name: 'tpu-runtime' }],
        env: bucket,
        fieldEnv: { SAX_REPLICA_NAME: PodField.annotation('leaderworkerset.sigs.k8s.io/leader-name') },
        // the model servers join the admin server; publishing a model is what loads them
        health: HealthCheck.none(),
        resources: {},
        security: privileged,
      },
      gpu: { count: 4, resourceName: 'google.com/tpu', nodeSelector: tpuNodes, tolerate: false, sharedMemory: false },
      security: podSecurity,
    });
    const { template: leaderTemplate, warnings } = templateOf(leader);
    const { template: workerTemplate } = templateOf(worker);
    const lws = leaderWorkerSet(chart, 'saxml-multi-host', { replicas: 2, size: 9, restartPolicy: 'RecreateGroupOnPodRestart' }, leaderTemplate, workerTemplate);
    lws.metadata.addAnnotation('leaderworkerset.sigs.k8s.io/exclusive-topology', 'cloud.google.com/gke-nodepool');
    // the manifest's selector (app: leader-pod) matches no pod: this one selects the leaders
    new kplus.Service(chart, 'service', { metadata: { name: 'saxml' }, type: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 8888, targetPort: 8888 }] })
      .selectLabel('app', 'saxml-admin');
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['LeaderWorkerSet', 'Service']);

    const admin = containerOf(leaderTemplate, 'sax-admin-server');
    expect(admin.securityContext).toMatchObject({ privileged: true, runAsUser: 0 });
    expect(admin.ports).toEqual([{ containerPort: 10000, name: 'admin' }]);
    expect(admin.resources).toBeUndefined();
    expect(env(admin, 'SAX_REPLICA_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env(admin, 'SAX_GCS_BUCKET').value).toBe('GCS_BUCKET');
    expect(admin.readinessProbe).toMatchObject({ tcpSocket: { port: 10000 } });
    const http = containerOf(leaderTemplate, 'sax-http');
    expect(leaderTemplate.spec.containers.map((c: any) => c.name)).toEqual(['sax-admin-server', 'sax-http']);
    expect(http.ports).toEqual([{ containerPort: 8888, name: 'http' }]);
    expect(mount(http, '/publish/config')).toMatchObject({ name: 'publish-config', readOnly: true });
    expect(volume(leaderTemplate.spec, 'publish-config').configMap).toEqual({ name: 'saxml-model' });
    // the HTTP front needs no privilege: it keeps the restricted container defaults
    expect(http.securityContext).toMatchObject({ privileged: false, runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(leaderTemplate.spec.nodeSelector).toEqual(tpuNodes);
    expect(leaderTemplate.spec.tolerations).toEqual([{ key: 'google.com/tpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(leaderTemplate.spec.serviceAccountName).toBe('sax-sa');

    const model = containerOf(workerTemplate, 'sax-model-server');
    expect(model.args).toEqual(['--port=10001', '--platform_chip=tpuv5e']);
    expect(model.ports).toEqual([{ containerPort: 10001, name: 'model' }, { containerPort: 8471, name: 'tpu-runtime' }]);
    expect(model.resources).toEqual({ limits: { 'google.com/tpu': '4' }, requests: { 'google.com/tpu': '4' } });
    expect(env(model, 'SAX_REPLICA_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.annotations['leaderworkerset.sigs.k8s.io/leader-name']" } });
    expect(model.startupProbe ?? model.readinessProbe ?? model.livenessProbe).toBeUndefined();
    expect(workerTemplate.spec.nodeSelector).toEqual(tpuNodes);
    // GKE adds the google.com/tpu toleration to pods that request chips; the manifest's worker has none
    expect(workerTemplate.spec.tolerations).toBeUndefined();
    expect(volume(workerTemplate.spec, 'dshm')).toBeUndefined();

    expect(manifestOf(manifests, 'LeaderWorkerSet').metadata.annotations).toEqual({ 'leaderworkerset.sigs.k8s.io/exclusive-topology': 'cloud.google.com/gke-nodepool' });
    const service = manifestOf(manifests, 'Service');
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', selector: { app: 'saxml-admin' }, ports: [{ port: 8888, targetPort: 8888 }] });
    // the nightly tags move, and the declared privileged level is used: each said once
    expect(warnings).toContain('sax-admin-server:nightly" is not pinned (the moving tag "nightly")');
    expect(warnings).toContain('sax-http:nightly" is not pinned (the moving tag "nightly")');
    expect(warnings).toContain('sax-model-server:nightly" is not pinned (the moving tag "nightly")');
    expect(warnings).toContain('as security.level declares: container sax-admin-server is privileged');
    expect(warnings).toContain('as security.level declares: container sax-model-server is privileged');
    expect(warnings.trim().split('\n')).toHaveLength(5);
  });
});
