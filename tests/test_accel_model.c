/* Accelerator model: a hand-counted layer, the mapping constraints on every
 * built-in network, the search objectives, and the validation against the
 * published Eyeriss v1 AlexNet figures (JSSC 2017). */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accel_internal.h"

/* Published Eyeriss v1, AlexNet CONV1-5 at batch 4 (JSSC 2017). */
static const int paper_pes[5] = { 154, 135, 156, 156, 156 };
static const double paper_ms[5] = { 16.5, 39.2, 21.8, 16.0, 10.0 };
static const double paper_mmacs[5] = { 421.7, 895.8, 598.1, 448.6, 299.0 };
static const double paper_mw[5] = { 332, 288, 266, 235, 236 };

/* eyeriss-v1 in the relative units the hand counts use (MAC 1, RF 1, array
 * 2, GLB 6, DRAM 200), transfers not overlapped, no data-dependent features. */
static void v1_units(FsrAccelArch *a)
{
    fsr_accel_arch_eyeriss_v1(a);
    accel_relative_energies(a);
    a->dram_overlap = FSR_ACCEL_OVERLAP_NONE;
    a->rlc = a->zero_gating = 0;
}

static FsrAccelReport *run(const FsrAccelArch *a, const char *net_name, int w, int h, int batch, int objective,
                           int dataflow)
{
    FsrAccelNet *net = NULL;
    assert_int_equal(fsr_accel_net_builtin(&net, net_name, w, h), 0);
    FsrAccelOptions opt;
    fsr_accel_defaults(&opt);
    opt.objective = objective;
    opt.dataflow = dataflow;
    FsrAccelReport *rep = NULL;
    int ret = fsr_accel_eval_net(&rep, a, net, batch, &opt);
    if (ret < 0)
        print_message("%s\n", fsr_last_error());
    assert_int_equal(ret, 0);
    fsr_accel_net_close(&net);
    return rep;
}


/* ---- the row-stationary counts, pass by pass ----
 * An independent walk over the loop nest of README "Accelerator model"
 * (images, groups, column tiles, m-chunks, strips, channel chunks, filter-row
 * chunks, filter passes), adding up each pass; the mapper's closed forms
 * must give exactly the same totals. */
static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t mn(int64_t a, int64_t b) { return a < b ? a : b; }

static void walk(int64_t *cycles, int64_t acc[4][3], const FsrAccelArch *a, const AccelShape *sh,
                 const FsrAccelMapping *mp)
{
    const int64_t N = sh->N, G = sh->G, Cg = sh->Cg, Mg = sh->Mg, R = sh->R, S = sh->S, P = sh->P, U = sh->U;
    const int64_t n = mp->n, g = mp->g, m = mp->m, e = mp->e, p = mp->p, q = mp->q, r = mp->r, t = mp->t;
    const int64_t nR = cdiv(R, a->pe_rows), Rc = cdiv(R, nR), add = a->psum_add_uses_mac;
    const int64_t glb = a->glb_bytes * 8 / a->word_bits;
    memset(acc, 0, sizeof(int64_t) * 12);
    *cycles = 0;
    int64_t macs = 0, adds = 0, dif = 0, dfl = 0;
    for (int64_t q0 = 0; q0 < sh->Q; q0 += mp->q_tile) {
        const int64_t Qw = mn(mp->q_tile, sh->Q - q0), Wt = (Qw - 1) * U + S;
        const int resident = n * g * Cg * sh->Hp * Wt + n * g * m * e * Qw <= glb;
        if (resident)
            acc[0][0] += N * G * Cg * sh->Hp * Wt;
        for (int64_t n0 = 0; n0 < N; n0 += n) {
            const int64_t nc = mn(n, N - n0);
            for (int64_t g0 = 0; g0 < G; g0 += g) {
                const int64_t gc = mn(g, G - g0);
                for (int64_t y0 = 0; y0 < P; y0 += e)
                    acc[0][1] += gc * Mg * Cg * R * S; /* filters straight from DRAM, per strip */
                for (int64_t m0 = 0; m0 < Mg; m0 += m) {
                    const int64_t mc = mn(m, Mg - m0);
                    for (int64_t y0 = 0; y0 < P; y0 += e) {
                        const int64_t se = mn(e, P - y0);
                        if (!resident)
                            acc[0][0] += nc * gc * Cg * mn((se - 1) * U + R, sh->Hp) * Wt;
                        int first = 1;
                        for (int64_t c0 = 0; c0 < Cg; c0 += q * r) {
                            const int64_t cc = mn(q * r, Cg - c0), qe = cdiv(cc, r), su = cdiv(cc, qe);
                            for (int64_t r0 = 0; r0 < R; r0 += Rc) {
                                const int64_t rc = mn(Rc, R - r0);
                                for (int64_t f0 = 0; f0 < mc; f0 += p * t) {
                                    const int64_t f = mn(p * t, mc - f0), pe = cdiv(f, t), st = cdiv(f, pe);
                                    const int64_t out = nc * gc * f * se * Qw;
                                    *cycles += nc * pe * Qw * (qe * S + add);
                                    macs += out * cc * rc * S;
                                    acc[1][0] += nc * gc * cc * mn((se - 1) * U + rc, sh->Hp) * Wt;
                                    dif += nc * gc * cc * rc * se * Wt * st;
                                    dfl += gc * f * cc * rc * S * se;
                                    const int64_t pa = out * (su * rc - 1) + (first ? 0 : out);
                                    adds += pa;
                                    acc[2][2] += pa + out;
                                    acc[1][2] += out + (first ? 0 : out);
                                }
                                first = 0;
                            }
                        }
                    }
                }
            }
        }
        acc[0][2] += N * G * Mg * P * Qw;
        acc[1][2] += N * G * Mg * P * Qw; /* the final read towards DRAM */
    }
    assert_int_equal(macs, sh->macs);
    acc[1][0] += acc[0][0];
    acc[2][0] = dif;
    acc[2][1] = dfl;
    acc[3][0] = macs + dif;
    acc[3][1] = macs + dfl;
    acc[3][2] = 2 * macs + 2 * adds;
}

static void test_rs_counts_pass_by_pass(void **state)
{
    (void)state;
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    for (int d = 0; d < 3; d++)
        a.noc_words_per_cycle[d] = 0; /* no stalls: compute == array time */
    uint32_t seed = 4242;
    for (int it = 0; it < 300; it++) {
        a.glb_bytes = it & 1 ? 108 * 1024 : 1024; /* ifmap resident or not */
        FsrAccelLayer l = { .name = "rnd", .type = FSR_ACCEL_CONV };
        l.groups = 1 + tu_rand(&seed) % 3;
        l.C = l.groups * (1 + tu_rand(&seed) % 9);
        l.M = l.groups * (1 + tu_rand(&seed) % 13);
        l.R = 1 + tu_rand(&seed) % 17;
        l.S = 1 + tu_rand(&seed) % 5;
        l.stride = 1 + tu_rand(&seed) % 3;
        l.pad = tu_rand(&seed) % 3;
        l.H = l.R + tu_rand(&seed) % 20;
        l.W = l.S + tu_rand(&seed) % 20;
        assert_int_equal(fsr_accel_layer_check(&l), 0);
        const int batch = 1 + tu_rand(&seed) % 4;
        AccelShape sh;
        accel_shape(&sh, &l, batch);
        FsrAccelMapping m = { 0 };
        m.n = 1 + tu_rand(&seed) % batch;
        m.g = 1 + tu_rand(&seed) % l.groups;
        m.e = 1 + tu_rand(&seed) % l.P;
        m.q = 1 + tu_rand(&seed) % sh.Cg;
        m.r = 1 + tu_rand(&seed) % cdiv(sh.Cg, m.q);
        m.p = 1 + tu_rand(&seed) % sh.Mg;
        m.t = 1 + tu_rand(&seed) % cdiv(sh.Mg, m.p);
        m.m = m.p * m.t * (1 + tu_rand(&seed) % cdiv(sh.Mg, m.p * m.t));
        m.q_tile = 1 + tu_rand(&seed) % l.Q;
        AccelCand c;
        accel_rs_cost(&c, &a, &sh, &m);
        int64_t cycles, acc[4][3];
        walk(&cycles, acc, &a, &sh, &m);
        for (int lv = 0; lv < 4; lv++)
            for (int dt = 0; dt < 3; dt++)
                if (acc[lv][dt] != c.acc[lv][dt])
                    fail_msg("case %d: level %d data %d: walk %lld, model %lld", it, lv, dt, (long long)acc[lv][dt],
                             (long long)c.acc[lv][dt]);
        assert_int_equal(cycles, c.ideal_cycles);
        assert_int_equal(c.compute_cycles, c.ideal_cycles);
    }
}

/* The layer of the hand counts: 1 -> 1 channel, 5x5 input, 3x3 filter,
 * stride 1, no padding. */
static FsrAccelLayer tiny_layer(void)
{
    return (FsrAccelLayer){ .name = "tiny", .type = FSR_ACCEL_CONV, .C = 1, .M = 1, .H = 5, .W = 5, .R = 3, .S = 3,
                            .stride = 1, .pad = 0, .groups = 1 };
}

/* The tiny layer's counts under one dataflow against a count by hand:
 * compute cycles, all cycles, the accesses at each level (DRAM, buffer,
 * array, RF) of each data type (ifmap, filter, psum), and the energy. */
static void check_hand_count(const FsrAccelResult *r, int64_t compute_cycles, int64_t cycles,
                             const int64_t accesses[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA], double energy)
{
    assert_int_equal(r->compute_cycles, compute_cycles);
    assert_int_equal(r->cycles, cycles);
    for (int lv = 0; lv < FSR_ACCEL_NLEVELS; lv++)
        for (int d = 0; d < FSR_ACCEL_NDATA; d++)
            assert_int_equal(r->accesses[lv][d], accesses[lv][d]);
    assert_true(fabs(r->energy_total - energy) < 1e-9);
}

static void test_hand_counted_layer(void **state)
{
    (void)state;
    /* 1 -> 1 channel, 5x5 input, 3x3 filter: the whole 3 x 3 PE set fits,
     * one pass, p = q = 1.  Counts from the documented formulas by hand:
     * MACs 81; pass time Q (q S + 1 psum add) = 3 * 4 = 12 cycles;
     * DRAM: ifmap 25 (stays on chip), filter 9, ofmap 9 -> 43 words = 86 B
     * = ceil(86 / 2.4) = 36 cycles; RF: ifmap 81 + 45 delivered, filter 81 +
     * 27 delivered, psum 2 * 81 + 2 * 18 adds; array: 45 + 27 + (18 + 9);
     * buffer: ifmap 25 in + 25 read, psum 9 written + 9 read out. */
    FsrAccelArch a;
    v1_units(&a);
    const FsrAccelLayer l = tiny_layer();
    FsrAccelResult r;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &l, 1, NULL), 0);
    assert_int_equal(r.macs, 81);
    assert_int_equal(r.active_pes, 9);
    assert_int_equal(r.dram_bytes, 86);
    assert_int_equal(r.dram_cycles, 36);
    const int64_t want[4][3] = { { 25, 9, 9 }, { 50, 0, 18 }, { 45, 27, 27 }, { 126, 108, 198 } };
    /* energy 81 + 432 * 1 + 99 * 2 + 68 * 6 + 43 * 200 */
    check_hand_count(&r, 12, 48, want, 9719);
    assert_true(fabs(r.energy_level[FSR_ACCEL_DRAM] - 8600) < 1e-9);
    /* With overlap the slower of the two bounds the layer. */
    a.dram_overlap = 1;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &l, 1, NULL), 0);
    assert_int_equal(r.cycles, 36);
    assert_int_equal(r.dram_bound, 1);
}

static void test_rlc_and_zero_gating(void **state)
{
    (void)state;
    /* The hand-counted layer again, with 75% zeros in its input and 50% in
     * its output.  RLC: a value costs (1 - zeros) * 21 * 64/63 bits against
     * 16 raw: ifmap 25 words -> 25 * 0.25 * 4/3 = 8.33 -> 8, ofmap 9 * 0.5 *
     * 4/3 = 6.  Zero gating skips round(0.75 * 81) = 61 MACs and their
     * filter spad reads: 108 - 61 = 47. */
    FsrAccelArch a;
    v1_units(&a);
    a.rlc = a.zero_gating = 1;
    FsrAccelLayer l = tiny_layer();
    l.ifmap_zeros = 0.75;
    l.ofmap_zeros = 0.5;
    FsrAccelResult r;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &l, 1, NULL), 0);
    assert_int_equal(r.accesses[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP], 8);
    assert_int_equal(r.accesses[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER], 9);
    assert_int_equal(r.accesses[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM], 6);
    assert_int_equal(r.dram_bytes, 46);
    assert_int_equal(r.accesses[FSR_ACCEL_RF][FSR_ACCEL_FILTER], 47);
    assert_true(fabs(r.energy_mac - 20) < 1e-9);
    assert_int_equal(r.compute_cycles, 12); /* gating saves energy, not time */
    /* Below 25% zeros the code is longer than raw words: sent raw. */
    l.ifmap_zeros = 0.2;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &l, 1, NULL), 0);
    assert_int_equal(r.accesses[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP], 25);
    /* Off: the zeros change nothing. */
    v1_units(&a);
    l.ifmap_zeros = 0.75;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &l, 1, NULL), 0);
    assert_int_equal(r.dram_bytes, 86);
    l.ifmap_zeros = 1.5;
    assert_true(fsr_accel_eval_layer(&r, &a, &l, 1, NULL) < 0);
}

static void test_ws_os_hand_counted(void **state)
{
    (void)state;
    /* The same 5x5 * 3x3 layer.  WS: the 9 weights sit in one column tile,
     * the 9 outputs stream by in 9 + 12 + 14 (fill, drain) cycles, slowed
     * 9/4 by reading 9 ifmap words a cycle over a 4-word bus: 79; ifmap read
     * once per tap from the buffer (81) after 25 from DRAM.  OS: 3 x 3 PEs
     * own the outputs for 9 cycles; weights broadcast (81 deliveries), the
     * 5 x 5 window read once and shifted (81 deliveries). */
    FsrAccelArch a;
    v1_units(&a);
    const FsrAccelLayer l = tiny_layer();
    FsrAccelOptions opt;
    fsr_accel_defaults(&opt);
    FsrAccelResult r;
    opt.dataflow = FSR_ACCEL_WS;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &l, 1, &opt), 0);
    const int64_t ws[4][3] = { { 25, 9, 9 }, { 106, 0, 18 }, { 81, 9, 90 }, { 0, 90, 0 } };
    check_hand_count(&r, 79, 79 + 36, ws, 9875);
    opt.dataflow = FSR_ACCEL_OS;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &l, 1, &opt), 0);
    const int64_t os[4][3] = { { 25, 9, 9 }, { 50, 0, 18 }, { 81, 81, 9 }, { 162, 81, 162 } };
    check_hand_count(&r, 9, 45, os, 9836);
    assert_int_equal(r.active_pes, 9);
}

static void check_report(const FsrAccelArch *a, const FsrAccelReport *rep, const FsrAccelNet *net, int batch)
{
    const int pes = a->pe_rows * a->pe_cols;
    for (int i = 0; i < rep->n_layers; i++) {
        const FsrAccelResult *r = &rep->layers[i];
        const FsrAccelLayer *l = &net->layers[i];
        const FsrAccelMapping *m = &r->mapping;
        assert_int_equal(r->macs, (int64_t)batch * l->M * (l->C / l->groups) * l->R * l->S * l->P * l->Q);
        assert_true(r->active_pes >= 1 && r->active_pes <= pes);
        assert_true(r->utilization > 0 && r->utilization <= 1.0 + 1e-12);
        if (m->dataflow == FSR_ACCEL_RS) {
            /* Spads: a sliding window of S taps for q channels, p * q filter
             * rows, p psums; the buffer holds what the pass needs. */
            assert_true(m->q * l->S <= a->rf_ifmap);
            assert_true(m->p * m->q * l->S <= a->rf_filter);
            assert_true(m->p <= a->rf_psum);
            assert_true(m->glb_words_used * a->word_bits <= a->glb_bytes * 8);
            assert_true(m->set_rows <= a->pe_rows && m->set_cols <= a->pe_cols);
            assert_true(m->n >= 1 && m->n <= batch);
        }
        /* Every word of the output reaches DRAM once (fewer when run-length
         * coded); inputs at least once. */
        if (!a->rlc || l->ofmap_zeros == 0)
            assert_true(r->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM] >= (int64_t)batch * l->M * l->P * l->Q);
        assert_true(r->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER] >= (int64_t)l->M * (l->C / l->groups) * l->R * l->S);
        /* Energy is the sum of its parts. */
        double e = r->energy_mac + r->energy_static;
        for (int lv = 0; lv < FSR_ACCEL_NLEVELS; lv++)
            e += r->energy_level[lv];
        assert_true(fabs(e - r->energy_total) <= 1e-9 * e);
        assert_true(fabs(r->energy_onchip + r->energy_level[FSR_ACCEL_DRAM] - r->energy_total) <= 1e-9 * e);
        const int64_t slow = r->compute_cycles > r->dram_cycles ? r->compute_cycles : r->dram_cycles;
        if (a->dram_overlap == FSR_ACCEL_OVERLAP_FULL)
            assert_int_equal(r->cycles, slow);
        else if (a->dram_overlap == FSR_ACCEL_OVERLAP_NONE)
            assert_int_equal(r->cycles, r->compute_cycles + r->dram_cycles);
        else /* prefetch: between the two */
            assert_true(r->cycles >= slow && r->cycles <= r->compute_cycles + r->dram_cycles);
        assert_int_equal(r->exposed_dram_cycles, r->cycles - r->compute_cycles);
        /* Eyexam: each step only tightens, and the last is what runs. */
        assert_true(r->n_bounds >= 5);
        for (int b = 1; b < r->n_bounds; b++)
            assert_true(r->bounds[b].macs_per_cycle <= r->bounds[b - 1].macs_per_cycle);
        assert_true(fabs(r->bounds[r->n_bounds - 1].macs_per_cycle - (double)r->macs / r->cycles) <
                    1e-9 * r->bounds[r->n_bounds - 1].macs_per_cycle);
        assert_true(r->bounds[2].macs_per_cycle <= pes);
    }
}

static void test_constraints_all_networks(void **state)
{
    (void)state;
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    const struct { const char *net; int w, h, batch; } cases[] = {
        { "alexnet", 0, 0, 4 }, { "vgg16", 0, 0, 3 }, { "srcnn-9-5-5", 320, 180, 1 }, { "srcnn-9-1-5", 97, 61, 2 },
    };
    for (int df = FSR_ACCEL_RS; df <= FSR_ACCEL_OS; df++)
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
            FsrAccelNet *net = NULL;
            assert_int_equal(fsr_accel_net_builtin(&net, cases[i].net, cases[i].w, cases[i].h), 0);
            FsrAccelReport *rep = run(&a, cases[i].net, cases[i].w, cases[i].h, cases[i].batch,
                                      FSR_ACCEL_MIN_ENERGY, df);
            check_report(&a, rep, net, cases[i].batch);
            fsr_accel_report_close(&rep);
            fsr_accel_net_close(&net);
        }
    /* The free set rule and an 8-bit, overlapped variant must hold too. */
    a.set_rule = FSR_ACCEL_SETS_FREE;
    a.word_bits = 8;
    a.dram_overlap = 1;
    FsrAccelNet *net = NULL;
    assert_int_equal(fsr_accel_net_builtin(&net, "alexnet", 0, 0), 0);
    FsrAccelReport *rep = run(&a, "alexnet", 0, 0, 2, FSR_ACCEL_MIN_EDP, -1);
    check_report(&a, rep, net, 2);
    fsr_accel_report_close(&rep);
    fsr_accel_net_close(&net);
}

static void test_depthwise_and_fc(void **state)
{
    (void)state;
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    FsrAccelLayer dw = { .name = "dw", .type = FSR_ACCEL_CONV, .C = 32, .M = 32, .H = 56, .W = 56, .R = 3, .S = 3,
                         .stride = 2, .pad = 1, .groups = 32 };
    FsrAccelResult r;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &dw, 1, NULL), 0);
    assert_int_equal(r.macs, (int64_t)32 * 9 * 28 * 28);
    assert_int_equal(r.mapping.p, 1);
    assert_int_equal(r.mapping.q, 1);
    /* Groups side by side keep more than one 3-row set busy. */
    assert_true(r.mapping.g > 1);
    FsrAccelLayer fc = { .name = "fc", .type = FSR_ACCEL_FC, .C = 256, .M = 100, .H = 6, .W = 6 };
    assert_int_equal(fsr_accel_layer_check(&fc), 0);
    assert_int_equal(fc.R, 6);
    assert_int_equal(fc.P, 1);
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &fc, 2, NULL), 0);
    assert_int_equal(r.macs, (int64_t)2 * 256 * 100 * 36);
    /* A filter taller than the array is split into row chunks. */
    FsrAccelLayer tall = { .name = "tall", .type = FSR_ACCEL_CONV, .C = 4, .M = 8, .H = 40, .W = 40, .R = 15,
                           .S = 9, .stride = 1, .pad = 7, .groups = 1 };
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &tall, 1, NULL), 0);
    assert_int_equal(r.mapping.r_chunks, 2);
}

static void test_impossible(void **state)
{
    (void)state;
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    FsrAccelLayer l = { .name = "wide", .type = FSR_ACCEL_CONV, .C = 3, .M = 8, .H = 32, .W = 32, .R = 13, .S = 13,
                        .stride = 1, .pad = 6, .groups = 1 };
    FsrAccelResult r;
    /* 13 taps do not fit the 12-word ifmap spad. */
    assert_true(fsr_accel_eval_layer(&r, &a, &l, 1, NULL) < 0);
    assert_non_null(strstr(fsr_last_error(), "ifmap spad"));
    /* A 64-byte buffer cannot hold a pass of any layer here. */
    l.R = l.S = 3, l.pad = 1;
    a.glb_bytes = 64;
    assert_true(fsr_accel_eval_layer(&r, &a, &l, 1, NULL) < 0);
    assert_non_null(strstr(fsr_last_error(), "global buffer"));
    assert_non_null(strstr(fsr_last_error(), "layer wide"));
    fsr_accel_arch_eyeriss_v1(&a);
    FsrAccelLayer bad = l;
    bad.groups = 5; /* does not divide 3 or 8 */
    assert_true(fsr_accel_layer_check(&bad) < 0);
    bad = l;
    bad.R = 40; /* taller than the padded input */
    assert_true(fsr_accel_layer_check(&bad) < 0);
    assert_non_null(strstr(fsr_last_error(), "does not fit"));
    FsrAccelLayer huge = { .name = "huge", .type = FSR_ACCEL_CONV, .C = 1 << 20, .M = 1 << 20, .H = 1 << 16,
                           .W = 1 << 16, .R = 3, .S = 3, .stride = 1, .pad = 1, .groups = 1 };
    assert_true(fsr_accel_eval_layer(&r, &a, &huge, 1, NULL) < 0);
    assert_non_null(strstr(fsr_last_error(), "beyond"));
    a.pe_rows = 0;
    assert_true(fsr_accel_eval_layer(&r, &a, &l, 1, NULL) < 0);
}

static void test_objectives(void **state)
{
    (void)state;
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    FsrAccelReport *en = run(&a, "alexnet", 0, 0, 4, FSR_ACCEL_MIN_ENERGY, -1);
    FsrAccelReport *lat = run(&a, "alexnet", 0, 0, 4, FSR_ACCEL_MIN_LATENCY, -1);
    FsrAccelReport *edp = run(&a, "alexnet", 0, 0, 4, FSR_ACCEL_MIN_EDP, -1);
    for (int i = 0; i < 5; i++) {
        /* Each search is optimal for its own objective over the same set;
         * under the chip's set rule, energy is minimised among the mappings
         * with the fewest processing cycles. */
        const FsrAccelResult *e = &en->layers[i], *l = &lat->layers[i], *d = &edp->layers[i];
        assert_true(e->compute_cycles <= l->compute_cycles && e->compute_cycles <= d->compute_cycles);
        if (e->compute_cycles == l->compute_cycles)
            assert_true(e->energy_total <= l->energy_total * (1 + 1e-12));
        if (e->compute_cycles == d->compute_cycles)
            assert_true(e->energy_total <= d->energy_total * (1 + 1e-12));
        assert_true(lat->layers[i].cycles <= en->layers[i].cycles);
        assert_true(lat->layers[i].cycles <= edp->layers[i].cycles);
        const double p_edp = edp->layers[i].energy_total * edp->layers[i].cycles;
        assert_true(p_edp <= en->layers[i].energy_total * en->layers[i].cycles * (1 + 1e-12));
        assert_true(p_edp <= lat->layers[i].energy_total * lat->layers[i].cycles * (1 + 1e-12));
    }
    fsr_accel_report_close(&en);
    fsr_accel_report_close(&lat);
    fsr_accel_report_close(&edp);
}

static void test_eyeriss_alexnet(void **state)
{
    (void)state;
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    /* Active PEs follow from fitting R x E sets on 12 x 14, whatever the
     * objective: 11 x 7 twice (or 11 x 14), 5 x 27 folded, 3 x 13 four times. */
    for (int obj = 0; obj < 3; obj++) {
        FsrAccelReport *rep = run(&a, "alexnet", 0, 0, 4, obj, -1);
        for (int i = 0; i < 5; i++) {
            assert_int_equal(rep->layers[i].active_pes, paper_pes[i]);
            assert_true(fabs(rep->layers[i].macs / 1e6 - paper_mmacs[i]) < 0.05);
        }
        fsr_accel_report_close(&rep);
    }
    /* The issue 21 targets, default options (JSSC 2017, Table V): processing
     * latency per layer and total latency within 10%, DRAM traffic within
     * 15%, on-chip power per layer within 15%. */
    FsrAccelReport *rep = run(&a, "alexnet", 0, 0, 4, FSR_ACCEL_MIN_ENERGY, -1);
    double sum = 0;
    for (int i = 0; i < 5; i++) {
        const FsrAccelResult *r = &rep->layers[i];
        const double ms = r->compute_cycles / a.clock_hz * 1e3;
        print_message("%s: %d PEs, %.1f ms (chip %.1f), total %.1f ms, DRAM %.2f MB, %.0f mW (chip %.0f)\n", r->name,
                      r->active_pes, ms, paper_ms[i], r->latency_s * 1e3, r->dram_bytes / 1e6, r->power_mw,
                      paper_mw[i]);
        assert_true(fabs(ms / paper_ms[i] - 1) <= 0.10);
        assert_true(fabs(r->power_mw / paper_mw[i] - 1) <= 0.15);
        sum += ms;
    }
    assert_true(fabs(sum / 103.5 - 1) <= 0.10);
    assert_true(fabs(rep->total.latency_s * 1e3 / 115.3 - 1) <= 0.10);
    assert_true(fabs(rep->total.dram_bytes / 15.4e6 - 1) <= 0.15);
    /* CONV1 as on the chip (Table III: e 7, p 16, q 1, r 1, t 2, m 96):
     * 11 x 55 strip-mined into 11 x 7 sets, two side by side. */
    const FsrAccelMapping *m1 = &rep->layers[0].mapping;
    assert_int_equal(m1->e, 7);
    assert_int_equal(m1->p, 16);
    assert_int_equal(m1->t, 2);
    assert_int_equal(m1->m, 96);
    /* CONV2: the whole 5 x 27 set, folded into two 14-wide segments. */
    assert_int_equal(rep->layers[1].mapping.e, 27);
    assert_int_equal(rep->layers[1].mapping.folds, 2);
    fsr_accel_report_close(&rep);
    /* Shape only (zeros ignored): the raw 16-bit words, well above the
     * chip's run-length coded 15.4 MB. */
    FsrAccelNet *net = NULL;
    assert_int_equal(fsr_accel_net_builtin(&net, "alexnet", 0, 0), 0);
    FsrAccelOptions opt;
    fsr_accel_defaults(&opt);
    opt.shape_only = 1;
    assert_int_equal(fsr_accel_eval_net(&rep, &a, net, 4, &opt), 0);
    assert_true(rep->total.dram_bytes > 20e6);
    for (int i = 0; i < 5; i++)
        assert_true(rep->layers[i].layer.ifmap_zeros == 0);
    fsr_accel_report_close(&rep);
    fsr_accel_net_close(&net);
}

static void test_power_fit(void **state)
{
    (void)state;
    /* eyeriss-v1's pJ scale and static power are what fsr_accel_fit_power
     * finds from the 1 : 1 : 2 : 6 : 200 ratios and the chip's per-layer
     * power; the built-in constants must not drift from the fit. */
    FsrAccelArch a, fit;
    fsr_accel_arch_eyeriss_v1(&a);
    fit = a;
    accel_relative_energies(&fit);
    FsrAccelNet *net = NULL;
    assert_int_equal(fsr_accel_net_builtin(&net, "alexnet", 0, 0), 0);
    double rms = 1;
    assert_int_equal(fsr_accel_fit_power(&fit, net, 4, paper_mw, NULL, &rms), 0);
    print_message("fit: %.4f pJ per MAC, static %.2f mW, rms %.3f\n", fit.e_mac, fit.static_mw, rms);
    assert_string_equal(fit.energy_unit, "pJ");
    assert_true(fabs(fit.e_mac / a.e_mac - 1) < 0.005);
    assert_true(fabs(fit.static_mw - a.static_mw) < 1);
    assert_true(fabs(fit.e_level[FSR_ACCEL_DRAM] / fit.e_mac - 200) < 1e-9);
    assert_true(rms < 0.10);
    /* Bad input: a non-positive power. */
    double bad[5] = { 300, 0, 1, 1, 1 };
    assert_true(fsr_accel_fit_power(&fit, net, 4, bad, NULL, NULL) < 0);
    fsr_accel_net_close(&net);
}

/* ---- an independent analytical mapper: Timeloop ----
 * Timeloop's "eyeriss_like" example (Accelergy-Project/timeloop-accelergy-
 * exercises, baseline_designs/example_designs/eyeriss_like): 14 x 12 PEs
 * (168), spads 12 / 192 / 16 words, a 64 Ki-word (16-bit) global buffer,
 * on AlexNet layer 1 (C 3, M 96, 11 x 11, stride 4, P = Q = 55, N 1).  Its
 * published timeloop-mapper.stats.txt: 798600 cycles, 132 utilized PEs
 * (spatial M 12 x S 11; M 8 per PE, R 11 in the weight spad; the buffer
 * walks P, DRAM walks Q then C), 105415200 MACs; DRAM reads: weights
 * 1916640, inputs 412005; outputs 290400; global buffer inputs 412005 reads
 * + 412005 fills; weight spad fills 14520 and ifmap spad fills 37455 per
 * PE.  In row-stationary terms (S and R swap roles, the layer is square):
 * e 1, p 8, q 1, r 1, t 12, n 1, m 96.  Timeloop charges no cycles for psum
 * adds, throttles no bandwidth and hides DRAM. */
static void test_timeloop_eyeriss_like(void **state)
{
    (void)state;
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    snprintf(a.name, sizeof(a.name), "timeloop-eyeriss-like");
    a.pe_rows = 12, a.pe_cols = 14;
    a.rf_ifmap = 12, a.rf_filter = 192, a.rf_psum = 16;
    a.glb_bytes = 65536 * 2;
    a.psum_add_uses_mac = 0;
    for (int d = 0; d < FSR_ACCEL_NDATA; d++)
        a.noc_words_per_cycle[d] = 0;
    a.dram_overlap = FSR_ACCEL_OVERLAP_FULL;
    a.rlc = a.zero_gating = 0;
    FsrAccelLayer l = { .name = "alexnet1", .type = FSR_ACCEL_CONV, .C = 3, .M = 96, .H = 227, .W = 227, .R = 11,
                        .S = 11, .stride = 4, .pad = 0, .groups = 1 };
    assert_int_equal(fsr_accel_layer_check(&l), 0);
    AccelShape sh;
    accel_shape(&sh, &l, 1);
    assert_int_equal(sh.macs, 105415200);
    FsrAccelMapping m = { .dataflow = FSR_ACCEL_RS, .e = 1, .n = 1, .p = 8, .q = 1, .r = 1, .t = 12, .g = 1, .m = 96 };
    AccelCand c;
    accel_rs_cost(&c, &a, &sh, &m);
    const double timeloop_cycles = 798600;
    print_message("Timeloop eyeriss_like AlexNet layer 1: %lld cycles (Timeloop %.0f), %d PEs (132)\n",
                  (long long)c.compute_cycles, timeloop_cycles, c.active_pes);
    assert_true(fabs(c.compute_cycles / timeloop_cycles - 1) <= 0.05);
    assert_int_equal(c.active_pes, 132);
    assert_int_equal(c.acc[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER], 1916640);
    assert_int_equal(c.acc[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP], 412005);
    assert_int_equal(c.acc[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM], 290400);
    assert_int_equal(c.acc[FSR_ACCEL_GLB][FSR_ACCEL_IFMAP], 2 * 412005);
    assert_int_equal(c.acc[FSR_ACCEL_ARRAY][FSR_ACCEL_FILTER], (int64_t)14520 * 132);
    assert_int_equal(c.acc[FSR_ACCEL_ARRAY][FSR_ACCEL_IFMAP], (int64_t)37455 * 132);
    /* This model's own search on that array may only do better. */
    FsrAccelResult r;
    FsrAccelOptions opt;
    fsr_accel_defaults(&opt);
    opt.objective = FSR_ACCEL_MIN_LATENCY;
    assert_int_equal(fsr_accel_eval_layer(&r, &a, &l, 1, &opt), 0);
    print_message("own search: %lld cycles, %d PEs\n", (long long)r.compute_cycles, r.active_pes);
    assert_true(r.compute_cycles <= c.compute_cycles);
}

static void test_column_tiles(void **state)
{
    (void)state;
    /* Column tiling only adds choices: never more energy, and on 1080p
     * SRCNN (1920-wide rows against a 108 kB buffer) it must help. */
    FsrAccelArch a, t;
    assert_int_equal(fsr_accel_arch_get(&a, "eyeriss-v1"), 0);
    assert_int_equal(fsr_accel_arch_get(&t, "eyeriss-v1-tiled"), 0);
    assert_int_equal(a.column_tiles, 0);
    assert_int_equal(t.column_tiles, 1);
    FsrAccelReport *ra = run(&a, "srcnn-9-5-5", 1920, 1080, 1, FSR_ACCEL_MIN_ENERGY, -1);
    FsrAccelReport *rt = run(&t, "srcnn-9-5-5", 1920, 1080, 1, FSR_ACCEL_MIN_ENERGY, -1);
    for (int i = 0; i < 3; i++) {
        assert_true(rt->layers[i].energy_total <= ra->layers[i].energy_total * (1 + 1e-12));
        assert_int_equal(ra->layers[i].mapping.q_tiles, 1);
    }
    assert_true(rt->total.energy_total < ra->total.energy_total);
    fsr_accel_report_close(&ra);
    fsr_accel_report_close(&rt);
}

static void test_large_array(void **state)
{
    (void)state;
    /* A 32 x 32 array with big register files: the search samples large
     * dimensions and keeps a budget, so it must finish quickly with legal
     * mappings that use more of the array than Eyeriss' 168 PEs. */
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    snprintf(a.name, sizeof(a.name), "big");
    a.pe_rows = a.pe_cols = 32;
    a.rf_ifmap = 64, a.rf_filter = 1024, a.rf_psum = 64;
    a.glb_bytes = 512 * 1024;
    a.set_rule = FSR_ACCEL_SETS_FREE;
    a.column_tiles = 1;
    const struct { const char *net; int w, h, batch; } cases[] = { { "alexnet", 0, 0, 2 }, { "srcnn-9-5-5", 640, 360, 1 } };
    for (int i = 0; i < 2; i++) {
        FsrAccelNet *net = NULL;
        assert_int_equal(fsr_accel_net_builtin(&net, cases[i].net, cases[i].w, cases[i].h), 0);
        FsrAccelReport *rep = run(&a, cases[i].net, cases[i].w, cases[i].h, cases[i].batch, FSR_ACCEL_MIN_EDP, -1);
        check_report(&a, rep, net, cases[i].batch);
        assert_true(rep->total.active_pes > 168);
        fsr_accel_report_close(&rep);
        fsr_accel_net_close(&net);
    }
}

static void test_rs_beats_ws_os(void **state)
{
    (void)state;
    /* The Eyeriss papers' comparison: on the same array and storage, row
     * stationary spends the least energy on AlexNet's CONV layers. */
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    a.filters_in_glb = 1; /* WS and OS need a filter buffer to be fair */
    FsrAccelReport *rs = run(&a, "alexnet", 0, 0, 4, FSR_ACCEL_MIN_ENERGY, FSR_ACCEL_RS);
    FsrAccelReport *ws = run(&a, "alexnet", 0, 0, 4, FSR_ACCEL_MIN_ENERGY, FSR_ACCEL_WS);
    FsrAccelReport *os = run(&a, "alexnet", 0, 0, 4, FSR_ACCEL_MIN_ENERGY, FSR_ACCEL_OS);
    print_message("energy (MAC units) rs %.3g ws %.3g os %.3g\n", rs->total.energy_total, ws->total.energy_total,
                  os->total.energy_total);
    assert_true(rs->total.energy_total < ws->total.energy_total);
    assert_true(rs->total.energy_total < os->total.energy_total);
    fsr_accel_report_close(&rs);
    fsr_accel_report_close(&ws);
    fsr_accel_report_close(&os);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_counted_layer),
        cmocka_unit_test(test_rs_counts_pass_by_pass),
        cmocka_unit_test(test_rlc_and_zero_gating),
        cmocka_unit_test(test_ws_os_hand_counted),
        cmocka_unit_test(test_constraints_all_networks),
        cmocka_unit_test(test_depthwise_and_fc),
        cmocka_unit_test(test_impossible),
        cmocka_unit_test(test_objectives),
        cmocka_unit_test(test_eyeriss_alexnet),
        cmocka_unit_test(test_power_fit),
        cmocka_unit_test(test_timeloop_eyeriss_like),
        cmocka_unit_test(test_column_tiles),
        cmocka_unit_test(test_large_array),
        cmocka_unit_test(test_rs_beats_ws_os),
    };
    return tu_result(cmocka_run_group_tests(tests, NULL, NULL));
}
