/* fusion/embed_source.c: an embedding model as evidence. Its raw scores have no common
 * scale (a ComplEx score of 5 means something else for each relation), so they are first
 * calibrated per query relation by Platt scaling on held-out triples against corrupted ones:
 * feature 0 is the logit of P(true), comparable across relations and with the rules'. Feature
 * 1 is the reciprocal of the entity's rank among the model's scores for the query (the best
 * RANKED of them; 0 below), the form in which rank fusion (Cormack et al. 2009) combines
 * rankers whose scores disagree in shape. */
#include "internal.h"

#include <math.h>
#include <string.h>

#define RANKED 100
#define NEGATIVES 8         /* corrupted answers per held-out query, weighted to balance */
#define BATCH 64
#define RIDGE_PER_RELATION 20.0 /* a relation's Platt parameters drawn toward the shared ones */

typedef struct {
    NnModel *m;
    const KgLinkDataset *d;
    double *a, *b; /* per query relation (2 n_relations) */
    float *scores; /* BATCH x n_entities */
    uint32_t *heap;
} EmbedSource;

static void embed_free(void *ctx)
{
    EmbedSource *e = ctx;
    if (!e) return;
    kg_free(e->a), kg_free(e->b), kg_free(e->scores), kg_free(e->heap);
    kg_free(e);
}

/* The RANKED best entities of row (a min-heap on score), then their reciprocal ranks into
 * `rr` (0 elsewhere). */
static void reciprocal_ranks(const float *row, size_t n, uint32_t *heap, float *rr)
{
    size_t h = 0;
    for (uint32_t e = 0; e < n; e++)
        if (!isnan(row[e])) fu_topk_push(row, e, RANKED, heap, &h);
    memset(rr, 0, n * sizeof *rr);
    /* pop the worst first: the last popped is rank 1 */
    while (h > 0) {
        float rank = (float)h;
        rr[fu_topk_pop(row, heap, &h)] = 1.0f / rank;
    }
}

static KgStatus embed_features(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                               KgError *err)
{
    EmbedSource *e = ctx;
    size_t N = e->d->n_entities;
    for (size_t first = 0; first < n; first += BATCH) {
        size_t nb = n - first < BATCH ? n - first : BATCH;
        KgStatus s = nn_model_score(e->m, anchor + first, rel + first, nb, e->scores, err);
        if (s != KG_OK) return s;
        for (size_t i = 0; i < nb; i++) {
            const float *row = e->scores + i * N;
            float *logit = out + (first + i) * 2 * N, *rr = logit + N;
            float a = (float)e->a[rel[first + i]], b = (float)e->b[rel[first + i]];
            for (size_t x = 0; x < N; x++) logit[x] = a * row[x] + b;
            reciprocal_ranks(row, N, e->heap, rr);
        }
    }
    return KG_OK;
}

void fu_embed_platt(const FuSource *s, uint32_t rel, double *a, double *b)
{
    const EmbedSource *e = s->ctx;
    *a = e->a[rel], *b = e->b[rel];
}

/* Platt scaling per query relation: the raw scores of the held-out answers (label 1) and of
 * NEGATIVES corrupted answers each (label 0, weight 1/NEGATIVES, so both sides weigh the
 * same), first over all relations, then per relation drawn toward that. */
static KgStatus calibrate(EmbedSource *e, const KgLinkTriple *calib, size_t n_calib, uint64_t seed, KgError *err)
{
    const KgLinkDataset *d = e->d;
    size_t R2 = 2 * d->n_relations, N = d->n_entities, n_q = 2 * n_calib;
    size_t n_ex = n_q * (1 + NEGATIVES);
    double *x = kg_malloc((n_ex ? n_ex : 1) * sizeof *x), *w = kg_malloc((n_ex ? n_ex : 1) * sizeof *w);
    uint8_t *y = kg_malloc(n_ex ? n_ex : 1);
    uint32_t *qrel = kg_malloc((n_ex ? n_ex : 1) * sizeof *qrel);
    uint32_t anchor[BATCH], rel[BATCH], answer[BATCH];
    KgLinkFilter *filter = NULL;
    KgStatus s = x && w && y && qrel ? kg_link_filter_new(d, &filter, err)
                                     : kg_error_set(err, KG_ERR_NOMEM, "out of memory calibrating");
    KgRng rng;
    kg_rng_seed(&rng, seed);
    size_t k = 0;
    for (size_t first = 0; first < n_q && s == KG_OK; first += BATCH) {
        size_t nb = n_q - first < BATCH ? n_q - first : BATCH;
        fu_heldout_queries(d, calib, first, nb, anchor, rel, answer);
        s = nn_model_score(e->m, anchor, rel, nb, e->scores, err);
        for (size_t i = 0; i < nb && s == KG_OK; i++) {
            const float *row = e->scores + i * N;
            qrel[k] = rel[i], x[k] = row[answer[i]], y[k] = 1, w[k] = 1, k++;
            for (int j = 0; j < NEGATIVES; j++) {
                uint32_t c = fu_heldout_corrupt(&rng, filter, N, anchor[i], rel[i], 1);
                qrel[k] = rel[i], x[k] = row[c], y[k] = 0, w[k] = 1.0 / NEGATIVES, k++;
            }
        }
        if (s == KG_OK && kg_interrupted()) s = kg_error_set(err, KG_ERR_INTERRUPTED, "calibration interrupted");
    }
    if (s == KG_OK) {
        double a0 = 1, b0 = 0;
        for (size_t i = 0; i < k; i++)
            if (!isfinite(x[i])) x[i] = 0, w[i] = 0;
        fu_platt_fit(x, y, w, k, 1, 0, 1e-6, &a0, &b0);
        /* the examples of each relation are contiguous within a batch but not across: sort
         * them into one run per relation by a counting pass */
        size_t *at = kg_calloc(R2 + 1, sizeof *at), *fill = kg_calloc(R2 + 1, sizeof *fill);
        double *xs = kg_malloc((k ? k : 1) * sizeof *xs), *ws = kg_malloc((k ? k : 1) * sizeof *ws);
        uint8_t *ys = kg_malloc(k ? k : 1);
        if (!at || !fill || !xs || !ws || !ys) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory calibrating");
        } else {
            for (size_t i = 0; i < k; i++) at[qrel[i] + 1]++;
            for (size_t r = 0; r < R2; r++) at[r + 1] += at[r];
            for (size_t i = 0; i < k; i++) {
                size_t pos = at[qrel[i]] + fill[qrel[i]]++;
                xs[pos] = x[i], ws[pos] = w[i], ys[pos] = y[i];
            }
            for (size_t r = 0; r < R2; r++) {
                e->a[r] = a0, e->b[r] = b0;
                if (at[r + 1] > at[r])
                    fu_platt_fit(xs + at[r], ys + at[r], ws + at[r], at[r + 1] - at[r], a0, b0, RIDGE_PER_RELATION,
                                 &e->a[r], &e->b[r]);
            }
        }
        kg_free(at), kg_free(fill), kg_free(xs), kg_free(ws), kg_free(ys);
    }
    kg_link_filter_free(filter);
    kg_free(x), kg_free(w), kg_free(y), kg_free(qrel);
    return s;
}

KgStatus fu_embed_source_new(NnModel *m, const KgLinkDataset *d, const KgLinkTriple *calib, size_t n_calib,
                             uint64_t seed, FuSource *out, KgError *err)
{
    memset(out, 0, sizeof *out);
    size_t R2 = 2 * d->n_relations, N = d->n_entities;
    EmbedSource *e = kg_calloc(1, sizeof *e);
    if (e) {
        e->m = m, e->d = d;
        e->a = kg_calloc(R2 ? R2 : 1, sizeof *e->a);
        e->b = kg_calloc(R2 ? R2 : 1, sizeof *e->b);
        e->scores = kg_malloc(BATCH * (N ? N : 1) * sizeof *e->scores);
        e->heap = kg_malloc(RANKED * sizeof *e->heap);
    }
    if (!e || !e->a || !e->b || !e->scores || !e->heap) {
        embed_free(e);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory for the embedding evidence");
    }
    for (size_t r = 0; r < R2; r++) e->a[r] = 1;
    KgStatus s = calibrate(e, calib, n_calib, seed, err);
    if (s != KG_OK) {
        embed_free(e);
        return s;
    }
    *out = (FuSource){.name = nn_model_name(m),
                      .n_features = 2,
                      .feature_names = {"calibrated logit", "reciprocal rank"},
                      .ctx = e,
                      .features = embed_features,
                      .free = embed_free};
    return KG_OK;
}

void fu_source_free(FuSource *s)
{
    if (!s || !s->free) return;
    s->free(s->ctx);
    s->ctx = NULL, s->free = NULL;
}
