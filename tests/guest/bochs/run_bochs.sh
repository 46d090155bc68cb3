#!/bin/sh
# run_bochs.sh IMAGE
# Runs a guest test image under Bochs (Pentium II model), as a third
# implementation to check the tests against: Bochs has no Multiboot loader
# and no isa-debug-exit device, so the image goes on a floppy behind
# boot.asm and the verdict is read from COM1 ("PASS", or the first FAIL
# line). Exits 0 on pass, 1 on failure, 77 when Bochs is not installed.
set -u

if [ $# -ne 1 ]; then
    echo "usage: run_bochs.sh IMAGE" >&2
    exit 2
fi
image=$1
here=$(cd "$(dirname "$0")" && pwd)
bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/vgabios/vgabios.bin
[ -r "$vgabios" ] || vgabios=/usr/share/bochs/VGABIOS-lgpl-latest

if ! command -v bochs >/dev/null 2>&1 || [ ! -r "$bios" ] || [ ! -r "$vgabios" ]; then
    echo "SKIP: bochs (with bochsbios and vgabios) not installed"
    exit 77
fi
if [ ! -r "$image" ]; then
    echo "FAIL: guest image '$image' not found"
    exit 1
fi
if [ "$(wc -c <"$image")" -gt 65536 ]; then
    echo "FAIL: '$image' is larger than the 64 KiB boot.asm loads"
    exit 1
fi

work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

nasm -f bin -o "$work/boot.bin" "$here/boot.asm" || exit 1
cat "$work/boot.bin" "$image" >"$work/floppy.img"
truncate -s 1474560 "$work/floppy.img"
: >"$work/com1.txt"
cat >"$work/bochsrc" <<RC
megs: 32
cpu: model=p2_klamath, ips=50000000, ignore_bad_msrs=0
romimage: file=$bios
vgaromimage: file=$vgabios
floppya: 1_44=$work/floppy.img, status=inserted
boot: floppy
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
com1: enabled=1, mode=file, dev=$work/com1.txt
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
clock: sync=none
RC
# The Debian build has the debugger compiled in: continue at its prompt.
echo c >"$work/debugger.rc"
bochs -q -f "$work/bochsrc" -rc "$work/debugger.rc" </dev/null >"$work/bochs.out" 2>&1 &
pid=$!

verdict=""
ticks=0
while [ $ticks -lt 300 ]; do
    # Judge one snapshot: Bochs may be writing the file meanwhile. The line
    # that follows every verdict (the exit port has no effect here) is not
    # a failure of its own.
    cp "$work/com1.txt" "$work/snap.txt"
    if grep -qx 'PASS' "$work/snap.txt"; then
        verdict=pass
        break
    fi
    if grep -v 'isa-debug-exit port did not stop' "$work/snap.txt" |
        grep -q -E '^FAIL|^check [0-9]+: .* FAIL'; then
        verdict=fail
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        break
    fi
    sleep 0.2
    ticks=$((ticks + 1))
done

if [ "$verdict" = pass ]; then
    sed '/^PASS$/q' "$work/snap.txt"
    exit 0
fi
if [ "$verdict" = fail ]; then
    n=$(grep -m1 -E '^FAIL [0-9]+:|^check [0-9]+: .* FAIL' "$work/snap.txt" |
        sed -n -e 's/^FAIL \([0-9]*\):.*/\1/p' -e 's/^check \([0-9]*\):.*/\1/p')
    echo "FAIL: guest reported failing check ${n:-(none: see output)}"
else
    echo "FAIL: no verdict on COM1 within 60 s"
    echo "--- bochs ---"
    tail -n 20 "$work/bochs.out"
fi
echo "--- COM1 output ---"
cat "$work/com1.txt"
exit 1
