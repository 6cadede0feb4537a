#!/usr/bin/env bash
# Fails (exit 1, listing file:line) if assert(, abort( or exit( appears in src/ outside a
# program's entry point: a guest must never be able to stop the daemon
# (no assert/abort/exit on a path a guest can reach).  Entry points are the files that define main() and are named for it:
# src/*/main.c, src/*/*_main.c, src/toolstack/*main*.c.  Comment lines are skipped.
#   tools/lint_guest_paths.sh [SRC_DIR]
set -euo pipefail
src=${1:-"$(dirname "$0")/../src"}
bad=0
while IFS= read -r -d '' f; do
	case "$f" in
	*/main.c | *_main.c | */toolstack/*main*.c) continue ;;
	esac
	# grep -n prints "line:text"; drop comment lines, then report what is left.
	while IFS= read -r hit; do
		line=${hit%%:*} text=${hit#*:}
		case "$(sed -e 's/^[[:space:]]*//' <<<"$text")" in
		'*'* | '//'* | '/*'*) continue ;;
		esac
		echo "${f#"$src"/}:$line: $(sed -e 's/^[[:space:]]*//' <<<"$text")"
		bad=1
	done < <(grep -nE '(^|[^A-Za-z0-9_])(assert|abort|exit)[[:space:]]*\(' "$f" || true)
done < <(find "$src" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
if [ "$bad" -ne 0 ]; then
	echo "lint_guest_paths: assert/abort/exit on a path a guest can reach (move it to main.c or return an error)" >&2
	exit 1
fi
echo "lint_guest_paths: clean"
