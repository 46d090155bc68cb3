#!/bin/sh
# check_mutants.sh EMULATOR TEST.asm...
# Shows that every check of the given guest tests can fail: assembles each
# test once per CHECK_* macro with -DMUTATE=k (which flips one bit of that
# check's expected value) and requires the guest to fail with the number
# the failing check prints. The unmutated test must pass.
set -u

if [ $# -lt 2 ]; then
    echo "usage: check_mutants.sh EMULATOR TEST.asm..." >&2
    exit 2
fi
emu=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
# Images for QEMU are built with its profile (lib/profile.inc).
defines=""
case $(basename "$emu") in
    qemu-system-*) defines="-DEMU_QEMU" ;;
esac
if ! command -v "$emu" >/dev/null 2>&1; then
    echo "SKIP: emulator '$emu' not found"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bad=0

for src in "$@"; do
    name=$(basename "$src" .asm)
    # The emulator options the test declares (see run_guest.sh).
    options=$(sed -n 's/^; guest-options://p' "$src" | head -n 1)
    nasm -f bin -I "$here/" $defines -o "$work/$name.bin" "$src" || { bad=1; continue; }
    # shellcheck disable=SC2086
    if ! sh "$here/run_guest.sh" "$emu" "$work/$name.bin" $options >"$work/out" 2>&1; then
        echo "$name: FAIL (unmutated test does not pass)"
        bad=1
        continue
    fi
    k=1
    killed=0
    while :; do
        nasm -f bin -I "$here/" $defines -DMUTATE=$k -o "$work/m.bin" "$src" || { bad=1; break; }
        # Past the last check the mutant is the unmutated image.
        cmp -s "$work/m.bin" "$work/$name.bin" && break
        # shellcheck disable=SC2086
        sh "$here/run_guest.sh" "$emu" "$work/m.bin" $options >"$work/out" 2>&1
        status=$(sed -n 's/^guest exit status: //p' "$work/out")
        line=$(grep -m1 '^check [0-9]*: .* FAIL' "$work/out")
        n=$(printf '%s\n' "$line" | sed -n 's/^check \([0-9]*\):.*/\1/p')
        if [ -n "$n" ] && [ "$status" = $((2 * n + 1)) ]; then
            killed=$((killed + 1))
        else
            echo "$name: mutant $k not caught: status ${status:-none}, line '$line'"
            bad=1
        fi
        k=$((k + 1))
    done
    echo "$name: $killed of $((k - 1)) mutated checks fail with their own number"
done
exit $bad
