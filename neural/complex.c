/* neural/complex.c: ComplEx (Trouillon et al. 2016): entities and relations are complex
 * vectors of `dim` components and score(h, r, t) = Re(sum_i h_i r_i conj(t_i)). A row keeps
 * the real parts, then the imaginary parts; the query h * r is then one complex product per
 * component and the score its real dot product with t's row, so 1-vs-all scoring is one
 * sgemm. Regularised with N3 on the moduli (Lacroix et al. 2018): sum_i |x_i|^3. */
#include "internal.h"

static size_t width(size_t dim) { return 2 * dim; }

static void query(const NnModel *m, const float *h, const float *r, float *q)
{
    size_t k = m->dim;
    const float *hr = h, *hi = h + k, *rr = r, *ri = r + k;
    float *qr = q, *qi = q + k;
    for (size_t i = 0; i < k; i++) {
        qr[i] = hr[i] * rr[i] - hi[i] * ri[i];
        qi[i] = hr[i] * ri[i] + hi[i] * rr[i];
    }
}

static void query_backward(const NnModel *m, const float *h, const float *r, const float *dq, float *dh,
                           float *dr)
{
    size_t k = m->dim;
    const float *hr = h, *hi = h + k, *rr = r, *ri = r + k, *gr = dq, *gi = dq + k;
    for (size_t i = 0; i < k; i++) {
        dh[i] += gr[i] * rr[i] + gi[i] * ri[i];
        dh[k + i] += -gr[i] * ri[i] + gi[i] * rr[i];
        dr[i] += gr[i] * hr[i] + gi[i] * hi[i];
        dr[k + i] += -gr[i] * hi[i] + gi[i] * hr[i];
    }
}

static double n3(const float *x, size_t w, float scale, float *dx)
{
    size_t k = w / 2;
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        float re = x[i], im = x[k + i], mod = sqrtf(re * re + im * im);
        sum += (double)mod * mod * mod;
        dx[i] += scale * 3.0f * mod * re;
        dx[k + i] += scale * 3.0f * mod * im;
    }
    return sum * scale;
}

const NnModelOps nn_complex = {
    .name = "complex",
    .entity_width = width,
    .relation_width = width,
    .dot_product = 1,
    .init = nn_init_normal,
    .query = query,
    .query_backward = query_backward,
    .n3 = n3,
};
