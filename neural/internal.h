/* neural/internal.h: what the files of neural/ share: a model (its parameters and its table of
 * functions, NnModelOps), the BLAS set-up, the vectorised loops and the SVG plots' text, axes
 * and atomic write. Random numbers come from kg/rng.h.
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
/* In double (pca.c), row-major and not counted: C = A^T A + beta C for A of k rows of n values
 * (writing only the upper triangle of the n x n C), and C = op(A) op(B) + beta C. */
void nn_dsyrk(size_t n, size_t k, const double *a, size_t lda, double beta, double *c, size_t ldc);
void nn_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, const double *a, size_t lda,
              const double *b, size_t ldb, double beta, double *c, size_t ldc);

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

/* ---------------------------------------------------------------- SVG plots (svg.c) */

/* An SVG's text and the first error met while building it: after a failure every further
 * write is skipped, so the text never has a hole in the middle and one check at the end
 * (nn_svg_write) suffices. Start from {.status = KG_OK}. */
typedef struct {
    KgBuf buf;
    KgStatus status;
} NnSvg;

/* Appends formatted text of at most 511 bytes (numbers and fixed words: text from outside
 * goes through nn_svg_put_escaped); longer is KG_ERR_INTERNAL. */
void nn_svg_out(NnSvg *svg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `text` escaped for XML character data and attribute values (& < > " '). Control
 * characters other than tab and newline are not allowed in XML 1.0, so they become spaces. */
void nn_svg_put_escaped(NnSvg *svg, const char *text);
void nn_svg_put_escaped_n(NnSvg *svg, const char *text, size_t len); /* len bytes of text */
/* The XML declaration, the <svg> root of width x height pixels (sans-serif, 12 px), its
 * <title>, a white background and the title drawn bold at the top centre. */
void nn_svg_begin(NnSvg *svg, int width, int height, const char *title);
/* Writes the SVG built in svg to `path` atomically (a temporary file next to it, renamed
 * over it; on failure none is left and `path` is as it was), or reports the error met while
 * building it; the error names `path`. Frees svg's text either way. */
KgStatus nn_svg_write(NnSvg *svg, const char *path, KgError *err);

/* A linear axis: data values lo..hi drawn from pixel px_lo to px_hi, with n_ticks ticks at
 * lo + i * step (the last one at hi), labelled with `decimals` digits after the point, or
 * when decimals < 0 in %g form with `significant` digits. */
typedef struct {
    double lo, hi, px_lo, px_hi, step;
    int n_ticks, decimals, significant;
} NnAxis;

/* An axis with about `wanted` ticks 1, 2 or 5 times a power of ten apart, spanning min..max
 * (Heckbert's nice numbers). min > max (no values) gives 0..1; equal values are widened by
 * 10% of their size (or by 0.5 around 0) so the axis has a span with them in the middle;
 * a span beyond double's range gets ticks at both ends only. */
NnAxis nn_axis_nice(double min, double max, double px_lo, double px_hi, int wanted);
/* The pixel of value v. */
double nn_axis_px(const NnAxis *a, double v);
/* The value of tick i (0 to n_ticks - 1); a tick a hair off zero is 0. */
double nn_axis_tick(const NnAxis *a, int i);
/* Tick value v as the axis labels it. */
void nn_axis_format_tick(const NnAxis *a, double v, char *text, size_t text_len);

#endif
