/* tests/kg/test_link_eval.c: filtered link prediction (kg/link_eval.c) on hand-made datasets
 * with scorers that return fixed scores, so every rank can be worked out by hand in the
 * comments: ties at their mean position, known triples of train, valid and test left out
 * for tail and head queries (and reciprocal relations kept apart), NaN scores, a perfect
 * scorer, batching, interruption and a failing scorer. */
#include "kg/kg.h"
#include "kg/linkpred.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- datasets in memory */

static KgLinkDataset *dataset_new(size_t n_entities, size_t n_relations)
{
    KgLinkDataset *d = kg_calloc(1, sizeof *d);
    cr_assert_not_null(d);
    d->n_entities = n_entities;
    d->n_relations = n_relations;
    return d;
}

/* Copies n triples into one split of d (kg_malloc'd, so kg_link_dataset_free frees it). */
static void split_set(KgLinkTriple **split, size_t *n_split, const KgLinkTriple *triples, size_t n)
{
    *split = kg_malloc((n ? n : 1) * sizeof **split);
    cr_assert_not_null(*split);
    if (n) memcpy(*split, triples, n * sizeof *triples);
    *n_split = n;
}

#define SET_SPLIT(d, name, ...)                                                                    \
    do {                                                                                           \
        static const KgLinkTriple triples_[] = {__VA_ARGS__};                                          \
        split_set(&(d)->name, &(d)->n_##name, triples_, sizeof triples_ / sizeof *triples_);       \
    } while (0)

/* ---------------------------------------------------------------- a scorer of fixed rows */

/* Scores from a table: one row of n_entities floats per (anchor, relation), relation in
 * 0..2 n_relations-1; rows not set are all 0. Counts the calls and the largest batch. */
typedef struct {
    size_t n_entities, n_rel2;
    float *rows;
    size_t n_calls, max_batch, n_scored;
} TableScorer;

static TableScorer table_new(const KgLinkDataset *d)
{
    TableScorer ts = {.n_entities = d->n_entities, .n_rel2 = 2 * d->n_relations};
    ts.rows = kg_calloc(d->n_entities * ts.n_rel2 * d->n_entities, sizeof *ts.rows);
    cr_assert_not_null(ts.rows);
    return ts;
}

static void table_set(TableScorer *ts, uint32_t anchor, uint32_t rel, const float *row)
{
    memcpy(ts->rows + (anchor * ts->n_rel2 + rel) * ts->n_entities, row,
           ts->n_entities * sizeof *row);
}

static KgStatus score_from_table(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n,
                                 float *out, KgError *err)
{
    TableScorer *ts = ctx;
    ts->n_calls++;
    ts->n_scored += n;
    if (n > ts->max_batch) ts->max_batch = n;
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * ts->n_entities,
               ts->rows + (anchor[i] * ts->n_rel2 + rel[i]) * ts->n_entities,
               ts->n_entities * sizeof *out);
    return KG_OK;
}

static KgLinkMetrics evaluate_ok(const KgLinkDataset *d, const KgLinkTriple *triples, size_t n, KgLinkScoreFn score,
                             void *ctx, size_t batch)
{
    KgLinkMetrics m;
    KgError err = {0};
    KgStatus s = kg_link_evaluate(d, triples, n, score, ctx, batch, &m, &err);
    cr_assert_eq(s, KG_OK, "kg_link_evaluate: %s", kg_error_message(&err));
    cr_assert_eq(m.n_queries, 2 * n);
    cr_assert_geq(m.seconds, 0);
    return m;
}

static void assert_metrics(KgLinkMetrics m, double mrr, double hits1, double hits3, double hits10)
{
    cr_assert_float_eq(m.mrr, mrr, 1e-12, "MRR %.15g, expected %.15g", m.mrr, mrr);
    cr_assert_float_eq(m.hits1, hits1, 1e-12, "Hits@1 %g, expected %g", m.hits1, hits1);
    cr_assert_float_eq(m.hits3, hits3, 1e-12, "Hits@3 %g, expected %g", m.hits3, hits3);
    cr_assert_float_eq(m.hits10, hits10, 1e-12, "Hits@10 %g, expected %g", m.hits10, hits10);
}

/* ---------------------------------------------------------------- the protocol */

Test(eval, ties_count_at_their_mean_position)
{
    // 5 entities, 1 relation (r = 0, its reciprocal 1); the only known triple is the test
    // triple (0, r, 1), so nothing else is filtered.
    KgLinkDataset *d = dataset_new(5, 1);
    SET_SPLIT(d, test, {0, 0, 1});
    TableScorer ts = table_new(d);
    // Tail query (0, r, ?), answer 1 at 0.5: e2 (0.9) is better, e0 and e3 tie at 0.5,
    // e4 is lower: rank = 1 + 1 + 2/2 = 3.
    table_set(&ts, 0, 0, (const float[]){0.5f, 0.5f, 0.9f, 0.5f, 0.1f});
    // Head query (1, r⁻¹, ?), answer 0 at 0.7: none better, e1 ties: rank = 1 + 0 + 1/2 = 1.5,
    // which is a hit at 3 but not at 1.
    table_set(&ts, 1, 1, (const float[]){0.7f, 0.7f, 0.2f, 0.2f, 0.2f});
    KgLinkMetrics m = evaluate_ok(d, d->test, d->n_test, score_from_table, &ts, 16);
    // MRR = (1/3 + 1/1.5) / 2 = (1/3 + 2/3) / 2 = 0.5; Hits@1 = 0; Hits@3 = Hits@10 = 1.
    assert_metrics(m, 0.5, 0, 1, 1);
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}

Test(eval, a_constant_scorer_ranks_in_the_middle)
{
    // All 5 entities score 0: each answer ties with the 4 others, rank = 1 + 4/2 = 3.
    KgLinkDataset *d = dataset_new(5, 1);
    SET_SPLIT(d, test, {0, 0, 1}, {2, 0, 3});
    TableScorer ts = table_new(d);
    KgLinkMetrics m = evaluate_ok(d, d->test, d->n_test, score_from_table, &ts, 3);
    assert_metrics(m, 1.0 / 3, 0, 1, 1);
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}

/* 6 entities, relations r = 0 and s = 1 (reciprocals 2 and 3), with traps for the filter. */
static KgLinkDataset *filter_dataset(void)
{
    KgLinkDataset *d = dataset_new(6, 2);
    SET_SPLIT(d, train, {0, 0, 2}, {5, 0, 1}, {0, 1, 5});
    SET_SPLIT(d, valid, {0, 0, 3}, {1, 0, 3});
    SET_SPLIT(d, test, {0, 0, 1}, {4, 0, 1});
    return d;
}

static TableScorer filter_scores(const KgLinkDataset *d)
{
    TableScorer ts = table_new(d);
    // Tail query (0, r, ?), answer 1 at 0.5. Known: (0, r, 2) train and (0, r, 3) valid are
    // left out although they score higher; (0, s, 5) is another relation, so e5 stays and
    // ties. Better: e4 only; tied: e5. Rank = 1 + 1 + 1/2 = 2.5 (unfiltered it would be 4.5).
    table_set(&ts, 0, 0, (const float[]){0.1f, 0.5f, 0.9f, 0.8f, 0.6f, 0.5f});
    // Head query (1, r⁻¹, ?), answer 0 at 0.4. Known heads of (?, r, 1): 4 (test) and 5
    // (train) are left out. (1, r, 3) of valid has 1 as its head, not its tail, so e3 stays,
    // as does e2. Better: e2 and e3; rank = 1 + 2 = 3.
    table_set(&ts, 1, 2, (const float[]){0.4f, 0.3f, 0.6f, 0.9f, 0.95f, 0.99f});
    return ts;
}

Test(eval, known_triples_of_every_split_are_filtered)
{
    KgLinkDataset *d = filter_dataset();
    TableScorer ts = filter_scores(d);
    // Only the first test triple (0, r, 1): MRR = (1/2.5 + 1/3) / 2 = (0.4 + 1/3) / 2 = 11/30.
    // Neither rank is 1; both are at most 3.
    KgLinkMetrics m = evaluate_ok(d, d->test, 1, score_from_table, &ts, 2);
    assert_metrics(m, 11.0 / 30, 0, 1, 1);
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}

Test(eval, the_batch_size_does_not_change_the_result)
{
    // Both test triples. The second, (4, r, 1), asks (4, r, ?) and (1, r⁻¹, ?).
    // (4, r, ?): its row is all 0 and no other tail of (4, r) is known, so 1 ties with
    // 5 others: rank = 1 + 5/2 = 3.5. (1, r⁻¹, ?) answer 4 at 0.95: only e5 (0.99) is better
    // and it is filtered (5, r, 1), as is e0 (the other test triple (0, r, 1)): rank 1.
    // MRR = (1/2.5 + 1/3 + 1/3.5 + 1) / 4 = (0.4 + 1/3 + 2/7 + 1) / 4 = (212/105) / 4 = 53/105.
    // Hits@1 = 1/4; Hits@3 = 3/4 (3.5 > 3); Hits@10 = 1.
    KgLinkDataset *d = filter_dataset();
    TableScorer ts = filter_scores(d);
    size_t batches[] = {1, 3, 4, 100};
    for (size_t i = 0; i < sizeof batches / sizeof *batches; i++) {
        ts.n_calls = ts.max_batch = ts.n_scored = 0;
        KgLinkMetrics m = evaluate_ok(d, d->test, d->n_test, score_from_table, &ts, batches[i]);
        assert_metrics(m, 53.0 / 105, 0.25, 0.75, 1);
        size_t expected_batch = batches[i] < 4 ? batches[i] : 4;
        cr_assert_eq(ts.max_batch, expected_batch, "batch %zu", batches[i]);
        cr_assert_eq(ts.n_calls, (4 + expected_batch - 1) / expected_batch);
        cr_assert_eq(ts.n_scored, 4);
    }
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}

Test(eval, nan_scores)
{
    // 4 entities, 1 relation; known: (0, r, 1) test and (0, r, 2) train.
    KgLinkDataset *d = dataset_new(4, 1);
    SET_SPLIT(d, train, {0, 0, 2});
    SET_SPLIT(d, test, {0, 0, 1});
    TableScorer ts = table_new(d);
    // Tail query (0, r, ?), answer 1 scored NaN: last among the candidates e0, e1, e3 (e2 is
    // filtered), so rank 3, even though the others score lower.
    table_set(&ts, 0, 0, (const float[]){-1.0f, NAN, 5.0f, -2.0f});
    // Head query (1, r⁻¹, ?), answer 0 at 0.5: the NaNs of e1 and e2 count as lower, e3 is
    // lower: rank 1.
    table_set(&ts, 1, 1, (const float[]){0.5f, NAN, NAN, 0.2f});
    // MRR = (1/3 + 1) / 2 = 2/3; Hits@1 = 1/2; Hits@3 = Hits@10 = 1.
    KgLinkMetrics m = evaluate_ok(d, d->test, d->n_test, score_from_table, &ts, 8);
    assert_metrics(m, 2.0 / 3, 0.5, 1, 1);
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}

Test(eval, nan_everywhere_ranks_last)
{
    // Every score NaN: both answers rank last among all 4 candidates (nothing is filtered
    // but the answer itself): MRR = 1/4; no hit at 1 or 3; both hits at 10.
    KgLinkDataset *d = dataset_new(4, 1);
    SET_SPLIT(d, test, {0, 0, 1});
    TableScorer ts = table_new(d);
    for (size_t i = 0; i < 4 * 2 * 4; i++)
        ts.rows[i] = NAN;
    KgLinkMetrics m = evaluate_ok(d, d->test, d->n_test, score_from_table, &ts, 8);
    assert_metrics(m, 0.25, 0, 0, 1);
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}

/* ---------------------------------------------------------------- a perfect scorer */

/* Scores 1 for every e that makes a known triple with the query, 0 otherwise. */
static KgStatus score_perfectly(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n,
                                float *out, KgError *err)
{
    const KgLinkDataset *d = ctx;
    const KgLinkTriple *splits[3] = {d->train, d->valid, d->test};
    size_t n_splits[3] = {d->n_train, d->n_valid, d->n_test};
    for (size_t i = 0; i < n; i++) {
        float *row = out + i * d->n_entities;
        for (size_t e = 0; e < d->n_entities; e++)
            row[e] = 0;
        for (int k = 0; k < 3; k++)
            for (size_t j = 0; j < n_splits[k]; j++) {
                const KgLinkTriple *x = &splits[k][j];
                if (rel[i] < d->n_relations && x->h == anchor[i] && x->r == rel[i]) row[x->t] = 1;
                if (rel[i] >= d->n_relations && x->t == anchor[i] &&
                    x->r + d->n_relations == rel[i])
                    row[x->h] = 1;
            }
    }
    return KG_OK;
}

Test(eval, a_perfect_scorer_has_mrr_one)
{
    // A random graph of 40 entities and 3 relations (a fixed linear congruential sequence),
    // dense enough that many queries have several true answers: each ties with the others at
    // score 1, but they are all filtered, so every rank is 1.
    enum { N_ENTITIES = 40, N_RELATIONS = 3, N_TRIPLES = 300 };
    KgLinkDataset *d = dataset_new(N_ENTITIES, N_RELATIONS);
    KgLinkTriple all[N_TRIPLES];
    uint64_t x = 12345;
    for (size_t i = 0; i < N_TRIPLES; i++) {
        uint32_t v[3];
        for (int k = 0; k < 3; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            v[k] = (uint32_t)(x >> 33);
        }
        all[i] = (KgLinkTriple){v[0] % N_ENTITIES, v[1] % N_RELATIONS, v[2] % N_ENTITIES};
    }
    split_set(&d->train, &d->n_train, all, 200);
    split_set(&d->valid, &d->n_valid, all + 200, 50);
    split_set(&d->test, &d->n_test, all + 250, 50);
    KgLinkMetrics m = evaluate_ok(d, d->test, d->n_test, score_perfectly, d, 7);
    assert_metrics(m, 1, 1, 1, 1);
    m = evaluate_ok(d, d->valid, d->n_valid, score_perfectly, d, 1000);
    assert_metrics(m, 1, 1, 1, 1);
    kg_link_dataset_free(d);
}

/* ---------------------------------------------------------------- failures */

Test(eval, no_triples_give_zero_queries)
{
    KgLinkDataset *d = dataset_new(3, 1);
    TableScorer ts = table_new(d);
    KgLinkMetrics m = evaluate_ok(d, NULL, 0, score_from_table, &ts, 4);
    assert_metrics(m, 0, 0, 0, 0);
    cr_assert_eq(ts.n_calls, 0);
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}

Test(eval, ctrl_c_stops_it)
{
    KgLinkDataset *d = filter_dataset();
    TableScorer ts = filter_scores(d);
    KgLinkMetrics m;
    KgError err = {0};
    kg_interrupt_request();
    KgStatus s = kg_link_evaluate(d, d->test, d->n_test, score_from_table, &ts, 1, &m, &err);
    kg_interrupt_clear();
    cr_assert_eq(s, KG_ERR_INTERRUPTED);
    cr_assert_eq(err.status, KG_ERR_INTERRUPTED);
    cr_assert(err.msg[0] != '\0');
    cr_assert_eq(ts.n_calls, 0);
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}

static KgStatus score_fails(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n,
                            float *out, KgError *err)
{
    return kg_error_set(err, KG_ERR_INTERNAL, "the scorer gave up");
}

Test(eval, a_failing_scorer_passes_its_error_on)
{
    KgLinkDataset *d = filter_dataset();
    KgLinkMetrics m;
    KgError err = {0};
    KgStatus s = kg_link_evaluate(d, d->test, d->n_test, score_fails, NULL, 2, &m, &err);
    cr_assert_eq(s, KG_ERR_INTERNAL);
    cr_assert_str_eq(err.msg, "the scorer gave up");
    kg_link_dataset_free(d);
}

Test(eval, an_out_of_range_triple_fails)
{
    KgLinkDataset *d = filter_dataset();
    TableScorer ts = filter_scores(d);
    KgLinkTriple bad = {0, 2, 1}; // relation 2 of 2
    KgLinkMetrics m;
    KgError err = {0};
    cr_assert_eq(kg_link_evaluate(d, &bad, 1, score_from_table, &ts, 2, &m, &err), KG_ERR_ARG);
    cr_assert_eq(ts.n_calls, 0);
    kg_free(ts.rows);
    kg_link_dataset_free(d);
}
