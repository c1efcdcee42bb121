/* neural/knn.c: exact nearest-neighbour search over a set's entity vectors. Queries are scored
 * against the vectors by OpenBLAS (sgemm for a batch, sgemv for a few queries), a block of
 * queries against a block of vectors at a time, and each query keeps its best k in a min-heap
 * of k entries (O(N log k), never a full sort). Cosine normalises the vectors once when the
 * index is made (and each query), so it is a dot product; L2 ranks by q.v - |v|^2/2 =
 * (|q|^2 - |q - v|^2) / 2, with -|v|^2/2 kept per row as a bias added while selecting. */
#include "internal.h"

#include <string.h>

/* Queries scored together by one sgemm, and vectors per block: a 1024 x 1024 block of scores
 * (4 MB) is still in cache when the selection reads it back, where the scores of all 41k
 * vectors of WN18RR for 1024 queries (168 MB) would go out to memory and back. sgemm runs as
 * fast on these blocks as on whole rows (faiss' flat index takes 4096 queries x 1024 vectors),
 * and 1024 queries a call ran 2% to 4% faster than 256 or 512. */
#define QUERY_BLOCK 1024
#define ROW_BLOCK 1024
/* Below this many queries (faiss' threshold too), sgemm's copy (packing) of the vectors costs
 * more than it saves: for one query it reads and writes them all before computing anything,
 * 2.5x slower than an sgemv, which streams them once. Such queries get an sgemv each: a lone
 * query over all vectors at once, a few over blocks of GEMV_BLOCK floats (4 MB), so the next
 * query of the batch finds the block in cache (at dim 500, batches of 8 ran 2.5x faster than
 * with each query streaming all 82 MB). */
#define GEMM_MIN_QUERIES 20
#define GEMV_BLOCK (1u << 20)
#define MAX_EXCLUDE 8
#define RUN 64 /* scores tested together by offer_scores */

struct NnIndex {
    NnMetric metric;
    size_t n, width;
    float *vecs;   /* n x width, normalised for cosine */
    float *bias;   /* per row, added to q.v: -|v|^2/2 for L2, 0 otherwise */
    float *scores; /* n_scores: QUERY_BLOCK x ROW_BLOCK, or x n when n is smaller */
    size_t n_scores;
    float *q;      /* QUERY_BLOCK x width: the block's queries, normalised for cosine */
};

/* One query's best k so far: a min-heap on score (the worst at 0) in the caller's arrays. */
typedef struct {
    float *score;
    uint32_t *id;
    size_t n, k;
} Heap;

const char *const *nn_metric_names(void)
{
    static const char *const names[] = {"cosine", "dot", "l2", NULL};
    return names;
}

void nn_index_free(NnIndex *ix)
{
    if (!ix) return;
    kg_free(ix->vecs), kg_free(ix->bias), kg_free(ix->scores), kg_free(ix->q);
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

static double norm2(const float *v, size_t w)
{
    double s = 0;
    for (size_t j = 0; j < w; j++) s += (double)v[j] * v[j];
    return s;
}

KgStatus nn_index_new(const float *vecs, size_t n, size_t width, NnMetric metric, NnIndex **out, KgError *err)
{
    *out = NULL;
    NnIndex *ix = kg_calloc(1, sizeof *ix);
    if (ix) {
        ix->metric = metric, ix->n = n, ix->width = width;
        ix->vecs = kg_malloc((n ? n : 1) * width * sizeof *ix->vecs);
        ix->bias = kg_malloc((n ? n : 1) * sizeof *ix->bias);
        ix->n_scores = (size_t)QUERY_BLOCK * (n < ROW_BLOCK ? (n ? n : 1) : ROW_BLOCK);
        ix->scores = kg_malloc(ix->n_scores * sizeof *ix->scores);
        ix->q = kg_malloc(QUERY_BLOCK * (width ? width : 1) * sizeof *ix->q);
    }
    if (!ix || !ix->vecs || !ix->bias || !ix->scores || !ix->q) {
        nn_index_free(ix);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory for an index of %zu vectors", n);
    }
    memcpy(ix->vecs, vecs, n * width * sizeof *vecs);
    for (size_t i = 0; i < n; i++) {
        float *v = ix->vecs + i * width;
        if (metric == NN_COSINE) normalise(v, width);
        ix->bias[i] = metric == NN_L2 ? (float)(-0.5 * norm2(v, width)) : 0.0f;
    }
    *out = ix;
    return KG_OK;
}

/* Puts (s, id) into a heap that is not full, or in place of its worst (which s beats). */
static void heap_add(Heap *hp, float s, uint32_t id)
{
    size_t i;
    if (hp->n < hp->k) {
        i = hp->n++;
        while (i > 0 && hp->score[(i - 1) / 2] > s) {
            hp->score[i] = hp->score[(i - 1) / 2], hp->id[i] = hp->id[(i - 1) / 2];
            i = (i - 1) / 2;
        }
    } else {
        i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= hp->n) break;
            if (c + 1 < hp->n && hp->score[c + 1] < hp->score[c]) c++;
            if (hp->score[c] >= s) break;
            hp->score[i] = hp->score[c], hp->id[i] = hp->id[c];
            i = c;
        }
    }
    hp->score[i] = s, hp->id[i] = id;
}

static float heap_worst(const Heap *hp) { return hp->n < hp->k ? -INFINITY : hp->score[0]; }

/* Offers row[j] + bias[j], the scores of vectors first_id + j for j < n, to the heap; the
 * excluded ids never enter (nor -inf and NaN, which beat nothing). Once the heap is full
 * nearly every score is below its worst, so a run of RUN is first tested as a whole, by a
 * comparison the compiler vectorises, and only a run holding a candidate is looked at one
 * score at a time. */
NN_VECTOR_CLONES
static void offer_scores(const float *row, const float *bias, size_t n, uint32_t first_id,
                         const uint32_t *exclude, size_t n_exclude, Heap *hp)
{
    float worst = heap_worst(hp);
    for (size_t j0 = 0; j0 < n; j0 += RUN) {
        size_t run = n - j0 < RUN ? n - j0 : RUN;
        int above = 1;
        if (run == RUN) {
            above = 0;
            for (size_t j = 0; j < RUN; j++) above += row[j0 + j] + bias[j0 + j] > worst;
        }
        if (!above) continue;
        for (size_t j = j0; j < j0 + run; j++) {
            float s = row[j] + bias[j];
            if (!(s > worst)) continue;
            uint32_t id = first_id + (uint32_t)j;
            size_t x = 0;
            while (x < n_exclude && exclude[x] != id) x++;
            if (x < n_exclude) continue;
            heap_add(hp, s, id);
            worst = heap_worst(hp);
        }
    }
}

/* The heap's entries in best-first order: each step moves the worst left to the back. */
static void heap_sort(Heap *hp)
{
    for (size_t m = hp->n; m > 1; m--) {
        float worst_s = hp->score[0];
        uint32_t worst_id = hp->id[0];
        float last_s = hp->score[m - 1];
        uint32_t last_id = hp->id[m - 1];
        size_t i = 0, hm = m - 1;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= hm) break;
            if (c + 1 < hm && hp->score[c + 1] < hp->score[c]) c++;
            if (hp->score[c] >= last_s) break;
            hp->score[i] = hp->score[c], hp->id[i] = hp->id[c];
            i = c;
        }
        hp->score[i] = last_s, hp->id[i] = last_id;
        hp->score[m - 1] = worst_s, hp->id[m - 1] = worst_id;
    }
}

/* Each block of up to QUERY_BLOCK queries goes over the vectors a row block at a time: the
 * block's scores by one sgemm (or, for fewer than GEMM_MIN_QUERIES queries, an sgemv each),
 * then every query's heap takes that block's scores while they are in cache. */
KgStatus nn_index_search(NnIndex *ix, const float *queries, size_t n_queries, size_t k, const uint32_t *exclude,
                         size_t n_exclude, uint32_t *ids, float *scores, size_t *n_found, KgError *err)
{
    size_t N = ix->n, w = ix->width;
    if (k > N) k = N;
    if (n_exclude > MAX_EXCLUDE) n_exclude = MAX_EXCLUDE;
    for (size_t first = 0; first < n_queries; first += QUERY_BLOCK) {
        if (kg_interrupted()) {
            for (size_t i = first; i < n_queries; i++) n_found[i] = 0;
            return kg_error_set(err, KG_ERR_INTERRUPTED, "search interrupted");
        }
        size_t nb = n_queries - first < QUERY_BLOCK ? n_queries - first : QUERY_BLOCK;
        memcpy(ix->q, queries + first * w, nb * w * sizeof *ix->q);
        if (ix->metric == NN_COSINE)
            for (size_t i = 0; i < nb; i++) normalise(ix->q + i * w, w);
        Heap heaps[QUERY_BLOCK];
        for (size_t i = 0; i < nb; i++)
            heaps[i] = (Heap){.score = scores + (first + i) * k, .id = ids + (first + i) * k, .k = k};
        int by_gemm = nb >= GEMM_MIN_QUERIES;
        size_t rows = ROW_BLOCK;
        if (!by_gemm) {
            rows = ix->n_scores / nb;
            size_t cached = w && GEMV_BLOCK / w ? GEMV_BLOCK / w : 1;
            if (nb > 1 && rows > cached) rows = cached;
        }
        for (size_t r0 = 0; r0 < N && k > 0; r0 += rows) {
            size_t nr = N - r0 < rows ? N - r0 : rows;
            const float *block = ix->vecs + r0 * w;
            if (by_gemm) nn_sgemm(0, 1, nb, nr, w, ix->q, w, block, w, 0.0f, ix->scores, nr);
            else
                for (size_t i = 0; i < nb; i++) nn_sgemv(nr, w, block, w, ix->q + i * w, ix->scores + i * nr);
            for (size_t i = 0; i < nb; i++)
                offer_scores(ix->scores + i * nr, ix->bias + r0, nr, (uint32_t)r0, exclude, n_exclude, &heaps[i]);
        }
        for (size_t i = 0; i < nb; i++) {
            Heap *hp = &heaps[i];
            heap_sort(hp);
            if (ix->metric == NN_L2) {
                // |q - v|^2 = |q|^2 - 2 (q.v - |v|^2/2)
                double qn = norm2(ix->q + i * w, w);
                for (size_t m = 0; m < hp->n; m++) hp->score[m] = -(float)sqrt(fmax(0.0, qn - 2.0 * hp->score[m]));
            }
            n_found[first + i] = hp->n;
        }
    }
    return KG_OK;
}
