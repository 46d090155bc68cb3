/*
 * PS/2 keyboard and mouse: the devices at the far end of the keyboard
 * controller's two ports.
 *
 * A device talks to its controller over a byte link. The controller sends
 * a byte with ps2_kbd_write/ps2_mouse_write and takes the device's next
 * byte with ps2_kbd_read/ps2_mouse_read; the device holds its `ready` line
 * high while it has bytes to send (on the wire: it waits to start a
 * transfer until the controller releases the clock). The board wires these
 * to the controller; their types are those of struct i8042_port's hooks,
 * with the device as opaque.
 */
#ifndef HW_PS2_H
#define HW_PS2_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/irq.h"
#include "lintas/log.h"
#include "lintas/state.h"

struct ps2_kbd;
struct ps2_mouse;

/* NULL when memory runs out. log (may be NULL) must outlive the device. */
struct ps2_kbd *ps2_kbd_create(struct irq_line ready, const struct logger *log);
void ps2_kbd_destroy(struct ps2_kbd *kbd);
/* Power-on: scan code set 2, scanning enabled, nothing queued. */
void ps2_kbd_reset(struct ps2_kbd *kbd);
void ps2_kbd_write(void *kbd, uint8_t byte);
bool ps2_kbd_read(void *kbd, uint8_t *byte);

/* Keys, named by their scan code set 2 make code; extended keys carry the
 * 0xE0 prefix in the high byte (0xE075 is Up). The two keys with sequences
 * of their own have codes of their own. */
enum { PS2_KEY_PRINT_SCREEN = 0xE07C, PS2_KEY_PAUSE = 0xE114 };
/* A key went down or up; the keyboard sends it in its current scan code
 * set when scanning is enabled. Pause has no break code. */
void ps2_key_event(struct ps2_kbd *kbd, uint16_t key, bool down);

/* NULL when memory runs out. log (may be NULL) must outlive the device. */
struct ps2_mouse *ps2_mouse_create(struct irq_line ready, const struct logger *log);
void ps2_mouse_destroy(struct ps2_mouse *mouse);
/* Power-on: standard mouse (ID 0), stream mode, reporting disabled. */
void ps2_mouse_reset(struct ps2_mouse *mouse);
void ps2_mouse_write(void *mouse, uint8_t byte);
bool ps2_mouse_read(void *mouse, uint8_t *byte);

/* Buttons held after a move, as the low bits of the first packet byte. */
enum {
    PS2_BUTTON_LEFT = 1, PS2_BUTTON_RIGHT = 2, PS2_BUTTON_MIDDLE = 4,
    PS2_BUTTON_4 = 8, PS2_BUTTON_5 = 16,
};
/* The mouse moved dx right and dy down (screen directions) and the wheel
 * dz notches towards the user, with buttons held (PS2_BUTTON_*). */
void ps2_mouse_event(struct ps2_mouse *mouse, int dx, int dy, int dz, unsigned buttons);

/* The 8042's scan code translation (set 2 to set 1) of one byte; the
 * caller turns a 0xF0 prefix into bit 7 of the byte that follows. */
uint8_t ps2_set2_to_set1(uint8_t code);

/* Registers and queues, for state_save and state_load with the device as
 * the object. Loading drives the ready line to match the queue. */
extern const struct state_desc ps2_kbd_state_desc;
extern const struct state_desc ps2_mouse_state_desc;

#endif
