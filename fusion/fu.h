/* fusion/fu.h: the fusion module's contract. Symbolic evidence (the rules that predict a
 * triple, with their weights) and learned evidence (an embedding model's score, calibrated)
 * become one probability that a candidate answers a query, by a small model fit on held-out
 * triples; each fused prediction keeps the evidence it came from, so it can be explained.
 *
 * The layer sees evidence through one interface, FuSource: a source turns queries over a
 * dataset's dense ids (kg/linkpred.h) into a few numeric features for every entity. It knows
 * nothing of how a model or a rule computes them: a new kind of evidence is one new source.
 * fusion/ uses kg, reasoner and neural; repl/ sits on it. */
#ifndef NOUS_FU_H
#define NOUS_FU_H

#include "kg/kg.h"
#include "kg/linkpred.h"
#include "neural/nn.h"
#include "reasoner/rs.h"

#include <stdint.h>

/* ---------------------------------------------------------------- evidence sources */

#define FU_MAX_FEATURES 8 /* per source */
#define FU_MAX_SOURCES 4  /* per model */

/* One kind of evidence. features() writes, for each of n queries (anchor[i], rel[i], ?) (rel
 * in 0..2 n_relations - 1, as in kg/linkpred.h), n_features rows of n_entities floats: query
 * i's feature f of entity e is out[(i * n_features + f) * n_entities + e]. Feature 0 is the
 * source's own ranking score (higher is better); an entity the source has nothing to say
 * about has every feature 0 but feature 0, which is then below every entity it does speak
 * for. free(ctx) releases the source (free may be NULL). */
typedef struct {
    const char *name;
    size_t n_features;
    const char *feature_names[FU_MAX_FEATURES];
    void *ctx;
    KgStatus (*features)(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                         KgError *err);
    void (*free)(void *ctx);
} FuSource;

void fu_source_free(FuSource *s); /* calls s->free(s->ctx); NULL or zeroed does nothing */

/* Embedding evidence (embed_source.c): model m scores every entity of d. Features: the score
 * calibrated per query relation (Platt scaling, the logit of P(true) against corrupted
 * triples, fit on `calib`, n_calib held-out triples with seed), and the reciprocal of the
 * entity's rank among the model's scores. m and d must outlive the source. */
KgStatus fu_embed_source_new(NnModel *m, const KgLinkDataset *d, const KgLinkTriple *calib, size_t n_calib,
                             uint64_t seed, FuSource *out, KgError *err);
/* The source's calibration for query relation rel: the logit of a raw score x is a x + b. */
void fu_embed_platt(const FuSource *s, uint32_t rel, double *a, double *b);

/* Rule evidence (rules_source.c): the rules of ranker k (reasoner/rank.c) applied to d's
 * queries. Features: the reciprocal of the candidate's place in the rules' own order, whether
 * any rule predicts it, the logit of its best rule's weight, the logit of the noisy-or of its
 * rules' weights, and the log of how many rules predict it. k must have been made with d
 * (rs_ranker_new), whose entities it maps terms to; k and d must outlive the source;
 * the source applies every rule to each query (no early stop), so every candidate's evidence
 * is complete. */
KgStatus fu_rules_source_new(RsRanker *k, const KgLinkDataset *d, FuSource *out, KgError *err);

/* ---------------------------------------------------------------- the fusion model (model.c) */

/* How the sources' features combine into one logit: the same weights for every relation, or
 * weights per query relation drawn toward the shared ones (a relation with few held-out
 * triples keeps about the shared weights). */
typedef enum { FU_SHARED, FU_PER_RELATION } FuKind;

typedef struct {
    size_t max_triples;   /* held-out triples used to fit (0: all) */
    size_t candidates;    /* per query, the best so many of each source compete with the answer */
    uint64_t seed;        /* corrupted triples for calibration */
    void (*progress)(void *ctx, const char *stage, size_t done, size_t total);
    void *progress_ctx;
} FuFitOptions;

void fu_fit_defaults(FuFitOptions *o);

typedef struct {
    FuKind kind;                 /* picked on held-out triples */
    /* MRR among the candidates of the second half of the fitting triples, fit on the first:
     * each source alone (its feature 0), the shared weights, the per-relation weights */
    double mrr_alone[FU_MAX_SOURCES], mrr_shared, mrr_per_relation;
    double ridge;                /* per relation: the pull toward the shared weights picked */
    size_t n_triples, n_queries; /* fit on */
    double platt_a, platt_b;     /* P(true) = sigmoid(a * logit + b) */
    double seconds;
} FuFitReport;

typedef struct FuModel FuModel;

/* Fits the fusion of sources src[0 .. n_src) on triples (held out from what the sources
 * learned from) of dataset d: the weights by the conditional likelihood of each query's
 * answer among its candidates (a listwise logistic regression, solved by Newton's method),
 * shared or per relation as measured on a split of the triples, then one Platt scaling that
 * makes the fused logit a probability against corrupted triples. The sources are kept, not
 * owned: they must outlive the model. Ctrl-C stops it with KG_ERR_INTERRUPTED. */
KgStatus fu_model_fit(FuSource *const *src, size_t n_src, const KgLinkDataset *d, const KgLinkTriple *triples, size_t n,
                      const FuFitOptions *o, FuModel **out, FuFitReport *rep, KgError *err);
void fu_model_free(FuModel *m);

/* A KgLinkScoreFn (ctx: a FuModel): every entity's fused logit, higher is better. */
KgStatus fu_model_score(void *model, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                        KgError *err);

/* The fused probability of a logit. */
double fu_model_probability(const FuModel *m, double logit);

/* One candidate's evidence for query (anchor, rel, ?): each source's features and the part of
 * the logit they bring (the model's sources, in the order given to fu_model_fit). */
typedef struct {
    double logit, probability;
    double features[FU_MAX_SOURCES][FU_MAX_FEATURES];
    double contribution[FU_MAX_SOURCES]; /* weights . features */
} FuEvidence;

/* The best k candidates of query (anchor, rel, ?) by fused logit, best first, into ids[0 ..
 * *n_out) with their evidence (ev may be NULL). exclude (may be NULL) lists answers to pass
 * over (e.g. triples already known) as a filter does. */
KgStatus fu_model_top(FuModel *m, uint32_t anchor, uint32_t rel, size_t k, const KgLinkFilter *exclude,
                      uint32_t *ids, FuEvidence *ev, size_t *n_out, KgError *err);
/* The evidence of one candidate. */
KgStatus fu_model_evidence(FuModel *m, uint32_t anchor, uint32_t rel, uint32_t answer, FuEvidence *ev,
                           KgError *err);
/* The weights of source i's features for query relation rel (n_features of them). */
const double *fu_model_weights(const FuModel *m, uint32_t rel, size_t source);
size_t fu_model_n_sources(const FuModel *m);
const FuSource *fu_model_source(const FuModel *m, size_t i);

/* ---------------------------------------------------------------- calibration (calibrate.c) */

/* Platt scaling: a, b such that sigmoid(a x + b) fits labels y (0/1) with weights w (NULL:
 * 1), by Newton's method on the logistic loss with a small ridge toward (prior_a, prior_b)
 * of strength `ridge`. */
void fu_platt_fit(const double *x, const uint8_t *y, const double *w, size_t n, double prior_a, double prior_b,
                  double ridge, double *a, double *b);

/* Expected calibration error of probabilities p against labels y over `bins` equal-width
 * bins: sum over bins of (share of the examples) * |mean p - share of positives|. */
double fu_ece(const double *p, const uint8_t *y, size_t n, size_t bins);

typedef struct {
    double ece;             /* fused probability, test triples against corrupted ones (1:1) */
    double ece_embed;       /* the calibrated embedding probability alone, same examples */
    double brier;           /* mean (p - y)^2 of the fused probability */
    size_t n_examples;
} FuCalibration;

/* Measures the calibration of m on triples: each of their queries' answer, and one corrupted
 * answer for each (drawn with seed, never a known true one). Source `embed` (SIZE_MAX: none)
 * is an embedding source, whose own calibrated probability is measured beside. */
KgStatus fu_model_calibration(FuModel *m, size_t embed, const KgLinkTriple *triples, size_t n, uint64_t seed,
                              FuCalibration *out, KgError *err);

#endif
