#!/bin/sh
# seabios_boot.sh LINTAS BIOS RAM_MIB
# Boots the firmware with no boot device and RAM_MIB MiB of RAM, and checks
# its debug log (port 0x402): QEMU's fw_cfg found, the RAM size passed in
# the e820 table, the two PCI functions of the board, the e820 map the
# firmware hands to the OS, POST ending in the boot (INT 19h), and the
# boot failing for want of a device. Under -icount the firmware's 60 s
# wait before it reboots passes in no host time; -no-reboot then ends the
# run with status 0.
set -u
if [ $# -ne 3 ]; then
    echo "usage: seabios_boot.sh LINTAS BIOS RAM_MIB" >&2
    exit 2
fi
lintas=$1
bios=$2
mib=$3

log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout 60 "$lintas" -m "$mib" -bios "$bios" -icount shift=0 -debugcon "file:$log" \
    -serial none -display none -no-reboot </dev/null
status=$?
failed=0
if [ "$status" -ne 0 ]; then
    echo "FAIL: lintas exited with status $status"
    failed=1
fi

ram=$(printf '%016x' $((mib * 1024 * 1024)))
expect() {
    if ! grep -qxF -- "$1" "$log"; then
        echo "FAIL: no line '$1'"
        failed=1
    fi
}
expect "Running on QEMU (i440fx)"
expect "Found QEMU fw_cfg"
expect "qemu/e820: addr 0x0000000000000000 len 0x$ram [RAM]"
expect "Found 2 PCI devices (max PCI bus is 00)"
expect "PCI: init bdf=00:00.0 id=8086:1237"
expect "PCI: init bdf=00:01.0 id=8086:7000"
expect "e820 map has 5 items:"
expect "  0: 0000000000000000 - 000000000009fc00 = 1 RAM"
expect "  1: 000000000009fc00 - 00000000000a0000 = 2 RESERVED"
expect "  2: 00000000000f0000 - 0000000000100000 = 2 RESERVED"
expect "  3: 0000000000100000 - $ram = 1 RAM"
expect "  4: 00000000fffc0000 - 0000000100000000 = 2 RESERVED"
expect "enter handle_19:"
expect "No bootable device.  Retrying in 60 seconds."

if [ "$failed" -ne 0 ]; then
    echo "--- firmware log ---"
    cat "$log"
    exit 1
fi
echo "PASS: SeaBIOS with $mib MiB"
