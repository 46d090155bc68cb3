#!/bin/sh
# boot_linux.sh LINTAS CACHE_DIR FLAVOUR [TIMEOUT_SECONDS]
# Boots Debian 12's i386 kernel of FLAVOUR (686 or 686-pae, fetched into
# CACHE_DIR by fetch_debian.sh) with a busybox initramfs built here
# (make_initramfs.sh), through SeaBIOS and the Linux boot option ROM, and
# checks the serial console: the shell's marker, a family 6 CPU in
# /proc/cpuinfo, busybox awk's floating-point answer, no kernel BUG,
# "unsupported" line or unexpected-interrupt warning, the power-off, and
# lintas's exit status 0. On a failure it says which boot milestone was
# the last reached.
set -u
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: boot_linux.sh LINTAS CACHE_DIR FLAVOUR [TIMEOUT_SECONDS]" >&2
    exit 2
fi
lintas=$1
cache=$2
flavour=$3
limit=${4:-600}
here=$(cd "$(dirname "$0")" && pwd)

"$here/fetch_debian.sh" "$cache" || exit 1
kernel=$cache/vmlinuz-$flavour
[ -s "$kernel" ] || { echo "boot_linux.sh: no kernel $kernel" >&2; exit 2; }
initramfs=$cache/initramfs-$flavour.cpio.gz # one per test, which may run side by side
"$here/make_initramfs.sh" "$cache/busybox" "$initramfs" || exit 1

log=$cache/boot-$flavour.log
echo "booting $kernel (log: $log)"
timeout "$limit" "$lintas" -m 256 -kernel "$kernel" -initrd "$initramfs" \
    -append "console=ttyS0 earlyprintk=serial,ttyS0 panic=-1" \
    -serial stdio -display none -no-reboot </dev/null >"$log" 2>&1 &
pid=$!
# The setup code's CPU check stops in a loop of its own: end the run there
# rather than at the time limit.
while kill -0 "$pid" 2>/dev/null; do
    if grep -aq 'Unable to boot - please use a kernel appropriate' "$log"; then
        sleep 1
        kill "$pid" 2>/dev/null
    fi
    sleep 1
done
wait "$pid"
status=$?

failed=0
fail() {
    echo "FAIL: $*"
    failed=1
}
has() {
    grep -aq -- "$1" "$log"
}
# The console ends its lines with CR LF: a check of a whole line allows the CR.
[ "$status" -eq 0 ] || fail "lintas exited with status $status$([ "$status" -eq 124 ] && echo " (timed out after $limit s)")"
has '^LINTAS-SHELL-READY' || fail "no shell marker LINTAS-SHELL-READY"
grep -aEq '^cpu family[[:space:]]*: 6[[:space:]]*$' "$log" || fail "no 'cpu family : 6' line in /proc/cpuinfo"
grep -aEq '^LINTAS-AWK: 1\.414213562[[:space:]]*$' "$log" || fail "busybox awk did not print 1.414213562: $(grep -a '^LINTAS-AWK' "$log")"
has '^LINTAS-DONE' || fail "/init did not finish"
has 'reboot: Power down' || fail "no power-off ('reboot: Power down')"
# Kernel bugs, missing CPU features and interrupts nobody expected
# (8259A spurious IRQs, unhandled vectors, IRQs no handler took).
complaints='BUG|[Uu]nsupported|Kernel panic|not present on the CPU|spurious 8259A interrupt|unexpected IRQ|No irq handler|nobody cared|Broken PMU'
if grep -aE "$complaints" "$log" >/dev/null; then
    fail "kernel complaints:"
    grep -aE "$complaints" "$log" | head -n 10
fi

if [ "$failed" -ne 0 ]; then
    # The boot's milestones, in order: the furthest one found tells how
    # far the kernel got.
    reached="nothing on the console"
    for milestone in \
        "setup code:This kernel requires|Probing EDD|early console in setup" \
        "decompressor:Decompressing Linux|early console in extract_kernel" \
        "kernel proper:Linux version" \
        "memory map:BIOS-e820" \
        "console:printk: console \\[ttyS0\\] enabled|console \\[ttyS0\\] enabled" \
        "initramfs unpacked:Unpacking initramfs|Trying to unpack rootfs" \
        "init started:Run /init as init process" \
        "shell:LINTAS-SHELL-READY" \
        "power-off:reboot: Power down"; do
        if grep -aEq "${milestone#*:}" "$log"; then
            reached=${milestone%%:*}
        fi
    done
    echo "furthest milestone: $reached"
    echo "--- last lines of the console ---"
    tail -n 40 "$log"
    exit 1
fi
echo "PASS: Debian's $flavour kernel boots to the busybox shell and powers off"
