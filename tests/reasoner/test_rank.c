/* tests/reasoner/test_rank.c: link prediction by rules (reasoner/rank.c over the engine's
 * goal-directed joins). On a small store with hand-weighted rules, the scores of one query
 * are worked out by hand: maximum aggregation (best weight first, ties broken by the next)
 * and noisy-or order the same candidates differently; a rule whose grounding would reuse an
 * entity for two variables does not fire (object identity), the query's own entity is never
 * an answer, and an entity no rule predicts scores 0. */
#include "../kg/helpers.h"
#include "kg/linkpred.h"
#include "reasoner/rs.h"

#define EX "http://example.org/"

static const char *const data = "@prefix ex: <" EX "> .\n"
                                "ex:a ex:knows ex:b . ex:b ex:knows ex:c . ex:b ex:knows ex:a .\n"
                                "ex:a ex:likes ex:d . ex:e7 ex:likes ex:z . ex:z ex:friend ex:z2 .\n";

static const char *const rules =
    "@prefix ex: <" EX "> .\n"
    "0.9 :: [?X, ex:friend, ?Y] :- [?X, ex:knows, ?A], [?A, ex:knows, ?Y] .\n" /* a: c */
    "0.5 :: [?X, ex:friend, ?Y] :- [?X, ex:likes, ?Y] .\n"                     /* a: d */
    "0.5 :: [?X, ex:friend, ?Y] :- [?X, ex:knows, ?Y] .\n"                     /* a: b */
    "0.4 :: [?X, ex:friend, ex:c] :- [?X, ex:likes, ?A] .\n"                   /* a: c */
    "0.7 :: [?X, ex:friend, ex:e7] :- [?X, ex:likes, ex:d] .\n"                /* a: e7 */
    "0.5 :: [?X, ex:friend, ex:d] :- [?X, ex:knows, ex:b] .\n"                 /* a: d */
    /* from a only through a -> b -> a, B = X: object identity says no (else d: 0.95) */
    "0.95 :: [?X, ex:friend, ?Y] :- [?X, ex:knows, ?A], [?A, ex:knows, ?B], [?B, ex:likes, ?Y] .\n";

/* The dense id, among terms[0 .. n), of ex:local. */
static uint32_t dense_id(KgStore *st, const KgTermId *terms, size_t n, const char *local)
{
    char iri[128];
    snprintf(iri, sizeof iri, EX "%s", local);
    KgTermId t = 0;
    cr_assert_eq(kg_dict_lookup_iri(st, iri, &t, NULL), KG_OK, "%s", iri);
    for (uint32_t i = 0; i < n; i++)
        if (terms[i] == t) return i;
    cr_assert_fail("%s is not in the dataset", local);
    return 0;
}

static uint32_t entity(KgStore *st, const KgLinkDataset *d, const char *local)
{
    return dense_id(st, d->entity_terms, d->n_entities, local);
}

static uint32_t relation(KgStore *st, const KgLinkDataset *d, const char *local)
{
    return dense_id(st, d->relation_terms, d->n_relations, local);
}

/* The scores of (a, friend, ?) under aggregation agg. */
static float *scores_for_a(RsAggregation agg, KgStore **st_out, KgLinkDataset **d_out)
{
    KgStore *st = open_store(":memory:");
    KgLoadOptions lo = {.format = KG_FMT_TURTLE};
    load_ok(st, "data.ttl", data, &lo);
    KgError err = {0};
    KgLinkDataset *d = NULL;
    cr_assert_eq(kg_link_from_store(st, 0.0, 1, &d, &err), KG_OK);
    RsProgram *p = NULL;
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK);
    cr_assert_eq(rs_program_add_text(p, "rules.dl", rules, strlen(rules), &err), KG_OK, "%s", err.msg);
    RsRanker *k = NULL;
    cr_assert_eq(rs_ranker_new(st, p, d, agg, &k, &err), KG_OK, "%s", err.msg);
    float *out = malloc(d->n_entities * sizeof *out);
    uint32_t anchor = entity(st, d, "a"), rel = relation(st, d, "friend");
    cr_assert_eq(rs_ranker_score(k, &anchor, &rel, 1, out, &err), KG_OK);
    rs_ranker_free(k);
    rs_program_free(p);
    *st_out = st;
    *d_out = d;
    return out;
}

Test(rank, maximum_aggregation)
{
    KgStore *st;
    KgLinkDataset *d;
    float *s = scores_for_a(RS_AGG_MAX, &st, &d);
    float c = s[entity(st, d, "c")], e7 = s[entity(st, d, "e7")], dd = s[entity(st, d, "d")],
          b = s[entity(st, d, "b")];
    /* c: 0.9 then 0.4; e7: 0.7; d: 0.5 then 0.5; b: 0.5 */
    cr_assert_gt(c, e7);
    cr_assert_gt(e7, dd);
    cr_assert_gt(dd, b);
    cr_assert_gt(b, 0);
    /* a never answers its own query (a -> b -> a by the 0.9 rule) */
    cr_assert_eq(s[entity(st, d, "a")], 0);
    cr_assert_eq(s[entity(st, d, "z")], 0);
    free(s);
    kg_link_dataset_free(d);
    kg_store_close(st);
}

Test(rank, noisy_or)
{
    KgStore *st;
    KgLinkDataset *d;
    float *s = scores_for_a(RS_AGG_NOISY_OR, &st, &d);
    /* c: 1 - 0.1 * 0.6 = 0.94; d: 1 - 0.5 * 0.5 = 0.75; e7: 0.7; b: 0.5 */
    float c = s[entity(st, d, "c")], e7 = s[entity(st, d, "e7")], dd = s[entity(st, d, "d")],
          b = s[entity(st, d, "b")];
    cr_assert_gt(c, dd);
    cr_assert_gt(dd, e7);
    cr_assert_gt(e7, b);
    cr_assert_gt(b, 0);
    cr_assert_eq(s[entity(st, d, "z2")], 0);
    free(s);
    kg_link_dataset_free(d);
    kg_store_close(st);
}
