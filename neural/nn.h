/* neural/nn.h: the neural side's contract. Knowledge-graph embeddings (TransE, DistMult,
 * ComplEx, RotatE) trained on a dataset of triples over dense ids (kg/linkpred.h, which also
 * evaluates them), and the OpenBLAS set-up they run on. Other modules include only this header
 * and kg/kg.h; neural/ uses kg and never the reasoner. */
#ifndef NOUS_NN_H
#define NOUS_NN_H

#include "kg/kg.h"
#include "kg/linkpred.h"

#include <stdint.h>

/* ---------------------------------------------------------------- models, training */

/* A trained model: its entity and relation rows and its scoring functions (model.c). */
typedef struct NnModel NnModel;

/* The model names, NULL-terminated: "transe", "distmult", "complex", "rotate". */
const char *const *nn_model_names(void);
const char *nn_model_name(const NnModel *m);
void nn_model_free(NnModel *m);
/* An KgLinkScoreFn whose ctx is an NnModel: dot-product models score a batch with one sgemm. */
KgStatus nn_model_score(void *model, const uint32_t *anchor, const uint32_t *rel, size_t n,
                        float *out, KgError *err);

/* Saves model m, trained on d (a store's dataset: its terms), as the embedding set `name`
 * with `settings` (JSON text), replacing one of that name (model_store.c). */
KgStatus nn_model_save(KgStore *store, const NnModel *m, const KgLinkDataset *d, const char *name,
                       const char *settings, KgError *err);
/* Loads the set `name` as a model: entity i is the set's entity i (kg_embedding_entity), relation
 * i its relation i, and relation n + i that one's reciprocal. *emb (to free after the model is
 * no longer needed) gives the terms. */
KgStatus nn_model_load(KgStore *store, const char *name, NnModel **out, KgEmbedding **emb,
                       KgError *err);

/* One epoch, as reported to the progress callback. */
typedef struct {
    size_t epoch;              /* from 1 */
    double loss;               /* mean training loss */
    double valid_mrr;          /* filtered MRR on validation, NaN when not measured */
    double seconds;            /* the epoch's training time (not validation) */
    double queries_per_second; /* training queries (a triple and its reciprocal) a second */
} NnEpoch;

typedef struct {
    const char *model;   /* one of nn_model_names() */
    size_t dim;          /* rank: complex components for ComplEx and RotatE, reals otherwise */
    size_t epochs, batch;
    double lr, reg;      /* learning rate; N3 weight (dot-product models) */
    double init_scale;   /* initial rows ~ init_scale * N(0, 1) */
    size_t negatives;    /* distance models: negatives per query */
    double temperature;  /* distance models: self-adversarial temperature (alpha) */
    double gamma;        /* distance models: the margin */
    uint64_t seed;
    int threads;         /* OpenBLAS threads; < 1: one per CPU, or one for a small graph */
    size_t eval_every;   /* validation MRR every so many epochs */
    size_t patience;     /* stop after so many validations without a better MRR (0: never) */
    size_t valid_max;    /* validation triples used (0: all) */
    void (*progress)(void *ctx, const NnEpoch *epoch);
    void *progress_ctx;
} NnTrainOptions;

/* Good settings for `model` on dataset d (its size picks some). KG_ERR_ARG for an unknown
 * model, naming the known ones. */
KgStatus nn_train_defaults(const char *model, const KgLinkDataset *d, NnTrainOptions *opt, KgError *err);

typedef struct {
    size_t epochs_run, best_epoch;
    double best_valid_mrr;
    double seconds;                     /* training, validation excluded */
    double sgemm_seconds, sgemm_gflop;  /* time in sgemm and the work it did */
    double *loss, *valid_mrr;           /* per epoch run; nn_train_report_free frees them */
} NnTrainReport;

/* Trains a model on d's training triples (each with its reciprocal), keeping the parameters
 * of the epoch with the best validation MRR. Ctrl-C stops it with KG_ERR_INTERRUPTED. */
KgStatus nn_train(const KgLinkDataset *d, const NnTrainOptions *opt, NnModel **out, NnTrainReport *rep,
                  KgError *err);
void nn_train_report_free(NnTrainReport *rep);

/* ---------------------------------------------------------------- nearest neighbours (knn.c) */

/* Similarity of two vectors: cosine, dot product, or Euclidean distance (reported negated,
 * so higher is nearer for all three). */
typedef enum { NN_COSINE, NN_DOT, NN_L2 } NnMetric;
const char *const *nn_metric_names(void); /* "cosine", "dot", "l2", NULL: in NnMetric order */

/* An exact index over n vectors of `width` floats (copied). */
typedef struct NnIndex NnIndex;
KgStatus nn_index_new(const float *vecs, size_t n, size_t width, NnMetric metric, NnIndex **out, KgError *err);
void nn_index_free(NnIndex *ix);
/* The k most similar vectors to each of n_queries queries (width floats each), best first:
 * query i's are ids[i*k ..] with their similarity in scores[i*k ..], n_found[i] of them (k, or
 * fewer vectors than k). The first 8 of exclude (row ids, n_exclude of them) are never
 * returned (the query's own row, an analogy's terms). Scores come from sgemm over blocks (an
 * sgemv a query below 20 queries), then a partial selection per query. Ctrl-C stops it with
 * KG_ERR_INTERRUPTED. */
KgStatus nn_index_search(NnIndex *ix, const float *queries, size_t n_queries, size_t k, const uint32_t *exclude,
                         size_t n_exclude, uint32_t *ids, float *scores, size_t *n_found, KgError *err);

/* ---------------------------------------------------------------- PCA (pca.c) */

/* Principal component analysis of n rows of `width` floats (row-major x): the rows are
 * centred and projected on the n_components directions of largest variance, best first,
 * into out (n x n_components, row-major). explained (may be NULL) gets each component's share
 * of the total variance (0..1; the shares of all `width` components sum to 1). Each
 * component's sign is fixed: its loading of largest magnitude (the first, among loadings
 * within a relative 1e-9 of it) is positive, so the same rows give the same picture. Rows
 * that are all equal have no variance: out and explained are then all 0. KG_ERR_ARG for
 * fewer than 2 rows, n_components not in 1..width, or values that are not finite;
 * KG_ERR_INTERRUPTED on Ctrl-C. On error out and explained hold nothing useful. */
KgStatus nn_pca(const float *x, size_t n, size_t width, size_t n_components, float *out,
                double *explained, KgError *err);

/* ---------------------------------------------------------------- plots (plot.c, scatter.c) */

/* A scatter plot: n points (xy: x0, y0, x1, y1, ...; non-finite ones are left out), each
 * drawn as a circle with labels[i] as its <title>, shown on hover (labels, or one of them,
 * may be NULL: no title). Without `group` all points have one colour and there is no legend;
 * with it point i is in group group[i] < n_groups, named group_names[group[i]]: groups 0 to
 * NN_SCATTER_COLORS - 1 get a colour each (Tableau 10), the others share a grey that the
 * legend calls "other: K groups", and the legend gives each group's size. Titles may be
 * NULL (no axis title). */
#define NN_SCATTER_COLORS 9
typedef struct {
    const char *title, *x_title, *y_title;
    const float *xy;
    size_t n;
    const char *const *labels;
    const uint32_t *group;
    const char *const *group_names;
    size_t n_groups;
} NnScatter;

/* Writes plot p as a standalone SVG at path (atomically, as nn_plot_training). KG_ERR_ARG for
 * points without coordinates, a group out of range or without a name; KG_ERR_IO naming the
 * file. */
KgStatus nn_plot_scatter(const char *path, const NnScatter *p, KgError *err);

/* Writes a standalone SVG of training per epoch: loss (left axis) and validation MRR (right
 * axis, 0..1; NaN where not measured), titled `title`. KG_ERR_IO naming the file on failure. */
KgStatus nn_plot_training(const char *path, const char *title, const double *loss,
                          const double *valid_mrr, size_t n_epochs, KgError *err);

/* ---------------------------------------------------------------- OpenBLAS (blas.c) */

/* First thing in main: when OpenBLAS loaded a kernel below what this CPU runs (and the user
 * did not set OPENBLAS_CORETYPE), sets that variable and executes the program again with the
 * same arguments; returns (doing nothing) otherwise. */
void nn_blas_prepare(char **argv);
/* The kernel OpenBLAS runs ("Zen", "SkylakeX", ...). */
const char *nn_blas_kernel(void);
/* OpenBLAS's threads: n, or one per CPU when n < 1. nous runs no threads of its own beside. */
void nn_blas_set_threads(int n);
int nn_blas_threads(void);
/* GFLOP/s of an n x n x n sgemm, the best of a few, on the current threads. */
double nn_blas_peak_gflops(size_t n);

#endif
