/* neural/nn.h: the neural side's contract. Knowledge-graph embeddings (TransE, DistMult,
 * ComplEx, RotatE) trained on a dataset of triples over dense ids, filtered link-prediction
 * evaluation, and the OpenBLAS set-up they run on. Other modules include only this header
 * and kg/kg.h; neural/ uses kg and never the reasoner. */
#ifndef NOUS_NN_H
#define NOUS_NN_H

#include "kg/kg.h"

#include <stdint.h>

/* ---------------------------------------------------------------- datasets (dataset.c) */

/* A triple over dense ids: entities 0..n_entities-1, relations 0..n_relations-1. In queries a
 * relation id r + n_relations stands for r's reciprocal (t, r⁻¹, h). */
typedef struct {
    uint32_t h, r, t;
} NnTriple;

typedef struct {
    size_t n_entities, n_relations;
    char **entity_names, **relation_names; /* as read (a benchmark's names, or terms as text) */
    KgTermId *entity_terms, *relation_terms; /* the store's ids, or NULL for a benchmark folder */
    NnTriple *train, *valid, *test;
    size_t n_train, n_valid, n_test;
} NnDataset;

/* Reads a benchmark folder: train.txt, valid.txt and test.txt, one "head<TAB>relation<TAB>tail"
 * per line. Ids are given in order of first appearance (train, then valid, then test). A bad
 * line fails with KG_ERR_SYNTAX at FILE:LINE. */
KgStatus nn_dataset_read_dir(const char *dir, NnDataset **out, KgError *err);
void nn_dataset_free(NnDataset *d);

/* ---------------------------------------------------------------- evaluation (eval.c) */

/* Scores every entity as the answer to each of n queries (anchor[i], rel[i], ?), rel[i] in
 * 0..2*n_relations-1 (reciprocal relations answer head queries): out is n rows of n_entities
 * floats, higher is better. */
typedef KgStatus (*NnScoreFn)(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n,
                              float *out, KgError *err);

typedef struct {
    double mrr, hits1, hits3, hits10;
    size_t n_queries; /* 2 per evaluated triple: its tail and its head */
    double seconds;
} NnMetrics;

/* Filtered link prediction, the standard protocol: for each triple (h, r, t) of `triples`, the
 * rank of t among all entities for (h, r, ?) and of h for (t, r⁻¹, ?), every other entity that
 * makes a true triple of train, valid or test (d's) left out. A tie counts at its mean
 * position (realistic rank: 1 + #better + #tied/2); a NaN score ranks last. `batch` queries
 * are scored at a time. Ctrl-C stops it with KG_ERR_INTERRUPTED. */
KgStatus nn_evaluate(const NnDataset *d, const NnTriple *triples, size_t n, NnScoreFn score,
                     void *ctx, size_t batch, NnMetrics *out, KgError *err);

/* ---------------------------------------------------------------- plots (plot.c) */

/* Writes a standalone SVG of training per epoch: loss (left axis) and validation MRR (right
 * axis, 0..1; NaN where not measured), titled `title`. KG_ERR_IO naming the file on failure. */
KgStatus nn_plot_training(const char *path, const char *title, const double *loss,
                          const double *valid_mrr, size_t n_epochs, KgError *err);

#endif
