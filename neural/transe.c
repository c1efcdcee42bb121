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

/* Eight lanes and no branches, so that the loops vectorise (see rotate.c). */
NN_VECTOR_CLONES
static float score(const NnModel *m, const float *q, const float *t)
{
    size_t k = m->dim, i = 0;
    float lane[8] = {0};
    for (; i + 8 <= k; i += 8)
        for (int j = 0; j < 8; j++) lane[j] += fabsf(q[i + j] - t[i + j]);
    float d = 0;
    for (int j = 0; j < 8; j++) d += lane[j];
    for (; i < k; i++) d += fabsf(q[i] - t[i]);
    return m->gamma - d;
}

NN_VECTOR_CLONES
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
