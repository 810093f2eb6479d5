import {
  error, isCsiDriverName, isDnsLabel, isLocalDescendingPath, isQualifiedName, isRepeat, NO_FINDINGS, quantityOf, repeatTracker, RESOURCE_FIELDS,
  runsAs, show, warning,
} from './_helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';

/**
 * Volume names are DNS-1123 labels, unique, and in a StatefulSet none is also a claim template's
 * (the controller replaces such a volume with the claim, silently); each volume has exactly one
 * source; emptyDir sizes are quantities; a hostPath has a path without '..'; a CSI driver's name
 * is one the API server accepts.
 */
export function volumeDefinitions(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const volumes: any[] = pod.spec.volumes ?? [];
  const seen = repeatTracker(volumes.length);
  const templates = volumes.length ? claimTemplateVolumes(pod) : [];
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i];
    if (!isDnsLabel(v.name)) {
      findings.push(error(`${volumePath(pod, i)}.name`, `${show(v.name)} is not a valid volume name (DNS-1123 label)`, 'use lowercase letters, digits and \'-\''));
    } else if (isRepeat(volumes, i, 'name', seen)) {
      findings.push(error(`${volumePath(pod, i)}.name`, `volume ${show(v.name)} is defined twice`, 'give each volume a distinct name'));
    } else if (isDefined(templates, v.name)) {
      findings.push(error(`${volumePath(pod, i)}.name`, `volume ${show(v.name)} is also the name of a volumeClaimTemplate of the StatefulSet: its controller replaces the volume with the claim in every pod, silently`,
        'give the volume or the claim template (PodVolume.claimTemplate) another name'));
    }
    if (sourceCount(v) !== 1) {
      const sources = Object.keys(v).filter(k => k !== 'name');
      findings.push(error(volumePath(pod, i), `volume ${show(v.name)} must have exactly one source, found ${sources.length ? sources.join(', ') : 'none'}`, 'keep one of emptyDir, persistentVolumeClaim, configMap, secret, ...'));
    }
    const hostPath = v.hostPath?.path;
    if (v.hostPath && (typeof hostPath !== 'string' || hostPath === '' || hostPath.split('/').includes('..'))) {
      // the API server's validatePathNoBacksteps: a JSON patch writes what PodVolume.hostPath refuses
      findings.push(error(`${volumePath(pod, i)}.hostPath.path`, `${show(hostPath ?? '')} is not a path of the node the API server accepts (empty, or with a '..' segment)`,
        'give the node\'s directory without \'..\', e.g. "/mnt/models" (PodVolume.hostPath checks it)'));
    }
    if (v.csi && !isCsiDriverName(v.csi.driver)) {
      // the API server's ValidateCSIDriverName: a JSON patch writes what PodVolume.csi refuses
      findings.push(error(`${volumePath(pod, i)}.csi.driver`, `${show(v.csi.driver ?? '')} is not a CSI driver name the API server accepts (at most 63 characters, a DNS subdomain: no '_')`,
        'give the name the driver registers, e.g. "gcsfuse.csi.storage.gke.io" (PodVolume.csi checks it)'));
    }
    const size = v.emptyDir?.sizeLimit;
    if (size !== undefined && !isSize(size)) {
      // every emptyDir the library writes (model cache, logs, /dev/shm, PodVolume) passes here
      findings.push(error(`${volumePath(pod, i)}.emptyDir.sizeLimit`, `${show(size)} is not a Kubernetes quantity`, 'write it like \'1Gi\' or \'512Mi\' (binary suffixes Ki, Mi, Gi; no spaces, not \'GB\')'));
    }
  }
  return findings;
}

function volumePath(pod: RenderedPod, i: number): string {
  return `${pod.specPath}.volumes[${i}]`;
}

/** The keys of a volume besides its name, counted without listing them. */
function sourceCount(volume: any): number {
  let count = 0;
  for (const key in volume) {
    if (key !== 'name' && Object.prototype.hasOwnProperty.call(volume, key)) {
      count++;
    }
  }
  return count;
}

/** A finite, non-negative quantity (or a plain byte count). */
function isSize(value: unknown): boolean {
  const bytes = typeof value === 'string' ? quantityOf(value) : value;
  return typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0;
}

/**
 * Every mount references a volume of the pod — or, in a StatefulSet, one of its
 * volumeClaimTemplates, which the controller turns into a volume of each pod; mount paths are
 * absolute and unique per container (subPaths: `mountSubPaths`).
 */
export function volumeMounts(pod: RenderedPod): Finding[] {
  const volumes: any[] = [...(pod.spec.volumes ?? []), ...claimTemplateVolumes(pod)];
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    const mounts: any[] = c.container.volumeMounts ?? [];
    for (let i = 0; i < mounts.length; i++) {
      const m = mounts[i];
      if (!isDefined(volumes, m.name)) {
        findings.push(error(`${mountPath(c, i)}.name`, `mounts volume ${show(m.name)}, which the pod does not define (volumes: ${[...new Set(volumes.map(v => v.name))].join(', ') || 'none'})`,
          pod.kind === 'StatefulSet' ? 'add the volume to the pod or a volumeClaimTemplate of that name, or mount one of the existing volumes' : 'add the volume to the pod or mount one of the existing volumes',
          c.container.name));
      }
      if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/')) {
        findings.push(error(`${mountPath(c, i)}.mountPath`, `${show(m.mountPath)} is not an absolute path`, 'use an absolute path such as "/models"', c.container.name));
      } else {
        const first = firstMountOfPath(mounts, i);
        if (first !== undefined) {
          findings.push(error(`${mountPath(c, i)}.mountPath`,
            `${show(m.mountPath)} is mounted twice in this container (volume ${show(mounts[first].name)}, then volume ${show(m.name)})`,
            'mount each path once: give one of them another path (a LogSidecar\'s logDir, a volumeMounts path, the model path)', c.container.name));
        }
      }
    }
  }
  return findings;
}

/** A StatefulSet's claim templates as the volumes they become in each pod (by name). */
function claimTemplateVolumes(pod: RenderedPod): any[] {
  const templates = pod.kind === 'StatefulSet' ? pod.json?.spec?.volumeClaimTemplates : undefined;
  return Array.isArray(templates) ? templates.map((t: any) => ({ name: t?.metadata?.name, persistentVolumeClaim: {} })) : [];
}

function isDefined(volumes: any[], name: unknown): boolean {
  for (const v of volumes) {
    if (v.name === name) {
      return true;
    }
  }
  return false;
}

function mountPath(c: ContainerEntry, i: number): string {
  return `${c.path}.volumeMounts[${i}]`;
}

/** The index of the first mount before `i` at the same path (trailing slashes aside), if any. */
function firstMountOfPath(mounts: any[], i: number): number | undefined {
  const path = withoutTrailingSlashes(mounts[i].mountPath);
  for (let j = 0; j < i; j++) {
    if (withoutTrailingSlashes(String(mounts[j].mountPath)) === path) {
      return j;
    }
  }
  return undefined;
}

/** The path without trailing slashes; allocates only when there are some. */
function withoutTrailingSlashes(path: string): string {
  return path.endsWith('/') ? path.replace(/\/+$/, '') : path;
}

/**
 * Model weights are written once by their writer and mounted read-only everywhere else, so a
 * server bug cannot corrupt a cache that other pods share.
 */
export function modelVolumeReadOnly(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const fact of pod.facts.modelVolumes) {
    for (const c of pod.containers) {
      if (fact.writers.includes(c.container.name)) {
        continue;
      }
      const mounts: any[] = c.container.volumeMounts ?? [];
      for (let i = 0; i < mounts.length; i++) {
        if (mounts[i].name === fact.volume && mounts[i].readOnly !== true) {
          findings.push(error(`${mountPath(c, i)}.readOnly`, `model volume ${show(fact.volume)} is mounted read-write; only ${fact.writers.map(w => `"${w}"`).join(', ')} may write it`, 'mount it with readOnly: true', c.container.name));
        }
      }
    }
  }
  return findings;
}

/**
 * A mount's subPath or subPathExpr (not both) is a relative path without '..': the API server
 * refuses anything that could leave the volume.
 */
export function mountSubPaths(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    const mounts: any[] = c.container.volumeMounts ?? [];
    for (let i = 0; i < mounts.length; i++) {
      const m = mounts[i];
      if (m.subPath === undefined && m.subPathExpr === undefined) {
        continue;
      }
      if (m.subPath && m.subPathExpr) {
        (findings ??= []).push(error(`${mountPath(c, i)}.subPathExpr`, `${show(m.subPathExpr)} is set together with subPath ${show(m.subPath)}; a mount takes one of them`,
          'keep subPath for a fixed path, or subPathExpr for one with $(VAR) references', c.container.name));
      }
      for (const key of SUB_PATH_KEYS) {
        const sub = m[key];
        if (typeof sub === 'string' && !isLocalDescendingPath(sub)) {
          (findings ??= []).push(error(`${mountPath(c, i)}.${key}`, `${show(sub)} must be a relative path without '..'`, 'use a path inside the volume such as "models/llama"', c.container.name));
        }
      }
    }
  }
  return findings ?? NO_FINDINGS;
}

const SUB_PATH_KEYS = ['subPath', 'subPathExpr'];

/** The volume sources that write files from keys or fields, with their items. */
const FILE_SOURCES = ['secret', 'configMap', 'downwardAPI', 'projected'];
/** The projected sources whose items are files. */
const PROJECTED_SOURCES = ['secret', 'configMap', 'downwardAPI'];
/** The pod fields a downwardAPI volume file may hold (validVolumeDownwardAPIFieldPathExpressions), besides a label or annotation by key. */
const VOLUME_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.labels', 'metadata.annotations', 'metadata.uid'];
const SUBSCRIPTED_FIELD = /^metadata\.(labels|annotations)\['([^']*)'\]$/;
/** The largest file mode: 0777 (a decimal 777, as JSON has no octal, is 0o1411). */
const MODE_MAX = 0o777;

/**
 * Files a secret, configMap, downwardAPI or projected volume writes: `defaultMode` and `mode`
 * from 0 to 0777, item paths relative without '..' (nor starting with '..'), and downwardAPI
 * items that read one pod field the API server offers there (name, namespace, uid, labels,
 * annotations) or a container resource; in a projected volume, one kind per source, a token's
 * path and lifetime, and no path written twice.
 */
export function volumeFiles(pod: RenderedPod): Finding[] {
  const volumes: any[] = pod.spec.volumes ?? [];
  let findings: Finding[] | undefined;
  for (let v = 0; v < volumes.length; v++) {
    for (const kind of FILE_SOURCES) {
      const source = volumes[v][kind];
      if (source === undefined || source === null) {
        continue;
      }
      const at = `${volumePath(pod, v)}.${kind}`;
      findings = modeFindings(source.defaultMode, `${at}.defaultMode`, findings);
      if (kind !== 'projected') {
        findings = itemFindings(source.items, kind, `${at}.items`, findings);
        continue;
      }
      const sources: unknown = source.sources;
      for (let s = 0; Array.isArray(sources) && s < sources.length; s++) {
        for (const projected of PROJECTED_SOURCES) {
          if (sources[s]?.[projected]) {
            findings = itemFindings(sources[s][projected].items, projected, `${at}.sources[${s}].${projected}.items`, findings);
          }
        }
        findings = projectionFindings(sources[s], `${at}.sources[${s}]`, findings);
      }
      findings = duplicatePathFindings(sources, at, findings);
    }
  }
  return findings ?? NO_FINDINGS;
}

/** The kinds one projected source may be (validateProjectionSources counts them: one per source). */
const PROJECTION_KINDS = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'];
/** The longest token the API server issues for a projected volume: 2^32 seconds. */
const MAX_TOKEN_SECONDS = 2 ** 32;

/**
 * One projected source as the API server's validateProjectionSources takes it: a single kind,
 * and a service account token with a file name inside the volume and a lifetime from 10 minutes
 * to 2^32 seconds. A JSON patch writes what ProjectedSource refuses.
 */
function projectionFindings(source: any, at: string, findings: Finding[] | undefined): Finding[] | undefined {
  const kinds = PROJECTION_KINDS.filter(k => source?.[k] !== undefined && source?.[k] !== null);
  if (kinds.length > 1) {
    (findings ??= []).push(error(at, `sets ${kinds.join(' and ')}: the API server refuses a projected source of more than one kind`,
      'give each kind its own entry of sources'));
  }
  const token = source?.serviceAccountToken;
  if (token === undefined || token === null) {
    return findings;
  }
  const path = token.path;
  if (typeof path !== 'string' || path === '' || !isLocalDescendingPath(path) || path.startsWith('..')) {
    (findings ??= []).push(error(`${at}.serviceAccountToken.path`, `${show(path ?? '')} must be a non-empty relative path without '..' and not starting with '..'`,
      'name the token\'s file inside the volume, e.g. "token"'));
  }
  const seconds = token.expirationSeconds;
  if (typeof seconds === 'number' && !(seconds >= 600 && seconds <= MAX_TOKEN_SECONDS)) {
    (findings ??= []).push(error(`${at}.serviceAccountToken.expirationSeconds`, `${show(seconds)} is not from 600 (10 minutes) to ${MAX_TOKEN_SECONDS} (2^32 s), the token lifetimes the API server issues`,
      'use e.g. 3600 (ProjectedSource.serviceAccountToken\'s expiration: Duration.hours(1)), or leave it out for an hour'));
  }
  return findings;
}

/**
 * A file path two items of a projected volume write (its secret, configMap and downwardAPI items
 * together): the API server refuses the volume ("conflicting duplicate paths").
 */
function duplicatePathFindings(sources: unknown, at: string, findings: Finding[] | undefined): Finding[] | undefined {
  const first = new Map<string, string>();
  for (let s = 0; Array.isArray(sources) && s < sources.length; s++) {
    for (const kind of PROJECTED_SOURCES) {
      const items: unknown = sources[s]?.[kind]?.items;
      for (let i = 0; Array.isArray(items) && i < items.length; i++) {
        const path = items[i]?.path;
        if (typeof path !== 'string' || path === '') {
          continue;
        }
        const field = `${at}.sources[${s}].${kind}.items[${i}].path`;
        const earlier = first.get(path);
        if (earlier === undefined) {
          first.set(path, field);
        } else {
          (findings ??= []).push(error(field, `${show(path)} is also written by ${earlier}: the API server refuses a projected volume with conflicting duplicate paths`,
            'give each file its own path'));
        }
      }
    }
  }
  return findings;
}

function modeFindings(mode: unknown, field: string, findings: Finding[] | undefined): Finding[] | undefined {
  if (mode === undefined || (Number.isInteger(mode) && (mode as number) >= 0 && (mode as number) <= MODE_MAX)) {
    return findings;
  }
  (findings ??= []).push(error(field, `${show(mode)} is not a file mode from 0 to 0777 (${MODE_MAX} in decimal)`,
    'write the mode in octal, e.g. 0o440 in TypeScript (288 in JSON); YAML\'s 0644 is 420'));
  return findings;
}

function itemFindings(items: unknown, kind: string, at: string, findings: Finding[] | undefined): Finding[] | undefined {
  if (!Array.isArray(items)) {
    return findings;
  }
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const path = item?.path;
    if (typeof path !== 'string' || path === '' || !isLocalDescendingPath(path) || path.startsWith('..')) {
      (findings ??= []).push(error(`${at}[${i}].path`, `${show(path)} must be a non-empty relative path without '..' and not starting with '..'`,
        'name the file inside the volume, e.g. "config/model.json"'));
    }
    findings = modeFindings(item?.mode, `${at}[${i}].mode`, findings);
    if (kind === 'downwardAPI') {
      findings = downwardApiItemFindings(item, `${at}[${i}]`, findings);
    }
  }
  return findings;
}

/** A downwardAPI file reads exactly one of a pod field (of those a volume offers) and a container resource. */
function downwardApiItemFindings(item: any, at: string, findings: Finding[] | undefined): Finding[] | undefined {
  const field = item?.fieldRef;
  const resource = item?.resourceFieldRef;
  if ((field === undefined) === (resource === undefined)) {
    (findings ??= []).push(error(at, `${show(item?.path)} needs exactly one of fieldRef and resourceFieldRef, found ${field === undefined ? 'neither' : 'both'}`,
      'read a pod field with fieldRef or a container resource with resourceFieldRef'));
    return findings;
  }
  if (field !== undefined && !isVolumeFieldPath(field?.fieldPath)) {
    (findings ??= []).push(error(`${at}.fieldRef.fieldPath`, `${show(field?.fieldPath)} is not a pod field a downwardAPI volume can hold`,
      "use metadata.name, metadata.namespace, metadata.uid, metadata.labels, metadata.annotations, or one of them by key: metadata.labels['key'] (the node, IPs and service account are for environment variables only)"));
  }
  if (resource !== undefined && (typeof resource?.resource !== 'string' || !RESOURCE_FIELDS.test(resource.resource))) {
    (findings ??= []).push(error(`${at}.resourceFieldRef.resource`, `${show(resource?.resource)} is not a container resource a volume file can read`,
      'use limits.cpu, limits.memory, limits.ephemeral-storage, limits.hugepages-<size> or the same under requests'));
  }
  return findings;
}

function isVolumeFieldPath(path: unknown): boolean {
  if (typeof path !== 'string') {
    return false;
  }
  if (VOLUME_FIELD_PATHS.includes(path)) {
    return true;
  }
  const key = SUBSCRIPTED_FIELD.exec(path)?.[2];
  // annotation keys are checked in lower case
  return key !== undefined && isQualifiedName(path.startsWith('metadata.labels') ? key : key.toLowerCase());
}

/** A persistentVolumeClaim volume names its claim. */
export function claimNamePresent(pod: RenderedPod): Finding[] {
  const volumes: any[] = pod.spec.volumes ?? [];
  let findings: Finding[] | undefined;
  for (let v = 0; v < volumes.length; v++) {
    const claim = volumes[v].persistentVolumeClaim;
    if (claim !== undefined && claim !== null && (typeof claim.claimName !== 'string' || claim.claimName === '')) {
      (findings ??= []).push(error(`${volumePath(pod, v)}.persistentVolumeClaim.claimName`, `${show(claim.claimName ?? '')} is empty: the volume names no PersistentVolumeClaim`,
        'name the claim, e.g. claimName: "model-cache" (PodVolume.persistentVolumeClaim does this)'));
    }
  }
  return findings ?? NO_FINDINGS;
}

/**
 * A volume mounted under /root in a container that does not run as root: Debian and Ubuntu
 * images (most serving images: vLLM, TGI, Ollama) keep /root at mode 0700, so user 1000 cannot
 * pass through it to the mount, and the tool that should read or fill the cache there fails
 * with "permission denied" (or downloads the model again elsewhere).
 */
export function mountsUnderRootHome(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    const user = runsAs(c.container.securityContext, pod.spec.securityContext);
    if (user === undefined || user === 0) {
      continue;
    }
    const mounts: any[] = c.container.volumeMounts ?? [];
    for (let i = 0; i < mounts.length; i++) {
      const path: unknown = mounts[i]?.mountPath;
      if (typeof path === 'string' && /^\/root\/+[^/]/.test(path)) {
        (findings ??= []).push(warning(`${mountPath(c, i)}.mountPath`,
          `${show(path)} is under /root, and the container runs as ${user === 'non-root' ? 'a non-root user' : `user ${user}`}: `
          + 'Debian and Ubuntu images keep /root at mode 0700, so the process cannot reach the mount (permission denied)',
          'mount it outside /root (e.g. "/data/huggingface") and point the tool there (HF_HOME, OLLAMA_MODELS, ...), or run the container as root '
          + '(security: { runAsNonRoot: false, runAsUser: 0 }, with the level that allows it)', c.container.name));
      }
    }
  }
  return findings ?? NO_FINDINGS;
}

/** A Hugging Face Hub repository id as the engines take it for a model: `owner/name`. */
const HUB_REPO = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
/** Flags that name the model to serve (vLLM, SGLang, TGI's launcher). */
const MODEL_FLAGS = new Set(['--model', '--model-id', '--model_id', '--model-path', '--model_path']);
/** Env variables the engines read the model from (TGI's launcher reads MODEL_ID). */
const MODEL_ENV = ['MODEL_ID', 'HF_MODEL_ID'];
const OFFLINE = new Set(['1', 'true', 'TRUE', 'True', 'on', 'ON', 'yes', 'YES']);

/**
 * A container that names a model by its Hub id (`--model Qwen/Qwen3-8B`, `vllm serve org/name`,
 * TGI's `MODEL_ID`) downloads it into the Hugging Face cache: `HF_HUB_CACHE`, else
 * `HF_HOME/hub`, else `$HOME/.cache/huggingface/hub` (HOME unset: `/` for a user the image does
 * not know; TGI's and TEI's images: `/data`). The innermost mount there decides: a read-only one
 * (the mount's flag, a claim or CSI volume marked readOnly, a ConfigMap, Secret or image volume)
 * fails any user; with no mount there, the read-only root filesystem fails a non-root user — the
 * library's restricted defaults (user 1000, read-only root) broke such pods silently. The server
 * then stops at start with "Read-only file system". A warning: the image may set its own HOME,
 * which synth cannot see.
 */
export function hubCacheWritable(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    const sc = c.container.securityContext;
    const user = runsAs(sc, pod.spec.securityContext);
    const model = c.container.envFrom?.length ? undefined : hubModelOf(c);
    const cache = model && hubCacheOf(c);
    if (!model || !cache) {
      continue;
    }
    const mounts: any[] = Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [];
    const holder = innermostMount(mounts, cache.dir);
    // a read-only volume fails any user; the root filesystem, one the library made read-only for a non-root user
    const fails = holder >= 0 ? mountReadOnly(pod, mounts[holder]) : sc?.readOnlyRootFilesystem === true && user !== undefined && user !== 0;
    if (!fails) {
      continue;
    }
    const where = holder >= 0 ? `on volume ${show(mounts[holder].name)}, which is read-only (${readOnlyBy(pod, mounts[holder])})`
      : `on the read-only root filesystem of a container that runs as ${user === 'non-root' ? 'a non-root user' : `user ${user}`}`;
    (findings ??= []).push(warning(model.field,
      `${show(model.id)} is a Hugging Face Hub model, which the server downloads into ${cache.dir} (${cache.why}), ${where}: it fails at start (Read-only file system)`,
      'set HF_HOME to a writable volume (server.volumeMounts with PodVolume.emptyDir or a claim, and env HF_HOME on it), '
      + 'or fetch the model with a ModelPrepInit and serve it from MODEL_PATH, or set HF_HUB_OFFLINE=1 when the model is already on a volume', c.container.name));
  }
  return findings ?? NO_FINDINGS;
}

/** The Hub model a container names, and where: a model flag's value, `serve <id>`, or a model env variable. */
function hubModelOf(c: ContainerEntry): { id: string; field: string } | undefined {
  for (const key of ['command', 'args'] as const) {
    const words: unknown[] = Array.isArray(c.container[key]) ? c.container[key] : [];
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      if (typeof word !== 'string') {
        continue;
      }
      const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
      const value = MODEL_FLAGS.has(flag) ? inline ?? words[i + 1] : word === 'serve' ? words[i + 1] : undefined;
      if (typeof value === 'string' && HUB_REPO.test(value)) {
        return { id: value, field: `${c.path}.${key}[${inline === undefined ? i + 1 : i}]` };
      }
    }
  }
  const env: any[] = Array.isArray(c.container.env) ? c.container.env : [];
  const at = env.findIndex(e => MODEL_ENV.includes(e?.name) && typeof e.value === 'string' && HUB_REPO.test(e.value));
  return at < 0 ? undefined : { id: env[at].value, field: `${c.path}.env[${at}].value` };
}

/** Where the Hugging Face libraries put the Hub cache, from the container's env; undefined when synth cannot tell. */
function hubCacheOf(c: ContainerEntry): { dir: string; why: string } | undefined {
  const vars = new Map<string, unknown>();
  for (const e of Array.isArray(c.container.env) ? c.container.env : []) {
    // a value from a Secret, a field or another variable is not known at synth
    vars.set(e?.name, typeof e?.value === 'string' && !e.value.includes('$(') ? e.value : undefined);
  }
  const known = (name: string) => vars.has(name) && vars.get(name) === undefined;
  if (['HF_HUB_OFFLINE', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_HOME', 'XDG_CACHE_HOME', 'HOME'].some(known)) {
    return undefined;
  }
  if (OFFLINE.has(vars.get('HF_HUB_OFFLINE') as string)) {
    return undefined;
  }
  for (const name of ['HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE']) {
    if (vars.has(name)) {
      return { dir: vars.get(name) as string, why: name };
    }
  }
  if (vars.has('HF_HOME')) {
    return { dir: `${trimmed(vars.get('HF_HOME') as string)}/hub`, why: 'HF_HOME/hub' };
  }
  if (vars.has('XDG_CACHE_HOME')) {
    return { dir: `${trimmed(vars.get('XDG_CACHE_HOME') as string)}/huggingface/hub`, why: 'XDG_CACHE_HOME/huggingface/hub' };
  }
  if (typeof c.container.image === 'string' && /text-(generation|embeddings)-inference/.test(c.container.image)) {
    return { dir: '/data', why: 'the cache the TGI and TEI images set' };
  }
  return vars.has('HOME')
    ? { dir: `${trimmed(vars.get('HOME') as string)}/.cache/huggingface/hub`, why: 'HOME/.cache/huggingface/hub' }
    : { dir: '/.cache/huggingface/hub', why: 'HOME is not set: "/" for a user the image does not know' };
}

function trimmed(path: string): string {
  return path.replace(/\/+$/, '');
}

/** Whether a mount not marked read-only holds `dir`. */
/** The mount that holds `dir` (the innermost if several do: it hides the others there); -1 without one. */
function innermostMount(mounts: any[], dir: string): number {
  let best = -1;
  for (let i = 0; i < mounts.length; i++) {
    const path = mounts[i]?.mountPath;
    if (typeof path !== 'string' || !(dir === trimmed(path) || dir.startsWith(`${trimmed(path)}/`) || trimmed(path) === '')) {
      continue;
    }
    if (best < 0 || trimmed(path).length > trimmed(mounts[best].mountPath).length) {
      best = i;
    }
  }
  return best;
}

/** Volumes the kubelet always mounts read-only: their files come from the API or an image. */
const READ_ONLY_SOURCES = [...FILE_SOURCES, 'image'];

/** Why a mount cannot be written, or undefined when it can: the mount's own flag, or its volume's. */
function readOnlyBy(pod: RenderedPod, mount: any): string | undefined {
  if (mount?.readOnly === true) {
    return 'the mount is readOnly';
  }
  const volumes: any[] = Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [];
  const volume = volumes.find(v => v?.name === mount?.name);
  if (!volume) {
    return undefined;
  }
  const source = READ_ONLY_SOURCES.find(key => volume[key] !== undefined);
  if (source) {
    return `a ${source} volume`;
  }
  const flagged = Object.keys(volume).find(key => key !== 'name' && volume[key]?.readOnly === true);
  return flagged ? `its ${flagged} source says readOnly` : undefined;
}

function mountReadOnly(pod: RenderedPod, mount: any): boolean {
  return readOnlyBy(pod, mount) !== undefined;
}

/**
 * A pod that leaves volume ownership alone (`security.keepVolumeOwnership`: no fsGroup) with a
 * non-root container that must write a claim: a model download (ModelPrepInit, an init step
 * that writes the model volume) or the Hugging Face Hub cache of a model the container names.
 * The kubelet does not give the claim to the pod's group, so the container writes it only
 * where the claim's owner lets it (a new claim's root is root's, mode 0755, on most
 * provisioners): "Permission denied" at start. An emptyDir is anyone's (mode 0777): no warning;
 * nor for a hostPath, NFS or CSI volume, which an fsGroup would not change either. A warning:
 * a claim prepared for the container's user is fine.
 */
export function volumeOwnershipKept(pod: RenderedPod): Finding[] {
  const declaredBy = pod.facts.volumeOwnershipKept;
  // an fsGroup put back on the pod (a JSON patch) gives the claims to that group again: nothing to warn
  if (declaredBy === undefined || pod.spec.securityContext?.fsGroup !== undefined) {
    return NO_FINDINGS;
  }
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    const user = runsAs(c.container.securityContext, pod.spec.securityContext);
    const mounts: any[] = Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [];
    if (user === undefined || user === 0 || !mounts.length) {
      continue;
    }
    const written = new Map<number, string>();
    for (const fact of pod.facts.modelVolumes) {
      const i = fact.writers.includes(c.container.name) ? mounts.findIndex(m => m?.name === fact.volume && m.readOnly !== true) : -1;
      if (i >= 0) {
        written.set(i, 'the model download writes');
      }
    }
    const model = hubModelOf(c);
    const cache = model && hubCacheOf(c);
    const i = cache ? innermostMount(mounts, cache.dir) : -1;
    // a read-only holder fails whoever owns it: hubCacheWritable says so, in those words
    if (i >= 0 && !written.has(i) && !mountReadOnly(pod, mounts[i])) {
      written.set(i, `the Hugging Face Hub cache of ${show(model!.id)} (${cache!.dir}) is`);
    }
    for (const [at, what] of written) {
      const claim = claimOf(pod, mounts[at].name);
      if (claim === undefined) {
        continue;
      }
      const who = user === 'non-root' ? 'a non-root user' : `user ${user}`;
      (findings ??= []).push(warning(`${mountPath(c, at)}.name`,
        `volume ${show(mounts[at].name)} (${claim}) is where ${what} in a container that runs as ${who}, and ${declaredBy} leaves the volume's owner `
        + 'as it is (security.keepVolumeOwnership: no fsGroup): unless the claim\'s files are that user\'s or writable for it, the write fails '
        + '(Permission denied; a new claim\'s root is root\'s, mode 0755)',
        `give the claim to ${who} first (its owner chowns it, or an InitContainer that runs as root with security.level BASELINE), run the container `
        + 'as the claim\'s owner (security.runAsUser), or leave security.keepVolumeOwnership out (the kubelet then gives the claim to the pod\'s fsGroup)',
        c.container.name));
    }
  }
  return findings ?? NO_FINDINGS;
}

/** What claim backs the pod's volume `name` (whose files keep their owner without an fsGroup); undefined for any other volume. */
function claimOf(pod: RenderedPod, name: unknown): string | undefined {
  const volumes: any[] = Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [];
  const v = volumes.find(x => x?.name === name);
  if (v?.persistentVolumeClaim) {
    return `the PersistentVolumeClaim ${show(v.persistentVolumeClaim.claimName)}`;
  }
  if (v?.ephemeral) {
    return 'a generic ephemeral volume';
  }
  return v === undefined && claimTemplateVolumes(pod).some(t => t.name === name) ? 'a claim template of the StatefulSet' : undefined;
}

/**
 * A claim the library writes (a ModelCache's new claim) that several pods mount at once, with an
 * access mode that lets only one node (ReadWriteOnce) or one pod (ReadWriteOncePod) use it: the
 * other pods wait in ContainerCreating ("Multi-Attach error") or Pending. Several pods of the
 * workload (replicas, a Job's parallelism, a CronJob whose runs overlap under concurrencyPolicy
 * Allow), or pods of other workloads of the app that write the claim too. A Deployment's rolling
 * update with a surge pod is such a moment even at one replica: the new pod lands on another node
 * (GPU nodes rarely have room for both), waits for the claim, and `maxUnavailable: 0` keeps the
 * old pod — the rollout stalls. A warning: pods that all land on the claim's node share a
 * ReadWriteOnce claim.
 */
export function sharedClaimAttach(pod: RenderedPod): Finding[] {
  const claims = pod.facts.claims;
  if (!claims?.length) {
    return NO_FINDINGS;
  }
  // pods pinned to one node share a ReadWriteOnce claim there: only ReadWriteOncePod is one pod's
  const pinned = pinnedNode(pod.spec) !== undefined;
  const together = podsAtOnce(pod);
  const volumes: any[] = Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [];
  let findings: Finding[] | undefined;
  for (const claim of claims) {
    const once = claim.accessModes.includes('ReadWriteMany') || claim.accessModes.includes('ReadOnlyMany') ? undefined
      : claim.accessModes.includes('ReadWriteOnce') ? 'node' : claim.accessModes.includes('ReadWriteOncePod') ? 'pod' : undefined;
    const at = volumes.findIndex(v => v?.persistentVolumeClaim?.claimName === claim.claimName);
    const others = claim.alsoWrittenBy?.length ? claim.alsoWrittenBy : undefined;
    const many = once === 'node' && pinned ? undefined : together;
    if (!once || at < 0 || (!many && !others)) {
      continue;
    }
    const why = [
      ...(many ? [many.why] : []),
      ...(others ? [`${others.join(', ')} ${others.length > 1 ? 'mount' : 'mounts'} it too (another workload of the app, in the same namespace)`] : []),
    ].join(', and ');
    const what = once === 'node'
      ? `is ReadWriteOnce: one node at a time attaches it, and ${why}, so a pod on another node waits in ContainerCreating ("Multi-Attach error")`
      : `is ReadWriteOncePod: one pod at a time uses it, and ${why}, so the other pods wait in Pending`;
    (findings ??= []).push(warning(`${pod.specPath}.volumes[${at}].persistentVolumeClaim.claimName`,
      `the claim ${show(claim.claimName)} of ${claim.declaredBy} ${what}${many?.surge ? '; a rollout whose new pod waits for it stalls, as maxUnavailable keeps the old pod' : ''}`,
      `give the cache accessMode: CacheAccessMode.READ_WRITE_MANY (a storage class that offers it: NFS, EFS, Filestore, CephFS, Azure Files)${many?.fix ?? ''}`
      + `${others ? ', or each workload a claim of its own (the cache\'s claimName)' : ''}`));
  }
  return findings ?? NO_FINDINGS;
}

/**
 * A generic ephemeral volume whose claim (`<pod>-<volume>`) has the name of another claim of the
 * app in the pod's namespace: the ephemeral volume controller does not adopt a claim the pod does
 * not own, and the scheduler refuses the pod ("PVC ... was not created for pod ... (pod is not
 * owner)"), which stays Pending. An error, as the other name clashes are.
 */
export function ephemeralClaimNames(pod: RenderedPod): Finding[] {
  const clashes = pod.facts.ephemeralClaimClashes;
  if (!clashes?.length) {
    return NO_FINDINGS;
  }
  return clashes.map(c => error(`${pod.specPath}.volumes[${c.index}].name`,
    `the generic ephemeral volume ${show(c.volume)} gets the claim ${show(c.claim)} (<pod>-<volume>), which is also the name of ${c.others.join(', ')} `
    + 'in the same namespace: Kubernetes does not adopt a claim the pod does not own, so the pod stays Pending ("PVC ... was not created for pod")',
    'give the volume (PodVolume.ephemeral\'s name), the pod (metadata.name) or the other claim another name'));
}

/**
 * The one node a pod spec pins its pods to: `nodeName`, or a `kubernetes.io/hostname` that the
 * nodeSelector, or every required node affinity term, names alone; undefined when its pods may
 * land on several nodes. Keyed by how it pins, as a node's name and its hostname label may differ.
 *
 * @internal
 */
export function pinnedNode(spec: any): string | undefined {
  if (typeof spec?.nodeName === 'string' && spec.nodeName !== '') {
    return `nodeName=${spec.nodeName}`;
  }
  const selected: unknown = spec?.nodeSelector?.[HOSTNAME_LABEL];
  if (typeof selected === 'string') {
    return `hostname=${selected}`;
  }
  const terms: unknown = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  // the terms are ORed: every one of them must name the same single host
  const hosts = Array.isArray(terms) ? new Set(terms.map(termHost)) : undefined;
  const [host] = hosts?.size === 1 ? [...hosts] : [];
  return typeof host === 'string' ? `hostname=${host}` : undefined;
}

const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** The one hostname a required node affinity term allows (`kubernetes.io/hostname In [host]`), if any. */
function termHost(term: any): string | undefined {
  const expressions: any[] = Array.isArray(term?.matchExpressions) ? term.matchExpressions : [];
  const host = expressions.find(e => e?.key === HOSTNAME_LABEL && e?.operator === 'In' && Array.isArray(e.values) && e.values.length === 1);
  return typeof host?.values[0] === 'string' ? host.values[0] : undefined;
}

/** Whether the workload runs several pods at once, why, and how else to avoid it; undefined for one pod. */
function podsAtOnce(pod: RenderedPod): { why: string; surge: boolean; fix: string } | undefined {
  const spec = pod.json?.spec ?? {};
  const count = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
  switch (pod.kind) {
    case 'Deployment': {
      const replicas = count(spec.replicas, 1);
      const rolling = spec.strategy?.type !== 'Recreate';
      const surge = rolling && !['0', '0%'].includes(String(spec.strategy?.rollingUpdate?.maxSurge ?? '25%'));
      const fix = ', or one replica with rollout: DeploymentRollout.recreate() (the old pod stops, then the new one attaches the claim)';
      return replicas > 1 ? { why: `the Deployment runs ${replicas} replicas`, surge, fix }
        : surge && replicas === 1 ? { why: 'its rolling update starts the new pod (maxSurge) while the old one still runs', surge, fix } : undefined;
    }
    case 'StatefulSet': {
      const replicas = count(spec.replicas, 1);
      return replicas > 1 ? { why: `the StatefulSet runs ${replicas} replicas`, surge: false, fix: ', or a claim per replica with PodVolume.claimTemplate' } : undefined;
    }
    case 'Job':
      return jobPodsAtOnce(pod.kind, spec);
    case 'CronJob':
      return cronJobPodsAtOnce(spec);
    case 'DaemonSet':
      return { why: 'the DaemonSet runs a pod on every node', surge: false, fix: '' };
    default:
      return undefined;
  }
}

/**
 * The pods a CronJob runs at once: its Job's (`jobTemplate.spec.parallelism`), and, under
 * `concurrencyPolicy: Allow` (Kubernetes' default when unset; cdk8s-plus writes Forbid), a run
 * that outlasts its schedule runs beside the next one. Forbid skips that next run, Replace stops
 * the old one first, and an `activeDeadlineSeconds` that ends each run well before the next
 * (`runsEndApart`) keeps them apart too. A suspended CronJob (`suspend: true`) starts no Job at
 * all: none.
 */
function cronJobPodsAtOnce(spec: any): { why: string; surge: boolean; fix: string } | undefined {
  if (spec.suspend === true) {
    return undefined;
  }
  const perRun = jobPodsAtOnce('CronJob', spec.jobTemplate?.spec ?? {});
  if ((spec.concurrencyPolicy ?? 'Allow') !== 'Allow' || runsEndApart(spec)) {
    return perRun;
  }
  const overlap = `${spec.concurrencyPolicy === undefined ? 'its concurrencyPolicy is unset, Allow to Kubernetes' : 'its concurrencyPolicy is Allow'}, `
    + 'so a run that outlasts its schedule runs beside the next one';
  return {
    why: perRun ? `${perRun.why}, and ${overlap}` : `the CronJob's ${overlap.replace(/^its /, '')}`,
    surge: false,
    fix: `${perRun?.fix ?? ''}, or concurrencyPolicy: ConcurrencyPolicy.FORBID (the next run waits) or REPLACE, or an activeDeadline `
      + '(the Job\'s activeDeadlineSeconds) that ends each run before the next starts (a schedule with a fixed minute; the deadline, '
      + 'startingDeadlineSeconds, the grace period and 10 minutes to detach the volume within the time between runs, less an hour)',
  };
}

const HOUR = 3600;
const DAY = 24 * HOUR;
/** What a stopped run's volume may take to detach before the next run's pod can attach it. */
const DETACH_MARGIN = 600;
/** Schedule macros, by the shortest time between two runs. */
const CRON_MACROS: ReadonlyMap<string, number> = new Map([
  ['@yearly', DAY], ['@annually', DAY], ['@monthly', DAY], ['@weekly', DAY], ['@daily', DAY], ['@midnight', DAY], ['@hourly', HOUR],
]);

/**
 * Whether a CronJob's runs cannot overlap though its policy allows it: its Job's
 * `activeDeadlineSeconds` stops every run (plus a late start, `startingDeadlineSeconds`, the
 * pods' grace period and some minutes for the volume to detach) before the next can start.
 */
function runsEndApart(spec: any): boolean {
  const job = spec.jobTemplate?.spec;
  const seconds = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback);
  const deadline = seconds(job?.activeDeadlineSeconds, Infinity);
  const grace = seconds(job?.template?.spec?.terminationGracePeriodSeconds, 30);
  const longest = seconds(spec.startingDeadlineSeconds, 0) + deadline + grace + DETACH_MARGIN;
  return longest <= shortestGap(spec.schedule);
}

/**
 * The shortest time between two runs of a cron schedule, as far as a glance can tell: a fixed
 * minute runs at most hourly, a fixed minute and hour at most daily (day and month fields only
 * leave runs out). An hour off for a daylight-saving shift (the controller's own time zone may
 * have one); 0 when it cannot tell.
 */
function shortestGap(schedule: unknown): number {
  if (typeof schedule !== 'string') {
    return 0;
  }
  const text = schedule.trim().replace(/^(?:CRON_)?TZ=\S+\s+/, '');
  const fields = text.split(/\s+/);
  const fixed = (field: string | undefined) => /^\d+$/.test(field ?? '');
  const gap = CRON_MACROS.get(text) ?? (fields.length === 5 && fixed(fields[0]) ? (fixed(fields[1]) ? DAY : HOUR) : 0);
  return Math.max(0, gap - HOUR);
}

/**
 * The pods a Job (or each Job of a CronJob) runs at once: `parallelism`, but never more than its
 * `completions`, as the Job controller starts no pod beyond the completions still needed.
 */
function jobPodsAtOnce(kind: string, spec: any): { why: string; surge: boolean; fix: string } | undefined {
  const parallelism = typeof spec.parallelism === 'number' && Number.isFinite(spec.parallelism) ? spec.parallelism : 1;
  const completions = typeof spec.completions === 'number' && Number.isFinite(spec.completions) ? spec.completions : Infinity;
  const together = Math.min(parallelism, completions);
  const field = kind === 'CronJob' ? 'jobTemplate.spec.parallelism' : 'parallelism';
  return together > 1 ? { why: `the ${kind === 'CronJob' ? 'CronJob\'s Job' : 'Job'} runs ${together} pods in parallel`, surge: false, fix: `, or ${field}: 1` } : undefined;
}
