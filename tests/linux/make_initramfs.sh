#!/bin/sh
# make_initramfs.sh BUSYBOX OUTPUT
# Builds a gzipped initramfs (cpio "newc", as the kernel's
# Documentation/filesystems/ramfs-rootfs-initramfs.rst asks) holding the
# static i386 busybox BUSYBOX and an /init that prints the milestones
# boot_linux.sh checks on the serial console:
#   LINTAS-SHELL-READY      the shell runs
#   /proc/cpuinfo           what the kernel made of the CPU
#   LINTAS-AWK: <value>     the square root of 2 from busybox awk, in floating point
#   LINTAS-DONE             then a forced power-off
set -eu
if [ $# -ne 2 ]; then
    echo "usage: make_initramfs.sh BUSYBOX OUTPUT" >&2
    exit 2
fi
busybox=$1
output=$2
command -v cpio >/dev/null || { echo "make_initramfs.sh: needs cpio (apt-get install cpio)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
cp "$busybox" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo LINTAS-SHELL-READY
cat /proc/cpuinfo
# Newton's iteration for the square root of 2: division, addition and
# printf of doubles (Debian's busybox awk has no libm, so no sin()).
echo "LINTAS-AWK: $(awk 'BEGIN { x = 1; for (i = 0; i < 20; i++) x = x / 2 + 1 / x; printf "%.9f\n", x }')"
echo LINTAS-DONE
poweroff -f
INIT
chmod 755 "$root/init"
# No /dev/console here: the kernel's own built-in initramfs, unpacked
# before this one, provides it (init/initramfs.c, usr/default_cpio_list).
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$output.cpio"
gzip -9 -n <"$output.cpio" >"$output"
rm -f "$output.cpio"
