/* kg/link_eval.c: filtered link prediction (Bordes et al. 2013), the one evaluator for every
 * scorer. Each triple asks two queries, (h, r, ?) and (t, r⁻¹, ?); the known true triples of
 * train, valid and test other than the answer are left out of the ranking, through one
 * sorted array of (anchor, relation, answer) built per call and binary-searched per query.
 * Ties count at their mean position (the "realistic" rank), so a constant scorer is not
 * rewarded; a NaN true score ranks last. */
#include "linkpred.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the filter index */

/* A known answer: key = anchor * 2 n_relations + relation, where relation r + n_relations is
 * r's reciprocal. Sorted by key, then answer, without duplicates. */
typedef struct {
    uint64_t key;
    uint32_t answer;
} KnownAnswer;

typedef struct {
    KnownAnswer *known;
    size_t n_known;
    uint64_t n_rel2; /* 2 n_relations: relation ids in queries */
} FilterIndex;

static int compare_known(const void *a, const void *b)
{
    const KnownAnswer *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->answer > y->answer) - (x->answer < y->answer);
}

static KgStatus check_triples(const KgLinkDataset *d, const KgLinkTriple *triples, size_t n,
                              const char *what, KgError *err)
{
    for (size_t i = 0; i < n; i++) {
        const KgLinkTriple *x = &triples[i];
        if (x->h >= d->n_entities || x->t >= d->n_entities || x->r >= d->n_relations)
            return kg_error_set(err, KG_ERR_ARG,
                                "%s triple %zu (%u, %u, %u) is out of range (%zu entities, "
                                "%zu relations)",
                                what, i, x->h, x->r, x->t, d->n_entities, d->n_relations);
    }
    return KG_OK;
}

static void add_known(FilterIndex *fi, const KgLinkTriple *triples, size_t n, uint64_t n_relations)
{
    for (size_t i = 0; i < n; i++) {
        const KgLinkTriple *x = &triples[i];
        fi->known[fi->n_known++] = (KnownAnswer){x->h * fi->n_rel2 + x->r, x->t};
        fi->known[fi->n_known++] = (KnownAnswer){x->t * fi->n_rel2 + x->r + n_relations, x->h};
    }
}

static KgStatus build_filter(const KgLinkDataset *d, FilterIndex *fi, KgError *err)
{
    fi->n_rel2 = 2 * (uint64_t)d->n_relations;
    fi->n_known = 0;
    size_t n_known_max = 2 * (d->n_train + d->n_valid + d->n_test); // each and its reciprocal
    fi->known = kg_malloc((n_known_max ? n_known_max : 1) * sizeof *fi->known);
    if (!fi->known) return kg_error_set(err, KG_ERR_NOMEM, "out of memory for the filter index");
    add_known(fi, d->train, d->n_train, d->n_relations);
    add_known(fi, d->valid, d->n_valid, d->n_relations);
    add_known(fi, d->test, d->n_test, d->n_relations);
    qsort(fi->known, fi->n_known, sizeof *fi->known, compare_known);
    size_t n_unique = 0;
    for (size_t i = 0; i < fi->n_known; i++)
        if (n_unique == 0 || compare_known(&fi->known[n_unique - 1], &fi->known[i]) != 0)
            fi->known[n_unique++] = fi->known[i];
    fi->n_known = n_unique;
    return KG_OK;
}

/* The known answers of (anchor, rel, ?): *n_out entries from the returned pointer, sorted. */
static const KnownAnswer *known_answers(const FilterIndex *fi, uint32_t anchor, uint32_t rel,
                                        size_t *n_out)
{
    uint64_t key = anchor * fi->n_rel2 + rel;
    size_t lo = 0, hi = fi->n_known;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fi->known[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < fi->n_known && fi->known[end].key == key)
        end++;
    *n_out = end - lo;
    return fi->known + lo;
}

struct KgLinkFilter {
    FilterIndex fi;
};

KgStatus kg_link_filter_new(const KgLinkDataset *d, KgLinkFilter **out, KgError *err)
{
    *out = NULL;
    KgLinkFilter *f = kg_calloc(1, sizeof *f);
    if (!f) return kg_error_set(err, KG_ERR_NOMEM, "out of memory for the filter index");
    KgStatus s = check_triples(d, d->train, d->n_train, "train", err);
    if (s == KG_OK) s = check_triples(d, d->valid, d->n_valid, "valid", err);
    if (s == KG_OK) s = check_triples(d, d->test, d->n_test, "test", err);
    if (s == KG_OK) s = build_filter(d, &f->fi, err);
    if (s != KG_OK) {
        kg_link_filter_free(f);
        return s;
    }
    *out = f;
    return KG_OK;
}

void kg_link_filter_free(KgLinkFilter *f)
{
    if (!f) return;
    kg_free(f->fi.known);
    kg_free(f);
}

int kg_link_filter_has(const KgLinkFilter *f, uint32_t anchor, uint32_t rel, uint32_t answer)
{
    size_t n;
    const KnownAnswer *a = known_answers(&f->fi, anchor, rel, &n);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid].answer < answer) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && a[lo].answer == answer;
}

/* ---------------------------------------------------------------- ranking */

/* The realistic rank of `answer` in `row`: 1 + #better + #tied / 2 among the entities not in
 * `filtered` (the answer itself is never filtered). NaN scores compare false, so another
 * entity's NaN counts as lower; a NaN true score ranks last among the candidates. */
static double realistic_rank(const float *row, size_t n_entities, uint32_t answer,
                             const KnownAnswer *filtered, size_t n_filtered)
{
    float truth = row[answer];
    if (isnan(truth)) {
        size_t n_candidates = n_entities;
        for (size_t i = 0; i < n_filtered; i++)
            n_candidates -= filtered[i].answer != answer;
        return (double)n_candidates;
    }
    // Count over the whole row first, then take the few filtered entities back out. The
    // counts run in 8 lanes of 32 bits, which the compiler turns into vector compares even
    // at -O2 (a 32-bit lane holds any count: n_entities < 2^32).
    uint32_t better[8] = {0}, tied[8] = {0};
    size_t e = 0;
    for (; e + 8 <= n_entities; e += 8)
        for (int k = 0; k < 8; k++) {
            better[k] += row[e + k] > truth;
            tied[k] += row[e + k] == truth;
        }
    size_t n_better = 0, n_tied = 0;
    for (int k = 0; k < 8; k++) {
        n_better += better[k];
        n_tied += tied[k];
    }
    for (; e < n_entities; e++) {
        n_better += row[e] > truth;
        n_tied += row[e] == truth;
    }
    n_tied--; // the answer itself
    for (size_t i = 0; i < n_filtered; i++) {
        uint32_t other = filtered[i].answer;
        if (other == answer) continue;
        if (row[other] > truth)
            n_better--;
        else if (row[other] == truth)
            n_tied--;
    }
    return 1.0 + (double)n_better + (double)n_tied / 2.0;
}

/* ---------------------------------------------------------------- the protocol */

/* Query q of the evaluation: 2i is triple i's tail query, 2i + 1 its head query. */
static void query_of(const KgLinkTriple *triples, size_t q, uint32_t n_relations, uint32_t *anchor,
                     uint32_t *rel, uint32_t *answer)
{
    const KgLinkTriple *x = &triples[q / 2];
    if (q % 2 == 0) {
        *anchor = x->h;
        *rel = x->r;
        *answer = x->t;
    } else {
        *anchor = x->t;
        *rel = x->r + n_relations;
        *answer = x->h;
    }
}

KgStatus kg_link_evaluate(const KgLinkDataset *d, const KgLinkTriple *triples, size_t n, KgLinkScoreFn score,
                     void *ctx, size_t batch, KgLinkMetrics *out, KgError *err)
{
    double start = kg_now();
    memset(out, 0, sizeof *out);
    if (!score || batch == 0)
        return kg_error_set(err, KG_ERR_ARG, "evaluation needs a scorer and a batch size > 0");
    if (d->n_entities > UINT32_MAX || d->n_relations > UINT32_MAX / 2)
        return kg_error_set(err, KG_ERR_ARG, "too many entities or relations for 32-bit ids");
    KgStatus s = check_triples(d, triples, n, "evaluated", err);
    if (s == KG_OK) s = check_triples(d, d->train, d->n_train, "train", err);
    if (s == KG_OK) s = check_triples(d, d->valid, d->n_valid, "valid", err);
    if (s == KG_OK) s = check_triples(d, d->test, d->n_test, "test", err);
    if (s != KG_OK) return s;

    size_t n_queries = 2 * n;
    if (batch > n_queries) batch = n_queries ? n_queries : 1;
    if (batch > SIZE_MAX / sizeof(float) / (d->n_entities ? d->n_entities : 1))
        return kg_error_set(err, KG_ERR_ARG, "batch of %zu queries is too large", batch);
    FilterIndex fi = {0};
    float *scores = kg_malloc(batch * d->n_entities * sizeof *scores + 1);
    uint32_t *anchor = kg_malloc(batch * sizeof *anchor);
    uint32_t *rel = kg_malloc(batch * sizeof *rel);
    uint32_t *answer = kg_malloc(batch * sizeof *answer);
    if (!scores || !anchor || !rel || !answer) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory for a batch of %zu queries", batch);
        goto out;
    }
    KG_TRY(s, build_filter(d, &fi, err));

    uint32_t n_relations = (uint32_t)d->n_relations;
    double sum_rr = 0;
    size_t n_hits1 = 0, n_hits3 = 0, n_hits10 = 0;
    for (size_t first = 0; first < n_queries; first += batch) {
        if (kg_interrupted()) {
            s = kg_error_set(err, KG_ERR_INTERRUPTED,
                             "evaluation interrupted after %zu of %zu queries", first, n_queries);
            goto out;
        }
        size_t n_batch = n_queries - first < batch ? n_queries - first : batch;
        for (size_t i = 0; i < n_batch; i++)
            query_of(triples, first + i, n_relations, &anchor[i], &rel[i], &answer[i]);
        KG_TRY(s, score(ctx, anchor, rel, n_batch, scores, err));
        for (size_t i = 0; i < n_batch; i++) {
            size_t n_filtered;
            const KnownAnswer *filtered = known_answers(&fi, anchor[i], rel[i], &n_filtered);
            double rank = realistic_rank(scores + i * d->n_entities, d->n_entities, answer[i],
                                         filtered, n_filtered);
            sum_rr += 1.0 / rank;
            n_hits1 += rank <= 1.0;
            n_hits3 += rank <= 3.0;
            n_hits10 += rank <= 10.0;
        }
    }
    if (n_queries) {
        out->mrr = sum_rr / (double)n_queries;
        out->hits1 = (double)n_hits1 / (double)n_queries;
        out->hits3 = (double)n_hits3 / (double)n_queries;
        out->hits10 = (double)n_hits10 / (double)n_queries;
    }
    out->n_queries = n_queries;
out:
    out->seconds = kg_now() - start;
    kg_free(fi.known);
    kg_free(scores);
    kg_free(anchor);
    kg_free(rel);
    kg_free(answer);
    return s;
}
