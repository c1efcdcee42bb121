/* reasoner/rank.c: link prediction by rules. A query (x, p, ?) asks every rule whose head
 * predicate is p what it concludes once the head's subject is x (and (?, p, x) once its object
 * is x), through the engine's goal-directed joins (rs_querier_answers): the rules are applied
 * to the store's triples once, as AnyBURL applies them. The candidates are then ordered by
 *   - maximum aggregation (AnyBURL's): the best weight of a rule that predicts a candidate,
 *     ties broken by its second best, and so on (the first RS_RANK_KEPT weights);
 *   - or noisy-or: 1 - prod (1 - weight) over the rules that predict it.
 * Rules run best first, so under maximum aggregation a candidate's weights only ever grow a
 * tail of values no larger than the next rule's: once the order of the best `window` new
 * candidates (and their lead over the rest, and over any candidate not yet seen) cannot
 * change that way, the query stops (top_settled), as AnyBURL stops once its top k is fixed.
 * One query at a time serves `nous predict` (rs_ranker_query, the candidates with the rules
 * behind each) and the benchmark protocol (rs_ranker_score: the order becomes scores for the
 * shared evaluator of kg/linkpred.h; candidates in the same place tie, and every entity no
 * rule predicts scores 0, below them all). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_EVERY 64 /* rules applied between two looks at whether the top is settled */

typedef struct {
    KgTermId term;
    int known;          /* the triple is one the rules are applied to (e.g. a training triple) */
    uint32_t n;         /* weights kept, best first */
    uint64_t last_run;  /* the last rule run that predicted it: counted once per rule */
    size_t place;       /* 1 + the candidates strictly better (ties share a place) */
    double noisy;       /* prod (1 - weight) over every rule that predicts it */
    double w[RS_RANK_KEPT];
    size_t rule[RS_RANK_KEPT];
} Candidate;

struct RsRanker {
    RsQuerier *q;
    const RsProgram *p;
    const KgLinkDataset *d;
    RsAggregation agg;
    size_t window;
    size_t max_body;    /* rules with more body atoms are not applied; 0: no limit */
    /* the rules by head predicate: preds[g] (ascending) has rules_of[rules_at[g] .. rules_at[g+1]),
     * best weight first */
    KgTermId *preds;
    size_t n_preds;
    size_t *rules_at, *rules_of;
    /* the dataset's entity terms -> entity (open addressing), for rs_ranker_score */
    KgTermId *map_keys;
    uint32_t *map_vals;
    size_t map_cap;
    /* the current query */
    KgTermId anchor;    /* never its own answer (AnyBURL's object identity) */
    KgTermId predicate;
    int bound_object;   /* asking for subjects */
    Candidate *cands;   /* in order of discovery (the slots point here) */
    size_t n_cands, cap_cands;
    const Candidate **sorted; /* best first, after sort_candidates */
    size_t cap_sorted;
    double *top;              /* top_settled's scratch: `window` best weights */
    uint32_t *slot_of;  /* term -> candidate index + 1, open addressing, tagged by query */
    KgTermId *slot_key;
    uint64_t *slot_query;
    size_t slot_cap;
    uint64_t slot_tag;  /* the tag of the live slots: a new tag empties the table */
    uint64_t rule_run;
    size_t current_rule;
    KgStatus status;
};

static size_t home(KgTermId t, size_t cap) { return (size_t)((t * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1); }

static int map_get(const RsRanker *k, KgTermId t, uint32_t *out)
{
    for (size_t at = home(t, k->map_cap);; at = (at + 1) & (k->map_cap - 1)) {
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
    kg_free(k->preds), kg_free(k->rules_of), kg_free(k->rules_at), kg_free(k->map_keys), kg_free(k->map_vals);
    kg_free(k->cands), kg_free(k->sorted), kg_free(k->top), kg_free(k->slot_of), kg_free(k->slot_key), kg_free(k->slot_query);
    kg_free(k);
}

typedef struct {
    KgTermId pred;
    double weight;
    size_t rule;
} Keyed;

static int by_pred_weight(const void *pa, const void *pb)
{
    const Keyed *a = pa, *b = pb;
    if (a->pred != b->pred) return a->pred < b->pred ? -1 : 1;
    if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
    return (a->rule > b->rule) - (a->rule < b->rule);
}

KgStatus rs_ranker_reorder(RsRanker *k, KgError *err)
{
    size_t n = k->n_preds ? k->rules_at[k->n_preds] : 0;
    Keyed *order = kg_malloc((n ? n : 1) * sizeof *order);
    if (!order) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    for (size_t g = 0; g < k->n_preds; g++)
        for (size_t j = k->rules_at[g]; j < k->rules_at[g + 1]; j++)
            order[j] = (Keyed){k->preds[g], k->p->rules[k->rules_of[j]].weight, k->rules_of[j]};
    qsort(order, n, sizeof *order, by_pred_weight);
    for (size_t j = 0; j < n; j++) k->rules_of[j] = order[j].rule;
    kg_free(order);
    return KG_OK;
}

KgStatus rs_ranker_new(KgStore *store, RsProgram *p, const KgLinkDataset *d, RsAggregation agg,
                       RsRanker **out, KgError *err)
{
    *out = NULL;
    if (d && (!d->entity_terms || !d->relation_terms))
        return kg_error_set(err, KG_ERR_ARG, "ranking by rules needs the dataset's terms in the store");
    RsRanker *k = kg_calloc(1, sizeof *k);
    if (!k) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    k->p = p, k->d = d, k->agg = agg;
    rs_ranker_set_window(k, RS_RANK_WINDOW);
    KgStatus s = rs_querier_open(store, p, &k->q, err);
    if (s != KG_OK) goto out;
    /* the rules that can answer, grouped by head predicate */
    size_t n = p->n_rules;
    Keyed *order = kg_malloc((n ? n : 1) * sizeof *order);
    k->rules_of = kg_malloc((n ? n : 1) * sizeof *k->rules_of);
    k->preds = kg_malloc((n ? n : 1) * sizeof *k->preds);
    k->rules_at = kg_calloc(n + 1, sizeof *k->rules_at);
    if (!order || !k->rules_of || !k->preds || !k->rules_at) {
        kg_free(order);
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        KgTermId pid = rs_querier_predicate(k->q, i);
        if (pid) order[m++] = (Keyed){pid, p->rules[i].weight, i};
    }
    qsort(order, m, sizeof *order, by_pred_weight);
    for (size_t j = 0; j < m; j++) {
        if (j == 0 || order[j].pred != order[j - 1].pred) {
            k->preds[k->n_preds] = order[j].pred;
            k->rules_at[k->n_preds++] = j;
        }
        k->rules_of[j] = order[j].rule;
    }
    k->rules_at[k->n_preds] = m;
    kg_free(order);
    /* the map from the dataset's entity terms */
    if (d) {
        size_t N = d->n_entities;
        for (k->map_cap = 1024; k->map_cap < 2 * (N + 1);) k->map_cap *= 2;
        k->map_keys = kg_calloc(k->map_cap, sizeof *k->map_keys);
        k->map_vals = kg_malloc(k->map_cap * sizeof *k->map_vals);
        if (!k->map_keys || !k->map_vals) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (uint32_t e = 0; e < N; e++) {
            KgTermId t = d->entity_terms[e];
            if (!t) continue;
            size_t at = home(t, k->map_cap);
            while (k->map_keys[at] && k->map_keys[at] != t) at = (at + 1) & (k->map_cap - 1);
            k->map_keys[at] = t, k->map_vals[at] = e;
        }
    }
out:
    if (s != KG_OK) {
        rs_ranker_free(k);
        return s;
    }
    *out = k;
    return KG_OK;
}

void rs_ranker_set_window(RsRanker *k, size_t window)
{
    kg_free(k->top);
    k->top = window ? kg_malloc(window * sizeof *k->top) : NULL; /* none: no early stop */
    k->window = window;
}
void rs_ranker_set_max_body(RsRanker *k, size_t max_body) { k->max_body = max_body; }
void rs_ranker_set_aggregation(RsRanker *k, RsAggregation agg) { k->agg = agg; }

/* ---------------------------------------------------------------- one query */

/* The candidate of term t in this query, made when new; NULL when out of memory. */
static Candidate *candidate(RsRanker *k, KgTermId t)
{
    if (2 * (k->n_cands + 1) > k->slot_cap) {
        size_t cap = k->slot_cap ? 2 * k->slot_cap : 256;
        uint32_t *of = kg_malloc(cap * sizeof *of);
        KgTermId *key = kg_malloc(cap * sizeof *key);
        uint64_t *qr = kg_calloc(cap, sizeof *qr);
        if (!of || !key || !qr) {
            kg_free(of), kg_free(key), kg_free(qr);
            return NULL;
        }
        for (size_t c = 0; c < k->n_cands; c++) {
            size_t at = home(k->cands[c].term, cap);
            while (qr[at] == k->slot_tag) at = (at + 1) & (cap - 1);
            of[at] = (uint32_t)c + 1, key[at] = k->cands[c].term, qr[at] = k->slot_tag;
        }
        kg_free(k->slot_of), kg_free(k->slot_key), kg_free(k->slot_query);
        k->slot_of = of, k->slot_key = key, k->slot_query = qr, k->slot_cap = cap;
    }
    size_t at = home(t, k->slot_cap);
    for (; k->slot_query[at] == k->slot_tag; at = (at + 1) & (k->slot_cap - 1))
        if (k->slot_key[at] == t) return &k->cands[k->slot_of[at] - 1];
    if (k->n_cands == k->cap_cands) {
        size_t cap = k->cap_cands ? 2 * k->cap_cands : 256;
        Candidate *c = kg_realloc(k->cands, cap * sizeof *c);
        if (!c) return NULL;
        k->cands = c, k->cap_cands = cap;
    }
    Candidate *c = &k->cands[k->n_cands];
    c->term = t, c->n = 0, c->noisy = 1, c->last_run = 0;
    c->known = k->bound_object ? rs_querier_holds(k->q, t, k->predicate, k->anchor)
                               : rs_querier_holds(k->q, k->anchor, k->predicate, t);
    k->slot_of[at] = (uint32_t)++k->n_cands, k->slot_key[at] = t, k->slot_query[at] = k->slot_tag;
    return c;
}

/* One answer of the current rule: a candidate, counted once per rule. */
static void on_answer(void *ctx, KgTermId value)
{
    RsRanker *k = ctx;
    if (value == k->anchor || k->status != KG_OK) return;
    Candidate *c = candidate(k, value);
    if (!c) {
        k->status = KG_ERR_NOMEM;
        return;
    }
    if (c->last_run == k->rule_run) return;
    c->last_run = k->rule_run;
    double w = k->p->rules[k->current_rule].weight;
    if (c->n < RS_RANK_KEPT) { /* rules come best first: the list stays sorted */
        c->w[c->n] = w, c->rule[c->n] = k->current_rule;
        c->n++;
    }
    c->noisy *= 1 - w;
}

static int by_max(const void *pa, const void *pb)
{
    const Candidate *a = pa, *b = pb;
    for (uint32_t i = 0; i < RS_RANK_KEPT; i++) {
        double x = i < a->n ? a->w[i] : -1, y = i < b->n ? b->w[i] : -1;
        if (x != y) return x > y ? -1 : 1;
    }
    return 0;
}

/* The sort's comparators, over pointers to candidates; ties in term order, for output. */
static int by_max_then_term(const void *pa, const void *pb)
{
    const Candidate *a = *(const Candidate *const *)pa, *b = *(const Candidate *const *)pb;
    int c = by_max(a, b);
    if (c) return c;
    return (a->term > b->term) - (a->term < b->term);
}

static int by_noisy_then_term(const void *pa, const void *pb)
{
    const Candidate *a = *(const Candidate *const *)pa, *b = *(const Candidate *const *)pb;
    if (a->noisy != b->noisy) return a->noisy < b->noisy ? -1 : 1; /* smaller product: more likely */
    return (a->term > b->term) - (a->term < b->term);
}

/* Equal evidence: the same place in the ranking (the sort orders ties by term, for output). */
static int same_place(const RsRanker *k, const Candidate *a, const Candidate *b)
{
    return k->agg == RS_AGG_MAX ? by_max(a, b) == 0 : a->noisy == b->noisy;
}

/* Room for n candidates in k->sorted. 0 when out of memory. */
static int reserve_sorted(RsRanker *k, size_t n)
{
    if (n <= k->cap_sorted) return 1;
    size_t cap = k->cap_sorted ? k->cap_sorted : 256;
    while (cap < n) cap *= 2;
    const Candidate **s = kg_realloc(k->sorted, cap * sizeof *s);
    if (!s) return 0;
    k->sorted = s, k->cap_sorted = cap;
    return 1;
}

/* k->sorted: the candidates best first. 0 when out of memory. */
static int sort_candidates(RsRanker *k)
{
    if (!reserve_sorted(k, k->n_cands)) return 0;
    for (size_t c = 0; c < k->n_cands; c++) k->sorted[c] = &k->cands[c];
    qsort(k->sorted, k->n_cands, sizeof *k->sorted, k->agg == RS_AGG_MAX ? by_max_then_term : by_noisy_then_term);
    return 1;
}

/* 1 when candidate a, placed before b, stays before it whatever rules of weight at most
 * w_next add to both (each adds one weight <= w_next to a candidate's tail). */
static int stays_before(const Candidate *a, const Candidate *b, double w_next)
{
    for (uint32_t i = 0; i < RS_RANK_KEPT; i++) {
        int has_a = i < a->n, has_b = i < b->n;
        if (has_a && has_b) {
            if (a->w[i] != b->w[i]) return 1;
        } else if (has_a) {
            return a->w[i] > w_next; /* b's next weight cannot reach a's */
        } else {
            return 0; /* equal so far: either may still pull ahead */
        }
    }
    return 1; /* both full: equal for good, and equal places stay equal */
}

/* 1 when the first `window` candidates that are not known triples are settled: their order,
 * and their lead over every other candidate and over any candidate not yet seen (whose best
 * weight would be at most w_next). Only the candidates whose best weight reaches the
 * window-th best new one's can be among them, so only those are sorted. */
static int top_settled(RsRanker *k, double w_next)
{
    if (!k->window || !k->top || k->n_cands <= k->window) return 0;
    /* the bar: the window-th best first weight among the new candidates, kept in top[]
     * (descending) while scanning; it must beat every rule still to run */
    double *top = k->top;
    size_t n_top = 0;
    for (size_t c = 0; c < k->n_cands; c++) {
        double w = k->cands[c].w[0];
        if (k->cands[c].known || !(w > w_next) || (n_top == k->window && w <= top[n_top - 1])) continue;
        size_t at = n_top < k->window ? n_top++ : n_top - 1;
        for (; at > 0 && top[at - 1] < w; at--) top[at] = top[at - 1];
        top[at] = w;
    }
    if (n_top < k->window) return 0;
    double bar = top[k->window - 1];
    if (!reserve_sorted(k, k->n_cands)) return 0;
    /* sort those reaching the bar (known ones too: they take places) */
    size_t n = 0;
    for (size_t c = 0; c < k->n_cands; c++)
        if (k->cands[c].w[0] >= bar) k->sorted[n++] = &k->cands[c];
    qsort(k->sorted, n, sizeof *k->sorted, by_max_then_term);
    const Candidate *const *s = k->sorted;
    size_t last = 0, fresh = 0;
    for (; last < n; last++)
        if (!s[last]->known && ++fresh == k->window) break;
    for (size_t c = 0; c < last; c++)
        if (!stays_before(s[c], s[c + 1], w_next)) return 0;
    /* below the bar, a best weight smaller than s[last]'s keeps them behind */
    for (size_t c = last + 1; c < n; c++)
        if (!stays_before(s[last], s[c], w_next)) return 0;
    return 1;
}

KgStatus rs_ranker_query(RsRanker *k, KgTermId x, KgTermId predicate, int bound_object, KgError *err)
{
    k->anchor = x, k->predicate = predicate, k->bound_object = bound_object;
    k->n_cands = 0;
    k->slot_tag++;
    k->status = KG_OK;
    size_t lo = 0, hi = k->n_preds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (k->preds[mid] < predicate) lo = mid + 1;
        else hi = mid;
    }
    if (x && lo < k->n_preds && k->preds[lo] == predicate) {
        for (size_t j = k->rules_at[lo], since = 0; j < k->rules_at[lo + 1]; j++) {
            k->current_rule = k->rules_of[j];
            if (k->max_body && k->p->rules[k->current_rule].n_body > k->max_body) continue;
            if (++since == CHECK_EVERY) {
                since = 0;
                if (k->agg == RS_AGG_MAX && top_settled(k, k->p->rules[k->current_rule].weight)) break;
            }
            k->rule_run++;
            KgStatus s = rs_querier_answers(k->q, k->current_rule, bound_object, x, on_answer, k, err);
            if (s == KG_OK && k->status != KG_OK) s = kg_error_set(err, k->status, "out of memory ranking");
            if (s != KG_OK) return s;
        }
    }
    if (!sort_candidates(k)) return kg_error_set(err, KG_ERR_NOMEM, "out of memory ranking");
    for (size_t c = 0; c < k->n_cands; c++) {
        Candidate *cand = &k->cands[k->sorted[c] - k->cands];
        cand->place = c > 0 && same_place(k, k->sorted[c - 1], cand) ? k->sorted[c - 1]->place : c + 1;
    }
    return KG_OK;
}

size_t rs_ranker_n_candidates(const RsRanker *k) { return k->n_cands; }

int rs_ranker_entity(const RsRanker *k, KgTermId t, uint32_t *entity) { return k->d && map_get(k, t, entity); }
RsQuerier *rs_ranker_querier(RsRanker *k) { return k->q; }

void rs_ranker_candidate(const RsRanker *k, size_t i, RsCandidate *out)
{
    const Candidate *c = k->sorted[i];
    out->term = c->term;
    out->known = c->known;
    out->n_rules = c->n;
    out->rules = c->rule;
    out->weights = c->w;
    out->score = k->agg == RS_AGG_MAX ? (c->n ? c->w[0] : 0) : 1 - c->noisy;
    out->place = c->place;
}

/* ---------------------------------------------------------------- the benchmark protocol */

KgStatus rs_ranker_score(void *ranker, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                         KgError *err)
{
    RsRanker *k = ranker;
    const KgLinkDataset *d = k->d;
    if (!d) return kg_error_set(err, KG_ERR_ARG, "the ranker was made without a dataset");
    size_t N = d->n_entities, R = d->n_relations;
    for (size_t qi = 0; qi < n; qi++) {
        float *row = out + qi * N;
        memset(row, 0, N * sizeof *row);
        uint32_t l = rel[qi];
        int bound_object = l >= R;
        KgStatus s = rs_ranker_query(k, d->entity_terms[anchor[qi]], d->relation_terms[bound_object ? l - R : l],
                                     bound_object, err);
        if (s != KG_OK) return s;
        /* equal candidates share a place; the first place scores highest */
        for (size_t c = 0; c < k->n_cands; c++) {
            uint32_t e;
            if (map_get(k, k->cands[c].term, &e)) row[e] = (float)(k->n_cands + 1 - k->cands[c].place);
        }
    }
    return KG_OK;
}
