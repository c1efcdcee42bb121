/* tests/bench/knn_bench.c: the nous side of `make bench`'s exact-search benchmark
 * (tests/bench/search.sh). It draws WN18RR-sized vectors (40943 by default) of one dimension
 * from a seeded Gaussian mixture, so that a query's top 10 lie in its cluster and are not
 * near-ties, and a query set from the same mixture; writes both as raw float32 files for
 * tests/bench/faiss_knn.py; then times nn_index_search for cosine and L2, one query a call and
 * all queries in one call, and writes the batch's top-k ids (uint32, k a query) for the recall.
 * Each figure is the best of --repeat runs. Output, one line a figure:
 *     nous dim=200 metric=cosine mode=single queries=1000 seconds=S qps=Q
 * and a check that single queries found the same ids as the batch. */
#include "kg/kg.h"
#include "kg/rng.h"
#include "neural/nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    size_t n, dim, n_queries, n_centres, k;
    int repeat, threads;
    uint64_t seed;
    double noise; /* a point is its centre (coordinates N(0, 1)) plus noise * N(0, 1) */
    const char *out_dir;
} Options;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* n points of the mixture into x (n x dim). */
static void draw_points(KgRng *g, const float *centres, const Options *o, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float *c = centres + (size_t)kg_rng_below(g, (uint32_t)o->n_centres) * o->dim;
        for (size_t j = 0; j < o->dim; j++) x[i * o->dim + j] = c[j] + (float)(o->noise * kg_rng_normal(g));
    }
}

static int write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, size, f) == size;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) fprintf(stderr, "knn_bench: cannot write %s\n", path);
    return ok ? 0 : -1;
}

static int report_error(const char *what, const KgError *err)
{
    char msg[300];
    kg_error_format(err, msg, sizeof msg);
    fprintf(stderr, "knn_bench: %s: %s\n", what, msg);
    return -1;
}

/* Times one metric: the batch (all queries in one call) and single queries (one a call), the
 * best of o->repeat each, after one untimed batch that warms the caches and OpenBLAS's
 * threads. Writes the batch's ids to nous_<metric>.ids. */
static int bench_metric(const Options *o, NnMetric metric, const float *vecs, const float *queries)
{
    const char *name = nn_metric_names()[metric];
    size_t nq = o->n_queries, k = o->k;
    uint32_t *ids = kg_malloc(nq * k * sizeof *ids), *one_ids = kg_malloc(nq * k * sizeof *one_ids);
    float *scores = kg_malloc(nq * k * sizeof *scores);
    size_t *found = kg_malloc(nq * sizeof *found);
    NnIndex *ix = NULL;
    KgError err = {0};
    int rc = -1;
    if (!ids || !one_ids || !scores || !found) {
        fprintf(stderr, "knn_bench: out of memory\n");
        goto out;
    }
    if (nn_index_new(vecs, o->n, o->dim, metric, &ix, &err) != KG_OK) {
        report_error("index", &err);
        goto out;
    }
    if (nn_index_search(ix, queries, nq, k, NULL, 0, ids, scores, found, &err) != KG_OK) {
        report_error("search", &err);
        goto out;
    }

    double best_batch = -1, best_single = -1;
    for (int r = 0; r < o->repeat; r++) {
        double t0 = now();
        if (nn_index_search(ix, queries, nq, k, NULL, 0, ids, scores, found, &err) != KG_OK) {
            report_error("search", &err);
            goto out;
        }
        double s = now() - t0;
        if (best_batch < 0 || s < best_batch) best_batch = s;
    }
    for (int r = 0; r < o->repeat; r++) {
        double t0 = now();
        for (size_t i = 0; i < nq; i++)
            if (nn_index_search(ix, queries + i * o->dim, 1, k, NULL, 0, one_ids + i * k, scores + i * k,
                                found + i, &err) != KG_OK) {
                report_error("search", &err);
                goto out;
            }
        double s = now() - t0;
        if (best_single < 0 || s < best_single) best_single = s;
    }

    /* the same top k either way, as sets (two sums of the same products may round apart, so
     * an order among near-equal scores may differ) */
    size_t differ = 0;
    for (size_t i = 0; i < nq; i++) {
        size_t same = 0;
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++) same += ids[i * k + a] == one_ids[i * k + b];
        differ += same != k;
    }

    char file[64];
    snprintf(file, sizeof file, "nous_%s.ids", name);
    if (write_file(o->out_dir, file, ids, nq * k * sizeof *ids) != 0) goto out;
    printf("nous dim=%zu metric=%s mode=single queries=%zu seconds=%.6f qps=%.1f\n", o->dim, name, nq,
           best_single, (double)nq / best_single);
    printf("nous dim=%zu metric=%s mode=batch queries=%zu seconds=%.6f qps=%.1f\n", o->dim, name, nq,
           best_batch, (double)nq / best_batch);
    printf("nous dim=%zu metric=%s single_vs_batch_differ=%zu\n", o->dim, name, differ);
    fflush(stdout);
    rc = 0;
out:
    nn_index_free(ix);
    kg_free(ids), kg_free(one_ids), kg_free(scores), kg_free(found);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: knn_bench --dim D --out DIR [--n N] [--queries Q] [--centres C] [--noise S]\n"
                    "                 [--k K] [--repeat R] [--threads T] [--seed S]\n"
                    "  writes DIR/vectors.f32 (N x D), DIR/queries.f32 (Q x D), DIR/nous_cosine.ids and\n"
                    "  DIR/nous_l2.ids (Q x K uint32); T < 1: one OpenBLAS thread per CPU\n");
    return 2;
}

int main(int argc, char **argv)
{
    nn_blas_prepare(argv);
    Options o = {.n = 40943, .n_queries = 1000, .n_centres = 300, .k = 10, .repeat = 3, .seed = 1,
                 .noise = 0.5};
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) return usage();
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--dim") == 0) o.dim = strtoul(v, NULL, 10);
        else if (strcmp(a, "--out") == 0) o.out_dir = v;
        else if (strcmp(a, "--n") == 0) o.n = strtoul(v, NULL, 10);
        else if (strcmp(a, "--queries") == 0) o.n_queries = strtoul(v, NULL, 10);
        else if (strcmp(a, "--centres") == 0) o.n_centres = strtoul(v, NULL, 10);
        else if (strcmp(a, "--noise") == 0) o.noise = strtod(v, NULL);
        else if (strcmp(a, "--k") == 0) o.k = strtoul(v, NULL, 10);
        else if (strcmp(a, "--repeat") == 0) o.repeat = atoi(v);
        else if (strcmp(a, "--threads") == 0) o.threads = atoi(v);
        else if (strcmp(a, "--seed") == 0) o.seed = strtoull(v, NULL, 10);
        else return usage();
    }
    if (!o.dim || !o.out_dir || !o.n || !o.n_queries || !o.n_centres || !o.k || o.k > o.n || o.repeat < 1)
        return usage();
    nn_blas_set_threads(o.threads);

    float *centres = kg_malloc(o.n_centres * o.dim * sizeof *centres);
    float *vecs = kg_malloc(o.n * o.dim * sizeof *vecs);
    float *queries = kg_malloc(o.n_queries * o.dim * sizeof *queries);
    int rc = 1;
    if (!centres || !vecs || !queries) {
        fprintf(stderr, "knn_bench: out of memory\n");
        goto out;
    }
    KgRng g;
    kg_rng_seed(&g, o.seed);
    for (size_t i = 0; i < o.n_centres * o.dim; i++) centres[i] = (float)kg_rng_normal(&g);
    draw_points(&g, centres, &o, vecs, o.n);
    draw_points(&g, centres, &o, queries, o.n_queries);
    if (write_file(o.out_dir, "vectors.f32", vecs, o.n * o.dim * sizeof *vecs) != 0 ||
        write_file(o.out_dir, "queries.f32", queries, o.n_queries * o.dim * sizeof *queries) != 0)
        goto out;
    printf("nous kernel=%s threads=%d n=%zu dim=%zu queries=%zu k=%zu centres=%zu noise=%g seed=%llu "
           "repeat=%d\n",
           nn_blas_kernel(), nn_blas_threads(), o.n, o.dim, o.n_queries, o.k, o.n_centres, o.noise,
           (unsigned long long)o.seed, o.repeat);
    fflush(stdout);
    if (bench_metric(&o, NN_COSINE, vecs, queries) == 0 && bench_metric(&o, NN_L2, vecs, queries) == 0)
        rc = 0;
out:
    kg_free(centres), kg_free(vecs), kg_free(queries);
    return rc;
}
