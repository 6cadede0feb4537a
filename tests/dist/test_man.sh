#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every program answers --version with the project's version; every man page renders without
# a warning (man --warnings, groff -ww); every option a program's --help lists is in its page,
# and every option the page names is in --help.
# Arguments: PCIBACKD PCIFRONT PCIBACKCTL MANDIR VERSION
set -eu
MANDIR=$4 VERSION=$5
T=$(mktemp -d /tmp/pbman.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
opts() { grep -oE -- '--[a-z][a-z-]*' "$1" | sort -u; }

for spec in "$1:pcibackd.8" "$2:pcifront.1" "$3:pcibackctl.8"; do
	prog=${spec%:*} page=$MANDIR/${spec#*:} name=$(basename "$prog")
	v=$("$prog" --version) || fail "$name --version exited $?"
	[ "$v" = "$name $VERSION" ] || fail "$name --version: \"$v\", expected \"$name $VERSION\""
	echo "ok: $name --version: $v"

	LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -E UTF-8 -l "$page" >"$T/page" 2>"$T/warn" ||
		fail "man -l $page failed: $(cat "$T/warn")"
	[ ! -s "$T/warn" ] || fail "man --warnings -l $page: $(cat "$T/warn")"
	if command -v groff >/dev/null; then
		groff -ww -man -z "$page" 2>"$T/warn" || fail "groff $page failed"
		[ ! -s "$T/warn" ] || fail "groff -ww $page: $(cat "$T/warn")"
	fi
	grep -q "$VERSION" "$T/page" || fail "$page does not name version $VERSION"
	echo "ok: $page renders without warnings"

	# The rendered page in plain ASCII: groff's hyphens and minus signs as '-'.
	LC_ALL=C MANWIDTH=200 man -E ascii -l "$page" 2>/dev/null | col -bx >"$T/text"
	"$prog" --help >"$T/help" || fail "$name --help exited $?"
	opts "$T/help" >"$T/help.opts"
	opts "$T/text" >"$T/page.opts"
	[ -s "$T/help.opts" ] || fail "$name --help lists no option"
	missing=$(comm -23 "$T/help.opts" "$T/page.opts" | tr '\n' ' ')
	[ -z "$missing" ] || fail "$page lacks options of $name --help: $missing"
	extra=$(comm -13 "$T/help.opts" "$T/page.opts" | tr '\n' ' ')
	[ -z "$extra" ] || fail "$page names options $name --help does not list: $extra"
	echo "ok: $page documents exactly the $(wc -l <"$T/help.opts") options of $name --help"
done
