/* neural/internal.h: what the files of neural/ share: a model (its parameters and its table of
 * functions, NnModelOps), the BLAS set-up and the vectorised loops. Random numbers come from
 * kg/rng.h.
 * A model file (distmult.c, complex.c, transe.c, rotate.c) fills one NnModelOps; train.c and
 * model.c know models only through it, so a fifth model is one new file and a line in
 * model.c's list. */
#ifndef NOUS_NN_INTERNAL_H
#define NOUS_NN_INTERNAL_H

#include "nn.h"
#include "kg/rng.h"

#include <math.h>
#include <stddef.h>

/* ---------------------------------------------------------------- models */

typedef struct NnModel NnModel;

typedef struct {
    const char *name;
    /* Floats per entity row and per relation row for the dimension a user gives. */
    size_t (*entity_width)(size_t dim);
    size_t (*relation_width)(size_t dim);
    /* 1: score(h, r, t) = <query(h, r), e_t>, so scoring a batch against every entity is one
     * sgemm and training is 1-vs-all with softmax cross-entropy; 0: a distance model,
     * trained with self-adversarial negative sampling. */
    int dot_product;
    /* Initial rows (entities, then relations), drawn from g. */
    void (*init)(NnModel *m, KgRng *g, double scale);

    /* The query vector q (entity_width floats) of one query row: for dot-product models
     * score(h, r, t) = <q, e_t>, for distance models score = gamma - distance(q, e_t). */
    void (*query)(const NnModel *m, const float *anchor, const float *rel, float *q);
    /* Adds the gradient through q given dL/dq = dq: into d_anchor and d_rel. */
    void (*query_backward)(const NnModel *m, const float *anchor, const float *rel, const float *dq,
                           float *d_anchor, float *d_rel);
    /* Dot-product models: the N3 regulariser of a row (sum of cubed moduli) times scale, adding
     * its gradient into dx; entity rows and relation rows alike (width floats). */
    double (*n3)(const float *x, size_t width, float scale, float *dx);

    /* Distance models: gamma - distance(q, t), higher is better. */
    float (*score)(const NnModel *m, const float *q, const float *t);
    /* Adds g * d score / d(q, t) into dq and dt. */
    void (*score_backward)(const NnModel *m, const float *q, const float *t, float g, float *dq, float *dt);
    /* Keeps a relation row valid after an update (RotatE: phases in range); may be NULL. */
    void (*project)(const NnModel *m, float *rel);
} NnModelOps;

struct NnModel {
    const NnModelOps *ops;
    size_t n_entities;
    size_t n_relations; /* rows: the dataset's relations, then their reciprocals */
    size_t dim, entity_width, relation_width;
    float *ent, *rel;   /* n_entities x entity_width, n_relations x relation_width */
    float gamma;        /* distance models: the margin */
};

extern const NnModelOps nn_distmult, nn_complex, nn_transe, nn_rotate;

/* The model called name, NULL when unknown. */
const NnModelOps *nn_model_ops(const char *name);
/* Initial rows shared by the models: every entity and relation value scale * N(0, 1), or
 * uniform in [-scale, scale]; n values of x uniform in [-bound, bound]. */
void nn_init_normal(NnModel *m, KgRng *g, double scale);
void nn_init_uniform(NnModel *m, KgRng *g, double scale);
void nn_fill_uniform(float *x, size_t n, KgRng *g, double bound);
/* A model with its rows allocated (uninitialised); NULL when out of memory. */
NnModel *nn_model_new(const NnModelOps *ops, size_t n_entities, size_t n_relations, size_t dim);

static inline float *nn_ent(const NnModel *m, uint32_t e) { return m->ent + (size_t)e * m->entity_width; }
static inline float *nn_rel(const NnModel *m, uint32_t r) { return m->rel + (size_t)r * m->relation_width; }

/* ---------------------------------------------------------------- BLAS */

/* FTZ and DAZ on the calling thread. */
void nn_blas_flush_to_zero(void);
/* C = op(A) op(B) + beta C, row-major (op: transposed when trans_*), counting its time and
 * work for nn_sgemm_counters. */
void nn_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
              const float *b, size_t ldb, float beta, float *c, size_t ldc);
/* y = A x for a row-major m x n matrix A: one pass over A, where an sgemm of one row would
 * first copy (pack) all of A. */
void nn_sgemv(size_t m, size_t n, const float *a, size_t lda, const float *x, float *y);
/* Seconds in nn_sgemm and GFLOP it did since the last reset; reset when asked. */
void nn_sgemm_counters(double *seconds, double *gflop, int reset);

/* ---------------------------------------------------------------- vector loops (vecmath.c) */

/* A function compiled for AVX2 + FMA and for baseline x86-64, chosen at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NN_VECTOR_CLONES
#endif

/* Softmax of a row in place, each entry then multiplied by times; returns the log-partition
 * log(sum e^row) (for the cross-entropy). */
double nn_softmax_row(float *row, size_t n, float times);
/* Adagrad over n floats: sum += g^2, x -= lr g / (sqrt(sum) + eps); g is zeroed. */
void nn_adagrad(float *restrict x, float *restrict sum, float *restrict g, size_t n, float lr);

#endif
