/* reasoner/rank.c: link prediction by rules. A query (x, p, ?) asks every rule whose head
 * predicate is p what it concludes once the head's subject is x (and (?, p, x) once its object
 * is x), through the engine's goal-directed joins (rs_querier_answers): the rules are applied
 * to the store's triples once, as AnyBURL applies them. The candidates are then ordered by
 *   - maximum aggregation (AnyBURL's): the best weight of a rule that predicts a candidate,
 *     ties broken by its second best, and so on (the first MAX_KEPT weights);
 *   - or noisy-or: 1 - prod (1 - weight) over the rules that predict it.
 * The order becomes scores for the shared evaluator (kg/linkpred.h): candidates in the same
 * place tie, and every entity no rule predicts scores 0, below them all. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEPT 8

typedef struct {
    uint32_t entity;
    uint32_t n;
    double w[MAX_KEPT];
    double noisy; /* prod (1 - weight) */
} Candidate;

struct RsRanker {
    RsQuerier *q;
    const RsProgram *p;
    const KgLinkDataset *d;
    RsAggregation agg;
    KgTermId anchor;       /* the query's entity: never its own answer (AnyBURL's object identity) */
    size_t *rules_of;      /* per relation: its rules, best weight first: rules[rules_at[r] ..] */
    size_t *rules_at;      /* n_relations + 1 */
    /* term id -> entity (open addressing over the entity terms) */
    KgTermId *map_keys;
    uint32_t *map_vals;
    size_t map_cap;
    /* per query */
    uint32_t *seen_rule;   /* per entity: the last rule run that predicted it */
    uint32_t *slot;        /* per entity: its candidate index + 1 in this query, 0 none */
    uint32_t rule_run;
    Candidate *cands;
    size_t n_cands;
    size_t current_rule;
    KgStatus status;
};

static size_t map_home(KgTermId t, size_t cap) { return (size_t)((t * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1); }

static int map_get(const RsRanker *k, KgTermId t, uint32_t *out)
{
    for (size_t at = map_home(t, k->map_cap);; at = (at + 1) & (k->map_cap - 1)) {
        if (!k->map_keys[at]) return 0;
        if (k->map_keys[at] == t) {
            *out = k->map_vals[at];
            return 1;
        }
    }
}

void rs_ranker_free(RsRanker *k)
{
    if (!k) return;
    rs_querier_free(k->q);
    kg_free(k->rules_of), kg_free(k->rules_at), kg_free(k->map_keys), kg_free(k->map_vals);
    kg_free(k->seen_rule), kg_free(k->slot), kg_free(k->cands);
    kg_free(k);
}

typedef struct {
    double weight;
    size_t rule;
} Weighted;

static int by_weight(const void *pa, const void *pb)
{
    const Weighted *a = pa, *b = pb;
    if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
    return (a->rule > b->rule) - (a->rule < b->rule);
}

KgStatus rs_ranker_new(KgStore *store, RsProgram *p, const KgLinkDataset *d, RsAggregation agg,
                       RsRanker **out, KgError *err)
{
    *out = NULL;
    if (!d->entity_terms || !d->relation_terms)
        return kg_error_set(err, KG_ERR_ARG, "ranking by rules needs the dataset's terms in the store");
    RsRanker *k = kg_calloc(1, sizeof *k);
    if (!k) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    k->p = p, k->d = d, k->agg = agg;
    KgStatus s = rs_querier_open(store, p, &k->q, err);
    if (s != KG_OK) goto out;
    size_t R = d->n_relations, N = d->n_entities;
    k->rules_at = kg_calloc(R + 1, sizeof *k->rules_at);
    k->rules_of = kg_malloc((p->n_rules ? p->n_rules : 1) * sizeof *k->rules_of);
    size_t *rel_of = kg_malloc((p->n_rules ? p->n_rules : 1) * sizeof *rel_of);
    for (k->map_cap = 1024; k->map_cap < 2 * (N + R + 1);) k->map_cap *= 2;
    k->map_keys = kg_calloc(k->map_cap, sizeof *k->map_keys);
    k->map_vals = kg_malloc(k->map_cap * sizeof *k->map_vals);
    k->seen_rule = kg_calloc(N + 1, sizeof *k->seen_rule);
    k->slot = kg_calloc(N + 1, sizeof *k->slot);
    k->cands = kg_malloc((N + 1) * sizeof *k->cands);
    if (!k->rules_at || !k->rules_of || !rel_of || !k->map_keys || !k->map_vals || !k->seen_rule || !k->slot ||
        !k->cands) {
        kg_free(rel_of);
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* the map: entity terms (relation terms are found by a scan: few) */
    for (uint32_t e = 0; e < N; e++) {
        KgTermId t = d->entity_terms[e];
        if (!t) continue;
        size_t at = map_home(t, k->map_cap);
        while (k->map_keys[at] && k->map_keys[at] != t) at = (at + 1) & (k->map_cap - 1);
        k->map_keys[at] = t, k->map_vals[at] = e;
    }
    /* each rule under its head predicate's relation (as the querier compiled it) */
    for (size_t i = 0; i < p->n_rules; i++) {
        rel_of[i] = SIZE_MAX;
        KgTermId pid = rs_querier_predicate(k->q, i);
        for (size_t rr = 0; pid && rr < R; rr++)
            if (d->relation_terms[rr] == pid) {
                rel_of[i] = rr;
                k->rules_at[rr + 1]++;
                break;
            }
    }
    for (size_t rr = 0; rr < R; rr++) k->rules_at[rr + 1] += k->rules_at[rr];
    size_t *fill = kg_calloc(R + 1, sizeof *fill);
    if (!fill) {
        kg_free(rel_of);
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    Weighted *order = kg_malloc((p->n_rules ? p->n_rules : 1) * sizeof *order);
    if (!order) {
        kg_free(fill), kg_free(rel_of);
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < p->n_rules; i++)
        if (rel_of[i] != SIZE_MAX) order[k->rules_at[rel_of[i]] + fill[rel_of[i]]++] = (Weighted){p->rules[i].weight, i};
    for (size_t rr = 0; rr < R; rr++)
        qsort(order + k->rules_at[rr], k->rules_at[rr + 1] - k->rules_at[rr], sizeof *order, by_weight);
    for (size_t j = 0; j < k->rules_at[R]; j++) k->rules_of[j] = order[j].rule;
    kg_free(order), kg_free(fill), kg_free(rel_of);
out:
    if (s != KG_OK) {
        rs_ranker_free(k);
        return s;
    }
    *out = k;
    return KG_OK;
}

/* One answer of the current rule: a candidate, counted once per rule. */
static void on_answer(void *ctx, KgTermId value)
{
    RsRanker *k = ctx;
    uint32_t e;
    if (value == k->anchor || !map_get(k, value, &e) || k->seen_rule[e] == k->rule_run) return;
    k->seen_rule[e] = k->rule_run;
    double w = k->p->rules[k->current_rule].weight;
    if (!k->slot[e]) {
        Candidate *c = &k->cands[k->n_cands];
        c->entity = e, c->n = 0, c->noisy = 1;
        k->slot[e] = (uint32_t)++k->n_cands;
    }
    Candidate *c = &k->cands[k->slot[e] - 1];
    if (c->n < MAX_KEPT) c->w[c->n++] = w; /* rules come best first: the list stays sorted */
    c->noisy *= 1 - w;
}

static int by_max(const void *pa, const void *pb)
{
    const Candidate *a = pa, *b = pb;
    for (uint32_t i = 0; i < MAX_KEPT; i++) {
        double x = i < a->n ? a->w[i] : -1, y = i < b->n ? b->w[i] : -1;
        if (x != y) return x > y ? -1 : 1;
    }
    return 0;
}

static int by_noisy(const void *pa, const void *pb)
{
    const Candidate *a = pa, *b = pb;
    return (a->noisy > b->noisy) - (a->noisy < b->noisy); /* smaller product: more likely */
}

KgStatus rs_ranker_score(void *ranker, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                         KgError *err)
{
    RsRanker *k = ranker;
    const KgLinkDataset *d = k->d;
    size_t N = d->n_entities, R = d->n_relations;
    for (size_t qi = 0; qi < n; qi++) {
        float *row = out + qi * N;
        memset(row, 0, N * sizeof *row);
        uint32_t l = rel[qi];
        size_t r = l < R ? l : l - R;
        int bound_object = l >= R;
        KgTermId x = d->entity_terms[anchor[qi]];
        k->anchor = x;
        k->n_cands = 0;
        if (x) {
            for (size_t j = k->rules_at[r]; j < k->rules_at[r + 1]; j++) {
                k->current_rule = k->rules_of[j];
                if (++k->rule_run == 0) { /* wrapped: forget every mark */
                    memset(k->seen_rule, 0, (N + 1) * sizeof *k->seen_rule);
                    k->rule_run = 1;
                }
                KgStatus s = rs_querier_answers(k->q, k->current_rule, bound_object, x, on_answer, k, err);
                if (s != KG_OK) {
                    for (size_t c = 0; c < k->n_cands; c++) k->slot[k->cands[c].entity] = 0;
                    return s;
                }
            }
        }
        qsort(k->cands, k->n_cands, sizeof *k->cands, k->agg == RS_AGG_MAX ? by_max : by_noisy);
        /* places: equal candidates share one; the first place scores highest */
        float score = (float)k->n_cands + 1;
        for (size_t c = 0; c < k->n_cands; c++) {
            if (c > 0 && (k->agg == RS_AGG_MAX ? by_max(&k->cands[c - 1], &k->cands[c])
                                               : by_noisy(&k->cands[c - 1], &k->cands[c])) != 0)
                score -= 1;
            row[k->cands[c].entity] = score;
            k->slot[k->cands[c].entity] = 0;
        }
    }
    return KG_OK;
}
