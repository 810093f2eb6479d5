import { shell } from './_shell';
import { cached } from '../_memo';

/**
 * The POSIX `sh` script that the model-prep init container runs.
 *
 * It is the same text for every pod; everything that varies comes from environment variables
 * (`MODEL_*` and the downloader's own), so a reviewer reads one script and the YAML diff of a
 * model change is one env line. Only the `fetch` function differs between downloaders.
 *
 * What it guarantees:
 * - a completion marker (`.<target>.ready`) recording source and sha256; a later start with a
 *   matching marker skips the download (the PVC cache hit);
 * - downloads go to `.<target>.partial` on the same volume and are renamed into place, so an
 *   interrupted transfer never leaves a half-written model at the final path;
 * - an optional sha256 is verified before the rename;
 * - pods sharing one ReadWriteMany cache serialize on a lock directory (`mkdir` is atomic, on
 *   NFS/EFS too) with a heartbeat, so the model is fetched once and a crashed holder's lock
 *   expires;
 * - transient failures are retried with exponential backoff; permanent ones (404, denied,
 *   missing credentials, checksum mismatch, disk full) fail at once with one line on stderr.
 */

const PRELUDE = String.raw`set -u
export LC_ALL=C
log() { printf 'model-prep: %s\n' "$*"; }
fail() { printf 'model-prep: FAILED: %s\n' "$*" >&2; exit 1; }

dir="$MODEL_DIR"
dest="$dir/$MODEL_TARGET"
marker="$dir/.$MODEL_TARGET.ready"
lock="$dir/.$MODEL_TARGET.lock"
work="$dir/.$MODEL_TARGET.partial"
attempts="\${MODEL_ATTEMPTS:-5}"
stale_after="\${MODEL_LOCK_STALE_SECONDS:-120}"
holding=""
beat_pid=""
mkdir -p "$dir" "\${HOME:-/tmp}" || fail "cannot write the model volume at $dir"

cache_hit() {
  [ -e "$dest" ] && [ -f "$marker" ] || return 1
  grep -qxF "source=$MODEL_SOURCE" "$marker" || return 1
  [ -z "\${MODEL_SHA256:-}" ] || grep -qxF "sha256=$MODEL_SHA256" "$marker"
}

release() {
  [ -n "$beat_pid" ] && kill "$beat_pid" 2>/dev/null
  [ -n "$holding" ] && rm -rf "$lock"
  holding=""
}
trap release EXIT
trap 'exit 143' TERM INT HUP

acquire_lock() {
  missing_since=""
  announced=""
  while ! mkdir "$lock" 2>/dev/null; do
    if cache_hit; then
      log "cache hit: another pod finished $dest while this one waited"
      exit 0
    fi
    owner=$(cat "$lock/owner" 2>/dev/null)
    if [ -n "\${HOSTNAME:-}" ] && [ "\${owner%% *}" = "$HOSTNAME" ]; then
      # Our own pod's earlier run (this init container restarted): its process is gone.
      log "breaking the lock of this pod's previous run ($owner)"
      rm -rf "$lock"
      continue
    fi
    now=$(date +%s)
    beat=$(cat "$lock/heartbeat" 2>/dev/null)
    case "$beat" in
      ''|*[!0-9]*) beat="\${missing_since:-$now}"; missing_since="$beat" ;;
    esac
    if [ $((now - beat)) -gt "$stale_after" ]; then
      log "breaking a stale lock (no heartbeat for $((now - beat))s): $(cat "$lock/owner" 2>/dev/null)"
      mv "$lock" "$lock.stale.$$" 2>/dev/null && rm -rf "$lock.stale.$$"
      missing_since=""
      continue
    fi
    if [ -z "$announced" ]; then
      log "waiting: $(cat "$lock/owner" 2>/dev/null || echo 'another pod') is downloading $MODEL_TARGET"
      announced=1
    fi
    sleep 2
  done
  holding=1
  printf '%s pid %s\n' "\${HOSTNAME:-unknown}" "$$" > "$lock/owner"
  date +%s > "$lock/heartbeat"
  parent=$$
  ( while kill -0 "$parent" 2>/dev/null; do date +%s > "$lock/heartbeat" 2>/dev/null || exit 0; sleep 5; done ) >/dev/null 2>&1 &
  beat_pid=$!
}

classify() {
  if grep -qiE 'no space left|ENOSPC|quota exceeded' "$1"; then echo 'disk full'
  elif grep -qiE 'Unable to locate credentials|NoCredentials|could not find default credentials|You do not currently have an active account' "$1"; then echo 'missing credentials'
  elif grep -qiE 'AccessDenied|Access Denied|InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden|Unauthorized|error: 40[13]|\(40[13]\)|HTTP 40[13]' "$1"; then echo 'access denied (401/403)'
  elif grep -qiE 'NoSuchKey|NoSuchBucket|Not Found|error: 404|\(404\)|HTTP 404|does not exist|matched no objects|RepositoryNotFound|EntryNotFound' "$1"; then echo 'not found (404)'
  else echo 'transient'
  fi
}

# sha256 of a file, or of a directory as the sha256 of its "sha256  relative/path" lines in C order.
list_files() {
  for f in "$1"/* "$1"/.[!.]*; do
    [ -e "$f" ] || continue
    if [ -d "$f" ]; then list_files "$f"; else printf '%s\n' "$f"; fi
  done
}
digest() {
  if [ -d "$1" ]; then
    list_files "$1" | while IFS= read -r f; do
      printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "\${f#"$1"/}"
    done | sha256sum | cut -d' ' -f1
  else
    sha256sum "$1" | cut -d' ' -f1
  fi
}
`;

const MAIN = String.raw`
if cache_hit; then
  log "cache hit: $dest ($(grep '^sha256=' "$marker")) from $MODEL_SOURCE; nothing to download"
  exit 0
fi
acquire_lock
if cache_hit; then
  log "cache hit: $dest was completed by another pod"
  exit 0
fi
# A partial download of the same source is resumed (curl continues files); anything else
# left over from an interrupted run is removed. Only the lock holder touches it.
if [ "$(cat "$work/source" 2>/dev/null)" != "$MODEL_SOURCE" ]; then
  rm -rf "$work"
fi
mkdir -p "$work" && printf '%s\n' "$MODEL_SOURCE" > "$work/source" || fail "cannot write the model volume at $dir"
log "downloading $MODEL_SOURCE to $dest"
started=$(date +%s)
attempt=1
delay="\${MODEL_RETRY_DELAY_SECONDS:-2}"
while :; do
  fetch "$work/payload" 2>"$work/stderr"
  rc=$?
  [ "$rc" -eq 0 ] && break
  cat "$work/stderr" >&2
  reason=$(classify "$work/stderr")
  detail=$(grep -v '^[[:space:]]*$' "$work/stderr" | tail -n 1)
  # A permanent failure leaves nothing behind; a transient one keeps the partial download
  # for the kubelet's restart of this container to resume.
  [ "$reason" = transient ] || { rm -rf "$work"; fail "$reason: $MODEL_SOURCE: $detail"; }
  [ "$attempt" -lt "$attempts" ] || fail "gave up after $attempt attempts: $MODEL_SOURCE: \${detail:-exit code $rc}"
  log "attempt $attempt/$attempts failed (exit code $rc: $detail); retrying in \${delay}s"
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2))
  [ "$delay" -le 60 ] || delay=60
done
[ -e "$work/payload" ] || fail "the download of $MODEL_SOURCE produced nothing"
sum=$(digest "$work/payload") || fail "cannot read the downloaded model (disk full?)"
if [ -n "\${MODEL_SHA256:-}" ] && [ "$sum" != "$MODEL_SHA256" ]; then
  rm -rf "$work"
  fail "checksum mismatch: $MODEL_SOURCE has sha256 $sum, expected $MODEL_SHA256"
fi
rm -f "$marker"
if [ -e "$dest" ]; then mv "$dest" "$work/previous" || fail "cannot replace $dest"; fi
mv "$work/payload" "$dest" || fail "cannot move the model into place at $dest (disk full?)"
printf 'source=%s\nsha256=%s\ncompleted=%s\n' "$MODEL_SOURCE" "$sum" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$marker.tmp" \
  && mv "$marker.tmp" "$marker" || fail "cannot write the completion marker (disk full?)"
rm -rf "$work"
log "done: $dest sha256=$sum in $(( $(date +%s) - started ))s after $attempt attempt(s)"
`;

/**
 * The complete script for one downloader: prelude, the downloader's `fetch` function (which
 * writes the model to the path in `$1`, a file or a directory), then the main flow.
 */
export function modelPrepScript(fetchFunction: string): string {
  return cached(SCRIPTS, fetchFunction, () => shell(`${PRELUDE}\n${fetchFunction.trim()}\n${MAIN}`));
}

/** One script text per downloader, shared by every pod (thousands of pods, one string). */
const SCRIPTS = new Map<string, string>();

/** `fetch` for the AWS CLI (S3 and S3-compatible stores). */
export const S3_FETCH = String.raw`
fetch() {
  mkdir -p "$HOME/.aws"
  printf '[default]\ns3 =\n  max_concurrent_requests = %s\n  multipart_chunksize = %s\n  multipart_threshold = %s\n' \
    "\${S3_MAX_CONCURRENT_REQUESTS:-16}" "\${S3_MULTIPART_CHUNKSIZE:-64MB}" "\${S3_MULTIPART_CHUNKSIZE:-64MB}" > "$HOME/.aws/config"
  export AWS_CONFIG_FILE="$HOME/.aws/config"
  if [ "\${MODEL_KIND:-file}" = directory ]; then
    aws \${S3_ENDPOINT_URL:+--endpoint-url "$S3_ENDPOINT_URL"} s3 cp --recursive --only-show-errors --no-progress "\${MODEL_SOURCE%/}/" "$1" || return $?
    [ -n "$(ls -A "$1" 2>/dev/null)" ] || { echo "$MODEL_SOURCE matched no objects (404)" >&2; return 1; }
  else
    aws \${S3_ENDPOINT_URL:+--endpoint-url "$S3_ENDPOINT_URL"} s3 cp --only-show-errors --no-progress "$MODEL_SOURCE" "$1"
  fi
}`;

/** `fetch` for Google Cloud Storage with the gcloud CLI. */
export const GCS_FETCH = String.raw`
fetch() {
  export CLOUDSDK_CONFIG="$HOME/.gcloud"
  if [ "\${MODEL_KIND:-file}" = directory ]; then
    mkdir -p "$1" && gcloud storage cp --recursive "\${MODEL_SOURCE%/}/*" "$1/"
  else
    gcloud storage cp "$MODEL_SOURCE" "$1"
  fi
}`;

/**
 * `fetch` for files over HTTP(S) with curl: one URL, or a list of files under a base URL
 * (Hugging Face's `resolve` endpoint is one). Partial files resume on retry.
 */
export const HTTP_FETCH = String.raw`
http_get() {
  curl --fail --silent --show-error --location --connect-timeout 20 --speed-limit 1024 --speed-time 60 \
    \${MODEL_HTTP_TOKEN:+-H "Authorization: Bearer $MODEL_HTTP_TOKEN"} "$@"
}
get_file() {
  http_get --continue-at - --output "$2" "$1"
  rc=$?
  # 33: the server cannot resume; 416: nothing left to resume. Start the file over next time.
  case "$rc" in 33|36) rm -f "$2" ;; esac
  if [ "$rc" -eq 22 ] && grep -q 416 "$work/stderr" 2>/dev/null; then return 0; fi
  return "$rc"
}
fetch() {
  if [ -z "\${MODEL_FILES:-}" ] && [ -n "\${MODEL_LIST_URL:-}" ]; then
    http_get --output "$work/listing.json" "$MODEL_LIST_URL" || return $?
    MODEL_FILES=$(grep -o '"rfilename": *"[^"]*"' "$work/listing.json" | sed 's/^"rfilename": *"//; s/"$//')
    [ -n "$MODEL_FILES" ] || { echo "$MODEL_LIST_URL lists no files (404)" >&2; return 1; }
  fi
  if [ -z "\${MODEL_FILES:-}" ]; then
    get_file "$MODEL_URL" "$1"
    return $?
  fi
  mkdir -p "$1" || return $?
  for f in $MODEL_FILES; do
    case "$f" in /*|*..*) echo "refusing file name $f" >&2; return 1 ;; esac
    [ -f "$1/$f.done" ] && continue
    mkdir -p "$(dirname "$1/$f")" && get_file "\${MODEL_URL%/}/$f" "$1/$f" || return $?
    : > "$1/$f.done"
  done
  for f in $MODEL_FILES; do rm -f "$1/$f.done"; done
}`;

/**
 * `fetch` for a model packaged as an OCI image (the "modelcar" layout: weights in a directory
 * of the image, `/models` by default), run by the model image itself as the init container:
 * a local copy into the cache, with the same partial directory, marker and rename as a download.
 */
export const OCI_COPY_FETCH = String.raw`
fetch() {
  [ -d "$MODEL_IMAGE_DIR" ] || { echo "$MODEL_IMAGE_DIR does not exist in the image $MODEL_SOURCE (404)" >&2; return 1; }
  mkdir -p "$1" && cp -R "$MODEL_IMAGE_DIR/." "$1/"
}`;
