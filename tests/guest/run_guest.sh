#!/bin/sh
# run_guest.sh [--optional] EMULATOR IMAGE [OPTION...]
# Boots a guest test image (Multiboot) with isa-debug-exit and COM1 on stdio.
# OPTIONs go to the emulator: the ones a test declares on a line
# "; guest-options: ..." of its source (for instance -icount shift=3).
# The guest passes by printing "PASS" on COM1 and writing 0 to port 0xf4
# (status 1); a failing check N writes N (status 2N+1). Both the status and
# the line are required, since an emulator that stops with an error may
# also exit with 1. Exits 0 on pass, 1 on failure, and 77 (ctest
# SKIP_RETURN_CODE) when an --optional emulator is not installed.
set -u

optional=false
if [ "${1:-}" = "--optional" ]; then
    optional=true
    shift
fi
if [ $# -lt 2 ]; then
    echo "usage: run_guest.sh [--optional] EMULATOR IMAGE [OPTION...]" >&2
    exit 2
fi
emu=$1
image=$2
shift 2

if [ -z "$emu" ] || ! command -v "$emu" >/dev/null 2>&1; then
    if $optional; then
        echo "SKIP: emulator '$emu' not found"
        exit 77
    fi
    echo "FAIL: emulator '$emu' not found"
    exit 1
fi
if [ ! -r "$image" ]; then
    echo "FAIL: guest image '$image' not found"
    exit 1
fi

# QEMU runs the same images to check the tests themselves: give it a P6
# model (CPUID family 6, "GenuineIntel") and enough RAM. Under -icount
# every Lintas device runs on the virtual clock, and an idle Lintas moves
# that clock straight to the next timer deadline; QEMU does the same with
# sleep=off (its default lets host time pass while idle) and its RTC
# follows the virtual clock with -rtc clock=vm (its default is host time).
extra=""
qemu=false
case $(basename "$emu") in
    qemu-system-*) extra="-cpu pentium2 -m 32"; qemu=true ;;
esac
after_icount=false
for opt in "$@"; do
    if $qemu && $after_icount; then
        opt="$opt,sleep=off"
        extra="$extra -rtc clock=vm"
    fi
    after_icount=false
    [ "$opt" = "-icount" ] && after_icount=true
    set -- "$@" "$opt"
    shift
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
timeout 25 "$emu" -kernel "$image" -display none -serial stdio \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot $extra "$@" \
    </dev/null >"$log" 2>&1
status=$?
echo "guest exit status: $status"

if [ "$status" -eq 1 ] && grep -qx 'PASS' "$log"; then
    cat "$log"
    exit 0
fi
if [ "$status" -eq 1 ]; then
    echo "FAIL: status 1 but the guest never printed PASS (emulator error?)"
elif [ "$status" -eq 124 ]; then
    echo "FAIL: no exit through port 0xf4 within 25 s"
elif [ $((status % 2)) -eq 1 ]; then
    echo "FAIL: guest reported failing check $(( (status - 1) / 2 ))"
else
    echo "FAIL: emulator ended with status $status, not through port 0xf4"
fi
echo "--- COM1 output ---"
cat "$log"
exit 1
