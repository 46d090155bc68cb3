#!/bin/sh
# resume.sh LINTAS WORKDIR SHIFT [ARG...]
#
# Save and resume in a new process. Runs lintas ARG... under -icount
# shift=SHIFT three times: to the end; stopped at half its instruction count
# with its state saved (-save-state); and resumed from that state
# (-incoming) in a new process. The two parts' COM1 output (stdout) must
# make up the whole run's, and the resumed run must end as the whole run
# did: the same exit status, the same stderr, the same final instruction
# count (-print-icount). Then a truncated, a corrupted and a missing state
# file must each give one line on stderr naming the file, and status 1.
set -u

if [ $# -lt 3 ]; then
    echo "usage: resume.sh LINTAS WORKDIR SHIFT [ARG...]" >&2
    exit 2
fi
lintas=$1
work=$2
shift_n=$3
shift 3

rm -rf "$work"
mkdir -p "$work" || exit 1

failed=0
fail() {
    echo "FAIL: $*"
    failed=1
}

# run NAME [EXTRA...]: the guest under -icount, output in $work/NAME.*
run() {
    name=$1
    shift
    timeout 120 "$lintas" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err"
    echo $? >"$work/$name.status"
}

show() {
    for f in "$@"; do
        echo "--- $f (status $(cat "$work/$f.status")) stderr:"
        cat "$work/$f.err"
        echo "--- $f stdout, last lines:"
        tail -n 5 "$work/$f.out"
    done
}

icount_of() {
    sed -n 's/^icount \([0-9][0-9]*\)$/\1/p' "$work/$1.err"
}

run whole "$@" -icount shift="$shift_n" -print-icount
total=$(icount_of whole)
if [ -z "$total" ] || [ "$total" -lt 2 ]; then
    fail "the whole run printed no instruction count"
    show whole
    exit 1
fi
half=$((total / 2))
echo "whole run: $total instructions, status $(cat "$work/whole.status"), $(wc -c <"$work/whole.out") bytes on COM1; saving at $half"

state=$work/guest.state
run first "$@" -icount shift="$shift_n" -print-icount -save-state "icount=$half,file=$state"
[ "$(cat "$work/first.status")" = 0 ] || fail "the saving run ended with status $(cat "$work/first.status")"
printf 'icount %s\n' "$half" | cmp -s - "$work/first.err" || fail "the saving run's stderr is not 'icount $half'"
[ -f "$state" ] || fail "no state file was written"
[ -e "$state.tmp" ] && fail "the temporary file was left behind"

run second "$@" -icount shift="$shift_n" -print-icount -incoming "file:$state"
cat "$work/first.out" "$work/second.out" | cmp -s - "$work/whole.out" ||
    fail "COM1 output of the saved and resumed runs differs from the whole run's"
cmp -s "$work/second.err" "$work/whole.err" ||
    fail "the resumed run's stderr (instruction count) differs from the whole run's"
cmp -s "$work/second.status" "$work/whole.status" ||
    fail "the resumed run's exit status differs from the whole run's"
[ "$failed" = 0 ] || show whole first second
[ -f "$state" ] && echo "state file: $(wc -c <"$state") bytes"

# refused NAME FILE MESSAGE ARG...: -incoming FILE gives status 1 and
# exactly one line on stderr, starting "lintas: state file 'FILE': MESSAGE".
refused() {
    name=$1
    file=$2
    message=$3
    shift 3
    run "$name" "$@" -icount shift="$shift_n" -incoming "file:$file"
    expected="lintas: state file '$file': $message"
    if [ "$(cat "$work/$name.status")" != 1 ] || [ "$(wc -l <"$work/$name.err")" != 1 ] ||
        ! grep -qF "$expected" "$work/$name.err"; then
        fail "-incoming $file: expected status 1 and one line starting '$expected'"
        show "$name"
    fi
}

if [ -f "$state" ]; then
    size=$(wc -c <"$state")
    head -c $((size / 2)) "$state" >"$work/cut.state"
    refused cut "$work/cut.state" "truncated" "$@"
    cp "$state" "$work/bad.state"
    printf 'CORRUPTED BYTES!' |
        dd of="$work/bad.state" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
    refused corrupt "$work/bad.state" "checksum mismatch" "$@"
fi
refused missing "$work/missing.state" "cannot open: No such file or directory" "$@"

if [ "$failed" = 0 ]; then
    rm -rf "$work"
    echo "PASS"
fi
exit "$failed"
