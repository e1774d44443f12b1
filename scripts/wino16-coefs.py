#!/usr/bin/env python3
"""Coefficients of the Winograd F(8,9) transforms in src/sr/wino16.h.

Points 0, +-1, +-2, +-1/2, +-4, +-1/4, +-3/4, +-4/3 and infinity: of the
sets tried on SRCNN 9-1-5's first layer over Set5 (one float pass against
float64 direct convolution), the one with the smallest largest error
(2.7e-5 to 4.1e-5 of the largest output; 3/2 and 2/3 in place of 3/4 and
4/3 gave 3.5e-5 to 6.5e-5).  Exact rational arithmetic here; the header
gets each coefficient rounded once to float (the input transform's) or to
double (the weight transform's, rounded to float after the sum).

Run: python3 scripts/wino16-coefs.py [--check]
"""
import sys
from fractions import Fraction as F

PAIRS = [F(1), F(2), F(1, 2), F(4), F(1, 4), F(3, 4), F(4, 3)]
M_OUT, R = 8, 9          # outputs per tile, kernel taps
N = M_OUT + R - 1        # points: 0, +-a for a in PAIRS, infinity
POINTS = [F(0)] + [s * a for a in PAIRS for s in (1, -1)]   # k = 0 .. 14, then infinity


def polymul(a, b):
    out = [F(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def poly_from_roots(roots):
    p = [F(1)]
    for r in roots:
        p = polymul(p, [-r, F(1)])
    return p


def rows():
    """B^T rows (coefficients of d_0 .. d_15), unscaled, and G's scale."""
    bt, gs = [], []
    for k, p in enumerate(POINTS):
        others = [q for q in POINTS if q != p]
        row = poly_from_roots(others) + [F(0)]          # degree 14: x^15 coefficient 0
        den = F(1)
        for q in others:
            den *= p - q
        bt.append(row)
        gs.append(1 / den)
    bt.append(poly_from_roots(POINTS))                  # infinity: M(x), degree 15
    gs.append(F(1))
    # each row scaled to a largest coefficient of 1 (G takes the factor)
    for k in range(N):
        s = max(abs(c) for c in bt[k])
        bt[k] = [c / s for c in bt[k]]
        gs[k] *= s
    return bt, gs


def g_row(k, gs):
    if k == N - 1:
        return [F(0)] * (R - 1) + [gs[k]]
    p = POINTS[k]
    return [(p ** r if r or p else F(1)) * gs[k] for r in range(R)]


def check(bt, gs):
    import random
    random.seed(1)
    for _ in range(20):
        d = [F(random.randint(-99, 99)) for _ in range(N)]
        g = [F(random.randint(-99, 99)) for _ in range(R)]
        v = [sum(bt[k][j] * d[j] for j in range(N)) for k in range(N)]
        u = [sum(g_row(k, gs)[r] * g[r] for r in range(R)) for k in range(N)]
        mprod = [v[k] * u[k] for k in range(N)]
        for j in range(M_OUT):
            y = sum((POINTS[k] ** j if j or POINTS[k] else F(1)) * mprod[k] for k in range(N - 1))
            if j == M_OUT - 1:
                y += mprod[N - 1]
            assert y == sum(g[r] * d[j + r] for r in range(R)), (j, y)
    print("F(8,9) transforms exact on 20 random integer tiles")


def main():
    bt, gs = rows()
    if "--check" in sys.argv:
        check(bt, gs)
        return
    def f(c):
        t = "%.9g" % float(c)
        return t + ("f" if "." in t or "e" in t else ".f")
    dd = lambda c: "%.17g" % float(c)
    # pair rows: +a is E + O, -a is E - O (E even taps, O odd taps)
    for k in (1, 3):
        assert all(bt[k][j] == (bt[k + 1][j] if j % 2 == 0 else -bt[k + 1][j]) for j in range(N))
    print("/* p = 0: d[0], d[2], .., d[14] */")
    print("static const float fsr_w16_in0[8] = { %s };" % ", ".join(f(bt[0][j]) for j in range(0, 16, 2)))
    def table(comment, name, rows):
        print("/* %s */" % comment)
        print("static const float %s[7][7] = {" % name)
        for r in rows:
            print("    { %s }," % ", ".join(f(c) for c in r))
        print("};")

    pair_rows = [bt[1 + 2 * i] for i in range(7)]
    assert all(r[0] == 0 and r[15] == 0 for r in pair_rows)
    table("pair i (+a, -a): even taps d[2], d[4], .., d[14]", "fsr_w16_ine", [r[2:16:2] for r in pair_rows])
    table("pair i: odd taps d[1], d[3], .., d[13]", "fsr_w16_ino", [r[1:15:2] for r in pair_rows])
    print("/* infinity: d[1], d[3], .., d[15] */")
    print("static const float fsr_w16_inf[8] = { %s };" % ", ".join(f(bt[15][j]) for j in range(1, 16, 2)))
    table("a_i^j, j = 1 .. 7 (output transform)", "fsr_w16_out", [[a ** j for j in range(1, 8)] for a in PAIRS])
    print("/* G's scale per point (weight transform, in double) */")
    print("static const double fsr_w16_gscale[16] = { %s };" % ", ".join(dd(c) for c in gs))
    print("static const double fsr_w16_points[15] = { %s };" % ", ".join(dd(c) for c in POINTS))


main()
