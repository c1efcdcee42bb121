/* tests/neural/test_knn.c: exact nearest neighbours. The index's answers, through sgemm or
 * sgemv over blocks and a partial selection, must equal a brute-force scan in double
 * precision, for each metric, with ties of order aside; excluded rows never come back. Sizes
 * that cross the index's blocks (queries, vectors, the switch from sgemv to sgemm) check that
 * a query gets the same answer alone as in any batch. */
#include "neural/nn.h"
#include "kg/rng.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#define N 500
#define W 24
#define K 7

static double similarity(NnMetric m, const float *a, const float *b, size_t w)
{
    double dot = 0, na = 0, nb = 0, d2 = 0;
    for (size_t j = 0; j < w; j++) {
        dot += (double)a[j] * b[j], na += (double)a[j] * a[j], nb += (double)b[j] * b[j];
        d2 += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    }
    return m == NN_COSINE ? dot / sqrt(na * nb) : m == NN_DOT ? dot : -sqrt(d2);
}

Test(knn, search_equals_a_brute_force_scan_for_each_metric)
{
    static float vecs[N * W], queries[3 * W];
    KgRng g;
    kg_rng_seed(&g, 11);
    for (size_t i = 0; i < N * W; i++) vecs[i] = (float)kg_rng_normal(&g);
    for (size_t i = 0; i < 3 * W; i++) queries[i] = (float)kg_rng_normal(&g);
    for (NnMetric m = NN_COSINE; m <= NN_L2; m++) {
        NnIndex *ix = NULL;
        KgError err = {0};
        cr_assert_eq(nn_index_new(vecs, N, W, m, &ix, &err), KG_OK);
        uint32_t ids[3 * K], exclude[1];
        float scores[3 * K];
        size_t found[3];
        /* the brute force's best of query 0, excluded: it must not come back */
        uint32_t best = 0;
        for (uint32_t e = 1; e < N; e++)
            if (similarity(m, queries, vecs + e * W, W) > similarity(m, queries, vecs + best * W, W)) best = e;
        exclude[0] = best;
        cr_assert_eq(nn_index_search(ix, queries, 3, K, exclude, 1, ids, scores, found, &err), KG_OK);
        for (int q = 0; q < 3; q++) {
            cr_assert_eq(found[q], K);
            for (int r = 0; r < K; r++) {
                uint32_t e = ids[q * K + r];
                cr_expect_neq(e, best, "metric %s: excluded row %u returned", nn_metric_names()[m], best);
                double s = similarity(m, queries + q * W, vecs + e * W, W);
                cr_expect_float_eq(scores[q * K + r], s, 1e-3, "metric %s rank %d", nn_metric_names()[m], r);
                if (r) cr_expect_geq(scores[q * K + r - 1], scores[q * K + r]);
                /* nothing outside the k (other than the excluded) is more similar than the last */
                if (r == K - 1) {
                    size_t better = 0;
                    for (uint32_t x = 0; x < N; x++)
                        if (x != best && similarity(m, queries + q * W, vecs + x * W, W) > s + 1e-4) better++;
                    cr_expect_leq(better, K - 1, "metric %s: %zu rows beat the k-th", nn_metric_names()[m], better);
                }
            }
        }
        nn_index_free(ix);
    }
}

Test(knn, fewer_vectors_than_k_returns_them_all)
{
    float vecs[3 * 2] = {1, 0, 0, 1, 1, 1}, q[2] = {1, 0.1f};
    NnIndex *ix = NULL;
    cr_assert_eq(nn_index_new(vecs, 3, 2, NN_DOT, &ix, NULL), KG_OK);
    uint32_t ids[10];
    float scores[10];
    size_t found;
    cr_assert_eq(nn_index_search(ix, q, 1, 10, NULL, 0, ids, scores, &found, NULL), KG_OK);
    cr_expect_eq(found, 3);
    cr_expect_eq(ids[0], 2); /* 1.1 */
    cr_expect_eq(ids[1], 0); /* 1.0 */
    cr_expect_eq(ids[2], 1); /* 0.1 */
    nn_index_free(ix);
}

/* Query q's k answers against a double-precision scan of all n vectors: the right scores,
 * best first, nothing excluded, and nothing left out that beats the last. */
static void expect_exact(NnMetric m, const float *vecs, size_t n, size_t w, const float *query, size_t k,
                         const uint32_t *exclude, size_t n_exclude, const uint32_t *ids, const float *scores,
                         size_t found)
{
    const char *name = nn_metric_names()[m];
    cr_assert_eq(found, k, "metric %s: %zu found", name, found);
    for (size_t r = 0; r < k; r++) {
        for (size_t x = 0; x < n_exclude; x++) cr_assert_neq(ids[r], exclude[x], "metric %s: excluded row returned", name);
        double s = similarity(m, query, vecs + (size_t)ids[r] * w, w);
        cr_assert_float_eq(scores[r], s, 1e-3, "metric %s rank %zu: %g, not %g", name, r, scores[r], s);
        if (r) cr_assert_geq(scores[r - 1], scores[r], "metric %s: rank %zu out of order", name, r);
    }
    double last = similarity(m, query, vecs + (size_t)ids[k - 1] * w, w);
    size_t better = 0;
    for (uint32_t e = 0; e < n; e++) {
        int excluded = 0;
        for (size_t x = 0; x < n_exclude; x++) excluded |= exclude[x] == e;
        if (!excluded && similarity(m, query, vecs + (size_t)e * w, w) > last + 1e-4) better++;
    }
    cr_assert_leq(better, k - 1, "metric %s: %zu rows beat the k-th", name, better);
}

static float *normal_floats(KgRng *g, size_t n)
{
    float *x = malloc(n * sizeof *x);
    cr_assert_not_null(x);
    for (size_t i = 0; i < n; i++) x[i] = (float)kg_rng_normal(g);
    return x;
}

/* 1030 queries: a block of 1024 by sgemm, then 6 by sgemv; 2500 vectors: two whole row blocks
 * of 1024 and a part. */
Test(knn, a_batch_across_query_and_row_blocks_is_exact)
{
    enum { NV = 2500, WQ = 16, NQ = 1030, KQ = 5 };
    KgRng g;
    kg_rng_seed(&g, 5);
    float *vecs = normal_floats(&g, NV * WQ), *queries = normal_floats(&g, NQ * WQ);
    uint32_t *ids = malloc(NQ * KQ * sizeof *ids);
    float *scores = malloc(NQ * KQ * sizeof *scores);
    size_t *found = malloc(NQ * sizeof *found);
    cr_assert(ids && scores && found);
    uint32_t exclude[3] = {0, 1023, 1024}; /* on either side of a row block's edge */
    for (NnMetric m = NN_COSINE; m <= NN_L2; m++) {
        NnIndex *ix = NULL;
        cr_assert_eq(nn_index_new(vecs, NV, WQ, m, &ix, NULL), KG_OK);
        cr_assert_eq(nn_index_search(ix, queries, NQ, KQ, exclude, 3, ids, scores, found, NULL), KG_OK);
        for (size_t q = 0; q < NQ; q++)
            expect_exact(m, vecs, NV, WQ, queries + q * WQ, KQ, exclude, 3, ids + q * KQ, scores + q * KQ, found[q]);
        nn_index_free(ix);
    }
    free(vecs), free(queries), free(ids), free(scores), free(found);
}

/* Width 256 makes the sgemv blocks 4096 vectors, so 5000 vectors take two; batches of 1 (one
 * sgemv over all), 5 (sgemv by blocks) and 40 (sgemm) must agree. */
Test(knn, a_query_alone_finds_what_it_finds_in_a_batch)
{
    enum { NV = 5000, WQ = 256, NQ = 40, KQ = 7 };
    KgRng g;
    kg_rng_seed(&g, 6);
    float *vecs = normal_floats(&g, NV * WQ), *queries = normal_floats(&g, NQ * WQ);
    static uint32_t ids[3][NQ * KQ];
    static float scores[3][NQ * KQ];
    size_t found[3][NQ];
    const size_t batch[3] = {1, 5, NQ};
    for (NnMetric m = NN_COSINE; m <= NN_L2; m++) {
        NnIndex *ix = NULL;
        cr_assert_eq(nn_index_new(vecs, NV, WQ, m, &ix, NULL), KG_OK);
        for (int b = 0; b < 3; b++)
            for (size_t q = 0; q < NQ; q += batch[b])
                cr_assert_eq(nn_index_search(ix, queries + q * WQ, batch[b], KQ, NULL, 0, ids[b] + q * KQ,
                                             scores[b] + q * KQ, found[b] + q, NULL),
                             KG_OK);
        for (size_t q = 0; q < NQ; q++) {
            expect_exact(m, vecs, NV, WQ, queries + q * WQ, KQ, NULL, 0, ids[2] + q * KQ, scores[2] + q * KQ,
                         found[2][q]);
            for (int b = 0; b < 2; b++)
                for (size_t r = 0; r < KQ; r++) {
                    cr_assert_eq(ids[b][q * KQ + r], ids[2][q * KQ + r], "metric %s, batch of %zu, query %zu rank %zu",
                                 nn_metric_names()[m], batch[b], q, r);
                    cr_assert_float_eq(scores[b][q * KQ + r], scores[2][q * KQ + r], 1e-4);
                }
        }
        nn_index_free(ix);
    }
    free(vecs), free(queries);
}

Test(knn, k_of_zero_finds_nothing)
{
    float vecs[4] = {1, 0, 0, 1}, q[2] = {1, 0};
    NnIndex *ix = NULL;
    cr_assert_eq(nn_index_new(vecs, 2, 2, NN_COSINE, &ix, NULL), KG_OK);
    uint32_t ids[1];
    float scores[1];
    size_t found = 99;
    cr_assert_eq(nn_index_search(ix, q, 1, 0, NULL, 0, ids, scores, &found, NULL), KG_OK);
    cr_expect_eq(found, 0);
    nn_index_free(ix);
}
