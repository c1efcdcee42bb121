/* neural/rotate.c: RotatE (Sun et al. 2019): entities are complex vectors of `dim` components
 * (a row: real parts, then imaginary parts), a relation is a rotation by a phase per
 * component (a row of `dim` phases), and score(h, r, t) = gamma - sum_i |h_i e^(i theta_i) -
 * t_i|. A distance model: trained with self-adversarial negative sampling. */
#include "internal.h"

static size_t entity_width(size_t dim) { return 2 * dim; }
static size_t relation_width(size_t dim) { return dim; }

static void init(NnModel *m, KgRng *g, double scale)
{
    nn_fill_uniform(m->ent, m->n_entities * m->entity_width, g, scale);
    nn_fill_uniform(m->rel, m->n_relations * m->relation_width, g, 3.141592653589793); /* phases */
}

/* q = h rotated by the phases of r (real parts, then imaginary parts) */
static void query(const NnModel *m, const float *h, const float *r, float *q)
{
    size_t k = m->dim;
    for (size_t i = 0; i < k; i++) {
        float c = cosf(r[i]), s = sinf(r[i]);
        q[i] = h[i] * c - h[k + i] * s;
        q[k + i] = h[i] * s + h[k + i] * c;
    }
}

static void query_backward(const NnModel *m, const float *h, const float *r, const float *dq, float *dh,
                           float *dr)
{
    size_t k = m->dim;
    for (size_t i = 0; i < k; i++) {
        float c = cosf(r[i]), s = sinf(r[i]);
        float qr = h[i] * c - h[k + i] * s, qi = h[i] * s + h[k + i] * c;
        float gr = dq[i], gi = dq[k + i];
        dh[i] += gr * c + gi * s;
        dh[k + i] += -gr * s + gi * c;
        dr[i] += -gr * qi + gi * qr; /* d q / d theta = i q */
    }
}

/* The sums run in eight lanes, and nothing branches, so that the loops vectorise (the
 * negatives of a query and every entity at evaluation go through here). */
NN_VECTOR_CLONES
static float score(const NnModel *m, const float *q, const float *t)
{
    size_t k = m->dim, i = 0;
    float lane[8] = {0};
    for (; i + 8 <= k; i += 8)
        for (int j = 0; j < 8; j++) {
            float xr = q[i + j] - t[i + j], xi = q[k + i + j] - t[k + i + j];
            lane[j] += sqrtf(xr * xr + xi * xi);
        }
    float d = 0;
    for (int j = 0; j < 8; j++) d += lane[j];
    for (; i < k; i++) {
        float xr = q[i] - t[i], xi = q[k + i] - t[k + i];
        d += sqrtf(xr * xr + xi * xi);
    }
    return m->gamma - d;
}

NN_VECTOR_CLONES
static void score_backward(const NnModel *m, const float *q, const float *t, float g, float *dq, float *dt)
{
    size_t k = m->dim;
    for (size_t i = 0; i < k; i++) {
        float xr = q[i] - t[i], xi = q[k + i] - t[k + i];
        float dist = sqrtf(xr * xr + xi * xi);
        /* d score / d x = -x / |x|; |x| is not differentiable at 0: take 0 there */
        float scale = dist > 1e-12f ? -g / dist : 0.0f;
        float gr = scale * xr, gi = scale * xi;
        dq[i] += gr;
        dq[k + i] += gi;
        dt[i] -= gr;
        dt[k + i] -= gi;
    }
}

/* phases back into [-pi, pi] */
static void project(const NnModel *m, float *r)
{
    for (size_t i = 0; i < m->dim; i++) r[i] = remainderf(r[i], 6.2831853f);
}

const NnModelOps nn_rotate = {
    .name = "rotate",
    .entity_width = entity_width,
    .relation_width = relation_width,
    .dot_product = 0,
    .init = init,
    .query = query,
    .query_backward = query_backward,
    .score = score,
    .score_backward = score_backward,
    .project = project,
};
