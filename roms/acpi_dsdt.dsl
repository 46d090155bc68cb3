/*
 * The PC board's DSDT (ACPI 1.0b, section 5 and 6): the PCI root bus with
 * the ISA devices behind the PIIX3, PCI interrupt routing through the
 * PIIX3's PIRQ links, and the soft-off sleep state of the PIIX4's PM
 * function. Compiled with iasl and embedded into lintas; hw/acpi_tables.c
 * puts it behind the FADT.
 */
DefinitionBlock ("", "DSDT", 1, "LINTAS", "LINTASPC", 1)
{
    /* Soft off: SLP_TYP 0 in PM1a and PM1b (82371AB datasheet 7.2.3). */
    Name (\_S5, Package (4) { Zero, Zero, Zero, Zero })

    /* The OS says which interrupt model it uses; with the 8259 pair only,
     * nothing depends on it. */
    Name (PICM, Zero)
    Method (\_PIC, 1, NotSerialized)
    {
        PICM = Arg0
    }

    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                /* The configuration ports belong to the host bridge. */
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                /* The legacy video window. */
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable,
                    ReadWrite, 0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                /* The PCI hole above the largest RAM the board has, up to
                 * the I/O APIC's and the BIOS's addresses. */
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable,
                    ReadWrite, 0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000, 0x1EC00000)
            })

            /* Slot S pin P (0 = INTA) is wired to link (S - 1 + P) mod 4:
             * the PIRQ lines rotate across the slots, slot 1's INTA on
             * PIRQA, as on QEMU's board and in the interrupt lines
             * SeaBIOS programs. */
            Method (_PRT, 0, NotSerialized)
            {
                Local0 = Package (0x80) {}
                Local1 = Zero
                While (Local1 < 0x80)
                {
                    Local2 = Local1 >> 2
                    Local3 = (Local1 + Local2 + 3) & 3
                    If (Local3 == 0)
                    {
                        Local4 = Package (4) { Zero, Zero, LNKA, Zero }
                    }
                    ElseIf (Local3 == 1)
                    {
                        Local4 = Package (4) { Zero, Zero, LNKB, Zero }
                    }
                    ElseIf (Local3 == 2)
                    {
                        Local4 = Package (4) { Zero, Zero, LNKC, Zero }
                    }
                    Else
                    {
                        Local4 = Package (4) { Zero, Zero, LNKD, Zero }
                    }
                    Local4 [0] = (Local2 << 16) | 0xFFFF
                    Local4 [1] = Local1 & 3
                    Local0 [Local1] = Local4
                    Local1++
                }
                Return (Local0)
            }

            /* 00:01.0, the PIIX3 PCI-to-ISA bridge. */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                /* PIRQRC[A:D]: bit 7 disables the link, bits 3:0 the IRQ. */
                OperationRegion (PIRQ, PCI_Config, 0x60, 4)
                Field (PIRQ, ByteAcc, NoLock, Preserve)
                {
                    PRQA, 8,
                    PRQB, 8,
                    PRQC, 8,
                    PRQD, 8
                }

                Device (PIC)
                {
                    Name (_HID, EisaId ("PNP0000"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0020, 0x0020, 0x01, 0x02)
                        IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02)
                        IO (Decode16, 0x04D0, 0x04D0, 0x01, 0x02)
                        IRQNoFlags () {2}
                    })
                }

                Device (DMA)
                {
                    Name (_HID, EisaId ("PNP0200"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        DMA (Compatibility, NotBusMaster, Transfer8) {4}
                        IO (Decode16, 0x0000, 0x0000, 0x01, 0x10)
                        IO (Decode16, 0x0081, 0x0081, 0x01, 0x0F)
                        IO (Decode16, 0x00C0, 0x00C0, 0x01, 0x20)
                    })
                }

                Device (TMR)
                {
                    Name (_HID, EisaId ("PNP0100"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0040, 0x0040, 0x01, 0x04)
                        IRQNoFlags () {0}
                    })
                }

                Device (SPKR)
                {
                    Name (_HID, EisaId ("PNP0800"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0061, 0x0061, 0x01, 0x01)
                    })
                }

                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                        IRQNoFlags () {8}
                    })
                }

                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
                        IRQNoFlags () {1}
                    })
                }

                Device (MOU)
                {
                    Name (_HID, EisaId ("PNP0F13"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IRQNoFlags () {12}
                    })
                }

                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, One)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                        IRQNoFlags () {4}
                    })
                }

                Device (COM2)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, 2)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x02F8, 0x02F8, 0x01, 0x08)
                        IRQNoFlags () {3}
                    })
                }

                /* Ports of the board that no device above describes: port
                 * 0x92, the APM ports, fw_cfg, the debug console, and the
                 * PM and SMBus spaces where the firmware puts them. */
                Device (MBRD)
                {
                    Name (_HID, EisaId ("PNP0C02"))
                    Name (_UID, One)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0092, 0x0092, 0x01, 0x01)
                        IO (Decode16, 0x00B2, 0x00B2, 0x01, 0x02)
                        IO (Decode16, 0x0402, 0x0402, 0x01, 0x01)
                        IO (Decode16, 0x0510, 0x0510, 0x01, 0x0C)
                        IO (Decode16, 0x0600, 0x0600, 0x01, 0x40)
                        IO (Decode16, 0x0700, 0x0700, 0x01, 0x10)
                    })
                }
            }

            /* 00:01.3, the PIIX4 power management and SMBus function. */
            Device (PMF)
            {
                Name (_ADR, 0x00010003)
            }
        }

        /* The four PCI interrupt links, each a PIIX3 PIRQ register. */
        Method (LSTA, 1, NotSerialized)
        {
            If (Arg0 & 0x80)
            {
                Return (0x09)
            }
            Return (0x0B)
        }

        Method (LCRS, 1, NotSerialized)
        {
            Local0 = ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared, , , IRQW) {0}
            }
            CreateDWordField (Local0, IRQW._INT, IRQV)
            If (!(Arg0 & 0x80))
            {
                IRQV = Arg0 & 0x0F
            }
            Return (Local0)
        }

        Name (LPRS, ResourceTemplate ()
        {
            Interrupt (ResourceConsumer, Level, ActiveHigh, Shared) {5, 10, 11}
        })

        Method (LSRS, 1, NotSerialized)
        {
            CreateDWordField (Arg0, 5, IRQV)
            Return (IRQV)
        }

        Device (LNKA)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, One)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQA)) }
            Method (_PRS, 0, NotSerialized) { Return (LPRS) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQA)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQA = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQA |= 0x80 }
        }

        Device (LNKB)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 2)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQB)) }
            Method (_PRS, 0, NotSerialized) { Return (LPRS) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQB)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQB = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQB |= 0x80 }
        }

        Device (LNKC)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 3)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQC)) }
            Method (_PRS, 0, NotSerialized) { Return (LPRS) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQC)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQC = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQC |= 0x80 }
        }

        Device (LNKD)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 4)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQD)) }
            Method (_PRS, 0, NotSerialized) { Return (LPRS) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQD)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQD = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQD |= 0x80 }
        }
    }
}
