/* neural/knn.c: exact nearest-neighbour search over a set's entity vectors. A batch of
 * queries is scored against every vector by one sgemm (queries x vectors^T), the way faiss'
 * flat index does it; each row then keeps its best k by a min-heap of k entries (O(N log k),
 * never a full sort). Cosine normalises the vectors once when the index is made (and each
 * query), so it is a dot product; L2 ranks by -|q - v|^2 = 2 q.v - |v|^2 - |q|^2, the last
 * term constant per query, with |v|^2 kept from the start. */
#include "internal.h"

#include <string.h>

#define BATCH 256

struct NnIndex {
    NnMetric metric;
    size_t n, width;
    float *vecs;  /* n x width, normalised for cosine */
    float *norm2; /* L2: |v|^2 per row */
    float *scores;/* BATCH x n */
    float *q;     /* BATCH x width: the normalised queries */
};

const char *const *nn_metric_names(void)
{
    static const char *const names[] = {"cosine", "dot", "l2", NULL};
    return names;
}

void nn_index_free(NnIndex *ix)
{
    if (!ix) return;
    kg_free(ix->vecs), kg_free(ix->norm2), kg_free(ix->scores), kg_free(ix->q);
    kg_free(ix);
}

static void normalise(float *v, size_t w)
{
    double s = 0;
    for (size_t j = 0; j < w; j++) s += (double)v[j] * v[j];
    if (s > 0) {
        float inv = (float)(1 / sqrt(s));
        for (size_t j = 0; j < w; j++) v[j] *= inv;
    }
}

KgStatus nn_index_new(const float *vecs, size_t n, size_t width, NnMetric metric, NnIndex **out, KgError *err)
{
    *out = NULL;
    NnIndex *ix = kg_calloc(1, sizeof *ix);
    if (ix) {
        ix->metric = metric, ix->n = n, ix->width = width;
        ix->vecs = kg_malloc((n ? n : 1) * width * sizeof *ix->vecs);
        ix->norm2 = kg_malloc((n ? n : 1) * sizeof *ix->norm2);
        ix->scores = kg_malloc(BATCH * (n ? n : 1) * sizeof *ix->scores);
        ix->q = kg_malloc(BATCH * width * sizeof *ix->q);
    }
    if (!ix || !ix->vecs || !ix->norm2 || !ix->scores || !ix->q) {
        nn_index_free(ix);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory for an index of %zu vectors", n);
    }
    memcpy(ix->vecs, vecs, n * width * sizeof *vecs);
    for (size_t i = 0; i < n; i++) {
        float *v = ix->vecs + i * width;
        if (metric == NN_COSINE) normalise(v, width);
        double s = 0;
        for (size_t j = 0; j < width; j++) s += (double)v[j] * v[j];
        ix->norm2[i] = (float)s;
    }
    *out = ix;
    return KG_OK;
}

/* Keeps row's best k (not excluded) as a min-heap in heap[0 .. *h). */
static void push(const float *row, uint32_t e, size_t k, uint32_t *heap, size_t *h)
{
    float x = row[e];
    size_t i;
    if (*h < k) {
        i = (*h)++;
        while (i > 0 && row[heap[(i - 1) / 2]] > x) heap[i] = heap[(i - 1) / 2], i = (i - 1) / 2;
    } else {
        if (!(x > row[heap[0]])) return;
        i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= *h) break;
            if (c + 1 < *h && row[heap[c + 1]] < row[heap[c]]) c++;
            if (row[heap[c]] >= x) break;
            heap[i] = heap[c], i = c;
        }
    }
    heap[i] = e;
}

KgStatus nn_index_search(NnIndex *ix, const float *queries, size_t n_queries, size_t k, const uint32_t *exclude,
                         size_t n_exclude, uint32_t *ids, float *scores, size_t *n_found, KgError *err)
{
    size_t N = ix->n, w = ix->width;
    if (k > N) k = N;
    for (size_t first = 0; first < n_queries; first += BATCH) {
        if (kg_interrupted()) return kg_error_set(err, KG_ERR_INTERRUPTED, "search interrupted");
        size_t nb = n_queries - first < BATCH ? n_queries - first : BATCH;
        memcpy(ix->q, queries + first * w, nb * w * sizeof *ix->q);
        if (ix->metric == NN_COSINE)
            for (size_t i = 0; i < nb; i++) normalise(ix->q + i * w, w);
        nn_sgemm(0, 1, nb, N, w, ix->q, w, ix->vecs, w, 0.0f, ix->scores, N);
        for (size_t i = 0; i < nb; i++) {
            float *row = ix->scores + i * N;
            double qn = 0;
            if (ix->metric == NN_L2) {
                for (size_t j = 0; j < w; j++) qn += (double)ix->q[i * w + j] * ix->q[i * w + j];
                for (size_t e = 0; e < N; e++) row[e] = 2 * row[e] - ix->norm2[e];
            }
            /* the excluded entities (the query's own, say) never enter the heap */
            float saved[8];
            size_t n_ex = n_exclude < 8 ? n_exclude : 8;
            for (size_t x = 0; x < n_ex; x++) saved[x] = row[exclude[x]], row[exclude[x]] = -INFINITY;
            uint32_t *heap = ids + (first + i) * k;
            size_t h = 0;
            for (uint32_t e = 0; e < N; e++)
                if (row[e] != -INFINITY) push(row, e, k, heap, &h);
            for (size_t x = n_ex; x-- > 0;) row[exclude[x]] = saved[x];
            /* heap to best-first order: pop the worst to the back */
            float *sc = scores + (first + i) * k;
            for (size_t m = h; m > 0; m--) {
                uint32_t worst = heap[0];
                uint32_t last = heap[m - 1];
                size_t j = 0, hm = m - 1;
                for (;;) {
                    size_t c = 2 * j + 1;
                    if (c >= hm) break;
                    if (c + 1 < hm && row[heap[c + 1]] < row[heap[c]]) c++;
                    if (row[heap[c]] >= row[last]) break;
                    heap[j] = heap[c], j = c;
                }
                if (hm > 0) heap[j] = last;
                heap[m - 1] = worst;
            }
            for (size_t m = 0; m < h; m++)
                sc[m] = ix->metric == NN_L2 ? -(float)sqrt(fmax(0.0, qn - row[heap[m]])) : row[heap[m]];
            n_found[first + i] = h;
        }
    }
    return KG_OK;
}
