#!/bin/sh
# boot_protocol.sh LINTAS PROBE_BZIMAGE
# Boots bzimage_probe.asm through SeaBIOS and the Linux boot option ROM
# with a command line and an initrd; the probe checks what the boot loader
# left (registers, setup header, command line, kernel at 1 MiB, initrd)
# and exits through isa-debug-exit: status 33 when all is right, else
# 2 * N + 1 for the first failed check N (see the probe's source).
set -u
if [ $# -ne 2 ]; then
    echo "usage: boot_protocol.sh LINTAS PROBE_BZIMAGE" >&2
    exit 2
fi
lintas=$1
probe=$2
initrd=$(mktemp)
trap 'rm -f "$initrd"' EXIT
printf 'INITRD-PROBE' >"$initrd"
failed=0
for mib in 64 1024; do
    timeout 60 "$lintas" -m "$mib" -kernel "$probe" -initrd "$initrd" -append "lintas-probe 42" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial none -display none \
        -no-reboot </dev/null
    status=$?
    if [ "$status" -eq 33 ]; then
        echo "PASS: the probe kernel booted as the boot protocol says with $mib MiB"
    elif [ "$status" -gt 33 ] || [ $((status % 2)) -eq 0 ]; then
        echo "FAIL: with $mib MiB, lintas exited with status $status before the probe reported"
        failed=1
    else
        echo "FAIL: with $mib MiB, the probe's check $(((status - 1) / 2)) failed"
        failed=1
    fi
done
exit "$failed"
