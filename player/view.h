/* The window: textures, the view modes, overlay, magnifier, HUD and help. */
#ifndef FASTSR_PLAYER_VIEW_H
#define FASTSR_PLAYER_VIEW_H

#include "play.h"

typedef struct View View;

typedef struct ViewState {
    int mode;              /* enum ViewMode */
    int overlay, hud, help, magnifier, fullscreen;
    double divider;        /* split position, 0..1 of the picture width */
    int zoom;              /* magnifier factor */
    int mouse_x, mouse_y;
    const char *cmp_label; /* what the comparison shows ("BICUBIC", ...) */
} ViewState;

/* Opens the window (errors printed as one line). */
int view_open(View **v, const PlayOptions *o, int hw, int hh);
void view_close(View **v);
SDL_Window *view_window(View *v);
const char *view_renderer_name(View *v);

/* Uploads f's pictures (the overlay drawn on a copy when st->overlay). */
int view_upload(View *v, const PlayFrame *f, const ViewState *st);
/* Draws the picture, marks and text (hud: lines separated by '\n', may be
 * NULL) into the back buffer; view_present shows it. */
void view_draw(View *v, const PlayFrame *f, const ViewState *st, const char *hud);
void view_present(View *v);
/* The back buffer as a PNG (call between view_draw and view_present). */
int view_screenshot(View *v, const char *path);
/* Window x of the picture's left and right edge (for the divider). */
void view_picture_span(View *v, int *x0, int *x1);

#endif
