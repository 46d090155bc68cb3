#!/bin/sh
# seabios_boot.sh LINTAS BIOS RAM_MIB
# Boots the firmware with no boot device and RAM_MIB MiB of RAM, and checks
# its debug log (port 0x402): QEMU's fw_cfg found, the RAM size passed in
# the e820 table, the three PCI functions of the board, the PM timer, the
# board's ACPI tables installed (the FADT found through the RSDT, the DSDT
# parsed), the e820 map the firmware hands to the OS (the tables in a
# reserved page at the top of RAM), POST ending in the boot (INT 19h), and
# the boot failing for want of a device. Under -icount the firmware's 60 s
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
acpi=$(printf '%016x' $((mib * 1024 * 1024 - 4096)))
expect() {
    if ! grep -qxF -- "$1" "$log"; then
        echo "FAIL: no line '$1'"
        failed=1
    fi
}
expect_re() {
    if ! grep -qxE -- "$1" "$log"; then
        echo "FAIL: no line matching '$1'"
        failed=1
    fi
}
expect "Running on QEMU (i440fx)"
expect "Found QEMU fw_cfg"
expect "qemu/e820: addr 0x0000000000000000 len 0x$ram [RAM]"
expect "Found 3 PCI devices (max PCI bus is 00)"
expect "PCI: init bdf=00:00.0 id=8086:1237"
expect "PCI: init bdf=00:01.0 id=8086:7000"
expect "PCI: init bdf=00:01.3 id=8086:7113"
expect "Using pmtimer, ioport 0x608"
expect_re "table\(50434146\)=0x[0-9a-f]{8} \(via rsdt\)"
expect_re "ACPI: parse DSDT at 0x[0-9a-f]{8} \(len [0-9]+\)"
expect "e820 map has 6 items:"
expect "  0: 0000000000000000 - 000000000009fc00 = 1 RAM"
expect "  1: 000000000009fc00 - 00000000000a0000 = 2 RESERVED"
expect "  2: 00000000000f0000 - 0000000000100000 = 2 RESERVED"
expect "  3: 0000000000100000 - $acpi = 1 RAM"
expect "  4: $acpi - $ram = 2 RESERVED"
expect "  5: 00000000fffc0000 - 0000000100000000 = 2 RESERVED"
expect "enter handle_19:"
expect "No bootable device.  Retrying in 60 seconds."

if [ "$failed" -ne 0 ]; then
    echo "--- firmware log ---"
    cat "$log"
    exit 1
fi
echo "PASS: SeaBIOS with $mib MiB"
