#!/usr/bin/env bash
# Builds the Debian package from a fresh copy of the source tree (what a clone holds: git's
# files, committed or not, without build directories), as `dpkg-buildpackage -us -uc -b`,
# then checks that the .deb holds every file the package must install, that the defaults
# file is a conffile, and that lintian finds no error.  Needs debhelper, dpkg-dev, lintian,
# fakeroot and the Build-Depends (tools/test.sh installs them).  About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
T=$(mktemp -d /tmp/pbdeb.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "check_deb: FAIL: $*" >&2; exit 1; }

mkdir "$T/src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
	[ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -C "$T/src" -xf -
(cd "$T/src" && dpkg-buildpackage -us -uc -b -j2 >"$T/build.log" 2>&1) ||
	{ tail -n 40 "$T/build.log" >&2; fail "dpkg-buildpackage failed"; }
debs=("$T"/pcibackd_*.deb)
[ -f "${debs[0]}" ] || fail "no pcibackd_*.deb built"
deb=${debs[0]}
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$T/files"
for f in /usr/sbin/pcibackd /usr/sbin/pcibackctl /usr/bin/pcifront \
	/lib/systemd/system/pcibackd.service /etc/default/pcibackd /lib/modprobe.d/pcibackd.conf \
	/usr/share/man/man8/pcibackd.8.gz /usr/share/man/man8/pcibackctl.8.gz /usr/share/man/man1/pcifront.1.gz \
	/usr/share/doc/pcibackd/copyright; do
	grep -qx "$f" "$T/files" || fail "$(basename "$deb") lacks $f"
done
echo "check_deb: $(basename "$deb") installs the programs, unit, defaults, modprobe.d file and man pages"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | grep -qx /etc/default/pcibackd ||
	fail "/etc/default/pcibackd is not a conffile"
lintian --fail-on error --no-tag-display-limit "$T"/pcibackd_*.changes >"$T/lintian.log" 2>&1 ||
	{ cat "$T/lintian.log" >&2; fail "lintian found errors"; }
echo "check_deb: lintian: no error ($(grep -c '^W:' "$T/lintian.log" || true) warnings)"
sed -n 's/^\([WI]\): /  \1: /p' "$T/lintian.log"
