#!/bin/bash
# Builds the boot images of the end-to-end harness from a Debian kernel and Xen
# extracted (not installed) into $KROOT:
#   $OUT/xen            the hypervisor, uncompressed (QEMU's multiboot loader needs the ELF)
#   $OUT/vmlinuz        dom0's kernel
#   $OUT/dom0.cpio.gz   busybox dom0: the Xen toolstack, pcibackd, pcibackctl, lspci, modules,
#                       dom0-init.sh as /init, the scenarios, and the guest images under /guest
# Environment: KROOT OUT WORK (scratch) BINS (space-separated host binaries for dom0)
#              GUEST_BINS (host binaries for the guest).
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
: "${KROOT:?}" "${OUT:?}" "${WORK:?}"
KVER=$(ls "$KROOT/lib/modules" | sort -V | tail -1)
XENBIN=/usr/lib/xen-4.17/bin
mkdir -p "$OUT" "$WORK"

# Copies each file (following links) and every shared library ldd names.
install_bin() {
	local root=$1 f lib
	shift
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
		for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ )]*' | sort -u); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}

# Copies kernel modules with their dependencies, then indexes them.
install_modules() {
	local root=$1 m f
	shift
	mkdir -p "$root/lib/modules/$KVER"
	for m in "$@"; do
		modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
		while read -r f; do
			f=/${f#"$KROOT"}
			f=${f//\/\//\/}
			mkdir -p "$root$(dirname "$f")"
			cp "$KROOT$f" "$root$f"
		done
	done
	cp "$KROOT/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$KVER/"
	depmod -b "$root" "$KVER"
}

new_root() {
	local root=$1 a
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,var,root,mnt}
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
}

# Project binaries: copied with their libraries, reachable as /usr/local/bin/NAME.
install_tools() {
	local root=$1 f
	shift
	install_bin "$root" "$@"
	mkdir -p "$root/usr/local/bin"
	# A copy, not a link to the build path: a build under /tmp would be hidden by the guest's tmpfs.
	for f in "$@"; do cp -L "$f" "$root/usr/local/bin/$(basename "$f")"; done
}

pack() {
	(cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$2"
}

[ -e "$KROOT/lib/modules/$KVER/modules.dep" ] || depmod -b "$KROOT" "$KVER"
XS_TOOLS="/usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-ls /usr/bin/xenstore-rm
	  /usr/bin/xenstore-list /usr/bin/xenstore-chmod /usr/bin/xenstore-exists"

# --- the guest: busybox, lspci, xenstore client (the command channel), pcifront, drivers ---
G=$WORK/guest-root
new_root "$G"
install_bin "$G" /usr/bin/lspci /usr/bin/setpci $XS_TOOLS
install_tools "$G" ${GUEST_BINS:-}
install_modules "$G" xen-pcifront nvme e1000e xen-evtchn xen-gntalloc xenfs
cp "$HERE/guest-init.sh" "$G/init"
chmod +x "$G/init"
pack "$G" "$WORK/guest.cpio.gz"

# The guest kernel as an uncompressed ELF: libxenguest unpacks an XZ bzImage slowly under TCG.
if [ ! -s "$WORK/vmlinux" ] || [ "$WORK/vmlinux" -ot "$KROOT/boot/vmlinuz-$KVER" ]; then
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$KROOT/boot/vmlinuz-$KVER" | head -1 | cut -d: -f1 || true)
	tail -c +$((off + 1)) "$KROOT/boot/vmlinuz-$KVER" | xz -dc --single-stream > "$WORK/vmlinux" 2>/dev/null || true
	[ -s "$WORK/vmlinux" ] || { echo "images.sh: cannot unpack the guest kernel" >&2; exit 1; }
fi

# --- dom0: busybox, the Xen toolstack, pcibackd, modules, the guest images ---
D=$WORK/dom0-root
new_root "$D"
install_bin "$D" $XENBIN/xl $XENBIN/xenstored $XENBIN/xenconsoled $XENBIN/xen-init-dom0 \
	$XENBIN/libxl-save-helper $XS_TOOLS /usr/bin/lspci /usr/bin/setpci \
	/usr/lib/x86_64-linux-gnu/libgcc_s.so.1 /bin/bash
install_tools "$D" ${BINS:-}
for b in xl xenstored xenconsoled xen-init-dom0; do ln -sf $XENBIN/$b "$D/usr/sbin/$b"; done
mkdir -p "$D/etc/xen" "$D"/var/{lib/xen,lib/xenstored,log/xen/console,lock} "$D/usr/share/xen"
cp -a /etc/xen/xl.conf /etc/xen/scripts "$D/etc/xen/"
install_modules "$D" xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc xen-pciback pci-stub nvme e1000e
mkdir -p "$D/guest" "$D/e2e"
cp "$WORK/vmlinux" "$D/guest/vmlinux"
cp "$WORK/guest.cpio.gz" "$D/guest/guest.cpio.gz"
cp "$HERE/dom0-init.sh" "$D/init"
cp "$HERE/dom0-lib.sh" "$HERE/scenarios.sh" "$D/e2e/"
chmod +x "$D/init"
pack "$D" "$OUT/dom0.cpio.gz"

cp "$KROOT/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
zcat "$KROOT/boot/xen-4.17-amd64.gz" > "$OUT/xen"
