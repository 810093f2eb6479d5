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
 *   sidecar restart does not print old lines again. So is a new name that is a followed file
 *   renamed (same inode as a name at the last change, and that name recreated): a rotation to
 *   `app-2026-11-27.log`, which `*.log` matches, does not print the day's lines twice.
 * - Lines of one file keep their order, and every line is written whole (one write through
 *   `sed -u` or a read loop), so two busy files never cut into each other's lines. With
 *   `LOG_PREFIX=1` each line is prefixed by `<file>: ` (the name is escaped for sed, never
 *   read as a program).
 * - A name that is gone at a rescan (a date-stamped file deleted by retention) stops being
 *   followed: its `tail` is ended, so a pod that runs for months with a new name every hour
 *   keeps one `tail` per existing file, not one per name ever seen.
 * - The per-name work runs only when the listing changed, so an idle rescan costs one glob
 *   and one string compare, also with thousands of files.
 * - SIGTERM ends the script and its followers at once (`sleep` runs in the background and
 *   `wait` is interrupted by the trap).
 * - Any file name works: spaces, unicode, a leading `-`, `*`. Followed names are kept in one
 *   string as `//<name>/<pid of its tail>`; `//` is in no glob result (file names have no `/`,
 *   and LogSidecar refuses patterns with empty segments), so `a b.log` never hides `b.log`.
 *
 * Settings come from env: LOG_DIR, LOG_PATTERN (shell glob, default `*.log`), LOG_PREFIX.
 */
export const LOG_STREAM_SCRIPT = shell(String.raw`set -u
cd "$LOG_DIR" || { echo "log-stream: cannot read $LOG_DIR" >&2; exit 1; }
trap 'trap - TERM INT; kill 0' TERM INT
exec 3>&1
# GNU sed -u writes every line at once; where there is none (busybox), a read loop does (slower)
if printf '' | sed -u '' 2>/dev/null; then line_sed=1; else line_sed=0; fi
# runs as its own process (a pipeline element): sed replaces it
lines() {
  if [ "$line_sed" = 1 ]; then
    exec sed -u "s|^|$(printf '%s' "$1" | sed 's/[\\&|]/\\&/g')|"
  else
    while IFS= read -r line; do printf '%s%s\n' "$1" "$line"; done
  fi
}
# follows file $1 from line $2 (tail's -n) and prints the pid of its tail
follow() {
  # a newline in the name becomes ?, so a prefix never starts a line of its own
  if [ "\${LOG_PREFIX:-0}" = 1 ]; then p="$(printf '%s' "$1" | tr '\n' '?'): "; else p=; fi
  exec 4>&1 >&3
  { tail -n "$2" -F -q "./$1" 2>/dev/null 4>&- & echo "$!" >&4; } | { exec 4>&-; lines "$p"; } &
}
seen="//"
listed=
inodes=
first=1
while :; do
  now="//"
  for f in \${LOG_PATTERN:-*.log}; do
    [ -f "$f" ] && now="$now$f//"
  done
  if [ "$now" != "$listed" ]; then
    # names gone: end their tail
    keep="//"
    rest=\${seen#//}
    while [ -n "$rest" ]; do
      e=\${rest%%//*}
      rest=\${rest#*//}
      case "$now" in
        *"//\${e%/*}//"*) keep="$keep$e//" ;;
        *) kill "\${e##*/}" 2>/dev/null ;;
      esac
    done
    seen=$keep
    # new names: follow them (from the end at start, from the start later)
    rest=\${now#//}
    while [ -n "$rest" ]; do
      f=\${rest%%//*}
      rest=\${rest#*//}
      case "$seen" in *"//$f/"[0-9]*) continue ;; esac
      from=+1
      if [ "$first" = 1 ]; then
        from=0
      else
        # renamed from a followed name that was recreated (app.log -> app-2026-11-27.log):
        # its lines were printed already, read only what comes next
        ino=$(ls -di -- "./$f" 2>/dev/null | sed 's/^ *\([0-9]*\).*/\1/')
        case "$inodes" in
          *"
$ino "*)
            was=\${inodes#*"
$ino "}
            was=\${was%%"
"*}
            if [ "$was" != "$f" ] && [ -f "./$was" ]; then from=0; fi
            ;;
        esac
      fi
      pid=$(follow "$f" "$from")
      seen="$seen$f/$pid//"
    done
    listed=$now
    # inode and name of each file, to recognize a rename at the next change
    inodes="
$(ls -di -- \${LOG_PATTERN:-*.log} 2>/dev/null | sed 's/^ *//')
"
  fi
  first=0
  sleep 1 &
  wait $!
done
`);
