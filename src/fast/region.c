#include "region.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

int64_t fsr_region_cost(const FsrRect *r, int w, int h, int mx, int my)
{
    const int x0 = imax(r->x - mx, 0), y0 = imax(r->y - my, 0);
    const int x1 = imin(r->x + r->w + mx, w), y1 = imin(r->y + r->h + my, h);
    return (int64_t)(x1 - x0) * (y1 - y0);
}

static FsrRect rect_union(const FsrRect *a, const FsrRect *b)
{
    const int x0 = imin(a->x, b->x), y0 = imin(a->y, b->y);
    const int x1 = imax(a->x + a->w, b->x + b->w), y1 = imax(a->y + a->h, b->y + b->h);
    return (FsrRect){ x0, y0, x1 - x0, y1 - y0 };
}

void fsr_region_plan_free(FsrRegionPlan *p)
{
    free(p->rects);
    free(p->stack);
    free(p->seen);
    memset(p, 0, sizeof(*p));
}

int fsr_region_plan(FsrRegionPlan *p, const uint8_t *cells, int cw, int ch, int lw, int lh, int s, int mx,
                    int my, int max_rects)
{
    const int hw = lw * s, hh = lh * s;
    p->n = 0;
    p->cost = p->area = 0;
    if (cw * ch > p->ncells) {
        free(p->stack);
        free(p->seen);
        p->stack = malloc(sizeof(int) * cw * ch);
        p->seen = malloc((size_t)cw * ch);
        p->ncells = p->stack && p->seen ? cw * ch : 0;
        if (!p->ncells)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    if (max_rects > p->cap) {
        FsrRect *r = realloc(p->rects, sizeof(FsrRect) * max_rects);
        if (!r)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        p->rects = r;
        p->cap = max_rects;
    }
    memset(p->seen, 0, (size_t)cw * ch);
    /* connected cells (8-neighbourhood), in raster order of their first cell */
    for (int i = 0; i < cw * ch; i++) {
        if (!cells[i] || p->seen[i])
            continue;
        if (p->n == max_rects)
            return 1;
        int top = 0, x0 = cw, y0 = ch, x1 = -1, y1 = -1;
        p->stack[top++] = i;
        p->seen[i] = 1;
        while (top) {
            const int c = p->stack[--top], cx = c % cw, cy = c / cw;
            x0 = imin(x0, cx), x1 = imax(x1, cx), y0 = imin(y0, cy), y1 = imax(y1, cy);
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    const int nx = cx + dx, ny = cy + dy, nc = ny * cw + nx;
                    if (nx >= 0 && ny >= 0 && nx < cw && ny < ch && cells[nc] && !p->seen[nc]) {
                        p->seen[nc] = 1;
                        p->stack[top++] = nc;
                    }
                }
        }
        FsrRect r = { x0 * REGION_CELL * s, y0 * REGION_CELL * s, (x1 - x0 + 1) * REGION_CELL * s,
                      (y1 - y0 + 1) * REGION_CELL * s };
        r.w = imin(r.w, hw - r.x);
        r.h = imin(r.h, hh - r.y);
        p->rects[p->n++] = r;
    }
    /* merge pairs while the union with its halo costs no more than the two
     * apart (overlapping bounding boxes always qualify or nearly so) */
    for (int merged = 1; merged;) {
        merged = 0;
        for (int i = 0; i < p->n; i++)
            for (int j = i + 1; j < p->n; j++) {
                const FsrRect u = rect_union(&p->rects[i], &p->rects[j]);
                if (fsr_region_cost(&u, hw, hh, mx, my) <=
                    fsr_region_cost(&p->rects[i], hw, hh, mx, my) + fsr_region_cost(&p->rects[j], hw, hh, mx, my)) {
                    p->rects[i] = u;
                    p->rects[j] = p->rects[--p->n];
                    merged = 1;
                    j = i; /* the grown rectangle against all others again */
                }
            }
    }
    for (int i = 0; i < p->n; i++) {
        p->cost += fsr_region_cost(&p->rects[i], hw, hh, mx, my);
        p->area += (int64_t)p->rects[i].w * p->rects[i].h;
    }
    return 0;
}
