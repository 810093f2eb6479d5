import { AiInferenceDeployment, AiInferencePod, GpuClaim, KubernetesTarget } from '../src';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';
import { deviceRequests } from '../src/validation/device-claim-rules';

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

describe('GPUs through dynamic resource allocation', () => {
  test('a ResourceClaimTemplate, the pod\'s resourceClaims and the server\'s claims; no extended resource', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', {
      metadata: { name: 'llm', namespace: 'inference' },
      server: SERVER,
      target: KubernetesTarget.V1_34,
      gpu: { count: 2, claim: GpuClaim.dra({ productName: 'H100', minMemory: '80Gi', selectors: ['device.attributes[\'gpu.nvidia.com\'].architecture == \'Hopper\''] }) },
    });
    const manifests = synth(chart);
    const template = manifestOf(manifests, 'ResourceClaimTemplate');
    expect(template.apiVersion).toBe('resource.k8s.io/v1');
    expect(template.metadata.namespace).toBe('inference');
    expect(template.spec.spec.devices.requests).toEqual([{
      name: 'gpu',
      exactly: {
        allocationMode: 'ExactCount',
        count: 2,
        deviceClassName: 'gpu.nvidia.com',
        selectors: [
          { cel: { expression: 'device.driver == \'gpu.nvidia.com\' && device.attributes[\'gpu.nvidia.com\'].productName.lowerAscii().contains(\'h100\')' } },
          { cel: { expression: 'device.driver == \'gpu.nvidia.com\' && device.capacity[\'gpu.nvidia.com\'].memory.compareTo(quantity(\'80Gi\')) >= 0' } },
          { cel: { expression: 'device.attributes[\'gpu.nvidia.com\'].architecture == \'Hopper\'' } },
        ],
      },
    }]);
    expect(deviceRequests(template)).toEqual([]);
    const deployment = manifestOf(manifests, 'Deployment');
    expect(podSpec(deployment).resourceClaims).toEqual([{ name: 'gpu', resourceClaimTemplateName: template.metadata.name }]);
    const server = container(deployment, 'server');
    expect(server.resources.claims).toEqual([{ name: 'gpu' }]);
    expect(Object.keys(server.resources.limits)).toEqual(['memory']);
    expect(podSpec(deployment).tolerations).toContainEqual({ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' });
    expectApiValid(manifests);
  });

  test('another device class, driver and template name; a quote in a product name stays inside the CEL string', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', {
      server: SERVER, target: KubernetesTarget.V1_35,
      gpu: { count: 1, claim: GpuClaim.dra({ deviceClassName: 'gpu.amd.com', driver: 'gpu.amd.com', productName: 'MI300X\'s', templateName: 'mi300x' }) },
    });
    const template = manifestOf(synth(chart), 'ResourceClaimTemplate');
    expect(template.metadata.name).toBe('mi300x');
    expect(template.spec.spec.devices.requests[0].exactly.selectors[0].cel.expression)
      .toBe('device.driver == \'gpu.amd.com\' && device.attributes[\'gpu.amd.com\'].productName.lowerAscii().contains(\'mi300x\\\'s\')');
  });

  test('before 1.34 a claim fails synth naming the feature, the minimum version and the alternative', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', { server: SERVER, gpu: { count: 1, claim: GpuClaim.dra() } });
    const message = synthError(chart);
    expect(message).toContain('[test/llm] container "server": spec.containers[0].resources.claims: uses dynamic resource allocation (resource.k8s.io/v1 ResourceClaimTemplate, resourceClaims), '
      + 'which needs Kubernetes 1.34 or later; the target is 1.33 (the default). Fix: request GPUs as the device plugin\'s resource (gpu: { count } without claim)');
    expect(message).toContain('spec.resourceClaims: uses dynamic resource allocation');
  });

  test('bad claim props fail synth with the field and a fix', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', {
      server: SERVER, target: KubernetesTarget.V1_34,
      gpu: { count: 1, claim: GpuClaim.dra({ deviceClassName: 'GPU_Class', minMemory: '80GB', productName: ' ', selectors: [''] }) },
    });
    const message = synthError(chart);
    expect(message).toContain('gpu.claim.deviceClassName: "GPU_Class"');
    expect(message).toContain('gpu.claim.minMemory: "80GB"');
    expect(message).toContain('gpu.claim.productName: " " is empty. Fix:');
    expect(message).toContain('gpu.claim.selectors[0]: "" is not a CEL expression');
  });
});
