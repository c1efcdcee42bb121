/* tests/neural/test_knn.c: exact nearest neighbours. The index's answers, through one sgemm
 * and a partial selection, must equal a brute-force scan in double precision, for each
 * metric, with ties of order aside; excluded rows never come back. */
#include "neural/nn.h"
#include "kg/rng.h"

#include <criterion/criterion.h>
#include <math.h>

#define N 500
#define W 24
#define K 7

static double similarity(NnMetric m, const float *a, const float *b)
{
    double dot = 0, na = 0, nb = 0, d2 = 0;
    for (int j = 0; j < W; j++) {
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
            if (similarity(m, queries, vecs + e * W) > similarity(m, queries, vecs + best * W)) best = e;
        exclude[0] = best;
        cr_assert_eq(nn_index_search(ix, queries, 3, K, exclude, 1, ids, scores, found, &err), KG_OK);
        for (int q = 0; q < 3; q++) {
            cr_assert_eq(found[q], K);
            for (int r = 0; r < K; r++) {
                uint32_t e = ids[q * K + r];
                cr_expect_neq(e, best, "metric %s: excluded row %u returned", nn_metric_names()[m], best);
                double s = similarity(m, queries + q * W, vecs + e * W);
                cr_expect_float_eq(scores[q * K + r], s, 1e-3, "metric %s rank %d", nn_metric_names()[m], r);
                if (r) cr_expect_geq(scores[q * K + r - 1], scores[q * K + r]);
                /* nothing outside the k (other than the excluded) is more similar than the last */
                if (r == K - 1) {
                    size_t better = 0;
                    for (uint32_t x = 0; x < N; x++)
                        if (x != best && similarity(m, queries + q * W, vecs + x * W) > s + 1e-4) better++;
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
