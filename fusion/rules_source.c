/* fusion/rules_source.c: mined (or written) rules as evidence. The ranker of reasoner/rank.c
 * applies every rule whose head fits the query and keeps, per candidate, its place in the
 * rules' own order (maximum aggregation: with noisy-or as the order, Kinship's fused test MRR
 * fell 2 points below the embedding's while valid rose; with maximum it is above both) and the
 * weights of the rules that predict it; those become features:
 *   0  1 / place          the rules' ranking (maximum aggregation breaks ties by the next
 *                         best rules, a finer order than any one weight)
 *   1  fired              1 when a rule predicts the candidate
 *   2  best weight        logit of the best rule's weight (its confidence)
 *   3  noisy-or           logit of 1 - prod (1 - weight) over the rules kept
 *   4  rules              log of how many rules predict it
 * An entity no rule predicts has every feature 0. */
#include "fu.h"

#include <math.h>
#include <string.h>

typedef struct {
    RsRanker *k;
    const KgLinkDataset *d;
} RulesSource;

static void rules_free(void *ctx) { kg_free(ctx); }

static double logit(double p)
{
    if (p < 1e-6) p = 1e-6;
    if (p > 1 - 1e-6) p = 1 - 1e-6;
    return log(p / (1 - p));
}

static KgStatus rules_features(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                               KgError *err)
{
    RulesSource *r = ctx;
    const KgLinkDataset *d = r->d;
    size_t N = d->n_entities, R = d->n_relations;
    for (size_t q = 0; q < n; q++) {
        float *f = out + q * 5 * N;
        memset(f, 0, 5 * N * sizeof *f);
        int bound_object = rel[q] >= R;
        KgStatus s = rs_ranker_query(r->k, d->entity_terms[anchor[q]], d->relation_terms[bound_object ? rel[q] - R : rel[q]],
                                     bound_object, err);
        if (s != KG_OK) return s;
        size_t n_c = rs_ranker_n_candidates(r->k);
        for (size_t i = 0; i < n_c; i++) {
            RsCandidate c;
            uint32_t e;
            rs_ranker_candidate(r->k, i, &c);
            if (!c.n_rules || !rs_ranker_entity(r->k, c.term, &e)) continue;
            double keep = 1;
            for (size_t j = 0; j < c.n_rules; j++) keep *= 1 - c.weights[j];
            f[e] = 1.0f / (float)c.place;
            f[N + e] = 1;
            f[2 * N + e] = (float)logit(c.weights[0]);
            f[3 * N + e] = (float)logit(1 - keep);
            f[4 * N + e] = (float)log((double)c.n_rules);
        }
    }
    return KG_OK;
}

KgStatus fu_rules_source_new(RsRanker *k, const KgLinkDataset *d, FuSource *out, KgError *err)
{
    memset(out, 0, sizeof *out);
    if (!d->entity_terms || !d->relation_terms)
        return kg_error_set(err, KG_ERR_ARG, "rule evidence needs a dataset over the store's terms");
    RulesSource *r = kg_calloc(1, sizeof *r);
    if (!r) return kg_error_set(err, KG_ERR_NOMEM, "out of memory for the rule evidence");
    r->k = k, r->d = d;
    rs_ranker_set_window(k, 0);
    rs_ranker_set_aggregation(k, RS_AGG_MAX);
    *out = (FuSource){.name = "rules",
                      .n_features = 5,
                      .feature_names = {"1 / place", "fired", "best weight (logit)", "noisy-or (logit)", "log rules"},
                      .ctx = r,
                      .features = rules_features,
                      .free = rules_free};
    return KG_OK;
}
