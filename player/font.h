/* A small built-in bitmap font for the HUD and the key help, so the player
 * needs no font library or font file. */
#ifndef FASTSR_PLAYER_FONT_H
#define FASTSR_PLAYER_FONT_H

#include <stdint.h>

#define FONT_GLYPH_W 5
#define FONT_GLYPH_H 7
#define FONT_CELL_W 6 /* glyph plus one column of spacing */
#define FONT_CELL_H 9

/* Row bits of the glyph for c (bit 4 = leftmost column); lower-case letters
 * use the capitals, anything unknown shows as a filled box. */
const uint8_t *font_glyph(int c);

#endif
