import { shell } from './_shell';

/**
 * The POSIX `sh` script of LogSidecar's default mode: streams every log file of the shared
 * directory to the sidecar's stdout, so `kubectl logs <pod> -c <sidecar> -f` shows the app's
 * file logs.
 *
 * - Files that appear later are picked up (the directory is rescanned every second).
 * - Each file is followed by name (`tail -F`), so a rotated file (renamed, then recreated) is
 *   reopened and the new file is read from its start.
 * - Files already present when the sidecar (re)starts are followed from their end, so a
 *   sidecar restart does not print old lines again.
 * - Lines of one file keep their order. With `LOG_PREFIX=1` each line is prefixed by
 *   `<file>: `, to tell files apart (the name is escaped for sed, never read as a program).
 * - Any file name works: spaces, unicode, a leading `-`, `*`. Names already followed are kept
 *   in one string joined by `//`, which no glob result contains (file names have no `/`, and
 *   LogSidecar refuses patterns with empty segments), so `a b.log` never hides `b.log`.
 *
 * Settings come from env: LOG_DIR, LOG_PATTERN (shell glob, default `*.log`), LOG_PREFIX.
 */
export const LOG_STREAM_SCRIPT = shell(String.raw`set -u
cd "$LOG_DIR" || { echo "log-stream: cannot read $LOG_DIR" >&2; exit 1; }
trap 'kill 0' TERM INT
# GNU sed -u writes every line at once; where there is none (busybox), a read loop does (slower)
if printf '' | sed -u '' 2>/dev/null; then line_sed=1; else line_sed=0; fi
label() {
  if [ "$line_sed" = 1 ]; then
    sed -u "s|^|$(printf '%s' "$1" | tr '\n' '?' | sed 's/[\\&|]/\\&/g'): |"
  else
    while IFS= read -r line; do printf '%s: %s\n' "$1" "$line"; done
  fi
}
follow() {
  if [ "\${LOG_PREFIX:-0}" = 1 ]; then
    tail -n "$2" -F -q "./$1" 2>/dev/null | label "$1" &
  else
    tail -n "$2" -F -q "./$1" 2>/dev/null &
  fi
}
seen="//"
first=1
while :; do
  for f in \${LOG_PATTERN:-*.log}; do
    [ -f "$f" ] || continue
    case "$seen" in *"//$f//"*) continue ;; esac
    seen="$seen$f//"
    if [ "$first" = 1 ]; then follow "$f" 0; else follow "$f" +1; fi
  done
  first=0
  sleep 1
done
`);
