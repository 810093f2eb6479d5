import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Rank, WorkloadHost, workloadOf } from './_workload-host';
import { containerEnv, EnvFromSource, PodField } from './env-sources';
import { ImagePullPolicy, SecretKeyRef } from './kubernetes-types';
import { addPodVolumes, PodVolumeMount, renderPodVolumeMounts } from './pod-volume';
import { checkedResources, ContainerResources, renderResources } from './resources';
import { containerSecurityContext, ContainerSecurityOptions, DEFAULT_ID, idsByDefault } from './security';
import { absolutePath, containerPropKeys, isAbsolutePath, knownProps, labelName, listOf, optionalList, propKeys, snapshot } from './validation/_prop-checks';

/** A mount of a pod volume that another construct created, by name (e.g. `model-storage`). */
export interface NamedVolumeMount {
  /** Name of the pod's volume. */
  readonly volume: string;
  /** Absolute path in the container. */
  readonly path: string;
  /**
   * Mount read-only.
   * @default true
   */
  readonly readOnly?: boolean;
}

/** Props of `InitContainer`. */
export interface InitContainerProps {
  /** Container name. */
  readonly name: string;
  /** Image (pinned). */
  readonly image: string;
  /**
   * Entrypoint override.
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Environment variables.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Environment variables from Secret keys.
   * @default - none
   */
  readonly secretEnv?: { [name: string]: SecretKeyRef };
  /**
   * Environment variables from fields of the running pod (`PodField.POD_NAME`, a label, a resource).
   * @default - none
   */
  readonly fieldEnv?: { [name: string]: PodField };
  /**
   * ConfigMaps and Secrets whose keys all become variables.
   * @default - none
   */
  readonly envFrom?: EnvFromSource[];
  /**
   * Resources.
   * @default - requests cpu '100m', memory '128Mi'; limit memory '256Mi'
   */
  readonly resources?: ContainerResources;
  /**
   * Security settings.
   * @default - PSS restricted; user and group 1000
   */
  readonly security?: ContainerSecurityOptions;
  /**
   * Your own volumes (ConfigMaps, Secrets, PVCs, scratch space).
   * @default - none
   */
  readonly podVolumeMounts?: PodVolumeMount[];
  /**
   * Volumes of the pod that other constructs created, by name (the model volume to convert
   * or unpack weights in: mount it `readOnly: false` — the init step then counts as a writer).
   * @default - none
   */
  readonly volumeMounts?: NamedVolumeMount[];
  /**
   * Image pull policy.
   * @default - Kubernetes' default
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Working directory.
   * @default - the image's
   */
  readonly workingDir?: string;
}

const INIT_CONTAINER_KEYS = propKeys<InitContainerProps>('InitContainerProps', {
  name: true, image: true, command: true, args: true, env: true, secretEnv: true, fieldEnv: true, envFrom: true, resources: true, security: true,
  podVolumeMounts: true, volumeMounts: true, imagePullPolicy: true, workingDir: true,
});
const NAMED_VOLUME_MOUNT_KEYS = propKeys<NamedVolumeMount>('NamedVolumeMount', { volume: true, path: true, readOnly: true });

/** Default resources of an init step. */
const DEFAULT_INIT_RESOURCES: ContainerResources = Object.freeze({
  cpu: Object.freeze({ request: '100m' }),
  memory: Object.freeze({ request: '128Mi', limit: '256Mi' }),
});

/**
 * An init step that is not a model download (a schema migration, a config render, a
 * permission fix on a volume), with the library's defaults: restricted security, explicit
 * resources, the image's pull policy, and its failure reason in `kubectl describe`
 * (`FallbackToLogsOnError`). Init steps run after model downloads, in the order they were
 * added, and before native sidecars start.
 *
 * @example
 * new InitContainer(pod, 'render-config', {
 *   name: 'render-config',
 *   image: 'busybox:1.36.1',
 *   command: ['sh', '-c', 'cp /templates/* /config/'],
 * });
 */
export class InitContainer extends Construct {
  /** The init container (escape hatch). */
  public readonly container: kplus.Container;

  constructor(scope: Construct, id: string, props: InitContainerProps) {
    super(scope, id);
    // JavaScript callers may pass nothing: the missing name and image are then reported at synth
    // a copy: the name and mounts are read at synth, and must be the ones given here
    props = snapshot(props ?? ({} as InitContainerProps));
    const workload = workloadOf(scope);
    const host = WorkloadHost.of(workload);
    const errors: string[] = [];
    knownProps('', props, INIT_CONTAINER_KEYS, errors);
    containerPropKeys('', props, errors);
    if (Array.isArray(props.volumeMounts)) {
      props.volumeMounts.forEach((m, i) => knownProps(`volumeMounts[${i}]`, m, NAMED_VOLUME_MOUNT_KEYS, errors));
    }
    // required: without a name cdk8s-plus would invent one the library cannot finish
    labelName('name', props.name ?? '', errors, 'container name');
    host.claimName('container', props.name, this, 'name', errors);
    const env = containerEnv(this, host, props.name, props, errors);
    this.container = workload.addInitContainer({
      name: props.name,
      image: props.image,
      command: optionalList('command', props.command, errors),
      args: optionalList('args', props.args, errors),
      workingDir: props.workingDir,
      envVariables: env,
      imagePullPolicy: props.imagePullPolicy as unknown as kplus.ImagePullPolicy,
      resources: {},
    });

    host.idsByDefault(props.name, idsByDefault(props.security));
    host.finishContainer(props.name, {
      resources: renderResources(checkedResources('resources', props.resources, errors) ?? DEFAULT_INIT_RESOURCES),
      securityContext: containerSecurityContext({ runAsUser: DEFAULT_ID, runAsGroup: DEFAULT_ID, ...props.security }),
      terminationMessagePolicy: 'FallbackToLogsOnError',
      keepImagePullPolicy: !!props.imagePullPolicy,
    });
    const podMounts = listOf('podVolumeMounts', props.podVolumeMounts, errors);
    const namedMounts = listOf('volumeMounts', props.volumeMounts, errors);
    podMounts.forEach((m, i) => absolutePath(`podVolumeMounts[${i}].path`, m?.path, errors, false, true));
    namedMounts.forEach((m, i) => absolutePath(`volumeMounts[${i}].path`, m?.path, errors, false, true));
    // a path reported here is left out of the rendering: the rendered mount would report it again
    const own = renderPodVolumeMounts(podMounts, errors, host.kind, true);
    const named = namedMounts.filter(m => isAbsolutePath(m?.path, false, true))
      .map(m => ({ mountPath: m.path, name: m.volume, readOnly: m.readOnly ?? true }));
    host.registerAddOn({
      owner: this,
      rank: Rank.INIT_STEP,
      containers: [props.name],
      errors,
      wire: spec => {
        const c = (spec.initContainers ?? []).find((x: any) => x.name === props.name);
        if (c) {
          const mounts = [...(c.volumeMounts ?? []), ...own.volumeMounts, ...named].map(m => ({ ...m }));
          // no mounts: no field (cdk8s-plus writes none either), not `volumeMounts: []`
          c.volumeMounts = mounts.length ? mounts : c.volumeMounts;
          addPodVolumes(spec, own.volumes);
        }
      },
      declare: facts => {
        for (const m of named.filter(x => !x.readOnly)) {
          facts.modelVolumes.filter(v => v.volume === m.name).forEach(v => v.writers.push(props.name));
        }
      },
    });
  }
}
