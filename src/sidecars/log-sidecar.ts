import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { withValidGeneratedNames } from '../_object-names';
import { derivedVolumeName } from '../_volume-names';
import { appendTo, CompanionKind, Rank, setVolumeSizeLimit } from '../_workload-host';
import { HealthCheck } from '../probes';
import { ContainerResources } from '../resources';
import { configKeyKept, SIDECAR_OPTION_FLAGS, SIDECAR_STARTUP_BUDGET, SidecarBase, SidecarOptions, SidecarSpec } from './_sidecar-base';
import { logSidecarPropErrors } from './_sidecar-prop-checks';
import { LogDestination } from './log-destination';
import { fluentBitConfig } from '../scripts/fluent-bit-config';
import { LOG_STREAM_SCRIPT } from '../scripts/log-stream-script';
import { labelName, propKeys, snapshot } from '../validation/_prop-checks';

/** Pinned default images of LogSidecar. */
export const LOG_SIDECAR_IMAGES = Object.freeze({
  /** Streaming mode: GNU coreutils `tail -F` (follows rotation by name). */
  stream: 'debian:12.8-slim',
  /** Shipping mode. */
  fluentBit: 'cr.fluentbit.io/fluent/fluent-bit:3.1.9',
});

/** Props of `LogSidecar`. */
export interface LogSidecarProps extends SidecarOptions {
  /**
   * Directory the server writes its log files to; mounted read-write in the writers and
   * read-only in the sidecar.
   * @default '/var/log/app'
   */
  readonly logDir?: string;
  /**
   * Which files to follow (shell glob). Rotated copies such as `app.log.1` do not match
   * `*.log`, so lines are not read twice.
   * @default '*.log'
   */
  readonly filePattern?: string;
  /**
   * Name of the shared log volume.
   * @default 'app-logs'
   */
  readonly volumeName?: string;
  /**
   * Most the log files may take on the node's disk; the pod is evicted above it.
   * @default '1Gi'
   */
  readonly sizeLimit?: string;
  /**
   * Containers that write the logs.
   * @default - the model server of an AiInferencePod, otherwise every regular container
   */
  readonly writers?: string[];
  /**
   * Ship the logs to a central endpoint with Fluent Bit. Without it, the sidecar streams the
   * files to its stdout (`kubectl logs <pod> -c log-forwarder -f`).
   * @default - stream to stdout
   */
  readonly shipTo?: LogDestination;
  /**
   * In streaming mode, prefix each line with `<file>: `.
   * @default false
   */
  readonly prefixFileName?: boolean;
}

const LOG_SIDECAR_KEYS = propKeys<LogSidecarProps>('LogSidecarProps', {
  ...SIDECAR_OPTION_FLAGS, logDir: true, filePattern: true, volumeName: true, sizeLimit: true, writers: true, shipTo: true, prefixFileName: true,
});

/** Port of Fluent Bit's health endpoint. */
export const FLUENT_BIT_HEALTH_PORT = 2020;

/**
 * A sidecar that makes the server's file logs visible: streamed to its stdout (default) or
 * shipped by Fluent Bit to Loki, Elasticsearch or any HTTP endpoint. The seed's "logging
 * sidecar".
 *
 * @example
 * new LogSidecar(pod, 'log-forwarder', { logDir: '/var/log/app' });
 */
export class LogSidecar extends SidecarBase {
  /** The sidecar container (escape hatch). */
  public readonly container: kplus.Container;
  /** The shared log volume. */
  public readonly volume: kplus.Volume;
  /** The Fluent Bit configuration, in shipping mode. */
  public readonly config?: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: LogSidecarProps = {}) {
    // a copy: the writers are read at synth, and must be the ones given here
    props = snapshot(props ?? {});
    super(scope, id, props, LOG_SIDECAR_KEYS);
    const propErrors = logSidecarPropErrors(props);
    this.errors.push(...propErrors);
    if (props.prefixFileName !== undefined && props.shipTo !== undefined) {
      this.errors.push(`prefixFileName: ${JSON.stringify(props.prefixFileName)} only applies to streaming to stdout; with shipTo every record carries its file already. `
        + 'Fix: remove prefixFileName');
    }
    const name = props.name ?? 'log-forwarder';
    // a logDir the prop checks refuse (or of the wrong type, from JavaScript callers) is rendered as
    // the default: its mounts would report it again, as a mountPath the user never wrote
    const logDir = (typeof props.logDir === 'string' && !propErrors.some(e => e.startsWith('logDir:')) ? props.logDir : '/var/log/app').replace(/\/+$/, '');
    labelName('volumeName', props.volumeName, this.errors, 'volume name');
    const volumeName = typeof props.volumeName === 'string' ? props.volumeName : 'app-logs';
    const pattern = props.filePattern ?? '*.log';
    this.host.claimName('volume', volumeName, this, 'volumeName', this.errors);
    this.volume = kplus.Volume.fromEmptyDir(this, 'logs', volumeName);
    const sizeLimit = props.sizeLimit ?? '1Gi';
    const wire: SidecarSpec['wire'] = (spec, wiring) => {
      setVolumeSizeLimit(spec, volumeName, sizeLimit);
      for (const writerName of wiring.consumers(props.writers)) {
        const writer = (spec.containers ?? []).find((c: any) => c.name === writerName);
        if (!writer) {
          wiring.problem(this, 'writers', `container ${JSON.stringify(writerName)} is not a regular container of the workload `
            + `(have: ${wiring.regularContainers.join(', ')})`, `name the container that writes ${logDir}`);
          continue;
        }
        appendTo(writer, 'volumeMounts', [{ mountPath: logDir, name: volumeName }]);
      }
    };

    if (props.shipTo instanceof LogDestination) {
      const output = props.shipTo._render();
      const stateDir = '/var/lib/fluent-bit';
      this.config = withValidGeneratedNames(this, () => new kplus.ConfigMap(this, 'config', {
        metadata: this.companionNamespace(),
        data: { 'fluent-bit.conf': fluentBitConfig({ logDir, pattern, stateDir, healthPort: FLUENT_BIT_HEALTH_PORT, output: output.settings }) },
      }));
      this.host.addCompanion(this, ApiObject.of(this.config), CompanionKind.CONFIG_MAP, configKeyKept('fluent-bit.conf', 'Fluent Bit (-c /fluent-bit/etc/cdk8s/fluent-bit.conf)'));
      const env: { [key: string]: kplus.EnvValue } = {
        POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
        LOG_SINK_JOB: kplus.EnvValue.fromValue(name),
      };
      for (const s of output.secretEnv) {
        env[s.env] = kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, `secret-${s.env}`, s.secretName), key: s.key });
      }
      this.container = this.attach({
        name,
        image: LOG_SIDECAR_IMAGES.fluentBit,
        command: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/cdk8s/fluent-bit.conf'],
        ports: [{ number: FLUENT_BIT_HEALTH_PORT, name: 'fluent-health' }],
        env,
        probes: FLUENT_BIT_HEALTH._render({ startupBudget: SIDECAR_STARTUP_BUDGET, defaultPort: FLUENT_BIT_HEALTH_PORT }),
        resources: SHIPPER_RESOURCES,
        rank: Rank.LOG_SIDECAR,
        wire,
      });
      this.container.mount('/fluent-bit/etc/cdk8s', kplus.Volume.fromConfigMap(this, 'config-volume', this.config, { name: derivedVolumeName(name, 'config') }), { readOnly: true });
      this.container.mount(stateDir, kplus.Volume.fromEmptyDir(this, 'state', derivedVolumeName(name, 'state')));
    } else {
      this.container = this.attach({
        name,
        image: LOG_SIDECAR_IMAGES.stream,
        command: ['/bin/sh', '-c', LOG_STREAM_SCRIPT],
        env: {
          LOG_DIR: kplus.EnvValue.fromValue(logDir),
          LOG_PATTERN: kplus.EnvValue.fromValue(pattern),
          ...(props.prefixFileName ? { LOG_PREFIX: kplus.EnvValue.fromValue('1') } : {}),
        },
        resources: STREAMER_RESOURCES,
        rank: Rank.LOG_SIDECAR,
        wire,
      });
    }
    this.container.mount(logDir, this.volume, { readOnly: true });
  }
}

/** Fluent Bit's health endpoint (one instance: its probes are shared). */
const FLUENT_BIT_HEALTH = HealthCheck.http('/api/v1/health');
/** Resources of the streaming sidecar: tail is cheap. */
const STREAMER_RESOURCES: ContainerResources = { cpu: { request: '10m' }, memory: { request: '16Mi', limit: '64Mi' } };
/** Resources of Fluent Bit: buffers are bounded by the config (16M in memory). */
const SHIPPER_RESOURCES: ContainerResources = { cpu: { request: '50m' }, memory: { request: '64Mi', limit: '128Mi' } };
