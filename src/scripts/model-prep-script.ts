import { shell } from './_shell';
import { cached } from '../_memo';

/**
 * The POSIX `sh` script that the model-prep init container runs (tested with dash, BusyBox
 * ash and, through the images, bash).
 *
 * It is the same text for every pod; everything that varies comes from environment variables
 * (`MODEL_*` and the downloader's own), so a reviewer reads one script and the YAML diff of a
 * model change is one env line. Only the `fetch` function differs between downloaders.
 *
 * The invariant it keeps: at the final path (`$MODEL_DIR/$MODEL_TARGET`) there is nothing, or
 * the complete model the source served, and then the marker `.<target>.ready` describes
 * exactly that model (source, sha256, and size + ETag/version of every file). How:
 * - each lock holder assembles the model in its own staging directory on the same volume
 *   (`.<target>.stage.<token>`) and lands it with one `rename`; the marker is renamed into
 *   place first, while the final path is empty, so a marker never describes other bytes;
 * - the lock is a symlink whose target is the holder's token (`ln -s` is an atomic
 *   test-and-set, on NFS too). A waiter breaks a stale lock by renaming it to a unique name
 *   and re-checking what it moved, and puts it back when it moved a live one; the holder checks
 *   that the lock is still its own right before landing (fencing);
 * - every holder writes a heartbeat; a lock (or a staging directory) whose owner's heartbeat is
 *   older than `MODEL_LOCK_STALE_SECONDS` belongs to a dead process. Staging left by a dead
 *   holder, or handed over on SIGTERM as `.<target>.partial`, is resumed only while the source
 *   is unchanged (HTTP `If-Range` with the saved ETag / Last-Modified; S3 ETag from
 *   `head-object`, checked again on every GET);
 * - bytes are hashed while they arrive (a resumed file hashes its prefix first);
 * - permanent failures stop at once with one line on stderr; SIGTERM stops the transfer,
 *   hands the staging over for a resume and releases the lock.
 *
 * The kubelet expands `$(NAME)` of the container's variables and reads `$$` as `$` in a command
 * too: the script has no `$$` (the PID is `${$}`), and a one-word command substitution is
 * written `$( word)`, which no variable name (letters, digits, `_`) matches.
 */

const PRELUDE = String.raw`set -u
export LC_ALL=C
umask 022
log() { printf 'model-prep: %s\n' "$*"; }
fail() { printf 'model-prep: FAILED: %s\n' "$*" >&2; exit 1; }
tab=$(printf '\t')

dir="\${MODEL_DIR%/}"
target="$MODEL_TARGET"
dest="$dir/$target"
marker="$dir/.$target.ready"
lock="$dir/.$target.lock"
partial="$dir/.$target.partial"
stale_after="\${MODEL_LOCK_STALE_SECONDS:-120}"
beat_every="\${MODEL_LOCK_HEARTBEAT_SECONDS:-5}"
me=""
stage=""
holding=""
beat_pid=""
kids=""
hasher=""
beat_now=""
bulk=""

# --- cache hit: the marker names this source, and every file has the recorded size ---------
cache_hit() {
  [ -f "$marker" ] && [ -e "$dest" ] || return 1
  # a marker is a few lines per file: a huge one is garbage, and the shell's read would crawl through it
  [ "$(stat -c %s -- "$marker" 2>/dev/null || echo 0)" -le 33554432 ] || return 1
  hit_source="" hit_sum="" hit_count="" hit_files=0 hit_sizes=""
  set --
  while IFS= read -r line; do
    case "$line" in
      source=*) hit_source="\${line#source=}" ;;
      sha256=*) hit_sum="\${line#sha256=}" ;;
      files=*) hit_count="\${line#files=}" ;;
      file=*)
        rest="\${line#file=}"
        hit_sizes="$hit_sizes\${rest%%"$tab"*}
"
        rest="\${rest#*"$tab"}"
        rel="\${rest#*"$tab"}"
        set -- "$@" "$dest\${rel:+/$rel}"
        hit_files=$((hit_files + 1)) ;;
    esac
  done < "$marker"
  [ "$hit_source" = "$MODEL_SOURCE" ] && [ "$hit_count" = "$hit_files" ] && [ "$hit_files" -gt 0 ] || return 1
  [ -z "\${MODEL_SHA256:-}" ] || [ "$hit_sum" = "$MODEL_SHA256" ] || return 1
  if [ "\${MODEL_KIND:-file}" = directory ]; then
    [ -d "$dest" ] && [ "$(find "$dest" ! -type d | wc -l)" -eq "$hit_files" ] || return 1
  else
    [ -f "$dest" ] || return 1
  fi
  [ "$(stat -c %s -- "$@" 2>/dev/null)" = "\${hit_sizes%?}" ] || return 1
  if [ "\${MODEL_VERIFY_ON_CACHE_HIT:-false}" = true ]; then
    digest_waited "$dest"
    [ "$digest" = "$hit_sum" ] || { log "cache check: $dest does not match its recorded sha256 $hit_sum; downloading again"; return 1; }
  fi
}

# --- hashing: the fastest sha256 available (openssl uses the CPU's SHA extensions) ----------
pick_hasher() {
  [ -n "$hasher" ] || { command -v openssl > /dev/null 2>&1 && hasher=openssl; } || hasher=sha256sum
}
hash_stdin() {
  if [ "$hasher" = openssl ]; then h=$(openssl dgst -sha256 -r) || return 1; else h=$( sha256sum) || return 1; fi
  printf '%s\n' "\${h%% *}"
}
# The directory digest (README, \`npx cdk8s-ai-inference model-digest\`): sha256 of the lines
# "<sha256 of file>  <path relative to the directory>\n" of every regular file, sorted by
# path bytes. A file's digest is its sha256.
digest_of() {
  pick_hasher
  if [ -d "$1" ]; then
    (cd "$1" && find . -type f | sed 's|^\./||' | sort | while IFS= read -r f; do
      printf '%s  %s\n' "$(hash_stdin < "$f")" "$f"
    done) | hash_stdin
  else
    hash_stdin < "$1"
  fi
}
# The same into $digest, in the background of a wait: SIGTERM interrupts a wait at once, not a
# command substitution (re-hashing a large model takes minutes).
digest_waited() {
  out="\${HOME:-/tmp}/.model-prep.\${$}.digest"
  mkdir -p "\${HOME:-/tmp}" 2>/dev/null
  { true > "$out"; } 2>/dev/null || { digest=$(digest_of "$1"); return; }
  digest_of "$1" > "$out" &
  kids=$!
  wait "$kids"
  kids=""
  digest=""
  read -r digest < "$out"
  rm -f "$out"
}
# Streams a file that another process is still appending to, from its first byte, until the
# flag file exists; a resumed download thus hashes its prefix first, then the new bytes. Each
# poll reads everything whole that has arrived; an idle poll sleeps 50 ms, so a transfer costs a
# few forks per 100 MiB, not per MiB. It leaves its pid in $3: whoever creates the flag wakes
# its sleep with SIGWINCH (ignored by default: one sent early harms nothing), so the end of the
# transfer is noticed at once, not up to 50 ms later.
follow() {
  trap 'f_woke=1' WINCH
  { read -r f_pid f_rest < /proc/self/stat && printf '%s\n' "$f_pid" > "\${3:-/dev/null}"; } 2>/dev/null
  off=0
  while [ ! -e "$2" ]; do
    # the flag's directory gone (the staging taken over or removed): no flag will ever come
    [ -d "\${2%/*}" ] || return 1
    size=$(stat -c %s -- "$1" 2>/dev/null) || size=0
    n=$((size / 1048576 - off))
    if [ "$n" -gt 0 ]; then
      dd if="$1" bs=1048576 skip="$off" count="$n" 2>/dev/null || return 1
      off=$((off + n))
    else
      nap
    fi
  done
  dd if="$1" bs=1048576 skip="$off" 2>/dev/null
}
# 50 ms, cut short by a signal this shell traps (a wait returns at once then; a plain sleep
# would not)
nap() { sleep 0.05 & wait "$!"; }
# Wakes the process whose pid the file $1 holds (follow's, batch_hash's) from its nap.
wake() { [ ! -s "$1" ] || { read -r w_pid < "$1" && kill -WINCH "$w_pid"; } 2>/dev/null; }
# Runs "$@" (which writes $1's file) in the background while hashing that file into $2.sum.
# Background + wait, so that SIGTERM interrupts at once. hashed_start and hashed_end split it,
# for a caller with work to do while the tool starts.
hashed() { hashed_start "$@"; hashed_end; }
hashed_start() {
  file="$1" rec="$2"; shift 2
  rm -f "$rec.flag" "$rec.sum" "$rec.pid"
  pick_hasher
  "$@" < /dev/null 2>> "$errf" &
  tool_pid=$!
  follow "$file" "$rec.flag" "$rec.pid" 2>/dev/null | hash_stdin 2>/dev/null > "$rec.sum" &
  hash_pid=$!
  kids="$tool_pid $hash_pid"
}
hashed_end() {
  wait "$tool_pid"; rc=$?
  # a staging gone under this pod (its lock taken over, the cache recreated): the hasher's
  # follow stops on the missing directory, and the attempt fails
  { true > "$rec.flag"; } 2>/dev/null || rc=1
  wake "$rec.pid"
  wait "$hash_pid" || [ "$rc" -ne 0 ] || rc=1
  kids=""
  return "$rc"
}
# The same without hashing, for the files of a directory: each is hashed by hash_later while
# the next one downloads.
unhashed() {
  shift 2
  "$@" < /dev/null 2>> "$errf" &
  tool_pid=$!
  kids="$tool_pid $later_pid"
  wait "$tool_pid"; rc=$?
  kids="$later_pid"
  return "$rc"
}
# Hashes a finished file in the background and records it (size, source identity) once hashed;
# one file at a time, so the hasher overlaps the next transfer and never competes with itself.
later_pid=""
hash_later() {
  hash_done || return 1
  pick_hasher
  hash_stdin < "$1" > "$2.sum" 2>/dev/null &
  later_pid=$!
  l_file="$1" l_rec="$2" l_size="$3" l_id="$4"
}
hash_done() {
  [ -n "$later_pid" ] || return 0
  wait "$later_pid"; rc=$?
  later_pid=""
  [ "$rc" -eq 0 ] && record "$l_file" "$l_rec" "$l_size" "$l_id"
}
stat_sizes() { stat -c %s -- "$@"; }
# Runs "$1" with the lines of the file "$2" (each after the prefix $3, if given) as its
# arguments, in chunks of at most 64 KiB of them: one awk quotes every line (single quotes) into
# one command per chunk, and the shell evals them all, stopping at the first that fails. No
# shell loop per line: a line costs the shell a read(2) per byte, and appending an argument
# copies all before it.
batch_args() {
  b_cmd="$1"
  b_code=$(b_pre="\${3:-}" awk -v q="'" '
    function flush() { if (n) print "\"$b_cmd\"" line " || return"; line = ""; n = 0 }
    { s = ENVIRON["b_pre"] $0; r = ""; while ((i = index(s, q)) > 0) { r = r substr(s, 1, i - 1) q "\\" q q; s = substr(s, i + 1) }
      s = " " q r s q; if (length(line) + length(s) > 65536) flush(); line = line s; n++ }
    END { flush() }' "$2") || return
  eval "$b_code"
}
size_of() { stat -c %s -- "$1" 2>/dev/null || echo 0; }
# A file is done: its record holds size, source identity and sha256.
record() {
  IFS= read -r file_sum < "$2.sum" && [ -n "$file_sum" ] || return 1
  printf '%s\t%s\t%s\n' "$3" "$4" "$file_sum" > "$2.rec.tmp" && mv -f "$2.rec.tmp" "$2.rec"
}
# Where the records of a directory model's file go ("<prefix>.rec", ".hdr", ".sum"...): under
# $meta/r/, each directory of its path with ".d" added. No directory there ends as a record's
# name does, and none is one of the script's own files: a model may hold "files/x", or "a"
# beside "a.rec/x". rec_of sets $rp without a fork; rec_fn is the same for awk (rp(), with the
# global meta; a single file's prefix is meta itself).
rec_of() {
  rp="$meta/r/" r_rest="$1"
  while :; do
    case "$r_rest" in */*) rp="$rp\${r_rest%%/*}.d/"; r_rest="\${r_rest#*/}" ;; *) break ;; esac
  done
  rp="$rp$r_rest"
}
rec_fn='
  function rp(rel,   p) { if (rel == "") return meta; p = rel; gsub(/\//, ".d/", p); return meta "r/" p }'

# --- names from a listing or from \`files\`: relative, no '.' or '..' segments ---------------
check_name() {
  case "/$1/" in
    //|*//*|*/./*|*/../*) printf "invalid name: '%s' (empty, absolute, or with '.' or '..' segments)\n" "$1" >> "$errf"; return 1 ;;
  esac
}
# A listing where a name is both a file and a directory ("dir" and "dir/x": S3 keys can be)
# cannot be a tree. Both checks over the list $1 in one awk (no shell loop per name), and the directories the
# names need, each once: the model's under the prefix $2, the records' (as rec_of names them)
# under $3 (either may be empty).
check_names() {
  d1="$2" d2="$3" awk -v errf="$errf" '
    { s = "/" $0 "/"; if (s == "//" || index(s, "//") || index(s, "/./") || index(s, "/../")) {
        printf "invalid name: %c%s%c (empty, absolute, or with %c.%c or %c..%c segments)\n", 39, $0, 39, 39, 39, 39, 39 >> errf; failed = 1; exit 1 }
      name[$0] }
    END { if (failed) exit 1
      for (f in name) { p = f; while (sub(/\/[^\/]*$/, "", p)) if (p in name) {
          printf "invalid name: %c%s%c is both a file and the directory of %c%s%c\n", 39, p, 39, 39, f, 39 >> errf; exit 1 } }
      for (f in name) { p = f; if (sub(/\/[^\/]*$/, "", p) && !(p in dirs)) { dirs[p]
          if (ENVIRON["d1"] != "") print ENVIRON["d1"] p; if (ENVIRON["d2"] != "") { m = p; gsub(/\//, ".d/", m); print ENVIRON["d2"] m ".d" } } } }' "$1"
}
mkdir_p() { mkdir -p -- "$@"; }

# --- the lock --------------------------------------------------------------------------------
new_token() {
  me="\${MODEL_POD_UID:-\${HOSTNAME:-pod}}.\${$}.$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
}
# The age of $1's heartbeat in seconds, or "none", into $bage (no subshell: a fork per call
# adds up over thousands of dead pods' leftovers). The clock is $beat_now when set (a bulk
# cleanup, or the waiting loop's one reading per second), else read here.
beat_age() {
  b=""
  beat_file="$dir/.$target.beat.$1"
  [ "$1" != legacy ] || beat_file="$lock/heartbeat"
  [ -f "$beat_file" ] && read -r b < "$beat_file" 2>/dev/null
  case "$b" in ''|*[!0-9]*) bage=none; return ;; esac
  # a beat from further ahead than the stale window (garbage, a skewed clock) proves nothing
  bage=$(( \${beat_now:-$(date +%s)} - b ))
  [ "$bage" -ge "-$stale_after" ] || bage=none
}
# Whether $1's heartbeat is fresh: by the time written in it (the holder's clock), or else by
# its file's mtime against this pod's own heartbeat's, both stamped by the cache's filesystem
# (the file server on a shared volume): a holder whose clock is minutes behind or ahead of this
# pod's is not taken for dead. A bulk cleanup ($bulk set) reads the times only: no fork each.
alive() {
  beat_age "$1"
  if [ "$bage" != none ] && [ "$bage" -le "$stale_after" ]; then return 0; fi
  [ -z "$bulk" ] || return 1
  theirs=$(stat -c %Y -- "$beat_file" 2>/dev/null) && ours=$(stat -c %Y -- "$beat" 2>/dev/null) \
    && [ $((ours - theirs)) -le "$stale_after" ]
}
same_pod() { [ -n "\${MODEL_POD_UID:-}" ] && [ "\${1%%.*}" = "$MODEL_POD_UID" ]; }
start_heartbeat() {
  beat="$dir/.$target.beat.$me"
  date +%s > "$beat" || return 1
  parent=\${$}
  ( trap - TERM INT HUP EXIT
    while kill -0 "$parent" 2>/dev/null; do
      sleep "$beat_every"
      date +%s > "$beat.tmp" && mv -f "$beat.tmp" "$beat" || exit 0
    done ) > /dev/null 2>&1 &
  beat_pid=$!
}
# Breaking a stale lock is itself serialized (".breaking", another atomic symlink): the one
# breaker re-checks, under it, that the lock still names the stale owner, and only then moves
# it aside. Only breakers remove locks, so between that check and the move nothing can replace
# it: a live lock is never broken, whatever the number of waiters.
break_lock() {
  breaker="$dir/.$target.breaking"
  if ! ln -sT "$me" "$breaker" 2>/dev/null; then
    # no breaker makes anything but a symlink there: junk is set aside like a dead breaker
    b=$(readlink "$breaker" 2>/dev/null) || { [ -e "$breaker" ] && [ ! -L "$breaker" ] && set_aside "$breaker" legacy; return 0; }
    { same_pod "$b" || ! alive "$b"; } && set_aside "$breaker" "$b"
    return 0
  fi
  current=$(readlink "$lock" 2>/dev/null) || { [ -e "$lock" ] && current=legacy; }
  if [ "$current" = "$1" ] && { same_pod "$1" || [ "$1" = legacy ] || ! alive "$1"; }; then
    set_aside "$lock" "$1" && { log "breaking the lock of $2: $1"; broken="$1"; }
  fi
  rm -f "$breaker"
}
# Moves a lock-like symlink (or a legacy lock directory) aside if it still names $2. One this
# uid may not move (another uid's in a sticky directory) never goes: the waiter would spin on
# it for ever, so it fails, naming the owner and the fix (any other failure is a race, retried).
set_aside() {
  if ! move_aside "$1" "$2"; then
    case "$sa_err" in *'not permitted'*|*'ermission denied'*) ;; *) return 1 ;; esac
    # refused, but for what is there now: a lock taken since the look (its holder released it
    # and another pod, of another uid, took it) is a live one, waited on, not a failure
    sa_now=$(readlink "$1" 2>/dev/null) || { [ -e "$1" ] && sa_now=legacy; }
    [ "$sa_now" = "$2" ] || return 1
    rm -f "$breaker"
    fail "$(unbreakable "$1" "$2" "\${sa_err##*: }")"
  fi
}
# Moves $1 aside and removes it if it names $2 (with $2's heartbeat); puts back what another
# pod put there meanwhile. Fails, with the move's error in $sa_err when it was the move that failed.
move_aside() {
  grave="$dir/.$target.broken.$me" sa_err=""
  sa_err=$( { mv -f "$1" "$grave"; } 2>&1) || { [ -n "$sa_err" ] || sa_err=failed; return 1; }
  got=$(readlink "$grave" 2>/dev/null) || { [ -e "$grave" ] && got=legacy; }
  if [ "$got" != "$2" ]; then
    ln -sT "$got" "$1" 2>/dev/null
    rm -f "$grave"
    return 1
  fi
  rm -rf "$grave"
  [ "$2" = legacy ] || rm -f "$dir/.$target.beat.$2"
}
acquire_lock() {
  new_token
  start_heartbeat || fail "$( unwritable)"
  announced="" seen="" seen_since="" broken=""
  while :; do
    # holding is set before the ln: a SIGTERM during it runs the trap only once ln returned, and
    # the exit then releases a lock this process took (release checks that the lock names it).
    # No ln while a lock is there: a waiter's second costs a readlink, a clock and a sleep.
    if [ ! -L "$lock" ] && [ ! -e "$lock" ]; then
      holding=1
      ln -sT "$me" "$lock" 2>/dev/null && break
      holding=""
    fi
    if cache_hit; then
      log "cache hit: another pod finished $dest while this one waited"
      exit 0
    fi
    # a lock directory is left by an older version of this script; a file, fifo or socket there is
    # junk, treated alike (waited on while a heartbeat in it is fresh, else broken)
    owner=$(readlink "$lock" 2>/dev/null) || { [ -e "$lock" ] && owner=legacy; } || continue
    # one clock reading a second, for the heartbeat's age and the stale check alike
    now=$(date +%s) beat_now=$now
    [ "$owner" = "$seen" ] || { seen="$owner"; seen_since=$now; }
    beat_age "$owner"; age="$bage"
    [ "$age" != none ] || age=$((now - seen_since))
    if same_pod "$owner"; then
      break_lock "$owner" "this pod's previous run"
    elif [ "$age" -gt "$stale_after" ] && ! alive "$owner"; then
      break_lock "$owner" "a dead holder (no heartbeat for \${age}s)"
    else
      [ -n "$announced" ] || log "waiting: $owner is downloading $target"
      announced=1
      # in the background: a SIGTERM ends the wait at once (a foreground sleep defers the trap)
      sleep 1 & kids=$!; wait $kids; kids=""
    fi
  done
  beat_now=""
}
owns_lock() { [ -n "$holding" ] && [ "$(readlink "$lock" 2>/dev/null)" = "$me" ]; }
release() {
  [ -z "$beat_pid" ] || kill "$beat_pid" 2>/dev/null
  beat_pid=""
  if [ -n "$holding" ] && [ "$(readlink "$lock" 2>/dev/null)" = "$me" ]; then
    move_aside "$lock" "$me"
  fi
  holding=""
  [ -z "$me" ] || rm -f "$dir/.$target.beat.$me" "$dir/.$target.beat.$me.tmp" 2>/dev/null
}
# SIGTERM: every process of the pod's group (transfer, hasher, heartbeat) stops now, not when
# the transfer would have ended; the exit hands the staging over.
on_term() {
  trap '' TERM INT HUP
  kill -TERM 0 2>/dev/null
  wait
  kids=""
  log "stopped by signal"
  exit 143
}
# A holder that exits without landing leaves its staging as the partial for the next holder.
on_exit() {
  # a SIGTERM now (a pod deleted as it fails or finishes) would run on_term, whose exit ends
  # this trap where it stands: the lock left behind, without a heartbeat, for the stale window
  trap '' TERM INT HUP
  [ -z "$kids" ] || kill $kids 2>/dev/null
  [ -z "$me" ] || rm -f "\${HOME:-/tmp}/.model-prep.$me.err"
  rm -f "\${HOME:-/tmp}/.model-prep.\${$}.digest"
  # a staging being adopted goes over as it was, not its unfinished copy (left to the cleanup)
  if [ -n "$adopting" ]; then
    # marked before it moves: one whose mark cannot be written (a full volume) is never handed
    # over unchecked; it stays where it is, for the cleanup of dead pods' leftovers
    if [ -d "$adopting" ] && owns_lock && [ ! -e "$partial" ]; then
      if [ -s "$adopting/suspect" ] || { printf '%s\n' "$adopted_from" > "$adopting/suspect"; } 2>/dev/null; then
        mv "$adopting" "$partial" 2>/dev/null && log "kept the partial download of $adopted_from (unchecked) for a resume"
      else
        log "cannot mark the partial download of $adopted_from as unchecked (is the volume full?): not kept, the next pod starts over"
      fi
    fi
  elif [ -n "$stage" ] && [ -d "$stage" ] && owns_lock && [ ! -e "$partial" ]; then
    mv "$stage" "$partial" 2>/dev/null && log "kept the partial download for a resume"
  fi
  release
}
trap on_exit EXIT
trap on_term TERM INT HUP

unbreakable() {
  u_owner=$(stat -c %u -- "$1" 2>/dev/null || echo '?')
  printf 'cannot remove the stale lock %s of %s (%s): it belongs to uid %s and %s has mode %s, which keeps uid %s from moving it. Fix: remove %s as uid %s or root, or run every pod that shares the cache as one uid (runAsUser / fsGroup)' \
    "$1" "$2" "$3" "$u_owner" "$dir" "$(stat -c %a -- "$dir" 2>/dev/null || echo '?')" "$(id -u)" "$1" "$u_owner"
}
unwritable() {
  printf 'cannot write the model cache %s: uid %s gid %s; the directory is owned by %s with mode %s%s' "$dir" "$(id -u)" "$(id -g)" \
    "$(stat -c %u:%g "$dir" 2>/dev/null || echo '?')" "$(stat -c %a "$dir" 2>/dev/null || echo '?')" "\${1:+ ($1)}"
}
check_writable() {
  mkdir -p "$dir" "\${HOME:-/tmp}" 2>/dev/null
  probe="$dir/.$target.probe.\${$}"
  why=$( { : > "$probe"; } 2>&1 ) || fail "$(unwritable "\${why##*: }"). Fix: set the pod's fsGroup (or runAsUser) to the volume's owner, or mount it read-write"
  rm -f "$probe"
}

# --- staging -----------------------------------------------------------------------------------
# Whether anything in the staging $1 changes over one heartbeat interval. A lock is broken
# for a stale heartbeat, but a holder whose heartbeat process died (or starved) may live on,
# its transfer still writing: a resume there would mix its bytes with this pod's, and the
# hash would describe neither. Such a staging is left to the cleanup, not adopted; one whose
# holder is gone (killed) stands still and is resumed.
still_written() {
  sw_before=$(find "$1" -type f -exec stat -c '%s %Y %n' -- {} + 2>/dev/null)
  sleep "$beat_every" & kids=$!; wait $kids; kids=""
  [ "$sw_before" != "$(find "$1" -type f -exec stat -c '%s %Y %n' -- {} + 2>/dev/null)" ]
}
# Takes over the staging $1 of the broken holder $2 when it stands still. Its files become
# copies (new inodes): a holder that lives on keeps them open, and a transfer of its that stalled
# through the look writes on later; into the old inodes only, gone with their directory, never
# into this pod's resumed files (an append there lands after its bytes, and the follower hashes
# the hole a write past the end leaves). A SIGTERM meanwhile hands $1 over as the partial,
# marked unchecked (or not at all, when the mark cannot be written). A copy costs a read of the partial on the volume, not a download.
adopting=""
adopt() {
  adopting="$1" adopted_from="$2"
  still_written "$1"; a_moved=$?
  if [ ! -d "$1" ]; then
    # gone, not written: an operator's rm, the cache recreated
    log "the staging of $2 vanished during the look (removed, or the cache recreated); starting over"
  elif [ "$a_moved" -eq 0 ]; then
    log "the staging of $2 is still being written (its holder runs on without a heartbeat); starting over"
    [ "$1" != "$partial" ] || rm -rf "$partial"
  elif mv "$1" "$stage.tmp" 2>/dev/null; then
    # (".tmp": the cleanup of dead holders' leftovers counts it as this pod's)
    adopting="$stage.tmp"
    cp -R "$stage.tmp" "$stage" 2>/dev/null & kids=$!
    wait $kids || { log "cannot copy the partial download of $2; starting over"; rm -rf "$stage"; }
    kids=""
    rm -f "$stage/suspect"
  fi
  rm -rf "$stage.tmp"
  adopting=""
}
# The holder's own directory: the partial left by a SIGTERM, else the staging of the dead
# holder whose lock it broke, else a fresh one. Other dead holders' staging is removed.
prepare_stage() {
  stage="$dir/.$target.stage.$me"
  # junk at the partial's name (a file, a symlink: nothing this script makes) is no partial,
  # and would keep this holder's own staging from being handed over on SIGTERM
  if [ -L "$partial" ] || { [ -e "$partial" ] && [ ! -d "$partial" ]; }; then rm -f "$partial" 2>/dev/null; fi
  if [ -d "$partial" ] && [ ! -L "$partial" ]; then
    # a broken holder's staging handed over by a SIGTERM before it was checked: checked now
    if [ -f "$partial/suspect" ]; then
      read -r s_owner < "$partial/suspect"; adopt "$partial" "$s_owner"
    else
      mv "$partial" "$stage" || fail "$( unwritable)"
    fi
  elif [ -n "$broken" ] && [ -d "$dir/.$target.stage.$broken" ] && [ ! -L "$dir/.$target.stage.$broken" ]; then
    # this pod's previous run is gone for sure (the kubelet restarts a container that ended): its
    # staging is resumed as it is, without the look and the copy a live holder would need
    if same_pod "$broken"; then
      mv "$dir/.$target.stage.$broken" "$stage" || fail "$( unwritable)"
    else
      adopt "$dir/.$target.stage.$broken" "$broken"
    fi
  fi
  # a staging left by another uid (runAsUser changed) may hold files this one cannot write
  if [ -d "$stage" ] && [ -n "$(find "$stage" ! -user "$(id -u)" 2>/dev/null | head -n 1)" ]; then
    log "the partial download belongs to another user; starting over"
    rm -rf "$stage" 2>/dev/null || mv "$stage" "$dir/.$target.stage.foreign.$me" 2>/dev/null || fail "$(unwritable "cannot remove $stage")"
  fi
  # a staging of another source (the same name served elsewhere: another mirror, bucket or
  # file list) is no partial of this one: its files and validators are not this source's
  if [ -d "$stage" ] && [ "$(cat "$stage/origin" 2>/dev/null)" != "$MODEL_SOURCE" ]; then
    log "the partial download is of another source; starting over"
    rm -rf "$stage" 2>/dev/null || mv "$stage" "$dir/.$target.stage.foreign.$me" 2>/dev/null || fail "$(unwritable "cannot remove $stage")"
  fi
  # one clock reading, and one rm per hundred: thousands of dead pods' leftovers cost no fork each
  beat_now=$(date +%s) bulk=1
  set --
  for s in "$dir/.$target.stage."* "$dir/.$target.beat."*; do
    [ -e "$s" ] || continue
    case "$s" in "$stage"|"$dir/.$target.beat.$me"*) continue ;; esac
    owner="\${s#"$dir/.$target."}"; owner="\${owner#*.}"
    # the files of another model whose name starts so ("<target>.stage.q"): not this one's leftovers
    case "$owner" in *.ready|*.lock|*.partial|*.breaking|*.stage.*|*.beat.*|*.broken.*|*.probe.*) continue ;; esac
    owner="\${owner%.tmp}"
    alive "$owner" && continue
    set -- "$@" "$s"
    [ "$#" -lt 100 ] || { rm -rf -- "$@" 2>/dev/null; set --; }
  done
  beat_now="" bulk=""
  [ "$#" -eq 0 ] || rm -rf -- "$@" 2>/dev/null
  rm -rf "$stage/old" "$stage/marker"
  mkdir -p "$stage/meta" || fail "$( unwritable)"
  # (not written, on a full volume: the next holder then starts over, and this one fails on its own)
  [ -f "$stage/origin" ] || { printf '%s\n' "$MODEL_SOURCE" > "$stage/origin"; } 2>/dev/null
  model="$stage/model"
  meta="$stage/meta"
  # the tools' messages go to HOME (not the model volume, which may be full)
  errf="\${HOME:-/tmp}/.model-prep.$me.err"
  true > "$errf"
}

classify() {
  if grep -qiE 'no space left|ENOSPC|Errno 28|quota exceeded|\(23\)|exit code 23' "$1"; then echo 'disk full'
  elif grep -qiE 'Permission denied|Read-only file system|Errno 13|Errno 30' "$1"; then echo 'cannot write in the model cache'
  elif grep -qiE 'Unable to locate credentials|NoCredentials|could not find default credentials|You do not currently have an active account' "$1"; then echo 'missing credentials'
  elif grep -qiE 'AccessDenied|Access Denied|InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden|Unauthorized|error: 40[13]|\(40[13]\)|HTTP 40[13]' "$1"; then echo 'access denied (401/403)'
  elif grep -qiE 'NoSuchKey|NoSuchBucket|Not Found|error: 404|\(404\)|HTTP 404|does not exist|matched no objects|RepositoryNotFound|EntryNotFound' "$1"; then echo 'not found (404)'
  elif grep -qiE '\(47\)|Maximum \(?[0-9]*\)? ?redirects' "$1"; then echo 'redirect loop'
  elif grep -q '^invalid name: ' "$1"; then echo 'invalid name'
  elif grep -qiE '\(3\) |URL using bad/illegal format' "$1"; then echo 'invalid URL'
  elif grep -qiE '\(1\) Protocol|not supported or disabled in libcurl' "$1"; then echo 'unsupported protocol (a redirect to a non-http URL?)'
  elif grep -q ' answered HTTP .*, not 200 with the file$' "$1"; then echo 'unexpected response'
  else echo 'transient'
  fi
}
`;

const MAIN = String.raw`
# --- assembling and landing ----------------------------------------------------------------------
# The records of every file in path-byte order; the digest; the marker text. One stat and one
# awk for all files: a fork per file costs more than the rest of the assembly.
assemble() {
  if [ "\${MODEL_KIND:-file}" = directory ]; then
    [ -d "$model" ] || { echo "the download of $MODEL_SOURCE produced nothing" >> "$errf"; return 1; }
    sort -u -o "$meta/files" "$meta/files" || { unwritten "the file list"; return 23; }
    have=$(find "$model" ! -type d | wc -l)
    want=$(wc -l < "$meta/files")
    [ "$have" -eq "$want" ] || { echo "the download has $have files, the source lists $want" >> "$errf"; return 1; }
    batch_args stat_sizes "$meta/files" "$model/" > "$meta/sizes" 2>> "$errf" || return 1
  else
    { printf '\n' > "$meta/files"; } 2>/dev/null || { unwritten "the file list"; return 23; }
    stat_sizes "$model" > "$meta/sizes" 2>> "$errf" || return 1
  fi
  records_to_lines; rc=$?
  [ "$rc" -ne 3 ] || return 1
  # a volume that filled up while they were written: a list left short, not always with a word
  # from the tool (BusyBox awk says nothing)
  n=$(wc -l < "$meta/files")
  [ "$rc" -eq 0 ] && [ "$(lines_in "$meta/lines")" -eq "$n" ] && [ "$(lines_in "$stage/files")" -eq "$n" ] || { unwritten "the records"; return 23; }
  if [ "\${MODEL_KIND:-file}" = directory ]; then
    sum=$(pick_hasher; hash_stdin < "$meta/lines")
  else
    IFS= read -r sum < "$meta/lines"; sum="\${sum%%  *}"
  fi
  count=$(wc -l < "$stage/files")
  { printf 'format=2\nsource=%s\nsha256=%s\nfiles=%s\n' "$MODEL_SOURCE" "$sum" "$count" \
    && cat "$stage/files" \
    && printf 'completed=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; } > "$stage/marker" || { unwritten "the marker"; return 23; }
}
# A write of the assembly failed: exit code 23 (as curl's) makes it "disk full" unless the
# tools said otherwise.
unwritten() { echo "cannot write $1 in the staging directory (is the volume full?)" >> "$errf"; }
# $1 cut to at most $2 bytes: the failure line stays within the 2,048 bytes of log the kubelet
# keeps as the termination message (a source with a long \`files\` list, a deep cache path).
# Bytes, counted by wc (BusyBox ash's \${#1} counts characters: 1,024 of three bytes each passed
# whole), and cut where a character starts: never inside a UTF-8 sequence (a byte of the form
# 10xxxxxx continues one), which the termination message would carry as U+FFFD.
clip() {
  if [ $(printf '%s' "$1" | wc -c) -le "$2" ]; then printf '%s' "$1"; return; fi
  # the last character start among the four bytes up to the cut (a UTF-8 sequence has at most four)
  c_at=$(($2 - 6)) c_cut=$(($2 - 6))
  for c_byte in $(printf '%s' "$1" | od -An -tu1 -j "$c_at" -N 4); do
    [ "$c_byte" -ge 128 ] && [ "$c_byte" -lt 192 ] || c_cut=$c_at
    c_at=$((c_at + 1))
  done
  printf "%.\${c_cut}s..." "$1"
}
lines_in() { { wc -l < "$1"; } 2>/dev/null || echo -1; }
# Every file needs a whole record ("size<tab>identity<tab>sha256": the file's line in
# $meta/.journal, where the HTTP batch writes them all at once, else its own .rec) whose size
# is the one on disk (a guard against any writer but this one); it gives a digest line and a
# marker line.
records_to_lines() {
  awk -F '\t' -v meta="$meta/" -v lines="$meta/lines" -v marker="$stage/files" -v errf="$errf" "$rec_fn"'
    function bad(msg) { print msg >> errf; failed = 1; exit 3 }
    BEGIN { j = meta ".journal"; while ((getline line < j) > 0) if (split(line, r, "\t") >= 4) {
        rel = line; sub(/^[^\t]*\t[^\t]*\t[^\t]*\t/, "", rel); journal[rel] = r[1] "\t" r[2] "\t" r[3] } }
    NR == FNR { size[FNR] = $0; next }
    { rel = $0; rec = rp(rel) ".rec"; line = ""
      if (rel in journal) line = journal[rel]
      else if ((getline line < rec) <= 0) bad("no record of " rel " (download incomplete)")
      close(rec)
      if (split(line, r, "\t") != 3 || r[1] !~ /^[0-9]+$/ || length(r[3]) != 64 || r[3] ~ /[^0-9a-f]/) bad("no whole record of " rel " (download incomplete)")
      if (size[FNR] != r[1]) bad(rel " has " size[FNR] " bytes, the source served " r[1])
      print r[3] "  " rel > lines
      print "file=" r[1] "\t" r[2] "\t" rel > marker }' "$meta/sizes" "$meta/files"
}
land() {
  owns_lock || return 1
  # the tools' own messages are silenced: the failure is one line
  if [ -e "$dest" ] || [ -L "$dest" ]; then mv -f "$dest" "$stage/old" 2>/dev/null || fail "$(unwritable "cannot move the previous $dest aside")"; fi
  if [ -d "$marker" ] && [ ! -L "$marker" ]; then rm -rf "$marker" 2>/dev/null || fail "$(unwritable "cannot remove the directory at $marker")"; fi
  mv -fT "$stage/marker" "$marker" 2>/dev/null || fail "$(unwritable "cannot write the marker")"
  mv -T "$model" "$dest" 2>/dev/null || fail "$(unwritable "cannot move the model into place")"
  sync "$dir" 2>/dev/null
  rm -rf "$stage"
  stage=""
}

if cache_hit; then
  log "cache hit: $dest (sha256 $hit_sum) from $MODEL_SOURCE; nothing to download"
  exit 0
fi
check_writable
started=$(date +%s)
attempt=1
delay="\${MODEL_RETRY_DELAY_SECONDS:-2}"
attempts="\${MODEL_ATTEMPTS:-5}"
while :; do
  acquire_lock
  if cache_hit; then
    log "cache hit: $dest was completed by another pod"
    exit 0
  fi
  prepare_stage
  log "downloading $MODEL_SOURCE to $dest"
  lost=""
  while :; do
    true > "$errf"
    # the shell's own words (a failed write of its bookkeeping on a full volume) go with the
    # tools': the failure stays one line
    { fetch && assemble; } 2>> "$errf" && break
    rc=$?
    # a pod that took the lock over (this heartbeat seemed dead) or a cache recreated under this
    # one fails the transfer: that is no error of the source, and no disk full
    if ! owns_lock || [ ! -d "$meta" ]; then lost=1; break; fi
    reason=$(classify "$errf")
    [ "$rc" -ne 23 ] || [ "$reason" != transient ] || reason="disk full"
    detail=$(grep -v '^[[:space:]]*$' "$errf" | tail -n 1)
    cat "$errf"
    if [ "$reason" != transient ]; then
      # the free space as it was when the write failed, before the staging goes
      [ "$reason" != 'disk full' ] || detail="$(clip "$detail" 512); $(df -P "$dir" 2>/dev/null | awk 'NR==2 { m = $0; for (i = 1; i <= 5; i++) sub(/^[^ ]+ +/, "", m); print $4 " KiB free on " m }')"
      rm -rf "$stage"; stage=""
      fail "$reason: $(clip "$MODEL_SOURCE" 256): $(clip "$detail" 1024)"
    fi
    [ "$attempt" -lt "$attempts" ] || fail "gave up after $attempt attempts: $MODEL_SOURCE: \${detail:-exit code $rc}"
    log "attempt $attempt/$attempts failed (exit code $rc: $detail); retrying in \${delay}s"
    sleep "$delay" & kids=$!; wait $kids; kids=""
    attempt=$((attempt + 1))
    delay=$((delay * 2))
    [ "$delay" -le 60 ] || delay=60
  done
  if [ -z "$lost" ]; then
    if [ -n "\${MODEL_SHA256:-}" ] && [ "$sum" != "$MODEL_SHA256" ]; then
      rm -rf "$stage"; stage=""
      fail "checksum mismatch: $MODEL_SOURCE has sha256 $sum, expected $MODEL_SHA256"
    fi
    land && break
    rm -rf "$stage"
  fi
  # the staging of a lost lock is left to the pod that broke it (it takes it over) or to the
  # cleanup of dead pods' leftovers
  log "lost the lock to another pod before landing; starting over"
  stage=""
  release
done
log "done: $dest sha256=$sum in $(( $(date +%s) - started ))s after $attempt attempt(s)"
`;

/**
 * The complete script for one downloader: prelude, the downloader's `fetch` function (which
 * fills `$model`, a file or a directory, and writes one record per file under `$meta`), then
 * the main flow.
 */
export function modelPrepScript(fetchFunction: string): string {
  return cached(SCRIPTS, fetchFunction, () => shell(`${PRELUDE}\n${fetchFunction.trim()}\n${MAIN}`));
}

/** One script text per downloader, shared by every pod (thousands of pods, one string). */
const SCRIPTS = new Map<string, string>();

/**
 * `fetch` for the AWS CLI (S3 and S3-compatible stores). A single object is one ETag-pinned
 * GET (`s3api get-object`; a resume asks for the remaining range of the same ETag / version).
 * A prefix is listed, synced with the CLI's parallel transfer, listed again: a file changed in
 * between is fetched again; files the CLI left behind (its temporary names) are removed.
 */
export const S3_FETCH = String.raw`
s3() {
  aws \${S3_ENDPOINT_URL:+--endpoint-url "$S3_ENDPOINT_URL"} "$@" < /dev/null
}
s3_setup() {
  mkdir -p "$HOME/.aws"
  printf '[default]\ns3 =\n  max_concurrent_requests = %s\n  multipart_chunksize = %s\n  multipart_threshold = %s\n' \
    "\${S3_MAX_CONCURRENT_REQUESTS:-16}" "\${S3_MULTIPART_CHUNKSIZE:-64MB}" "\${S3_MULTIPART_CHUNKSIZE:-64MB}" > "$HOME/.aws/config"
  export AWS_CONFIG_FILE="$HOME/.aws/config"
  path="\${MODEL_SOURCE#s3://}"
  bucket="\${path%%/*}"
  key="\${path#*/}"
}
# One object. head-object names the identity (ETag, size, version) first and every GET is
# pinned to it (If-Match, and the version), so the bytes of a partial always belong to the
# identity saved with it: also when the object changes and changes back while a GET is
# killed. A partial is resumed only while head-object still reports that identity.
s3_object() {
  if [ -s "$model" ] && [ -s "$meta/.id" ]; then
    s3_resume || return 1
  else
    s3_fresh || return
  fi
  [ "$(size_of "$model")" = "$total" ] || { echo "$MODEL_SOURCE: got $(size_of "$model") of $total bytes" >> "$errf"; { true > "$model"; } 2>/dev/null; return 1; }
  record "$model" "$meta/" "$total" "$etag\${version:+@$version}"
}
s3_head() {
  s3 s3api head-object --bucket "$bucket" --key "$key" --query '[ETag,ContentLength,VersionId]' --output text
}
# The object's identity now: $id, $etag, $total and $version (empty when unversioned).
s3_identify() {
  version=""
  id=$(s3_head 2>> "$errf") || return 1
  IFS="$tab" read -r etag total version <<EOF
$id
EOF
  [ "$version" != None ] || version=""
}
# A fresh download. Its GET's CLI starts together with head-object (a CLI start-up costs more
# than a 512 MiB transfer on loopback) and waits, before it sends anything, for its If-Match
# value from a fifo: the CLI reads a file:// value when it parses its arguments, after most of
# its start-up. The GET is thus pinned as before, to the identity that .id holds before its
# first byte. A versioned object is pinned to its version too, which cannot wait alike (an
# unversioned object would have nothing to write there): that waiting CLI, which has sent
# nothing, is stopped (it is the exec'd CLI itself) and a pinned one started. Processes that
# may wait on a fifo get SIGKILL: a SIGTERM that reaches a subshell before it has reset the
# inherited trap is lost, and the subshell would wait for ever (and their wait is silenced:
# the shell would report "Killed" on stderr, whose one line is the failure's).
s3_fresh() {
  rm -f "$meta/.id" "$meta/.rec" "$meta/.pin"
  { true > "$model"; } 2>> "$errf" || return 23
  mkfifo "$meta/.pin" || return 1
  hashed_start "$model" "$meta/" exec aws \${S3_ENDPOINT_URL:+--endpoint-url "$S3_ENDPOINT_URL"} s3api get-object --bucket "$bucket" --key "$key" \
    --if-match "file://$meta/.pin" --query ETag --output text "$model" > "$meta/.got"
  if s3_identify && [ -z "$version" ]; then
    printf '%s\n' "$id" > "$meta/.id"
    printf '%s' "$etag" > "$meta/.pin" &
    feed_pid=$!
    hashed_end; rc=$?
    kill -9 "$feed_pid" 2>/dev/null
    rm -f "$meta/.pin"
    [ "$rc" -eq 0 ] || return "$rc"
  else
    kill -9 "$tool_pid" 2>/dev/null
    hashed_end 2>/dev/null
    rm -f "$meta/.pin"
    [ -n "$version" ] || return 1
    printf '%s\n' "$id" > "$meta/.id"
    hashed "$model" "$meta/" s3 s3api get-object --bucket "$bucket" --key "$key" --if-match "$etag" --version-id "$version" \
      --query ETag --output text "$model" > "$meta/.got" || return
  fi
  got=$(cat "$meta/.got")
  [ "$got" = "$etag" ] || { rm -f "$meta/.id"; { true > "$model"; } 2>/dev/null; echo "$MODEL_SOURCE changed during the download (ETag $etag, then $got)" >> "$errf"; return 1; }
}
# The rest of a partial, from the same ETag (or version) only; the response's own ETag is
# checked too, as some stores ignore If-Match.
s3_resume() {
  s3_identify || return 1
  have=$(size_of "$model")
  if [ "$(cat "$meta/.id")" != "$id" ] || [ "$have" -gt "$total" ]; then
    log "$MODEL_SOURCE changed since the partial download; starting it over"
    { true > "$model"; } 2>/dev/null; rm -f "$meta/.id"
    s3_fresh
    return
  fi
  if [ "$have" -lt "$total" ]; then
    log "resuming $MODEL_SOURCE at byte $have (ETag $etag unchanged)"
    hashed "$model" "$meta/" s3_append || return 1
    got=$(cat "$meta/.got" 2>/dev/null)
    if [ "$got" != "$etag" ]; then
      rm -f "$meta/.id"; { true > "$model"; } 2>/dev/null
      echo "$MODEL_SOURCE changed during the download (ETag $etag, then $got)" >> "$errf"
      return 1
    fi
  else
    digest_waited "$model"
    printf '%s\n' "$digest" > "$meta/.sum"
  fi
}
# Appends bytes $have- of the pinned ETag through a fifo; the response's ETag goes to .got.
s3_append() {
  rm -f "$meta/.fifo"; mkfifo "$meta/.fifo" || return 1
  cat "$meta/.fifo" >> "$model" &
  cat_pid=$!
  s3 s3api get-object --bucket "$bucket" --key "$key" --if-match "$etag" \${version:+--version-id "$version"} --query ETag --output text \
    --range "bytes=$have-" "$meta/.fifo" > "$meta/.got"
  get_rc=$?
  [ "$get_rc" -eq 0 ] || kill "$cat_pid" 2>/dev/null
  wait "$cat_pid"
  rm -f "$meta/.fifo"
  return "$get_rc"
}
# A prefix: list, sync, list again. $1 the output (size, ETag, name per object; each object's
# LastModified in $1.times, line by line), $2 the bucket argument (a fifo's file:// URI for the
# second listing).
s3_listing() {
  { true > "$1.times.tmp"; } 2>/dev/null || return 1
  # the CLI's own exit status: a listing that failed (500, throttled) is no empty prefix
  s3 s3api list-objects-v2 --bucket "$2" --prefix "$key" --query 'Contents[].[Size,ETag,LastModified,Key]' --output text > "$1.raw" 2>> "$errf" || return 1
  awk -F '\t' -v p="$key" -v times="$1.times.tmp" 'NF >= 4 && substr($0, length($0)) != "/" {
        k = $0; sub(/^[^\t]*\t[^\t]*\t[^\t]*\t/, "", k); print $1 "\t" $2 "\t" substr(k, length(p) + 1); print $3 > times }' "$1.raw" > "$1.tmp" \
    && rm -f "$1.raw" && mv -f "$1.times.tmp" "$1.times" && mv -f "$1.tmp" "$1"
}
# Whether every listed file has the time of the version the second listing names: the CLI gives
# a file its object's LastModified (whole seconds), so a file whose bytes came from a version
# that was replaced and put back while the sync ran (same size, same ETag in both listings) has
# another time. ISO 8601 to seconds in awk: no date(1) parses it the same way in every image.
s3_times_match() {
  set --
  while IFS= read -r rel; do set -- "$@" "$model/$rel"; done < "$meta/files"
  stat -c %Y -- "$@" > "$meta/mtimes" 2>> "$errf" || return 1
  awk '
    function epoch(ts,   y, m, d, a, yy, mm, days, tz, off) {
      y = substr(ts, 1, 4) + 0; m = substr(ts, 6, 2) + 0; d = substr(ts, 9, 2) + 0
      a = int((14 - m) / 12); yy = y + 4800 - a; mm = m + 12 * a - 3
      days = d + int((153 * mm + 2) / 5) + 365 * yy + int(yy / 4) - int(yy / 100) + int(yy / 400) - 32045 - 2440588
      tz = substr(ts, 20); sub(/^[.][0-9]*/, "", tz); off = 0
      if (tz ~ /^[-+][0-9][0-9]:[0-9][0-9]$/) { off = substr(tz, 2, 2) * 3600 + substr(tz, 5, 2) * 60; if (substr(tz, 1, 1) == "+") off = -off }
      return days * 86400 + substr(ts, 12, 2) * 3600 + substr(ts, 15, 2) * 60 + substr(ts, 18, 2) + off
    }
    NR == FNR { want[FNR] = epoch($0); n = FNR; next }
    { got++; if ($0 + 0 != want[FNR]) bad = 1 }
    END { exit (bad || got != n) }' "$meta/listing.after.times" "$meta/mtimes"
}
# The listing before the sync names every object's identity; the listing after it (each
# object unchanged, or the download is not trusted) must be served after the last GET. The CLIs
# that must wait start early anyway, each waiting on a fifo that it reads when it parses its
# arguments, before its first request; their start-ups (most of a CLI call's time) thus overlap
# the first listing and the transfer:
# - the sync starts with the first listing and reads its --content-type from the fifo (upload
#   metadata: a download ignores it), written once that listing is checked and the staging
#   cleaned; a sync that never read it (a CLI that would not wait) is not trusted;
# - the second listing starts with the transfer and reads its bucket from the fifo, written
#   when the sync has ended.
# Each file is hashed once the CLI has renamed it into place (it writes to a temporary name and
# renames after the last byte), while the others still arrive.
s3_prefix() {
  gate="\${errf%.err}.gate" bucket_gate="\${errf%.err}.bucket"
  rm -f "$gate" "$gate.read" "$bucket_gate" "$meta/.synced"
  mkfifo "$gate" "$bucket_gate" && mkdir -p "$model" || return 1
  aws \${S3_ENDPOINT_URL:+--endpoint-url "$S3_ENDPOINT_URL"} s3 sync --only-show-errors --no-progress --exact-timestamps --content-type "file://$gate" \
    "s3://$bucket/$key" "$model" < /dev/null 2>> "$errf" &
  sync_pid=$!
  kids="$sync_pid"
  if ! s3_prefix_prepare; then
    # the waiting sync has sent nothing; its pid is the CLI's own
    kill -9 "$sync_pid" 2>/dev/null
    wait "$sync_pid" 2>/dev/null
    kids=""
    rm -f "$gate" "$bucket_gate"
    return 1
  fi
  s3_listing "$meta/listing.after" "file://$bucket_gate" &
  list_pid=$!
  { printf 'application/octet-stream' > "$gate" && { true > "$gate.read"; } 2>/dev/null; } &
  open_pid=$!
  s3_hash_landed &
  hash_pid=$!
  kids="$sync_pid $list_pid $hash_pid $open_pid"
  wait "$sync_pid"; sync_rc=$?
  { true > "$meta/.synced"; } 2>/dev/null
  kill -9 "$open_pid" 2>/dev/null
  wait "$open_pid" 2>/dev/null
  [ -e "$gate.read" ] || [ "$sync_rc" -ne 0 ] || { echo "the AWS CLI did not wait for its gate before the sync; the download is not trusted" >> "$errf"; sync_rc=1; }
  # one write, then a plain file in its place: the listing runs whatever happened (so that it
  # ends), and a CLI that opened the name again would not wait forever
  { printf '%s' "$bucket" > "$bucket_gate"; printf '%s' "$bucket" > "$bucket_gate.tmp" && mv -f "$bucket_gate.tmp" "$bucket_gate"; } &
  feed_pid=$!
  wait "$list_pid"; list_rc=$?
  kill -9 "$feed_pid" 2>/dev/null
  wait "$hash_pid"
  kids=""
  rm -f "$gate" "$gate.read" "$bucket_gate" "$bucket_gate.tmp"
  # a change first: an object deleted while the sync ran fails its GET with 404, which is a
  # changed source (the next attempt lists it again), not a missing model
  if [ "$list_rc" -eq 0 ] && ! cmp -s "$meta/listing" "$meta/listing.after"; then
    echo "$MODEL_SOURCE changed during the download; fetching the changed files again" > "$errf"
    mv -f "$meta/listing.after" "$meta/listing.new"
    return 1
  fi
  [ "$sync_rc" -eq 0 ] && [ "$list_rc" -eq 0 ] || return 1
  while IFS= read -r rel; do
    [ -f "$model/$rel" ] || { echo "$MODEL_SOURCE: $rel is missing after the sync" >> "$errf"; return 1; }
  done < "$meta/files"
  if ! s3_times_match; then
    echo "$MODEL_SOURCE changed and changed back during the download (a file is not of the version listed); fetching it again" >> "$errf"
    return 1
  fi
  # every record in one awk: a prefix's records are all written again by every attempt
  awk -F '\t' -v meta="$meta/" "$rec_fn"'
    { rel = $0; sub(/^[^\t]*\t[^\t]*\t/, "", rel); rr = rp(rel); sum = ""; getline sum < (rr ".sum"); close(rr ".sum")
      if (length(sum) != 64) exit 1
      printf "%s\t%s\t%s\n", $1, $2, sum > (rr ".rec"); close(rr ".rec") }' "$meta/listing" || return 1
  # the CLI's temporary files of an interrupted run: anything not listed
  find "$model" ! -type d | awk -v p="$model/" 'NR == FNR { listed[$0]; next } !(substr($0, length(p) + 1) in listed)' "$meta/files" - \
    | while IFS= read -r f; do rm -f -- "$f"; done
}
# The first listing, its names checked; what a previous attempt fetched of an unchanged object
# (same listing line, same size) is kept, the rest dropped, junk included. A kept file may still
# hold bytes of a version served in between (killed while the object changed and changed back):
# the sync runs with --exact-timestamps, so a file whose time is not its object's (the CLI sets
# it to LastModified) is fetched again; without it, a same-size file is kept unless it is newer.
s3_prefix_prepare() {
  s3_listing "$meta/listing.new" "$bucket" || return 1
  [ -s "$meta/listing.new" ] || { echo "$MODEL_SOURCE matched no objects (404)" >> "$errf"; return 1; }
  cut -f3- "$meta/listing.new" > "$meta/files"
  check_names "$meta/files" "" "$meta/r/" > "$meta/.dirs" || return 1
  mkdir -p "$meta/r" && batch_args mkdir_p "$meta/.dirs" || return 1
  touch "$meta/listing"
  find "$model" ! -type d > "$meta/found"
  awk -F '\t' -v p="$model/" '
    FILENAME == ARGV[1] { old[$0]; next }
    FILENAME == ARGV[2] { if ($0 in old) { rel = $0; sub(/^[^\t]*\t[^\t]*\t/, "", rel); size[rel] = $1 } next }
    { rel = substr($0, length(p) + 1); print (rel in size ? size[rel] : -1) "\t" $0 }' "$meta/listing" "$meta/listing.new" "$meta/found" \
    | while IFS="$tab" read -r want f; do [ "$want" = "$(size_of "$f")" ] || rm -f -- "$f"; done
  mv -f "$meta/listing.new" "$meta/listing"
}
# Hashes the listed files as they land, polling every 50 ms; after the sync, one last pass.
s3_hash_landed() {
  pick_hasher
  todo="$meta/.todo.a" next="$meta/.todo.b"
  cat "$meta/files" > "$todo" || return 1
  while [ -s "$todo" ]; do
    last=""; [ ! -e "$meta/.synced" ] || last=1
    while IFS= read -r rel; do
      if [ -f "$model/$rel" ]; then rec_of "$rel"; hash_stdin < "$model/$rel" > "$rp.sum" 2>/dev/null; else printf '%s\n' "$rel"; fi
    done < "$todo" > "$next"
    t="$todo"; todo="$next"; next="$t"
    [ -z "$last" ] || break
    [ ! -s "$todo" ] || sleep 0.05
  done
}
fetch() {
  s3_setup
  if [ "\${MODEL_KIND:-file}" = directory ]; then s3_prefix; else s3_object; fi
}`;

/** `fetch` for Google Cloud Storage with the gcloud CLI (not resumed; hashed after the copy). */
/**
 * After a tool copied the whole model into \`$model\` (gcloud, a local copy from an image): lists
 * its files, checks their names, and records size and sha256 of each, as the streaming fetches
 * do while the bytes arrive.
 */
const RECORD_COPIED = String.raw`
record_copied() {
  pick_hasher
  if [ -d "$model" ]; then
    (cd "$model" && find . -type f | sed 's|^\./||') > "$meta/files"
    while IFS= read -r rel; do
      check_name "$rel" || return 1
      rec_of "$rel"
      mkdir -p "\${rp%/*}" && hash_stdin < "$model/$rel" > "$rp.sum" && record "$model/$rel" "$rp" "$(size_of "$model/$rel")" -
    done < "$meta/files"
  else
    hash_stdin < "$model" > "$meta/.sum" && record "$model" "$meta/" "$(size_of "$model")" -
  fi
}`;

export const GCS_FETCH = String.raw`
fetch() {
  export CLOUDSDK_CONFIG="$HOME/.gcloud"
  rm -rf "$model"
  if [ "\${MODEL_KIND:-file}" = directory ]; then
    mkdir -p "$model" && gcloud storage cp --recursive "\${MODEL_SOURCE%/}/*" "$model/" 2>> "$errf" || return 1
  else
    gcloud storage cp "$MODEL_SOURCE" "$model" 2>> "$errf" || return 1
  fi
  record_copied
}
${RECORD_COPIED}`;

/**
 * `fetch` for files over HTTP(S) with curl: one URL, or a list of files under a base URL
 * (Hugging Face's `resolve` endpoint is one). A partial file is resumed with `If-Range` and
 * the validator (strong ETag, else Last-Modified) of the response that started it: a changed
 * file is sent whole, and started over.
 */
export const HTTP_FETCH = String.raw`
http_opts="-H Accept-Encoding:identity -g --fail --silent --show-error --location --max-redirs 10 --connect-timeout 20 --speed-limit 1024 --speed-time 60"
http_get() {
  curl $http_opts \${MODEL_HTTP_TOKEN:+-H "Authorization: Bearer $MODEL_HTTP_TOKEN"} "$@"
}
# status <tab> total size <tab> validator of the last response in a header dump (awk functions:
# header() takes the dump line by line, verdict() says it, reset() starts the next dump)
response_fns='
  function reset() { s = ""; e = ""; m = ""; l = ""; r = ""; z = "" }
  function header(line,   c, k, v, w) {
    sub(/\r$/, "", line)
    if (line ~ /^HTTP\//) { split(line, w, " "); reset(); s = w[2]; return }
    c = index(line, ":"); if (!c) return
    k = tolower(substr(line, 1, c - 1)); v = substr(line, c + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
    if (k == "etag") e = v; else if (k == "last-modified") m = v; else if (k == "content-length") l = v; else if (k == "content-range") r = v; else if (k == "content-encoding" && tolower(v) != "identity") z = v
  }
  function verdict(   t) {
    t = l; if (r != "") { t = r; sub(/.*\//, "", t) } if (e ~ /^W\//) e = ""
    # a body in a content coding (gzip...) is not the file: its bytes, length and ranges are those of the coding
    if (z != "") s = s " with Content-Encoding " z
    return s "\t" t "\t" (e != "" ? e : m)
  }'
# ... of each header dump file named
response() {
  awk "$response_fns"'
    BEGIN { for (i = 1; i < ARGC; i++) { reset(); while ((getline line < ARGV[i]) > 0) header(line); close(ARGV[i]); print verdict() } exit }' "$@" 2>/dev/null
}
# Percent-encodes a path for a URL into $enc (names may hold spaces, '*', unicode...); a plain
# name costs no fork.
urlencode() {
  case "$1" in *[!A-Za-z0-9._~/-]*) ;; *) enc="$1"; return ;; esac
  enc=$(printf '%s' "$1" | od -An -v -tx1 | awk '
    function val(h) { return (index("0123456789abcdef", substr(h, 1, 1)) - 1) * 16 + index("0123456789abcdef", substr(h, 2, 1)) - 1 }
    { for (i = 1; i <= NF; i++) { n = val($i); if ((n >= 48 && n <= 57) || (n >= 65 && n <= 90) || (n >= 97 && n <= 122) || $i == "2d" || $i == "2e" || $i == "5f" || $i == "7e" || $i == "2f") printf "%c", n; else printf "%%%s", toupper($i) } }')
}
# One file: $1 URL, $2 output, $3 record prefix. A single file is hashed while it arrives; the
# files of a directory are hashed one behind (xfer=unhashed, finish=hash_later).
xfer=hashed finish=record
get_file() {
  validator=""
  if [ -s "$2" ] && [ -f "$3.hdr" ]; then
    resp=$(response "$3.hdr")
    case "$resp" in 200"$tab"*) validator="\${resp#*"$tab"*"$tab"}" ;; esac
  fi
  if [ -n "$validator" ]; then
    $xfer "$2" "$3" http_get -C - -H "If-Range: $validator" -D "$3.resp" -o "$2" -- "$1"
    rc=$?
    resp=$(response "$3.resp")
    case "$rc:\${resp%%"$tab"*}" in
      0:206|0:416|22:416) ;;
      *:200|33:*|36:*) log "$1 changed since the partial download; starting it over"; validator="" ;;
      0:*) return 1 ;;
      *) return "$rc" ;;
    esac
    total="\${resp#*"$tab"}"; total="\${total%%"$tab"*}"
    # a server that honours Range but not If-Range answers 206 with the new file's validator:
    # its bytes would be spliced onto the old ones
    sent="\${resp#*"$tab"*"$tab"}"
    [ -z "$validator" ] || [ -z "$sent" ] || [ "$sent" = "$validator" ] || { log "$1 changed since the partial download (validator $sent, was $validator); starting it over"; validator=""; }
    [ -z "$validator" ] || [ "$(size_of "$2")" = "$total" ] || { log "$1: size mismatch after resume; starting it over"; validator=""; }
  fi
  if [ -z "$validator" ]; then
    rm -f "$3.hdr" "$3.rec"
    { true > "$2"; } 2>> "$errf" || return 23
    $xfer "$2" "$3" http_get -D "$3.hdr" -o "$2" -- "$1" || return $?
    resp=$(response "$3.hdr")
    case "$resp" in 200"$tab"*) ;; *) echo "$1 answered HTTP \${resp%%"$tab"*}, not 200 with the file" >> "$errf"; return 1 ;; esac
    validator="\${resp#*"$tab"*"$tab"}"
    total="\${resp#*"$tab"}"; total="\${total%%"$tab"*}"
    got=$(size_of "$2")
    [ -z "$total" ] || [ "$got" = "$total" ] || { echo "$1: got $got of $total bytes" >> "$errf"; return 18; }
  fi
  $finish "$2" "$3" "\${total:-$(size_of "$2")}" "\${validator:--}"
}
# File names of a Hub revision ("siblings[].rfilename"), JSON escapes decoded to UTF-8.
hub_files() {
  awk 'BEGIN { RS = "\001"; hex = "0123456789abcdef" }
    function utf8(c) {
      if (c < 128) return sprintf("%c", c)
      if (c < 2048) return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
      if (c < 65536) return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
      return sprintf("%c%c%c%c", 240 + int(c / 262144), 128 + int(c / 4096) % 64, 128 + int(c / 64) % 64, 128 + c % 64)
    }
    function h4(s,   i, n) { n = 0; for (i = 1; i <= 4; i++) n = n * 16 + index(hex, tolower(substr(s, i, 1))) - 1; return n }
    { s = $0; n = length(s); p = 1
      while ((i = index(substr(s, p), "\"rfilename\"")) > 0) {
        p += i + 10
        while (p <= n && substr(s, p, 1) ~ /[ \t\r\n:]/) p++
        if (substr(s, p, 1) != "\"") continue
        p++; out = ""
        while (p <= n) {
          c = substr(s, p, 1)
          if (c == "\"") { p++; break }
          if (c != "\\") { out = out c; p++; continue }
          e = substr(s, p + 1, 1); p += 2
          if (e == "u") { u = h4(substr(s, p, 4)); p += 4
            if (u >= 55296 && u < 56320 && substr(s, p, 2) == "\\u") { u = 65536 + (u - 55296) * 1024 + h4(substr(s, p + 2, 4)) - 56320; p += 6 }
            out = out utf8(u) }
          else if (e == "n") out = out "\n"; else if (e == "t") out = out "\t"; else if (e == "r") out = out "\r"
          else if (e == "b") out = out "\b"; else if (e == "f") out = out "\f"; else out = out e
        }
        print out
      } }' "$1"
}
fetch() {
  if [ -z "\${MODEL_FILES:-}" ] && [ -z "\${MODEL_LIST_URL:-}" ]; then
    get_file "$MODEL_URL" "$model" "$meta/"
    return
  fi
  if [ -n "\${MODEL_FILES:-}" ]; then
    printf '%s\n' "$MODEL_FILES" > "$meta/files"
  else
    http_get -o "$meta/listing.json" -- "$MODEL_LIST_URL" 2>> "$errf" < /dev/null || return
    hub_files "$meta/listing.json" > "$meta/files"
    [ -s "$meta/files" ] || { echo "$MODEL_LIST_URL lists no files (404)" >> "$errf"; return 1; }
  fi
  check_names "$meta/files" "$model/" "$meta/r/" > "$meta/.dirs" || return 1
  mkdir -p "$model" "$meta/r" && batch_args mkdir_p "$meta/.dirs" || return 23
  batch_get || return
  xfer=unhashed finish=hash_later
  # the files without a whole line in the journal (as records_to_lines reads it); the journal
  # is read in BEGIN, not as a first file with NR == FNR: an empty one (a kill after the batch
  # dropped its lines, a batch that recorded nothing) would make every file a journal line
  j="$meta/.journal" awk -F '\t' 'BEGIN { j = ENVIRON["j"]; while ((getline line < j) > 0) if (split(line, r, "\t") >= 4) {
      rel = line; sub(/^[^\t]*\t[^\t]*\t[^\t]*\t/, "", rel); done[rel] } }
    !($0 in done)' "$meta/files" > "$meta/.todo" || return 23
  while IFS= read -r f; do
    rec_of "$f"
    [ -s "$rp.rec" ] && continue
    urlencode "$f"
    get_file "\${MODEL_URL%/}/$enc" "$model/$f" "$rp" < /dev/null || { get_rc=$?; hash_done; return "$get_rc"; }
  done < "$meta/.todo"
  hash_done
}
# The files without a partial, in one curl (one process, one connection; the raw tool's speed):
# curl writes them one after the other and creates each output file at its first byte, so a
# file is complete once a later one exists; it is hashed then, while the next downloads (the
# last one while it arrives). Each is checked and recorded from its own header dump; the rest
# go through get_file. The shell does no work per file, and creates no file per file but the
# file itself: what earlier attempts left comes from one find, the batch from one awk, the curl
# options from one awk (a config on curl's stdin: no token in argv), the header dumps of all
# transfers go into one stream, the hashes come from one hasher per round of finished files,
# the sizes from one stat, the records from one awk.
batch_get() {
  touch "$meta/.journal" || return 23
  # a batch killed on the way (by SIGTERM or SIGKILL): what it finished is recorded as at its end
  if [ -f "$meta/.batch.out" ]; then batch_settle 2>> "$errf" || { unwritten "the journal"; return 23; }; fi
  rm -f "$meta/.batch.done" "$meta/.sums" "$meta/.batch.out"
  # a recorded file, or one with bytes and a header dump (resumed by get_file), stays; every
  # other one goes into the batch, what is left of it removed
  find "$model" ! -type d -size +0c > "$meta/.found.full" 2>/dev/null
  find "$model" "$meta" ! -type d > "$meta/.found" 2>/dev/null
  b_model="$model/" b_meta="$meta/" b_batch="$meta/.batch" awk -F '\t' "$rec_fn"'
    BEGIN { model = ENVIRON["b_model"]; meta = ENVIRON["b_meta"]; batch = ENVIRON["b_batch"]; printf "" > batch
      j = meta ".journal"; while ((getline line < j) > 0) if (split(line, r, "\t") >= 4) { rel = line; sub(/^[^\t]*\t[^\t]*\t[^\t]*\t/, "", rel); done[rel] } }
    FILENAME == ARGV[1] { full[$0]; next }
    FILENAME == ARGV[2] { there[$0]; next }
    { f = $0; rr = rp(f); if (((model f) in full) && ((f in done) || ((rr ".hdr") in there))) next
      print f > batch
      if ((model f) in there) print model f; if ((rr ".hdr") in there) print rr ".hdr"
      if ((rr ".rec") in there) print rr ".rec"; if ((rr ".sum") in there) print rr ".sum" }
  ' "$meta/.found.full" "$meta/.found" "$meta/files" > "$meta/.batch.rm" || return 23
  [ ! -s "$meta/.batch.rm" ] || batch_args rm_f "$meta/.batch.rm"
  [ -s "$meta/.batch" ] || return 0
  # what the journal says of these files no longer holds
  awk -F '\t' 'NR == FNR { b[$0]; next } { rel = $0; sub(/^[^\t]*\t[^\t]*\t[^\t]*\t/, "", rel) } !(rel in b)' "$meta/.batch" "$meta/.journal" > "$meta/.journal.tmp" \
    && mv -f "$meta/.journal.tmp" "$meta/.journal" || return 23
  # curl's stdout: a token (random, no server can forge it), then every transfer's header dump,
  # each followed by a line with the token (curl writes one per transfer, failed ones too)
  b_tok="\${me##*.}"
  printf '%s\n' "$b_tok" > "$meta/.batch.out" || return 23
  rm -f "$meta/.batch.pid" "$meta/.batch.fpid"
  { batch_config | curl -K - >> "$meta/.batch.out" 2>> "$errf"; } &
  tool_pid=$!
  batch_hash &
  kids="$tool_pid $!"
  wait "$tool_pid"
  { true > "$meta/.batch.done"; } 2>/dev/null
  wake "$meta/.batch.pid"
  wake "$meta/.batch.fpid"
  wait $kids
  kids=""
  batch_settle 2>> "$errf" || { unwritten "the journal"; return 23; }
}
# Records every file of the batch that came whole (a 200, the size it announced on disk, a sum)
# into the journal, in one awk that reads curl's stdout (and one stat for all sizes): a file
# per record would cost a create each. The journal is replaced whole with a rename: a kill
# leaves the old one or the new one. A file with bytes but no record gets its header dump back
# as its own .hdr, for get_file to resume it.
batch_settle() {
  batch_args stat_named "$meta/.batch" "$model/" > "$meta/.batch.sizes" 2>/dev/null
  b_model="$model/" b_meta="$meta/" awk -v sums="$meta/.sums" -v sizes="$meta/.batch.sizes" -v names="$meta/.batch" "$response_fns$rec_fn"'
    BEGIN { while ((getline line < sums) > 0) if (length(line) > 65 && substr(line, 65, 1) == "\t") sum[substr(line, 66)] = substr(line, 1, 64)
      model = ENVIRON["b_model"]; meta = ENVIRON["b_meta"]; p = length(model)
      while ((getline line < sizes) > 0) { i = index(line, " "); size[substr(line, i + p + 1)] = substr(line, 1, i - 1) }
      while ((getline line < names) > 0) name[++n] = line
      k = 1; reset() }
    function settle(   f, v, h) {
      f = name[k]; v = verdict(); split(v, w, "\t")
      if (w[1] == "200" && (f in size) && size[f] == w[2] && (f in sum) && sum[f] !~ /[^0-9a-f]/) printf "%s\t%s\t%s\t%s\n", w[2], (w[3] != "" ? w[3] : "-"), sum[f], f
      else if ((f in size) && size[f] > 0 && seg != "") { h = rp(f) ".hdr"; printf "%s", seg > h; close(h) }
      k++; seg = ""; reset() }
    NR == 1 { tok = $0; next }
    $0 == tok { if (k <= n) settle(); next }
    { header($0); seg = seg $0 "\n" }
    END { if (k <= n && seg != "") settle() }' "$meta/.batch.out" > "$meta/.journal.new" || return 1
  cat "$meta/.journal" "$meta/.journal.new" > "$meta/.journal.tmp" && mv -f "$meta/.journal.tmp" "$meta/.journal" || return 1
}
rm_f() { rm -f -- "$@" 2>/dev/null; return 0; }
stat_named() { stat -c '%s %n' -- "$@"; return 0; }
# The curl config for the batch: per file its header dump, output and percent-encoded URL
# (from one od of all names: a name's bytes are its URL's), quoted as curl's config wants.
batch_config() {
  od -An -v -tx1 < "$meta/.batch" | b_tok="$b_tok" b_model="$model/" b_base="\${MODEL_URL%/}/" b_opts="$http_opts" awk '
    function val(h) { return (index("0123456789abcdef", substr(h, 1, 1)) - 1) * 16 + index("0123456789abcdef", substr(h, 2, 1)) - 1 }
    function q(s,   i, c, t) { if (!index(s, "\\") && !index(s, "\"")) return "\"" s "\""
      t = ""; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); t = t (c == "\\" || c == "\"" ? "\\" : "") c } return "\"" t "\"" }
    BEGIN { tok = ENVIRON["b_tok"]; model = ENVIRON["b_model"]; base = ENVIRON["b_base"]; n = split(ENVIRON["b_opts"], o, " "); for (i = 1; i <= n; i++) {
        if (o[i + 1] ~ /^-/ || i == n) common = common o[i] "\n"; else { common = common o[i] " " q(o[i + 1]) "\n"; i++ } }
      if (ENVIRON["MODEL_HTTP_TOKEN"] != "") common = common "-H " q("Authorization: Bearer " ENVIRON["MODEL_HTTP_TOKEN"]) "\n"
      k = 1 }
    FILENAME == "-" { for (i = 1; i <= NF; i++) { if ($i == "0a") { k++; continue }
        n = val($i); if ((n >= 48 && n <= 57) || (n >= 65 && n <= 90) || (n >= 97 && n <= 122) || $i == "2d" || $i == "2e" || $i == "5f" || $i == "7e" || $i == "2f") enc[k] = enc[k] sprintf("%c", n); else enc[k] = enc[k] "%" toupper($i) }
      next }
    { printf "%s%s-D -\n-w \"\\n%s\\n\"\n-o %s\nurl = %s\n", (FNR > 1 ? "next\n" : ""), common, tok, q(model $0), q(base enc[FNR]) }' - "$meta/.batch"
}
# Hashes the batch's files as they finish: every file before the last one that exists is whole.
# A round (one find, one awk, one hasher call for every file finished since the last round)
# runs once the file after the first unfinished one exists, or the batch has ended; until then
# a poll is one test and a 50 ms nap, and after a round of many files (small ones arriving
# fast) too, so that they are hashed in a few calls. The last file is hashed while it arrives,
# unless the batch ended first. Its pid goes to $meta/.batch.pid and its follower's to
# $meta/.batch.fpid: the end of the batch wakes both (SIGWINCH).
batch_hash() {
  trap 'h_woke=1' WINCH
  { read -r h_pid h_rest < /proc/self/stat && printf '%s\n' "$h_pid" > "$meta/.batch.pid"; } 2>/dev/null
  pick_hasher
  h_upto=0 h_watch="" h_last="" h_count=0
  while :; do
    h_fin=""; [ ! -e "$meta/.batch.done" ] || h_fin=1
    if [ -z "$h_fin" ] && [ -n "$h_watch" ] && [ ! -e "$model/$h_watch" ]; then
      [ -d "$meta" ] || return 1
      nap
      continue
    fi
    # the staging gone (its lock taken over, the cache recreated): nothing left to hash
    { true > "$meta/.hash.names"; } 2>/dev/null || return 1
    find "$model" ! -type d > "$meta/.hash.found" 2>/dev/null
    # files 1..upto (in batch order) are settled; out: the new upto, the file whose existence
    # settles the next one, the last file, and how many this round hashes
    h_model="$model/" h_names="$meta/.hash.names" awk -v upto="$h_upto" -v fin="$h_fin" '
      BEGIN { model = ENVIRON["h_model"]; names = ENVIRON["h_names"] }
      FILENAME == ARGV[1] { there[$0]; next }
      { name[FNR] = $0; if ((model $0) in there) max = FNR; n = FNR }
      END { top = fin ? n : max - 1; if (top < upto) top = upto
        for (i = upto + 1; i <= top; i++) if ((model name[i]) in there) { print model name[i] > names; c++ }
        print top; print (top + 2 <= n ? name[top + 2] : ""); print (top < n ? name[n] : ""); print c + 0 }' "$meta/.hash.found" "$meta/.batch" > "$meta/.hash.state" || return 1
    { IFS= read -r h_upto; IFS= read -r h_watch; IFS= read -r h_last; IFS= read -r h_count; } < "$meta/.hash.state"
    [ "$h_count" -eq 0 ] || hash_names "$meta/.hash.names"
    [ -z "$h_fin" ] && [ -n "$h_watch" ] || break
    [ "$h_count" -lt 16 ] || nap
  done
  [ -n "$h_last" ] || return 0
  # the last one is hashed while it arrives (no next file tells that it is complete)
  while [ ! -e "$model/$h_last" ] && [ ! -e "$meta/.batch.done" ]; do [ -d "$meta" ] || return 1; nap; done
  sum=$(follow "$model/$h_last" "$meta/.batch.done" "$meta/.batch.fpid" 2>/dev/null | hash_stdin 2>/dev/null) && printf '%s\t%s\n' "$sum" "$h_last" >> "$meta/.sums"
}
# Hashes the files listed in $1 (paths under $model) with one hasher call and appends
# "sum<tab>name" for each to $meta/.sums; sha256sum and openssl print a line per file in order,
# the sum first (after a backslash when the name holds one). Anything amiss writes nothing:
# such files are fetched again one by one.
hash_files() { if [ "$hasher" = openssl ]; then openssl dgst -sha256 -r "$@"; else sha256sum -- "$@"; fi; }
hash_names() {
  batch_args hash_files "$1" > "$1.out" 2>/dev/null || return 0
  b_model="$model/" awk 'NR == FNR { name[FNR] = substr($0, length(ENVIRON["b_model"]) + 1); n = FNR; next }
    { s = $0; sub(/^\\/, "", s); s = substr(s, 1, 64); if (length(s) != 64 || s ~ /[^0-9a-f]/) exit; m = FNR; sum[m] = s }
    END { if (m != n) exit; for (i = 1; i <= n; i++) printf "%s\t%s\n", sum[i], name[i] }' "$1" "$1.out" >> "$meta/.sums"
}`;

/**
 * `fetch` for a model packaged as an OCI image (the "modelcar" layout: weights in a directory
 * of the image, `/models` by default), run by the model image itself as the init container:
 * a local copy into the cache, with the same partial directory, marker and rename as a download.
 */
export const OCI_COPY_FETCH = String.raw`
fetch() {
  [ -d "$MODEL_IMAGE_DIR" ] || { echo "$MODEL_IMAGE_DIR does not exist in the image $MODEL_SOURCE (404)" >> "$errf"; return 1; }
  rm -rf "$model"
  # -L: a symlink in the image (the Hugging Face cache layout links snapshots to blobs) lands as
  # the file it names, so the copy holds regular files only, as every download does
  mkdir -p "$model" && cp -RL "$MODEL_IMAGE_DIR/." "$model/" 2>> "$errf" || return 23
  record_copied
}
${RECORD_COPIED}`;
