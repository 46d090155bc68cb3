#!/bin/sh
# bench_linux.sh LINTAS CACHE_DIR [FLAVOUR] [TIMEOUT_SECONDS]
# Prints the seconds from start to the busybox shell's marker for Debian
# 12's i386 kernel of FLAVOUR (default 686) with the test initramfs, on
# lintas and, when qemu-system-i386 is installed, on QEMU's TCG with the
# same kernel, initramfs and command line. A figure, never a verdict.
set -u
if [ $# -lt 2 ] || [ $# -gt 4 ]; then
    echo "usage: bench_linux.sh LINTAS CACHE_DIR [FLAVOUR] [TIMEOUT_SECONDS]" >&2
    exit 2
fi
lintas=$1
cache=$2
flavour=${3:-686}
limit=${4:-600}
here=$(cd "$(dirname "$0")" && pwd)

"$here/fetch_debian.sh" "$cache" >/dev/null || exit 1
kernel=$cache/vmlinuz-$flavour
initramfs=$cache/initramfs.cpio.gz
"$here/make_initramfs.sh" "$cache/busybox" "$initramfs" || exit 1
append="console=ttyS0 panic=-1"

now() {
    date +%s.%N
}

# time_to_shell NAME COMMAND...: run COMMAND with its console in a file,
# print the seconds until the marker shows, then stop it.
time_to_shell() {
    name=$1
    shift
    out=$cache/bench-$name.log
    start=$(now)
    "$@" </dev/null >"$out" 2>&1 &
    pid=$!
    result=""
    while [ -z "$result" ]; do
        if grep -aq '^LINTAS-SHELL-READY' "$out"; then
            result=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f s to the shell", b - a }')
        elif ! kill -0 "$pid" 2>/dev/null; then
            result="stopped before the shell; last line: $(tail -n 1 "$out")"
        elif awk -v a="$start" -v b="$(now)" -v l="$limit" 'BEGIN { exit !(b - a > l) }'; then
            result="no shell within $limit s; last line: $(tail -n 1 "$out")"
        else
            sleep 0.05
        fi
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    printf '%-8s %s\n' "$name:" "$result"
}

echo "Debian $flavour kernel $(sed -n 's/^linux-image-[^ ]*-'"$flavour"' //p' "$cache/versions"), -m 256"
time_to_shell lintas "$lintas" -m 256 -kernel "$kernel" -initrd "$initramfs" -append "$append" \
    -serial stdio -display none -no-reboot
if command -v qemu-system-i386 >/dev/null; then
    time_to_shell qemu qemu-system-i386 -accel tcg -m 256 -nographic -kernel "$kernel" \
        -initrd "$initramfs" -append "$append" -no-reboot
else
    echo "qemu:    qemu-system-i386 is not installed"
fi
