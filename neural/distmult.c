/* neural/distmult.c: DistMult (Yang et al. 2015): score(h, r, t) = sum_i h_i r_i t_i, a dot
 * product of the query h * r (element-wise) with t, so that 1-vs-all scoring is one sgemm.
 * Regularised with N3 (Lacroix et al. 2018): the sum of |x_i|^3 over the rows of a triple. */
#include "internal.h"

static size_t width(size_t dim) { return dim; }

static void query(const NnModel *m, const float *h, const float *r, float *q)
{
    for (size_t i = 0; i < m->dim; i++) q[i] = h[i] * r[i];
}

static void query_backward(const NnModel *m, const float *h, const float *r, const float *dq, float *dh,
                           float *dr)
{
    for (size_t i = 0; i < m->dim; i++) {
        dh[i] += dq[i] * r[i];
        dr[i] += dq[i] * h[i];
    }
}

static double n3(const float *x, size_t w, float scale, float *dx)
{
    double sum = 0;
    for (size_t i = 0; i < w; i++) {
        float a = fabsf(x[i]);
        sum += (double)a * a * a;
        dx[i] += scale * 3.0f * a * x[i];
    }
    return sum * scale;
}

const NnModelOps nn_distmult = {
    .name = "distmult",
    .entity_width = width,
    .relation_width = width,
    .dot_product = 1,
    .init = nn_init_normal,
    .query = query,
    .query_backward = query_backward,
    .n3 = n3,
};
