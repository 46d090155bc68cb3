/*
 * Multiboot 1 loader: reads a kernel and its modules, and boots them the
 * way a Multiboot boot loader leaves the machine.
 */
#ifndef VM_MULTIBOOT_H
#define VM_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct phys_mem;
struct cpu;

struct multiboot_module {
    uint8_t *data;
    size_t size;
    char *cmdline; /* the whole -initrd item, "path args" */
};

struct multiboot_boot {
    uint8_t *kernel;
    size_t kernel_size;
    bool kernel_owned; /* read from a file, freed with the boot */
    char *name;        /* the path, for messages and the command line */
    char *cmdline;
    struct multiboot_module *mods;
    size_t nmods;
};

/* Read the kernel (the file kernel_path, or image/image_size when image is
 * not NULL) and the modules of initrd ("file args,file2", ",," for a comma
 * in a name or argument). Returns NULL with one line in err. */
struct multiboot_boot *multiboot_open(const char *kernel_path, const uint8_t *image,
                                      size_t image_size, const char *append,
                                      const char *initrd, char *err, size_t errlen);
void multiboot_free(struct multiboot_boot *boot);

/* Check the image against RAM, copy kernel and modules into RAM, build the
 * Multiboot information structure and set the CPU to the state of the
 * specification's section 3.2. The A20 gate must be open. Returns 0, or -1
 * with one line in err. */
int multiboot_load(const struct multiboot_boot *boot, struct phys_mem *mem, struct cpu *cpu,
                   char *err, size_t errlen);

#endif
