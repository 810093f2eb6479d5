// The public API: constructs, their props, enum-like classes and enums. Everything else in
// src/ is internal and may change between releases.
export { AiInferencePod } from './ai-inference-pod';
export type { AiInferencePodProps } from './ai-inference-pod';
export { AiInferenceDeployment, InferenceServiceType } from './ai-inference-deployment';
export type { AiInferenceDeploymentProps, InferenceServiceOptions, InferenceServicePort, PodTemplateMetadata } from './ai-inference-deployment';
export { DeploymentRollout } from './deployment-rollout';
export type { RollingUpdateOptions } from './deployment-rollout';
export { InferenceServer } from './inference-server';
export type { InferenceServerProps, InferenceWorkloadProps, PodToleration } from './inference-server';
export { InitContainer } from './init-container';
export type { InitContainerProps, NamedVolumeMount } from './init-container';
export type { GpuProps } from './gpu';
export { GpuClaim } from './gpu-claim';
export type { DraGpuClaimProps } from './gpu-claim';
export { KUBERNETES_VERSION_CONTEXT, KubernetesTarget } from './kubernetes-target';
export type { KubernetesTargetOptions } from './kubernetes-target';
export type { ModelFitOptions } from './_serving-plan';
export { DEFAULT_GPU_MEMORY_UTILIZATION, DEFAULT_RUNTIME_OVERHEAD, GpuFit } from './planning/gpu-fit';
export type { GpuFitPlan, GpuFitProps } from './planning/gpu-fit';
export { Accelerator } from './planning/accelerator';
export type { CustomAcceleratorProps } from './planning/accelerator';
export { KvCacheDtype, ModelProfile, WeightDtype } from './planning/model-profile';
export type { ModelProfileProps } from './planning/model-profile';
export { ENGINE_IMAGES, InferenceEngine } from './engines/inference-engine';
export type { EngineOptions, EngineRenderContext, HealthOnlyEngineOptions, RenderedEngine } from './engines/inference-engine';
export { HealthCheck, Probe } from './probes';
export type { CustomHealthCheckProps, HttpHealthCheckOptions, HttpHeader, HttpProbeOptions, PortProbeOptions, ProbeOptions, TcpProbeOptions } from './probes';
export type { ContainerResources, ResourceAmount } from './resources';
export { FsGroupChangePolicy, PodSecurityLevel, SeccompProfileType } from './security';
export type { ContainerSecurityOptions, PodSecurityOptions } from './security';
export { DnsPolicy, ImagePullPolicy, PodRestartPolicy, PortProtocol, TerminationMessagePolicy } from './kubernetes-types';
export type { ContainerPortSpec, HttpHook, SecretKeyRef } from './kubernetes-types';
export { EnvFromSource, PodField } from './env-sources';
export type { EnvFromOptions } from './env-sources';
export { HostPathType, PodVolume, ProjectedSource } from './pod-volume';
export type {
  ClaimTemplateVolumeOptions, CsiVolumeOptions, DownwardApiFile, DownwardApiVolumeOptions, EmptyDirVolumeOptions, HostPathVolumeOptions,
  KeyedVolumeOptions, PodVolumeMount, ProjectedKeysOptions, ProjectedVolumeOptions, ServiceAccountTokenOptions,
} from './pod-volume';
export { WARNINGS_AS_ERRORS_CONTEXT } from './validation/_reporter';
export * from './model-source';
export * from './model-cache';
export { ModelPrepInit } from './model-prep-init';
export type { ModelPrepInitProps } from './model-prep-init';
export { Sidecar, SidecarMode } from './sidecars/sidecar';
export type { FrontDoorOptions, SidecarOptions, SidecarProps, SidecarVolumeMount } from './sidecars/sidecar';
export * from './sidecars/log-destination';
export { FLUENT_BIT_HEALTH_PORT, LOG_SIDECAR_IMAGES, LogSidecar } from './sidecars/log-sidecar';
export type { LogSidecarProps } from './sidecars/log-sidecar';
export { PROXY_SIDECAR_IMAGE, ProxyAuth, ProxySidecar, ProxyTls } from './sidecars/proxy-sidecar';
export type { ProxySidecarProps } from './sidecars/proxy-sidecar';
export { PodNames } from './pod-names';
