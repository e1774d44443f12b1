/* Rendering with SDL2, two ways:
 *
 * - GPU: two IYUV streaming textures (FAST and the comparison; the
 *   comparison shares FAST's chroma, which is bicubic in both), converted
 *   and scaled by the GPU, presented with vsync.
 * - software (no GPU, or only a software OpenGL such as Mesa's llvmpipe):
 *   SDL's software renderer on the window surface, shared with the X server
 *   (MIT-SHM).  The player's own YUV->RGB converter (yuv.c) writes the
 *   picture straight into that surface when it is shown 1:1, else into two
 *   XRGB streaming textures that SDL scales; only the columns shown.
 *   Measured at 1080p under Xvfb: SDL's OpenGL renderer on llvmpipe took
 *   55-76 ms per redraw, SDL's software renderer presenting through an
 *   OpenGL texture (its default on X11) 42-60 ms, this path 4-7 ms.
 *
 * Either way the picture is drawn letterboxed into a resizable window,
 * split at a divider; text with the built-in font from a glyph atlas
 * texture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_opengl.h>

#include "font.h"
#include "view.h"
#include "yuv.h"

#define LENS 256 /* magnifier size in window pixels */

struct View {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *fast, *cmp, *font;
    int hw, hh;
    FsrPicture marked;        /* FAST output with the block map drawn on it */
    int64_t uploaded;         /* index of the frame in the textures */
    int cmp_uploaded;
    char renderer[96];
    /* software path: the textures are XRGB, filled by the player's
     * converter on demand; lo[i]..hi[i] are the columns of texture i (0
     * FAST, 1 comparison) converted from the frame `uploaded` */
    int soft;
    int fast_marked;          /* FAST's luma comes from `marked` */
    int lo[2], hi[2];
    YuvCoeffs yc;
    Uint32 format;            /* of the XRGB textures */
};

static int fail(const char *what)
{
    fprintf(stderr, PLAY_NAME ": error: %s: %s\n", what, SDL_GetError());
    return -1;
}

/* 1 when an OpenGL renderer runs on a software rasteriser (its
 * GL_RENDERER string in name): no GPU to gain from, and at 1080p it is the
 * slowest way to the screen. */
static int gl_software(const char *renderer, char *name, size_t n)
{
    if (strncmp(renderer, "opengl", 6))
        return 0;
    /* the renderer made its context current when it was created */
    const GLubyte *(APIENTRY *get_string)(GLenum) = (const GLubyte *(APIENTRY *)(GLenum))SDL_GL_GetProcAddress("glGetString");
    const char *s = get_string ? (const char *)get_string(GL_RENDERER) : NULL;
    if (!s)
        return 0;
    snprintf(name, n, "%s", s);
    char *sp = strchr(name, ' ');
    if (sp)
        *sp = 0; /* "llvmpipe (LLVM 15.0.6, 256 bits)": the first word */
    return strstr(s, "llvmpipe") || strstr(s, "softpipe") || strstr(s, "Software") || strstr(s, "software");
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
    /* SDL's software renderer presents through an OpenGL texture on X11 by
     * default: without a GPU that is llvmpipe drawing a full-window quad
     * (45% of the player's CPU time at 1080p); the X server's shared-memory
     * images are the direct route.  Read once, before any window surface
     * exists; an SDL_FRAMEBUFFER_ACCELERATION in the environment wins.
     * (Other drivers, e.g. Wayland and KMSDRM, have no direct route.) */
    if (drv && !strcmp(drv, "x11"))
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    char gl[64] = "";
    if (o->renderer != RENDER_SOFTWARE) {
        v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED | vsync);
        SDL_RendererInfo info;
        if (v->ren && o->renderer == RENDER_AUTO && SDL_GetRendererInfo(v->ren, &info) == 0 &&
            (!(info.flags & SDL_RENDERER_ACCELERATED) || !strcmp(info.name, "software") ||
             gl_software(info.name, gl, sizeof(gl)))) {
            SDL_DestroyRenderer(v->ren);
            v->ren = NULL;
        }
        if (!v->ren && o->renderer == RENDER_GPU)
            v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
    }
    if (!v->ren) {
        /* by index: an SDL_RENDER_DRIVER hint would override the flags */
        for (int i = 0, n = SDL_GetNumRenderDrivers(); i < n && !v->ren; i++) {
            SDL_RendererInfo info;
            if (SDL_GetRenderDriverInfo(i, &info) == 0 && !strcmp(info.name, "software"))
                v->ren = SDL_CreateRenderer(v->win, i, SDL_RENDERER_SOFTWARE);
        }
        v->soft = v->ren != NULL;
        if (!v->ren && o->renderer == RENDER_AUTO) /* a software OpenGL is still better than nothing */
            v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED | vsync);
    }
    if (!v->ren) {
        view_close(&v);
        return fail("cannot create a renderer");
    }
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(v->ren, &info) < 0)
        info.name = "?";
    if (v->soft)
        snprintf(v->renderer, sizeof(v->renderer), "software, YUV by the player%s%s%s", *gl ? " (GL is " : "", gl,
                 *gl ? ")" : "");
    else if (gl_software(info.name, gl, sizeof(gl)))
        snprintf(v->renderer, sizeof(v->renderer), "%s (%s, software)", info.name, gl);
    else
        snprintf(v->renderer, sizeof(v->renderer), "%s", info.name);
    Uint32 fmt = SDL_PIXELFORMAT_IYUV;
    if (v->soft) {
        /* the window surface's own layout when it is XRGB-like, so showing
         * a texture is a plain copy */
        SDL_Surface *ws = SDL_GetWindowSurface(v->win);
        fmt = ws && (ws->format->format == SDL_PIXELFORMAT_ARGB8888) ? SDL_PIXELFORMAT_ARGB8888
                                                                     : SDL_PIXELFORMAT_RGB888;
        /* the matrix SDL would use for these IYUV textures on the GPU path */
        const SDL_YUV_CONVERSION_MODE m = SDL_GetYUVConversionModeForResolution(hw, hh);
        yuv_coeffs_init(&v->yc, m == SDL_YUV_CONVERSION_BT709 ? YUV_BT709 : YUV_BT601, m == SDL_YUV_CONVERSION_JPEG);
    }
    v->format = fmt;
    v->fast = SDL_CreateTexture(v->ren, fmt, SDL_TEXTUREACCESS_STREAMING, hw, hh);
    v->cmp = SDL_CreateTexture(v->ren, fmt, SDL_TEXTUREACCESS_STREAMING, hw, hh);
    if (!v->fast || !v->cmp) {
        view_close(&v);
        return fail("cannot create the video textures");
    }
    if (v->soft) {
        /* opaque: copied, never blended */
        SDL_SetTextureBlendMode(v->fast, SDL_BLENDMODE_NONE);
        SDL_SetTextureBlendMode(v->cmp, SDL_BLENDMODE_NONE);
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
    fsr_picture_close(&v->marked);
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
        if (!v->marked.buf && fsr_picture_open(&v->marked, v->hw, v->hh) < 0)
            return fail("out of memory");
        for (int c = 0; c < 3; c++) {
            const int w = c ? fsr_chroma_w(v->hw) : v->hw, h = c ? fsr_chroma_h(v->hh) : v->hh;
            for (int y = 0; y < h; y++)
                memcpy(v->marked.data[c] + y * v->marked.stride[c], f->hr.data[c] + y * f->hr.stride[c], w);
        }
        if (fsr_blockmap_draw(&v->marked, &f->map) == 0)
            show = &v->marked;
    }
    v->cmp_uploaded = st->mode != VIEW_FAST && f->cmp_kind;
    v->uploaded = f->index;
    if (v->soft) {
        /* converted when drawn, only the columns shown (see prepare) */
        v->fast_marked = show == &v->marked;
        v->lo[0] = v->hi[0] = v->lo[1] = v->hi[1] = 0;
        return 0;
    }
    if (upload(v->fast, show, &f->hr) < 0 || (v->cmp_uploaded && upload(v->cmp, &f->cmp, &f->hr) < 0)) {
        v->uploaded = -1;
        return fail("texture upload");
    }
    return 0;
}

/* Software path: columns [a, b) of picture i (0 FAST, as uploaded, 1 the
 * comparison; chroma is FAST's in both) of frame f as XRGB at dst. */
static void convert(const View *v, const PlayFrame *f, int i, uint8_t *dst, int pitch, int a, int b)
{
    const FsrPicture *y = i ? &f->cmp : v->fast_marked ? &v->marked : &f->hr, *c = &f->hr;
    yuv420_to_xrgb(dst, pitch, y->data[0], y->stride[0], c->data[1], c->stride[1], c->data[2], c->stride[2], a, b,
                   v->hh, &v->yc, YUV_SIMD);
}

/* Software path: makes columns [a, b) of texture i (0 FAST, 1 comparison)
 * hold frame f (the one uploaded), converting those not done yet.  The
 * converted span only grows, so it stays one interval. */
static void prepare(View *v, const PlayFrame *f, int i, int a, int b)
{
    if (!v->soft)
        return;
    a = SDL_max(0, a & ~1); /* chroma pairs */
    b = SDL_min(v->hw, b + (b & 1));
    if (a >= b || (a >= v->lo[i] && b <= v->hi[i]))
        return;
    if (v->lo[i] >= v->hi[i])
        v->lo[i] = v->hi[i] = a;
    SDL_Texture *t = i ? v->cmp : v->fast;
    void *pixels;
    int pitch;
    /* (flushes draws already queued with this texture first) */
    if (SDL_LockTexture(t, NULL, &pixels, &pitch) < 0) {
        fprintf(stderr, PLAY_NAME ": warning: texture upload: %s\n", SDL_GetError());
        return;
    }
    /* left and right of what is done, gaps included (empty spans do nothing) */
    const int span[2][2] = { { a, v->lo[i] }, { v->hi[i], b } };
    for (int k = 0; k < 2; k++)
        convert(v, f, i, pixels, pitch, span[k][0], span[k][1]);
    SDL_UnlockTexture(t);
    v->lo[i] = SDL_min(a, v->lo[i]);
    v->hi[i] = SDL_max(b, v->hi[i]);
}

/* Columns [a, b) of picture i (0 FAST, 1 comparison) of frame f shown at
 * window rectangle dst (src: the same columns in the picture).  Software
 * path at 1:1: converted straight into the window surface (`direct`), which
 * saves copying 8 MB per 1080p frame from a texture; otherwise from the
 * texture, scaled as needed. */
static void picture_part(View *v, const PlayFrame *f, SDL_Surface *direct, const SDL_Rect *pr, int i, int a, int b)
{
    if (a >= b)
        return;
    if (direct) {
        convert(v, f, i, (uint8_t *)direct->pixels + pr->y * direct->pitch + pr->x * 4, direct->pitch, a, b);
        return;
    }
    prepare(v, f, i, a, b);
    const int x0 = pr->x + (int)((int64_t)a * pr->w / v->hw), x1 = pr->x + (int)((int64_t)b * pr->w / v->hw);
    SDL_Rect src = { a, 0, b - a, v->hh }, dst = { x0, pr->y, x1 - x0, pr->h };
    SDL_RenderCopy(v->ren, i ? v->cmp : v->fast, &src, &dst);
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

static void magnifier(View *v, const PlayFrame *f, const ViewState *st, SDL_Rect pr, int split_x)
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
    prepare(v, f, t == v->cmp, src.x, src.x + src.w);
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
    const SDL_Rect pr = picture_rect(v);
    const int ts = pr.h >= 700 ? 2 : 1;
    int split_x = pr.x + pr.w;
    const int have = f && v->uploaded == f->index;
    int ow, oh;
    SDL_GetRendererOutputSize(v->ren, &ow, &oh);
    /* software path: no need to clear what the picture covers (GPU
     * renderers want the whole back buffer cleared) */
    if (!v->soft || !have || pr.w < ow || pr.h < oh) {
        SDL_SetRenderDrawColor(v->ren, 0, 0, 0, 255);
        SDL_RenderClear(v->ren);
    }
    SDL_Surface *direct = NULL;
    if (v->soft && have && pr.w == v->hw && pr.h == v->hh) {
        /* the queued clear first: the renderer batches its commands */
        SDL_RenderFlush(v->ren);
        direct = SDL_GetWindowSurface(v->win);
        if (direct && (direct->format->format != v->format || SDL_MUSTLOCK(direct)))
            direct = NULL;
    }
    if (have) {
        if (st->mode == VIEW_SPLIT && v->cmp_uploaded) {
            const int sx = SDL_clamp((int)(st->divider * v->hw + 0.5), 0, v->hw);
            split_x = pr.x + (int)((int64_t)sx * pr.w / v->hw);
            picture_part(v, f, direct, &pr, 1, 0, sx);
            picture_part(v, f, direct, &pr, 0, sx, v->hw);
            SDL_SetRenderDrawColor(v->ren, 255, 255, 255, 255);
            SDL_Rect line = { split_x - 1, pr.y, 2, pr.h };
            SDL_RenderFillRect(v->ren, &line);
            label(v, pr.x + 4, pr.y + pr.h - 14 * ts, ts, st->cmp_label, 255, 255, 255);
            label(v, pr.x + pr.w - (4 + 6 * FONT_CELL_W) * ts, pr.y + pr.h - 14 * ts, ts, "FAST", 255, 255, 255);
        } else if (st->mode == VIEW_COMPARE && v->cmp_uploaded) {
            picture_part(v, f, direct, &pr, 1, 0, v->hw);
            label(v, pr.x + 4, pr.y + pr.h - 14 * ts, ts, st->cmp_label, 255, 255, 255);
        } else {
            picture_part(v, f, direct, &pr, 0, 0, v->hw);
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
            magnifier(v, f, st, pr, split_x);
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
