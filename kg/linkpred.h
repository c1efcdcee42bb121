/* kg/linkpred.h: the common ground of link prediction. A dataset of triples over dense ids
 * (a benchmark folder, or a store's links), and the filtered ranking protocol that measures
 * any predictor on it: the embeddings of neural/ and the mined rules of reasoner/ are scored
 * by this one implementation, so their figures compare. */
#ifndef NOUS_KG_LINKPRED_H
#define NOUS_KG_LINKPRED_H

#include "kg.h"

#include <stdint.h>

/* ---------------------------------------------------------------- datasets (link_dataset.c, link_store.c) */

/* A triple over dense ids: entities 0..n_entities-1, relations 0..n_relations-1. In queries a
 * relation id r + n_relations stands for r's reciprocal (t, r⁻¹, h). */
typedef struct {
    uint32_t h, r, t;
} KgLinkTriple;

typedef struct {
    size_t n_entities, n_relations;
    char **entity_names, **relation_names; /* as read (a benchmark's names, or terms as text) */
    KgTermId *entity_terms, *relation_terms; /* the store's ids, or NULL for a benchmark folder */
    KgLinkTriple *train, *valid, *test;
    size_t n_train, n_valid, n_test;
} KgLinkDataset;

/* Reads a benchmark folder: train.txt, valid.txt and test.txt, one "head<TAB>relation<TAB>tail"
 * per line. Ids are given in order of first appearance (train, then valid, then test). A bad
 * line fails with KG_ERR_SYNTAX at FILE:LINE. */
KgStatus kg_link_read_dir(const char *dir, KgLinkDataset **out, KgError *err);
void kg_link_dataset_free(KgLinkDataset *d);
/* The store's asserted triples whose object is not a literal, over dense ids (entities and
 * relations in ascending term id order, entity_terms/relation_terms set, names NULL); a
 * share `valid_share` of them, drawn with `seed`, is held out as validation; test is empty
 * (link_store.c). */
KgStatus kg_link_from_store(KgStore *store, double valid_share, uint64_t seed, KgLinkDataset **out,
                               KgError *err);

/* ---------------------------------------------------------------- evaluation (link_eval.c) */

/* Scores every entity as the answer to each of n queries (anchor[i], rel[i], ?), rel[i] in
 * 0..2*n_relations-1 (reciprocal relations answer head queries): out is n rows of n_entities
 * floats, higher is better. */
typedef KgStatus (*KgLinkScoreFn)(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n,
                              float *out, KgError *err);

typedef struct {
    double mrr, hits1, hits3, hits10;
    size_t n_queries; /* 2 per evaluated triple: its tail and its head */
    double seconds;
} KgLinkMetrics;

/* Filtered link prediction, the standard protocol: for each triple (h, r, t) of `triples`, the
 * rank of t among all entities for (h, r, ?) and of h for (t, r⁻¹, ?), every other entity that
 * makes a true triple of train, valid or test (d's) left out. A tie counts at its mean
 * position (realistic rank: 1 + #better + #tied/2); a NaN score ranks last. `batch` queries
 * are scored at a time. Ctrl-C stops it with KG_ERR_INTERRUPTED. */
KgStatus kg_link_evaluate(const KgLinkDataset *d, const KgLinkTriple *triples, size_t n, KgLinkScoreFn score,
                     void *ctx, size_t batch, KgLinkMetrics *out, KgError *err);

/* The known answers of the protocol's queries: every triple of d's train, valid and test as
 * (h, r, ?) -> t and (t, r + n_relations, ?) -> h. Other modules use it to leave true triples
 * out of what they treat as false (corrupted triples, a model's negative candidates). */
typedef struct KgLinkFilter KgLinkFilter;
KgStatus kg_link_filter_new(const KgLinkDataset *d, KgLinkFilter **out, KgError *err);
void kg_link_filter_free(KgLinkFilter *f);
/* 1 when `answer` is a known answer of (anchor, rel, ?). */
int kg_link_filter_has(const KgLinkFilter *f, uint32_t anchor, uint32_t rel, uint32_t answer);

#endif
