/* Rendering with SDL2: two IYUV streaming textures (FAST and the
 * comparison; the comparison shares FAST's chroma, which is bicubic in both)
 * drawn letterboxed into a resizable window, split at a divider; text with
 * the built-in font from a glyph atlas texture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"
#include "view.h"

#define LENS 256 /* magnifier size in window pixels */

struct View {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *fast, *cmp, *font;
    int hw, hh;
    FsrPicture marked;        /* FAST output with the block map drawn on it */
    int64_t uploaded;         /* index of the frame in the textures */
    int cmp_uploaded;
    char renderer[64];
};

static int fail(const char *what)
{
    fprintf(stderr, PLAY_NAME ": error: %s: %s\n", what, SDL_GetError());
    return -1;
}

static SDL_Texture *make_font(SDL_Renderer *ren)
{
    const int n = 95, w = n * FONT_CELL_W, h = FONT_CELL_H;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return NULL;
    SDL_FillRect(s, NULL, 0);
    for (int c = 0; c < n; c++) {
        const uint8_t *g = font_glyph(32 + c);
        for (int y = 0; y < FONT_GLYPH_H; y++)
            for (int x = 0; x < FONT_GLYPH_W; x++)
                if (g[y] & (0x10 >> x))
                    ((Uint32 *)((Uint8 *)s->pixels + (y + 1) * s->pitch))[c * FONT_CELL_W + x] = 0xffffffffu;
    }
    SDL_Texture *t = SDL_CreateTextureFromSurface(ren, s);
    SDL_FreeSurface(s);
    if (t)
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    return t;
}

int view_open(View **pv, const PlayOptions *o, int hw, int hh)
{
    *pv = NULL;
    /* linear filtering when the window scales the picture */
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "1");
    /* Without a display server SDL would fall back to its invisible
     * offscreen driver: only a console (KMSDRM) is worth trying then.  An
     * explicit SDL_VIDEODRIVER (offscreen, dummy, ...) is obeyed. */
    const int chosen = getenv("SDL_VIDEODRIVER") && *getenv("SDL_VIDEODRIVER");
    const char *x11 = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    if (!chosen && !(x11 && *x11) && !(wl && *wl))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "KMSDRM");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0) {
        fprintf(stderr, PLAY_NAME ": error: cannot open a window: no display (DISPLAY is not set or not reachable; "
                "run under xvfb-run for a virtual one)\n");
        return -1;
    }
    const char *drv = SDL_GetCurrentVideoDriver();
    if (!chosen && drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy"))) {
        fprintf(stderr, PLAY_NAME ": error: cannot open a window: no display (SDL found only its '%s' driver; "
                "run under xvfb-run for a virtual one)\n", drv);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return -1;
    }
    View *v = calloc(1, sizeof(*v));
    if (!v)
        return fail("out of memory");
    v->hw = hw;
    v->hh = hh;
    v->uploaded = -1;
    int ww = hw, wh = hh;
    if (o->width) {
        ww = o->width;
        wh = o->height;
    } else {
        /* the output size, shrunk to fit the screen */
        SDL_Rect b;
        if (SDL_GetDisplayUsableBounds(0, &b) == 0 && b.w > 0 && b.h > 0) {
            const double f = SDL_min(0.95 * b.w / ww, 0.9 * b.h / wh);
            if (f < 1) {
                ww = (int)(ww * f);
                wh = (int)(wh * f);
            }
        }
    }
    char title[1200];
    snprintf(title, sizeof(title), PLAY_NAME " - %s", o->input);
    v->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, ww, wh, SDL_WINDOW_RESIZABLE);
    if (!v->win) {
        view_close(&v);
        return fail("cannot open a window");
    }
    const Uint32 vsync = o->no_sync ? 0 : SDL_RENDERER_PRESENTVSYNC;
    v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED | vsync);
    if (!v->ren)
        v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
    if (!v->ren) {
        view_close(&v);
        return fail("cannot create a renderer");
    }
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(v->ren, &info) == 0)
        snprintf(v->renderer, sizeof(v->renderer), "%s", info.name);
    v->fast = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING, hw, hh);
    v->cmp = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING, hw, hh);
    if (!v->fast || !v->cmp) {
        view_close(&v);
        return fail("cannot create the video textures");
    }
    if (!(v->font = make_font(v->ren))) {
        view_close(&v);
        return fail("cannot create the font texture");
    }
    SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_BLEND);
    *pv = v;
    return 0;
}

void view_close(View **pv)
{
    View *v = *pv;
    if (!v)
        return;
    if (v->font)
        SDL_DestroyTexture(v->font);
    if (v->cmp)
        SDL_DestroyTexture(v->cmp);
    if (v->fast)
        SDL_DestroyTexture(v->fast);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->win)
        SDL_DestroyWindow(v->win);
    fsr_picture_free(&v->marked);
    free(v);
    *pv = NULL;
}

SDL_Window *view_window(View *v) { return v->win; }
const char *view_renderer_name(View *v) { return v->renderer; }

static int upload(SDL_Texture *t, const FsrPicture *luma, const FsrPicture *chroma)
{
    return SDL_UpdateYUVTexture(t, NULL, luma->data[0], (int)luma->stride[0], chroma->data[1],
                                (int)chroma->stride[1], chroma->data[2], (int)chroma->stride[2]);
}

int view_upload(View *v, const PlayFrame *f, const ViewState *st)
{
    const FsrPicture *show = &f->hr;
    if (st->overlay && f->map.side_info) {
        if (!v->marked.buf && fsr_picture_alloc(&v->marked, v->hw, v->hh) < 0)
            return fail("out of memory");
        for (int c = 0; c < 3; c++) {
            const int w = c ? fsr_chroma_w(v->hw) : v->hw, h = c ? fsr_chroma_h(v->hh) : v->hh;
            for (int y = 0; y < h; y++)
                memcpy(v->marked.data[c] + y * v->marked.stride[c], f->hr.data[c] + y * f->hr.stride[c], w);
        }
        if (fsr_blockmap_draw(&v->marked, &f->map) == 0)
            show = &v->marked;
    }
    if (upload(v->fast, show, &f->hr) < 0)
        return fail("texture upload");
    v->cmp_uploaded = 0;
    if (st->mode != VIEW_FAST && f->cmp_kind) {
        if (upload(v->cmp, &f->cmp, &f->hr) < 0)
            return fail("texture upload");
        v->cmp_uploaded = 1;
    }
    v->uploaded = f->index;
    return 0;
}

/* The picture's rectangle in the window: as large as fits, aspect kept. */
static SDL_Rect picture_rect(View *v)
{
    int ow, oh;
    SDL_GetRendererOutputSize(v->ren, &ow, &oh);
    SDL_Rect r;
    if ((int64_t)ow * v->hh > (int64_t)oh * v->hw) {
        r.h = oh;
        r.w = (int)((int64_t)oh * v->hw / v->hh);
    } else {
        r.w = ow;
        r.h = (int)((int64_t)ow * v->hh / v->hw);
    }
    r.x = (ow - r.w) / 2;
    r.y = (oh - r.h) / 2;
    return r;
}

void view_picture_span(View *v, int *x0, int *x1)
{
    SDL_Rect r = picture_rect(v);
    *x0 = r.x;
    *x1 = r.x + r.w;
}

static void text(View *v, int x, int y, int scale, const char *s, Uint8 r, Uint8 g, Uint8 b)
{
    SDL_SetTextureColorMod(v->font, r, g, b);
    for (int cx = x; *s && *s != '\n'; s++, cx += FONT_CELL_W * scale) {
        int c = (unsigned char)*s;
        if (c < 32 || c > 126)
            c = '?';
        SDL_Rect src = { (c - 32) * FONT_CELL_W, 0, FONT_CELL_W, FONT_CELL_H };
        SDL_Rect dst = { cx, y, FONT_CELL_W * scale, FONT_CELL_H * scale };
        SDL_RenderCopy(v->ren, v->font, &src, &dst);
    }
}

/* Lines of text on a dark box at (x, y); returns the box height. */
static int text_box(View *v, int x, int y, int scale, const char *lines)
{
    int n = 0, widest = 0;
    for (const char *p = lines; *p;) {
        const char *e = strchr(p, '\n');
        const int len = e ? (int)(e - p) : (int)strlen(p);
        widest = SDL_max(widest, len);
        n++;
        p = e ? e + 1 : p + len;
    }
    const int pad = 4 * scale;
    SDL_Rect box = { x, y, widest * FONT_CELL_W * scale + 2 * pad, n * FONT_CELL_H * scale + 2 * pad };
    SDL_SetRenderDrawColor(v->ren, 0, 0, 0, 170);
    SDL_RenderFillRect(v->ren, &box);
    int ty = y + pad;
    for (const char *p = lines; *p; ty += FONT_CELL_H * scale) {
        text(v, x + pad, ty, scale, p, 255, 255, 255);
        const char *e = strchr(p, '\n');
        p = e ? e + 1 : p + strlen(p);
    }
    return box.h;
}

static void label(View *v, int x, int y, int scale, const char *s, Uint8 r, Uint8 g, Uint8 b)
{
    const int n = (int)strlen(s);
    SDL_Rect box = { x, y, n * FONT_CELL_W * scale + 4 * scale, FONT_CELL_H * scale + 2 * scale };
    SDL_SetRenderDrawColor(v->ren, 0, 0, 0, 170);
    SDL_RenderFillRect(v->ren, &box);
    text(v, x + 2 * scale, y + scale, scale, s, r, g, b);
}

static void magnifier(View *v, const ViewState *st, SDL_Rect pr, int split_x)
{
    if (st->mouse_x < pr.x || st->mouse_x >= pr.x + pr.w || st->mouse_y < pr.y || st->mouse_y >= pr.y + pr.h)
        return;
    SDL_Texture *t = st->mode == VIEW_COMPARE || (st->mode == VIEW_SPLIT && st->mouse_x < split_x) ? v->cmp : v->fast;
    if (t == v->cmp && !v->cmp_uploaded)
        t = v->fast;
    /* texture pixels under the lens: LENS window pixels shown zoom times larger */
    const double tex_per_win = (double)v->hw / pr.w;
    const int sw = SDL_max(1, (int)(LENS * tex_per_win / st->zoom));
    const int tx = (int)((st->mouse_x - pr.x) * tex_per_win), ty = (int)((st->mouse_y - pr.y) * tex_per_win);
    SDL_Rect src = { SDL_clamp(tx - sw / 2, 0, SDL_max(0, v->hw - sw)), SDL_clamp(ty - sw / 2, 0, SDL_max(0, v->hh - sw)),
                     SDL_min(sw, v->hw), SDL_min(sw, v->hh) };
    int ow, oh;
    SDL_GetRendererOutputSize(v->ren, &ow, &oh);
    SDL_Rect dst = { SDL_clamp(st->mouse_x - LENS / 2, 0, SDL_max(0, ow - LENS)),
                     SDL_clamp(st->mouse_y - LENS / 2, 0, SDL_max(0, oh - LENS)), LENS, LENS };
    /* nearest neighbour in the lens so single pixels show; flushed around
     * the change because the renderer batches its commands */
    SDL_RenderFlush(v->ren);
    SDL_SetTextureScaleMode(t, SDL_ScaleModeNearest);
    SDL_RenderCopy(v->ren, t, &src, &dst);
    SDL_RenderFlush(v->ren);
    SDL_SetTextureScaleMode(t, SDL_ScaleModeLinear);
    SDL_SetRenderDrawColor(v->ren, 255, 255, 255, 255);
    SDL_RenderDrawRect(v->ren, &dst);
    char z[32];
    snprintf(z, sizeof(z), "%dX", st->zoom);
    label(v, dst.x + 2, dst.y + 2, 1, z, 255, 255, 255);
}

void view_draw(View *v, const PlayFrame *f, const ViewState *st, const char *hud)
{
    SDL_SetRenderDrawColor(v->ren, 0, 0, 0, 255);
    SDL_RenderClear(v->ren);
    const SDL_Rect pr = picture_rect(v);
    const int ts = pr.h >= 700 ? 2 : 1;
    int split_x = pr.x + pr.w;
    if (f && v->uploaded == f->index) {
        if (st->mode == VIEW_SPLIT && v->cmp_uploaded) {
            const int sx = SDL_clamp((int)(st->divider * v->hw + 0.5), 0, v->hw);
            split_x = pr.x + (int)((int64_t)sx * pr.w / v->hw);
            SDL_Rect ls = { 0, 0, sx, v->hh }, ld = { pr.x, pr.y, split_x - pr.x, pr.h };
            SDL_Rect rs = { sx, 0, v->hw - sx, v->hh }, rd = { split_x, pr.y, pr.x + pr.w - split_x, pr.h };
            if (sx > 0)
                SDL_RenderCopy(v->ren, v->cmp, &ls, &ld);
            if (sx < v->hw)
                SDL_RenderCopy(v->ren, v->fast, &rs, &rd);
            SDL_SetRenderDrawColor(v->ren, 255, 255, 255, 255);
            SDL_Rect line = { split_x - 1, pr.y, 2, pr.h };
            SDL_RenderFillRect(v->ren, &line);
            label(v, pr.x + 4, pr.y + pr.h - 14 * ts, ts, st->cmp_label, 255, 255, 255);
            label(v, pr.x + pr.w - (4 + 6 * FONT_CELL_W) * ts, pr.y + pr.h - 14 * ts, ts, "FAST", 255, 255, 255);
        } else if (st->mode == VIEW_COMPARE && v->cmp_uploaded) {
            SDL_RenderCopy(v->ren, v->cmp, NULL, &pr);
            label(v, pr.x + 4, pr.y + pr.h - 14 * ts, ts, st->cmp_label, 255, 255, 255);
        } else {
            SDL_RenderCopy(v->ren, v->fast, NULL, &pr);
            if (st->mode != VIEW_FAST)
                label(v, pr.x + 4, pr.y + pr.h - 14 * ts, ts, "COMPARISON NOT READY: FAST", 255, 200, 0);
        }
        if (st->overlay) {
            /* key frames: a yellow frame around the picture */
            char s[64];
            snprintf(s, sizeof(s), "%s %c %lld", f->key ? "SR KEY FRAME" : "TRANSFERRED", f->type,
                     (long long)f->index);
            if (f->key) {
                SDL_SetRenderDrawColor(v->ren, 255, 220, 0, 255);
                for (int i = 0; i < 3 * ts; i++) {
                    SDL_Rect r = { pr.x + i, pr.y + i, pr.w - 2 * i, pr.h - 2 * i };
                    SDL_RenderDrawRect(v->ren, &r);
                }
            }
            label(v, pr.x + pr.w - ((int)strlen(s) * FONT_CELL_W + 8) * ts, pr.y + 6 * ts, ts, s,
                  f->key ? 255 : 200, f->key ? 220 : 200, f->key ? 0 : 200);
        }
        if (st->magnifier)
            magnifier(v, st, pr, split_x);
    }
    int y = 8;
    if (hud && *hud)
        y += text_box(v, 8, y, ts, hud) + 8;
    if (st->help)
        text_box(v, 8, y, ts,
                 "KEYS\n"
                 "SPACE       PAUSE / PLAY\n"
                 "LEFT/RIGHT  STEP ONE FRAME (PAUSED)\n"
                 "1           FAST\n"
                 "2           SPLIT: COMPARISON | FAST (DRAG THE DIVIDER)\n"
                 "3           COMPARISON\n"
                 "Z           MAGNIFIER (WHEEL: ZOOM)\n"
                 "O           BLOCK KINDS AND VECTORS, KEY FRAMES\n"
                 "            (RED INTRA, GREEN SKIP, CYAN DIRECT,\n"
                 "            BLUE INTER, MAGENTA BI, YELLOW VECTORS)\n"
                 "H           HUD\n"
                 "F           FULLSCREEN\n"
                 "?           THIS HELP\n"
                 "Q / ESCAPE  QUIT");
}

void view_present(View *v) { SDL_RenderPresent(v->ren); }

int view_screenshot(View *v, const char *path)
{
    int w, h;
    if (SDL_GetRendererOutputSize(v->ren, &w, &h) < 0)
        return fail("screenshot");
    uint8_t *rgb = malloc((size_t)w * h * 3);
    if (!rgb)
        return fail("out of memory");
    int ret = SDL_RenderReadPixels(v->ren, NULL, SDL_PIXELFORMAT_RGB24, rgb, w * 3);
    if (ret < 0) {
        free(rgb);
        return fail("cannot read the window back for the screenshot");
    }
    ret = screenshot_png(path, rgb, w * 3, w, h);
    free(rgb);
    return ret;
}
