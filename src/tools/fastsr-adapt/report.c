/* What fastsr-adapt leaves for people: the family's table (Markdown and
 * CSV), every proposal it measured (CSV), and cost against PSNR (SVG). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "adapt.h"

static FILE *open_in_out_dir(const Adapt *a, const char *name, const char *mode)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", a->o->out_dir, name);
    FILE *f = fopen(path, mode);
    if (!f)
        fprintf(stderr, "fastsr-adapt: error: %s: cannot write\n", path);
    return f;
}

void adapt_row_print(const Adapt *a, const Row *r, FILE *f)
{
    const Row *p = &a->rows[0];
    fprintf(f, "| %s | %s | %s | %lld | %.2f | %.3f %s | %.2f | %.3f | %+.3f | %.0f |\n", r->file, r->change, r->channels,
            r->macs, (double)r->macs / (double)p->macs, r->cost, a->unit, r->cost / p->cost, r->psnr, r->psnr - p->psnr,
            r->seconds);
}

int adapt_write_table(const Adapt *a, const char *parent_name)
{
    FILE *md = open_in_out_dir(a, "table.md", "w"), *csv = md ? open_in_out_dir(a, "table.csv", "w") : NULL;
    if (!md || !csv) {
        if (md)
            fclose(md);
        return -1;
    }
    fprintf(md, "Parent %s; cost: %s per %dx%d frame on %s; PSNR-Y on the validation set after each network's "
                "fine-tune.\n\n",
            parent_name, a->o->cost_kind == COST_ENERGY ? "energy" : "latency", a->o->w, a->o->h,
            a->accel ? a->o->platform : "this CPU (the SR engine)");
    fprintf(md, "| model | change | channels | MACs/px | MACs vs parent | measured cost | cost vs parent | PSNR "
                "| vs parent | s |\n|---|---|---|---|---|---|---|---|---|---|\n");
    fprintf(csv, "model,change,channels,macs_per_pixel,cost,cost_unit,psnr,seconds\n");
    for (int i = 0; i < a->nrows; i++) {
        const Row *r = &a->rows[i];
        adapt_row_print(a, r, md);
        fprintf(csv, "%s,%s,%s,%lld,%.6g,%s,%.4f,%.1f\n", r->file, r->change, r->channels, r->macs, r->cost, a->unit,
                r->psnr, r->seconds);
    }
    const int ok = !ferror(md) && !ferror(csv);
    if ((fclose(md) != 0) | (fclose(csv) != 0) || !ok) {
        fprintf(stderr, "fastsr-adapt: error: cannot write the table in %s\n", a->o->out_dir);
        return -1;
    }
    return 0;
}

int adapt_proposal_log(const Adapt *a, int iter, const char *what, const FsrModel *m, double cost, double psnr)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/proposals.csv", a->o->out_dir);
    FILE *probe = fopen(path, "r");
    const int fresh = !probe;
    if (probe)
        fclose(probe);
    FILE *f = open_in_out_dir(a, "proposals.csv", "a");
    if (!f)
        return -1;
    char sig[128];
    adapt_signature(m, sig, sizeof(sig));
    if (fresh)
        fprintf(f, "iteration,proposal,channels,macs_per_pixel,cost,cost_unit,psnr\n");
    fprintf(f, "%d,%s,%s,%lld,%.6g,%s,%.4f\n", iter, what, sig, fsr_model_macs_per_pixel(m), cost, a->unit, psnr);
    return fclose(f) == 0 ? 0 : -1;
}

/* Cost on x, PSNR on y, the family joined in order, the parent marked. */
int adapt_write_plot(const Adapt *a, const char *name)
{
    if (a->nrows < 1)
        return 0;
    FILE *f = open_in_out_dir(a, name, "w");
    if (!f)
        return -1;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < a->nrows; i++) {
        x0 = fmin(x0, a->rows[i].cost), x1 = fmax(x1, a->rows[i].cost);
        y0 = fmin(y0, a->rows[i].psnr), y1 = fmax(y1, a->rows[i].psnr);
    }
    x0 = 0;
    x1 *= 1.05;
    const double ypad = fmax(0.05, (y1 - y0) * 0.1);
    y0 -= ypad, y1 += ypad;
    const int W = 640, H = 420, L = 70, R = 20, T = 30, B = 50;
#define PX(v) (L + ((v) - x0) / (x1 - x0) * (W - L - R))
#define PY(v) (H - B - ((v) - y0) / (y1 - y0) * (H - T - B))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H);
    fprintf(f, "<text x=\"%d\" y=\"18\">fastsr-adapt: validation PSNR-Y against measured cost</text>\n", L);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, H - B, W - R, H - B);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, T, L, H - B);
    for (int t = 0; t <= 4; t++) {
        const double xv = x0 + (x1 - x0) * t / 4, yv = y0 + (y1 - y0) * t / 4;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g</text>\n", PX(xv), H - B + 16, xv);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", L - 6, PY(yv) + 4, yv);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">cost (%s per %dx%d frame, %s)</text>\n",
            (L + W - R) / 2, H - 10, a->unit, a->o->w, a->o->h, a->accel ? a->o->platform : "this CPU");
    fprintf(f, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">PSNR-Y (dB)</text>\n",
            (T + H - B) / 2, (T + H - B) / 2);
    fprintf(f, "<polyline fill=\"none\" stroke=\"#1f77b4\" points=\"");
    for (int i = 0; i < a->nrows; i++)
        if (strcmp(a->rows[i].change, "final") != 0)
            fprintf(f, "%.1f,%.1f ", PX(a->rows[i].cost), PY(a->rows[i].psnr));
    fprintf(f, "\"/>\n");
    for (int i = 0; i < a->nrows; i++) {
        const Row *r = &a->rows[i];
        const char *color = i == 0 ? "#d62728" : !strcmp(r->change, "final") ? "#2ca02c" : "#1f77b4";
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s %s: %.3g %s, %.3f dB</title>"
                   "</circle>\n", PX(r->cost), PY(r->psnr), color, r->file, r->channels, r->cost, a->unit, r->psnr);
    }
#undef PX
#undef PY
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#d62728\">parent</text>\n", W - R - 160, T + 10);
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">iterations (short fine-tune)</text>\n", W - R - 160, T + 26);
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#2ca02c\">after the final fine-tune</text>\n", W - R - 160, T + 42);
    fprintf(f, "</svg>\n");
    return fclose(f) == 0 ? 0 : -1;
}
