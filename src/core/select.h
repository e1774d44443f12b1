/* Order statistics without a full sort. */
#ifndef FASTSR_SRC_SELECT_H
#define FASTSR_SRC_SELECT_H

/* The k-th smallest of a[0..n) (0 <= k < n; a is reordered, no NaN): the
 * value a full sort would put at a[k], in linear expected time (Hoare's
 * selection with a median-of-three pivot). */
static inline float fsr_select_kth(float *a, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        float x = a[lo], y = a[mid], z = a[hi];
        const float pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                const float t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        /* [lo, j] <= pivot <= [i, hi], and (j, i) equal to it */
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

#endif
