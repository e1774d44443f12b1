/* Weight-stationary and output-stationary mappings on the same array, for
 * the dataflow comparison of the Eyeriss papers.  Both are deliberately
 * simple textbook forms:
 *
 * WS: PE (i, j) holds one weight: rows take the reduction (C x R x S of a
 * group), columns the filters.  Ifmap pixels enter along the rows, psums
 * flow down the columns; each array tile of weights stays until all N x P x
 * Q outputs have passed, so weights are read once but ifmaps are re-read
 * (im2col) for every column tile and psums visit the buffer once per row
 * tile.
 *
 * OS: PE (i, j) owns output pixel (i, j) of a rows x cols tile for k output
 * channels (its psum register file); weights are broadcast, ifmaps shift
 * between neighbours, so each ifmap word of a tile window is read from the
 * buffer once per group of k channels. */
#include "accel_internal.h"

#include <errno.h>
#include <string.h>

#include "log.h"

static int better(const AccelCost *a, const AccelCost *b)
{
    if (a->score != b->score)
        return a->score < b->score;
    if (a->energy != b->energy)
        return a->energy < b->energy;
    return a->cycles < b->cycles;
}

/* The best candidate so far of a mapper's search. */
typedef struct Search {
    AccelCand *best;
    AccelCost cost;
    int found;
} Search;

static void consider(Search *s, const AccelCand *c, const FsrAccelArch *a, const AccelShape *sh, int objective)
{
    AccelCost cost;
    accel_cost(&cost, a, sh, c, objective);
    if (!s->found || better(&cost, &s->cost)) {
        *s->best = *c;
        s->cost = cost;
        s->found = 1;
    }
}

/* The search's result: Eyexam's parallelism bound for the winner, or an
 * error naming the dataflow when nothing fitted. */
static int finish(Search *s, const char *dataflow, double df_parallelism)
{
    if (!s->found)
        return fsr_error(FSR_ERR(ENOSPC), "%s: no mapping fits", dataflow);
    s->best->df_parallelism = df_parallelism;
    s->best->max_active_pes = s->best->active_pes;
    return 0;
}

int accel_map_ws(AccelCand *best, const FsrAccelArch *a, const AccelShape *sh, int objective)
{
    const int64_t rows = a->pe_rows, cols = a->pe_cols, glb = accel_glb_words(a);
    const int64_t K = sh->Cg * sh->R * sh->S, NPQ = sh->N * sh->P * sh->Q;
    const int64_t kK = accel_ceil_div(K, rows), kM = accel_ceil_div(sh->Mg, cols);
    const int64_t O = sh->N * sh->G * sh->Mg * sh->P * sh->Q;
    const int64_t weights = sh->G * K * sh->Mg;
    const int64_t ifmap = sh->N * sh->G * sh->Cg * sh->Hp * sh->Wp;
    Search search = { .best = best };
    for (int64_t n = 1; n <= sh->N; n++) {
        AccelCand c;
        memset(&c, 0, sizeof(c));
        const int64_t countN = accel_ceil_div(sh->N, n);
        /* Psums of one column tile for n images wait in the buffer while the
         * row tiles go by; when they cannot, they spill to DRAM. */
        const int64_t psum_tile = n * sh->P * sh->Q * accel_min64(cols, sh->Mg);
        const int64_t if_tile = n * sh->Cg * sh->Hp * sh->Wp;
        const int spill = psum_tile > glb;
        const int if_resident = !spill && psum_tile + if_tile <= glb;
        if (spill && n > 1)
            break;
        c.ideal_cycles = sh->G * kK * kM * (NPQ + rows + cols); /* + fill and drain per tile */
        /* Each cycle a row tile reads one ifmap word per used row. */
        double stall = 1.0;
        if (a->noc_words_per_cycle[FSR_ACCEL_IFMAP] > 0)
            stall = (double)accel_min64(rows, K) / a->noc_words_per_cycle[FSR_ACCEL_IFMAP];
        if (stall < 1)
            stall = 1;
        c.compute_cycles = (int64_t)((double)c.ideal_cycles * stall + 0.5);
        const int64_t dram_f = countN * weights;
        const int64_t dram_if = if_resident ? ifmap : kM * ifmap;
        const int64_t dram_ps = O + (spill ? 2 * O * (kK - 1) : 0);
        const int64_t glb_if = dram_if + kM * sh->G * NPQ * K;
        int64_t (*acc)[FSR_ACCEL_NDATA] = c.acc;
        acc[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP] = dram_if;
        acc[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER] = dram_f;
        acc[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM] = dram_ps;
        acc[FSR_ACCEL_GLB][FSR_ACCEL_IFMAP] = glb_if;
        acc[FSR_ACCEL_GLB][FSR_ACCEL_FILTER] = a->filters_in_glb ? 2 * dram_f : 0;
        acc[FSR_ACCEL_GLB][FSR_ACCEL_PSUM] = O * kK + O * (kK - 1) + O + (spill ? 2 * O * (kK - 1) : 0);
        acc[FSR_ACCEL_ARRAY][FSR_ACCEL_IFMAP] = sh->macs;
        acc[FSR_ACCEL_ARRAY][FSR_ACCEL_FILTER] = dram_f;
        acc[FSR_ACCEL_ARRAY][FSR_ACCEL_PSUM] = sh->macs + O * kK;
        acc[FSR_ACCEL_RF][FSR_ACCEL_FILTER] = sh->macs + dram_f;
        c.map.dataflow = FSR_ACCEL_WS;
        c.map.n = (int)n;
        c.map.set_rows = (int)accel_min64(rows, K);
        c.map.set_cols = (int)accel_min64(cols, sh->Mg);
        c.map.sets = 1;
        c.map.passes = countN * sh->G * kK * kM;
        c.map.glb_words_used = psum_tile + (if_resident ? if_tile : 0);
        c.map.order = "N/n > G > M/cols > (C*R*S)/rows > n*P*Q streamed";
        c.active_pes = c.map.set_rows * c.map.set_cols;
        consider(&search, &c, a, sh, objective);
    }
    return finish(&search, "weight stationary", (double)(K * sh->Mg * sh->G));
}

int accel_map_os(AccelCand *best, const FsrAccelArch *a, const AccelShape *sh, int objective)
{
    const int64_t rows = a->pe_rows, cols = a->pe_cols, glb = accel_glb_words(a);
    const int64_t tp = accel_min64(rows, sh->P), tq = accel_min64(cols, sh->Q);
    const int64_t tiles = sh->N * sh->G * accel_ceil_div(sh->P, tp) * accel_ceil_div(sh->Q, tq);
    const int64_t O = sh->N * sh->G * sh->Mg * sh->P * sh->Q;
    const int64_t weights = sh->G * sh->Mg * sh->Cg * sh->R * sh->S;
    const int64_t crs = sh->Cg * sh->R * sh->S;
    const int64_t win = ((tp - 1) * sh->U + sh->R) * ((tq - 1) * sh->U + sh->S);
    const int64_t ifmap = sh->N * sh->G * sh->Cg * sh->Hp * sh->Wp;
    Search search = { .best = best };
    for (int64_t k = 1; k <= accel_min64(a->rf_psum, sh->Mg); k++) {
        AccelCand c;
        memset(&c, 0, sizeof(c));
        const int64_t kG = accel_ceil_div(sh->Mg, k);
        c.ideal_cycles = tiles * kG * k * crs;
        c.compute_cycles = c.ideal_cycles;
        /* Weights stay in the buffer across tiles when they all fit there. */
        const int w_resident = a->filters_in_glb && weights / sh->G + sh->Cg * win <= glb;
        const int64_t per_tile_w = tiles * sh->Mg * crs;
        const int if_resident = sh->Cg * sh->Hp * sh->Wp + (w_resident ? weights / sh->G : 0) <= glb;
        const int64_t glb_if_reads = tiles * kG * sh->Cg * win;
        const int64_t dram_if = if_resident ? ifmap : glb_if_reads;
        int64_t (*acc)[FSR_ACCEL_NDATA] = c.acc;
        acc[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP] = dram_if;
        acc[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER] = w_resident ? weights : per_tile_w;
        acc[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM] = O;
        acc[FSR_ACCEL_GLB][FSR_ACCEL_IFMAP] = dram_if + glb_if_reads;
        acc[FSR_ACCEL_GLB][FSR_ACCEL_FILTER] = a->filters_in_glb ? (w_resident ? weights : per_tile_w) + per_tile_w : 0;
        acc[FSR_ACCEL_GLB][FSR_ACCEL_PSUM] = 2 * O;
        acc[FSR_ACCEL_ARRAY][FSR_ACCEL_IFMAP] = tiles * kG * crs * tp * tq;
        acc[FSR_ACCEL_ARRAY][FSR_ACCEL_FILTER] = tiles * sh->Mg * crs * tp * tq;
        acc[FSR_ACCEL_ARRAY][FSR_ACCEL_PSUM] = O;
        acc[FSR_ACCEL_RF][FSR_ACCEL_IFMAP] = sh->macs + tiles * kG * crs * tp * tq;
        acc[FSR_ACCEL_RF][FSR_ACCEL_FILTER] = sh->macs;
        acc[FSR_ACCEL_RF][FSR_ACCEL_PSUM] = 2 * sh->macs;
        c.map.dataflow = FSR_ACCEL_OS;
        c.map.n = 1;
        c.map.p = (int)k;
        c.map.set_rows = (int)tp;
        c.map.set_cols = (int)tq;
        c.map.sets = 1;
        c.map.passes = tiles * kG;
        c.map.glb_words_used = sh->Cg * win + (w_resident ? weights / sh->G : 0);
        c.map.order = "N > G > P/rows > Q/cols > M/k > C*R*S streamed";
        c.active_pes = (int)(tp * tq);
        consider(&search, &c, a, sh, objective);
    }
    return finish(&search, "output stationary", (double)(sh->N * sh->G * sh->P * sh->Q));
}
