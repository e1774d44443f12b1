/* Row-stationary mapping (Eyeriss, Chen et al., ISCA 2016 / JSSC 2017).
 *
 * Each PE runs a 1-D convolution: one filter row (S taps) slides along one
 * ifmap row and produces one row of partial sums.  A logical PE set of R x e
 * PEs computes e ofmap rows of one 2-D convolution: filter rows are reused
 * horizontally along PE rows, ifmap rows diagonally, and psums accumulate
 * vertically.  Inside a PE, p filters, q channels and n images interleave in
 * the spads; r sets on different channels, t sets on different filters and g
 * sets on different groups run side by side.  The global buffer keeps the
 * psums of m ofmap channels for n images and the ifmap rows of the current
 * pass.
 *
 * Loop order (outermost first): images/n, groups/g, ofmap channels/m, strips
 * of e ofmap rows, channels/(q r), filter-row chunks, filters/(p t) -> pass.
 * So the ifmap of a strip is fetched from DRAM once per m-chunk, filters once
 * per image chunk and strip, and psums never leave the chip. */
#include "accel_internal.h"

#include <errno.h>
#include <string.h>

#include "log.h"

/* Sums over the passes of one m-chunk loop: PM passes, SP the per-PE filter
 * loads (p_eff = ceil(f / t) when a pass has f filters), ST the sets used. */
typedef struct FilterSums {
    int64_t PM, SP, ST;
} FilterSums;

static void filter_pass(FilterSums *fs, int64_t mc, int64_t p, int64_t t, int64_t times)
{
    const int64_t pt = p * t, full = mc / pt, rem = mc % pt;
    fs->PM += times * (full + (rem > 0));
    fs->SP += times * (full * p + (rem ? accel_ceil_div(rem, t) : 0));
    /* A short pass spreads its filters evenly: ceil(rem / p_eff) sets. */
    fs->ST += times * (full * t + (rem ? accel_ceil_div(rem, accel_ceil_div(rem, t)) : 0));
}

static void filter_sums(FilterSums *fs, int64_t Mg, int64_t m, int64_t p, int64_t t)
{
    fs->PM = fs->SP = fs->ST = 0;
    const int64_t full = Mg / m, rem = Mg % m;
    filter_pass(fs, m, p, t, full);
    if (rem)
        filter_pass(fs, rem, p, t, 1);
}

typedef struct RsParams {
    int64_t e, n, p, q, r, t, g, m, Rc, nR, folds, set_rows, set_cols, sets;
} RsParams;

/* Rows of ifmap that a strip of ee ofmap rows needs for rr filter rows. */
static int64_t strip_rows(const AccelShape *sh, int64_t ee, int64_t rr)
{
    return accel_min64((ee - 1) * sh->U + rr, sh->Hp);
}

/* Sum over strips of f(strip size) for the ifmap rows. */
static int64_t rows_over_strips(const AccelShape *sh, int64_t e, int64_t rr)
{
    const int64_t full = sh->P / e, rem = sh->P % e;
    return full * strip_rows(sh, e, rr) + (rem ? strip_rows(sh, rem, rr) : 0);
}

static void rs_evaluate(AccelCand *c, const FsrAccelArch *a, const AccelShape *sh, const RsParams *rp)
{
    const int64_t N = sh->N, G = sh->G, Cg = sh->Cg, Mg = sh->Mg, R = sh->R, S = sh->S;
    const int64_t P = sh->P, Q = sh->Q, Wp = sh->Wp;
    const int64_t n = rp->n, p = rp->p, q = rp->q, r = rp->r, t = rp->t, g = rp->g;
    const int64_t e = rp->e, m = rp->m;
    const int64_t add = a->psum_add_uses_mac ? 1 : 0;

    const int64_t countN = accel_ceil_div(N, n), countG = accel_ceil_div(G, g);
    const int64_t kE = accel_ceil_div(P, e), kM = accel_ceil_div(Mg, m);
    const int64_t qr = q * r, kC = accel_ceil_div(Cg, qr);
    FilterSums fs;
    filter_sums(&fs, Mg, m, p, t);

    /* Channels: per-PE load q_eff = ceil(cc / r) and sets used ceil(cc / q_eff). */
    int64_t SQ = 0, RU = 0;
    {
        const int64_t full = Cg / qr, rem = Cg % qr;
        SQ = full * q;
        RU = full * r;
        if (rem) {
            const int64_t qe = accel_ceil_div(rem, r);
            SQ += qe;
            RU += accel_ceil_div(rem, qe);
        }
    }
    /* Filter-row chunks: nR chunks of Rc rows, the last one smaller. */
    const int64_t nR = rp->nR, Rc = rp->Rc, Rlast = R - (nR - 1) * Rc;
    int64_t ROWS = 0; /* ifmap rows read from the buffer, per strip set and chunk */
    ROWS = (nR - 1) * rows_over_strips(sh, e, Rc) + rows_over_strips(sh, e, Rlast);
    const int64_t ROWSF = rows_over_strips(sh, e, R);

    const int64_t macs = sh->macs;
    const int64_t O = N * G * Mg * P * Q; /* ofmap words */
    const int64_t steps = kC * nR;        /* psum visits to the buffer per output */

    /* Array time: a pass lasts n p Q (q S + add) cycles on every busy PE. */
    c->ideal_cycles = countG * kE * nR * N * fs.SP * Q * (S * SQ + add * kC);

    /* Buffer bandwidth of a full pass against its duration. */
    const int64_t Tfull = n * p * Q * (q * S + add);
    const double if_words = (double)(n * g * qr * strip_rows(sh, e, Rc) * Wp);
    const double ps_words = (double)(n * g * p * t * e * Q);
    double stall = 1.0;
    const double *bw = a->noc_words_per_cycle;
    if (bw[FSR_ACCEL_IFMAP] > 0 && if_words / (bw[FSR_ACCEL_IFMAP] * Tfull) > stall)
        stall = if_words / (bw[FSR_ACCEL_IFMAP] * Tfull);
    if (bw[FSR_ACCEL_PSUM] > 0 && ps_words / (bw[FSR_ACCEL_PSUM] * Tfull) > stall)
        stall = ps_words / (bw[FSR_ACCEL_PSUM] * Tfull);
    const int64_t passes = countN * countG * fs.PM * kE * kC * nR;
    double cycles = (double)c->ideal_cycles * stall;
    if (a->filters_in_glb && bw[FSR_ACCEL_FILTER] > 0)
        /* No spare spad to double-buffer: filters load between passes. */
        cycles += (double)passes * (double)(g * p * t * qr * Rc * S) / bw[FSR_ACCEL_FILTER];
    c->compute_cycles = (int64_t)(cycles + 0.5);

    /* ---- accesses (words) ---- */
    const int64_t filt_words = G * Mg * Cg * R * S;
    const int64_t glb = accel_glb_words(a);
    const int64_t psum_res = n * g * m * e * Q;
    /* The whole ifmap of the images and groups in flight may stay on chip. */
    const int ifmap_resident = n * g * Cg * sh->Hp * Wp + psum_res <= glb;
    const int64_t dram_if = ifmap_resident ? N * G * Cg * sh->Hp * Wp : N * G * Cg * Wp * kM * ROWSF;
    const int filters_resident = a->filters_in_glb &&
        filt_words / G * g + psum_res + n * g * qr * strip_rows(sh, e, R) * Wp <= glb;
    const int64_t dram_f = filters_resident ? filt_words : countN * kE * filt_words;

    const int64_t deliv_if = N * G * Cg * R * P * Wp * fs.ST;
    const int64_t deliv_f = countN * G * P * R * S * Mg * Cg;
    const int64_t adds = O * (RU * R - 1);

    int64_t (*acc)[FSR_ACCEL_NDATA] = c->acc;
    acc[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP] = dram_if;
    acc[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER] = dram_f;
    acc[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM] = O;
    acc[FSR_ACCEL_GLB][FSR_ACCEL_IFMAP] = dram_if + N * G * Cg * Wp * ROWS * fs.PM;
    acc[FSR_ACCEL_GLB][FSR_ACCEL_FILTER] = a->filters_in_glb ? dram_f + countN * kE * filt_words : 0;
    acc[FSR_ACCEL_GLB][FSR_ACCEL_PSUM] = O * steps + O * (steps - 1) + O;
    acc[FSR_ACCEL_ARRAY][FSR_ACCEL_IFMAP] = deliv_if;
    acc[FSR_ACCEL_ARRAY][FSR_ACCEL_FILTER] = deliv_f;
    acc[FSR_ACCEL_ARRAY][FSR_ACCEL_PSUM] = adds + O * steps;
    acc[FSR_ACCEL_RF][FSR_ACCEL_IFMAP] = macs + deliv_if;
    acc[FSR_ACCEL_RF][FSR_ACCEL_FILTER] = macs + deliv_f;
    acc[FSR_ACCEL_RF][FSR_ACCEL_PSUM] = 2 * macs + 2 * adds;

    /* What cannot move behind processing: without a buffer copy, every
     * filter load rewrites spads the array is using; the first pass needs
     * its ifmap rows before it starts, the last m-chunk's ofmaps leave
     * after the array has finished. */
    c->serial[FSR_ACCEL_FILTER] = a->filters_in_glb ? accel_min64(dram_f, g * p * t * qr * Rc * S) : dram_f;
    c->serial[FSR_ACCEL_IFMAP] = accel_min64(dram_if, n * g * qr * strip_rows(sh, e, R) * Wp);
    c->serial[FSR_ACCEL_PSUM] = accel_min64(O, n * g * accel_min64(m, Mg) * accel_min64(e, P) * Q);

    FsrAccelMapping *mp = &c->map;
    mp->dataflow = FSR_ACCEL_RS;
    mp->e = (int)e, mp->n = (int)n, mp->p = (int)p, mp->q = (int)q;
    mp->r = (int)r, mp->t = (int)t, mp->m = (int)m, mp->g = (int)g;
    mp->folds = (int)rp->folds, mp->r_chunks = (int)nR;
    mp->set_rows = (int)rp->set_rows, mp->set_cols = (int)rp->set_cols;
    mp->sets = (int)(r * t * g);
    mp->passes = passes;
    mp->glb_words_used = psum_res + n * g * qr * strip_rows(sh, e, R) * Wp +
                         (a->filters_in_glb ? g * p * t * qr * Rc * S : 0);
    mp->order = "N/n > G/g > Q/q_tile > M/m > P/e > C/(q*r) > R-chunks > m/(p*t) > pass";
    c->active_pes = (int)(Rc * e * r * t * g);
}

static int better(const AccelCost *a, const AccelCand *ca, const AccelCost *b, const AccelCand *cb,
                  int speed_first)
{
    /* The chip's rule, carried from space into time: after the most busy
     * PEs (the set rule), the fewest processing cycles; energy decides
     * among those. */
    if (speed_first && ca->compute_cycles != cb->compute_cycles)
        return ca->compute_cycles < cb->compute_cycles;
    if (a->score < b->score * (1 - 1e-12))
        return 1;
    if (a->score > b->score * (1 + 1e-12))
        return 0;
    /* Ties: the other of energy and time, then more busy PEs. */
    if (a->energy != b->energy)
        return a->energy < b->energy;
    if (a->cycles != b->cycles)
        return a->cycles < b->cycles;
    if (ca->active_pes != cb->active_pes)
        return ca->active_pes > cb->active_pes;
    /* Equal costs: the mapping that occupies less storage. */
    if (ca->map.glb_words_used != cb->map.glb_words_used)
        return ca->map.glb_words_used < cb->map.glb_words_used;
    return ca->map.p * ca->map.q < cb->map.p * cb->map.q;
}

/* The shape of one column tile of qt ofmap columns. */
static void tile_shape(AccelShape *t, const AccelShape *sh, int64_t qt)
{
    *t = *sh;
    t->Q = qt;
    t->Wp = (qt - 1) * sh->U + sh->S;
    t->macs = sh->N * sh->G * sh->Mg * sh->Cg * sh->R * sh->S * sh->P * qt;
}

/* dst = dst + times * src, for the additive parts of a candidate. */
static void cand_add(AccelCand *dst, const AccelCand *src, int64_t times)
{
    dst->ideal_cycles += times * src->ideal_cycles;
    dst->compute_cycles += times * src->compute_cycles;
    dst->map.passes += times * src->map.passes;
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        for (int d = 0; d < FSR_ACCEL_NDATA; d++)
            dst->acc[l][d] += times * src->acc[l][d];
    for (int d = 0; d < FSR_ACCEL_NDATA; d++)
        dst->serial[d] += times * src->serial[d];
}

void accel_rs_cost(AccelCand *c, const FsrAccelArch *a, const AccelShape *sh, const FsrAccelMapping *m)
{
    RsParams rp = { .e = m->e, .n = m->n, .p = m->p, .q = m->q, .r = m->r, .t = m->t, .g = m->g, .m = m->m };
    rp.nR = accel_ceil_div(sh->R, a->pe_rows);
    rp.Rc = accel_ceil_div(sh->R, rp.nR);
    rp.folds = accel_ceil_div(rp.e, a->pe_cols);
    rp.set_rows = rp.Rc * rp.folds;
    rp.set_cols = rp.folds > 1 ? a->pe_cols : rp.e;
    rp.sets = rp.g * rp.r * rp.t;
    const int64_t qt = m->q_tile > 0 ? m->q_tile : sh->Q, full = sh->Q / qt, rem = sh->Q % qt;
    AccelShape ts, tr;
    tile_shape(&ts, sh, qt);
    AccelCand one;
    memset(c, 0, sizeof(*c));
    memset(&one, 0, sizeof(one));
    rs_evaluate(&one, a, &ts, &rp);
    c->map = one.map;
    c->active_pes = one.active_pes;
    c->map.passes = 0;
    cand_add(c, &one, full);
    if (rem) {
        tile_shape(&tr, sh, rem);
        memset(&one, 0, sizeof(one));
        rs_evaluate(&one, a, &tr, &rp);
        cand_add(c, &one, 1);
    }
    c->map.q_tile = (int)qt;
    c->map.q_tiles = (int)(full + (rem > 0));
}

/* Values worth trying for a per-unit count 1..X of a dimension of size D:
 * all when few; otherwise the small ones and, for each chunk count
 * ceil(D / v), the largest v (the others only add padding).  Ascending. */
#define RS_MAX_VALUES 40
static int rs_values(int64_t D, int64_t X, int64_t *v)
{
    int n = 0;
    if (X <= 32) {
        for (int64_t i = 1; i <= X; i++)
            v[n++] = i;
        return n;
    }
    for (int64_t i = 1; i <= 16; i++)
        v[n++] = i;
    int64_t big[RS_MAX_VALUES];
    int m = 0;
    for (int64_t k = accel_ceil_div(D, X); m < RS_MAX_VALUES - 16; k++) {
        const int64_t val = accel_ceil_div(D, k);
        if (val <= 16)
            break;
        if (val <= X && (!m || big[m - 1] != val))
            big[m++] = val;
    }
    while (m > 0)
        v[n++] = big[--m];
    return n;
}

/* Candidate evaluations one search may spend before it settles for the
 * best so far (only huge arrays and register files get near it). */
#define RS_BUDGET 1000000

/* State of one layer's mapping search. */
typedef struct RsSearch {
    const FsrAccelArch *a;
    const AccelShape *sh;
    int objective;
    int64_t Rc, nR, glb;
    int64_t max_active; /* pass 0's result */
    int64_t budget;
    int truncated;
    int found;
    AccelCand *best;
    AccelCost best_cost;
} RsSearch;

/* One column-tile width: the tile shapes and how many of each. */
typedef struct RsTiles {
    AccelShape full, last;
    int64_t qt, n_full, rem;
} RsTiles;

/* Costs one complete mapping over all column tiles and keeps it if better. */
static void rs_try(RsSearch *s, const RsTiles *tl, const RsParams *rp)
{
    AccelCand one, sum;
    memset(&one, 0, sizeof(one));
    rs_evaluate(&one, s->a, &tl->full, rp);
    sum = one;
    memset(&sum.acc, 0, sizeof(sum.acc));
    memset(&sum.serial, 0, sizeof(sum.serial));
    sum.ideal_cycles = sum.compute_cycles = sum.map.passes = 0;
    cand_add(&sum, &one, tl->n_full);
    if (tl->rem) {
        memset(&one, 0, sizeof(one));
        rs_evaluate(&one, s->a, &tl->last, rp);
        cand_add(&sum, &one, 1);
    }
    sum.map.q_tile = (int)tl->qt;
    sum.map.q_tiles = (int)(tl->n_full + (tl->rem > 0));
    AccelCost cost;
    accel_cost(&cost, s->a, s->sh, &sum, s->objective);
    const int speed_first = s->a->set_rule == FSR_ACCEL_SETS_EYERISS && s->objective == FSR_ACCEL_MIN_ENERGY;
    if (!s->found || better(&cost, &sum, &s->best_cost, s->best, speed_first)) {
        *s->best = sum;
        s->best_cost = cost;
        s->found = 1;
    }
}

/* Given the sets (e, q, p, g, r, t): the images per pass n, and for each the
 * largest m the buffer holds (then the smallest m with as few m-chunks). */
static int rs_try_buffer(RsSearch *s, const RsTiles *tl, RsParams *rp)
{
    const FsrAccelArch *a = s->a;
    const AccelShape *sh = s->sh, *ts = &tl->full;
    const int64_t pt = rp->p * rp->t, qr = rp->q * rp->r, g = rp->g, e = rp->e;
    int64_t nv[RS_MAX_VALUES];
    const int nn = rs_values(sh->N, sh->N, nv);
    for (int i = 0; i < nn; i++) {
        const int64_t n = nv[i];
        if (--s->budget < 0)
            return -1;
        const int64_t if_res = n * g * qr * strip_rows(sh, e, sh->R) * ts->Wp;
        const int64_t f_res = a->filters_in_glb ? g * pt * qr * s->Rc * sh->S : 0;
        const int64_t avail = s->glb - if_res - f_res;
        if (avail <= 0)
            break;
        int64_t mmax = avail / (n * g * e * ts->Q) / pt * pt;
        if (mmax < pt)
            break; /* more images only need more room */
        mmax = accel_min64(mmax, accel_ceil_div(sh->Mg, pt) * pt);
        const int64_t kM = accel_ceil_div(sh->Mg, mmax);
        rp->m = accel_ceil_div(accel_ceil_div(sh->Mg, kM), pt) * pt;
        rp->n = n;
        rs_try(s, tl, rp);
    }
    return 0;
}

/* All set arrangements of one strip width e on one tile width.  Pass 0
 * records the most PEs a placement whose pass fits the buffer keeps busy;
 * pass 1 costs the candidates (under the Eyeriss rule only those reaching
 * that maximum).  Returns -1 when the budget ran out. */
static int rs_search_e(RsSearch *s, int pass, const RsTiles *tl, int64_t e)
{
    const FsrAccelArch *a = s->a;
    const AccelShape *sh = s->sh, *ts = &tl->full;
    const int64_t rows = a->pe_rows, cols = a->pe_cols, S = sh->S, Rc = s->Rc;
    RsParams rp = { .e = e, .Rc = Rc, .nR = s->nR };
    rp.folds = accel_ceil_div(e, cols);
    rp.set_rows = Rc * rp.folds;
    rp.set_cols = rp.folds > 1 ? cols : e;
    if (rp.set_rows > rows)
        return 0;
    const int64_t slots = (rows / rp.set_rows) * (cols / rp.set_cols);
    const int eyeriss = a->set_rule == FSR_ACCEL_SETS_EYERISS;
    int64_t qv[RS_MAX_VALUES], pv[RS_MAX_VALUES], gv[RS_MAX_VALUES], rv[RS_MAX_VALUES], tv[RS_MAX_VALUES];
    /* Pass 0 only needs p = q = 1: more per PE only shrinks the sets the
     * layer can fill and grows what the buffer must hold. */
    const int nq = pass ? rs_values(sh->Cg, accel_min64(sh->Cg, a->rf_ifmap / S), qv) : (qv[0] = 1);
    for (int iq = nq - 1; iq >= 0; iq--) {
        const int64_t q = qv[iq], rmax = accel_ceil_div(sh->Cg, q);
        const int64_t pmax = accel_min64(accel_min64(sh->Mg, a->rf_psum), a->rf_filter / (q * S));
        const int np = pass ? rs_values(sh->Mg, pmax, pv) : (pv[0] = 1);
        for (int ip = np - 1; ip >= 0; ip--) {
            const int64_t p = pv[ip], tmax = accel_ceil_div(sh->Mg, p);
            const int ng = rs_values(sh->G, accel_min64(sh->G, slots), gv);
            for (int ig = 0; ig < ng; ig++) {
                const int64_t g = gv[ig];
                const int nr = rs_values(rmax, accel_min64(rmax, slots / g), rv);
                for (int ir = 0; ir < nr; ir++) {
                    const int64_t r = rv[ir];
                    int nt;
                    if (pass && eyeriss) {
                        /* Only the t that fills the array as pass 0 found. */
                        const int64_t t = s->max_active / (Rc * e * g * r);
                        if (t < 1 || t * Rc * e * g * r != s->max_active || t > tmax || t > slots / (g * r))
                            continue;
                        tv[0] = t;
                        nt = 1;
                    } else
                        nt = rs_values(tmax, accel_min64(tmax, slots / (g * r)), tv);
                    for (int it = nt - 1; it >= 0; it--) {
                        const int64_t t = tv[it], active = Rc * e * g * r * t;
                        if (--s->budget < 0)
                            return -1;
                        if (pass == 0) {
                            const int64_t need = g * q * r * strip_rows(sh, e, sh->R) * ts->Wp +
                                                 (a->filters_in_glb ? g * p * t * q * r * Rc * S : 0) +
                                                 g * p * t * e * ts->Q;
                            if (need <= s->glb && active > s->max_active)
                                s->max_active = active;
                            continue;
                        }
                        if (eyeriss && active != s->max_active)
                            continue;
                        rp.p = p, rp.q = q, rp.r = r, rp.t = t, rp.g = g;
                        rp.sets = g * r * t;
                        if (rs_try_buffer(s, tl, &rp) < 0)
                            return -1;
                    }
                }
            }
        }
    }
    return 0;
}

int accel_map_rs(AccelCand *best, const FsrAccelArch *a, const AccelShape *sh, int objective)
{
    const int64_t rows = a->pe_rows, cols = a->pe_cols, R = sh->R, S = sh->S, P = sh->P;
    if (S > a->rf_ifmap)
        return fsr_error(FSR_ERR(ENOSPC), "row stationary: a filter row of %lld taps does not fit the %d-word ifmap spad",
                         (long long)S, a->rf_ifmap);
    if (S > a->rf_filter)
        return fsr_error(FSR_ERR(ENOSPC), "row stationary: a filter row of %lld taps does not fit the %d-word filter spad",
                         (long long)S, a->rf_filter);
    RsSearch s = { .a = a, .sh = sh, .objective = objective, .best = best };
    /* Filters taller than the array are split into row chunks whose psums
     * accumulate through the buffer like channels do. */
    s.nR = accel_ceil_div(R, rows);
    s.Rc = accel_ceil_div(R, s.nR);
    s.glb = accel_glb_words(a);
    const int64_t fold_max = cols * (rows / s.Rc); /* widest set with folding */
    int64_t e_lo = 1, e_hi = accel_min64(P, fold_max);
    if (a->set_rule == FSR_ACCEL_SETS_EYERISS) {
        if (P <= fold_max)
            e_lo = e_hi = P; /* the whole R x E set fits: no strip mining */
        else
            e_hi = accel_min64(P, cols);
    }
    int64_t ev[RS_MAX_VALUES];
    const int ne = rs_values(P, e_hi, ev);
    /* Wide ofmaps may be cut into column tiles (the host feeds them as
     * separate, narrower images; each re-reads S - 1 halo columns) so that
     * the buffer can hold more psums.  Tile widths: Q / k for k tiles. */
    const int64_t max_tiles = a->column_tiles ? accel_min64(sh->Q, 64) : 1;
    for (int pass = 0; pass < 2; pass++) {
        s.budget = RS_BUDGET;
        for (int64_t k = 1; k <= max_tiles; k++) {
            RsTiles tl;
            tl.qt = accel_ceil_div(sh->Q, k);
            if (k > 1 && tl.qt == accel_ceil_div(sh->Q, k - 1))
                continue;
            tl.n_full = sh->Q / tl.qt;
            tl.rem = sh->Q % tl.qt;
            tile_shape(&tl.full, sh, tl.qt);
            tile_shape(&tl.last, sh, tl.rem ? tl.rem : tl.qt);
            int stop = 0;
            for (int ie = ne - 1; ie >= 0 && !stop; ie--)
                if (ev[ie] >= e_lo && rs_search_e(&s, pass, &tl, ev[ie]) < 0)
                    stop = 1;
            if (stop) {
                s.truncated = 1;
                break;
            }
        }
    }
    if (s.truncated)
        fsr_log(FSR_LOG_WARNING, "row stationary: mapping search stopped after %d candidates; best so far kept",
                RS_BUDGET);
    if (!s.found)
        return fsr_error(FSR_ERR(ENOSPC),
                         "row stationary: no mapping fits (the %lld-byte global buffer cannot hold the psums of one ofmap row set)",
                         (long long)a->glb_bytes);
    best->max_active_pes = (int)s.max_active;
    best->df_parallelism = (double)(sh->R * sh->P * sh->Cg * sh->Mg * sh->G);
    return 0;
}
