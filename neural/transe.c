/* neural/transe.c: TransE (Bordes et al. 2013): a relation translates the head towards the
 * tail, score(h, r, t) = gamma - ||h + r - t||_1 (the L1 form, as in the RotatE paper's
 * TransE with self-adversarial negative sampling). A distance model: trained with sampled
 * negatives. */
#include "internal.h"

static size_t width(size_t dim) { return dim; }

static void query(const NnModel *m, const float *h, const float *r, float *q)
{
    for (size_t i = 0; i < m->dim; i++) q[i] = h[i] + r[i];
}

static void query_backward(const NnModel *m, const float *h, const float *r, const float *dq, float *dh,
                           float *dr)
{
    for (size_t i = 0; i < m->dim; i++) {
        dh[i] += dq[i];
        dr[i] += dq[i];
    }
}

static float score(const NnModel *m, const float *q, const float *t)
{
    float d = 0;
    for (size_t i = 0; i < m->dim; i++) d += fabsf(q[i] - t[i]);
    return m->gamma - d;
}

static void score_backward(const NnModel *m, const float *q, const float *t, float g, float *dq, float *dt)
{
    for (size_t i = 0; i < m->dim; i++) {
        float x = q[i] - t[i];
        float s = x > 0 ? -g : x < 0 ? g : 0; /* d(-|x|)/dx = -sign(x) */
        dq[i] += s;
        dt[i] -= s;
    }
}

const NnModelOps nn_transe = {
    .name = "transe",
    .entity_width = width,
    .relation_width = width,
    .dot_product = 0,
    .init = nn_init_uniform,
    .query = query,
    .query_backward = query_backward,
    .score = score,
    .score_backward = score_backward,
};
