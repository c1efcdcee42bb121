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

/* One query's candidates in order, with the rules behind each and a grounding of the best. */
Test(rank, query_lists_the_rules_and_their_groundings)
{
    KgStore *st = open_store(":memory:");
    KgLoadOptions lo = {.format = KG_FMT_TURTLE};
    load_ok(st, "data.ttl", data, &lo);
    KgError err = {0};
    RsProgram *p = NULL;
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK);
    cr_assert_eq(rs_program_add_text(p, "rules.dl", rules, strlen(rules), &err), KG_OK, "%s", err.msg);
    RsRanker *k = NULL;
    cr_assert_eq(rs_ranker_new(st, p, NULL, RS_AGG_MAX, &k, &err), KG_OK, "%s", err.msg);
    KgTermId a, b, c, d, e7, friend, knows;
    cr_assert_eq(kg_dict_lookup_iri(st, EX "a", &a, NULL), KG_OK);
    cr_assert_eq(kg_dict_lookup_iri(st, EX "b", &b, NULL), KG_OK);
    cr_assert_eq(kg_dict_lookup_iri(st, EX "c", &c, NULL), KG_OK);
    cr_assert_eq(kg_dict_lookup_iri(st, EX "d", &d, NULL), KG_OK);
    cr_assert_eq(kg_dict_lookup_iri(st, EX "e7", &e7, NULL), KG_OK);
    cr_assert_eq(kg_dict_lookup_iri(st, EX "friend", &friend, NULL), KG_OK);
    cr_assert_eq(kg_dict_lookup_iri(st, EX "knows", &knows, NULL), KG_OK);
    cr_assert_eq(rs_ranker_query(k, a, friend, 0, &err), KG_OK);
    cr_assert_eq(rs_ranker_n_candidates(k), 4);
    const KgTermId order[] = {c, e7, d, b};
    const size_t n_rules[] = {2, 1, 2, 1};
    for (size_t i = 0; i < 4; i++) {
        RsCandidate cand;
        rs_ranker_candidate(k, i, &cand);
        cr_assert_eq(cand.term, order[i], "candidate %zu", i);
        cr_assert_eq(cand.place, i + 1);
        cr_assert_eq(cand.n_rules, n_rules[i], "candidate %zu", i);
        cr_assert_not(cand.known);
    }
    RsCandidate best;
    rs_ranker_candidate(k, 0, &best);
    cr_assert_eq(best.rules[0], 0); /* the 0.9 rule, then the 0.4 one */
    cr_assert_eq(best.rules[1], 3);
    cr_assert_float_eq(best.score, 0.9, 1e-12);
    /* its grounding: a knows b, b knows c */
    KgTermId body[4][3];
    size_t n = 0;
    int found = 0;
    cr_assert_eq(rs_querier_grounding(rs_ranker_querier(k), 0, a, c, body, 4, &n, &found, &err), KG_OK);
    cr_assert(found);
    cr_assert_eq(n, 2);
    cr_assert(body[0][0] == a && body[0][1] == knows && body[0][2] == b);
    cr_assert(body[1][0] == b && body[1][1] == knows && body[1][2] == c);
    /* none for (a, d) by the 0.95 rule: its only grounding reuses a (object identity) */
    cr_assert_eq(rs_querier_grounding(rs_ranker_querier(k), 6, a, d, body, 4, &n, &found, &err), KG_OK);
    cr_assert_not(found);
    /* subjects: (?, friend, c) */
    cr_assert_eq(rs_ranker_query(k, c, friend, 1, &err), KG_OK);
    RsCandidate first;
    rs_ranker_candidate(k, 0, &first);
    cr_assert_eq(first.term, a);
    rs_ranker_free(k);
    rs_program_free(p);
    kg_store_close(st);
}

/* Stopping a query once its top is settled changes nothing in that top: on a random graph with
 * 72 rules (two-decimal weights, so many ties), every query's candidates up to the `window`-th
 * new one are the same, in the same places, as when every rule runs. */
Test(rank, stopping_early_keeps_the_top_exact)
{
    enum { N_ENT = 40, N_PRED = 4, N_TRIPLES = 260, WINDOW = 3 };
    KgBuf ttl = {0}, dl = {0};
    srand(11);
    kg_buf_printf(&ttl, "@prefix ex: <" EX "> .\n");
    for (int i = 0; i < N_TRIPLES; i++)
        kg_buf_printf(&ttl, "ex:e%d ex:p%d ex:e%d .\n", rand() % N_ENT, rand() % N_PRED, rand() % N_ENT);
    kg_buf_printf(&dl, "@prefix ex: <" EX "> .\n");
    for (int a = 0; a < 2 * N_PRED; a++) {
        const char *fa = a < N_PRED ? "[?X, ex:p%d, ?Y]" : "[?Y, ex:p%d, ?X]";
        kg_buf_printf(&dl, "0.%02d :: [?X, ex:p0, ?Y] :- ", 1 + rand() % 99);
        kg_buf_printf(&dl, fa, a % N_PRED);
        kg_buf_printf(&dl, " .\n");
        for (int b = 0; b < 2 * N_PRED; b++) {
            const char *x = a < N_PRED ? "[?X, ex:p%d, ?A]" : "[?A, ex:p%d, ?X]";
            const char *y = b < N_PRED ? "[?A, ex:p%d, ?Y]" : "[?Y, ex:p%d, ?A]";
            kg_buf_printf(&dl, "0.%02d :: [?X, ex:p0, ?Y] :- ", 1 + rand() % 99);
            kg_buf_printf(&dl, x, a % N_PRED);
            kg_buf_printf(&dl, ", ");
            kg_buf_printf(&dl, y, b % N_PRED);
            kg_buf_printf(&dl, " .\n");
        }
    }
    cr_assert(kg_buf_cstr(&ttl) && kg_buf_cstr(&dl));
    KgStore *st = open_store(":memory:");
    KgLoadOptions lo = {.format = KG_FMT_TURTLE};
    load_ok(st, "random.ttl", ttl.data, &lo);
    KgError err = {0};
    RsProgram *p = NULL;
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK);
    cr_assert_eq(rs_program_add_text(p, "random.dl", dl.data, dl.len, &err), KG_OK, "%s", err.msg);
    cr_assert_eq(rs_program_n_rules(p), 72);
    RsRanker *all = NULL, *top = NULL;
    cr_assert_eq(rs_ranker_new(st, p, NULL, RS_AGG_MAX, &all, &err), KG_OK);
    cr_assert_eq(rs_ranker_new(st, p, NULL, RS_AGG_MAX, &top, &err), KG_OK);
    rs_ranker_set_window(all, 0);
    rs_ranker_set_window(top, WINDOW);
    KgTermId p0;
    cr_assert_eq(kg_dict_lookup_iri(st, EX "p0", &p0, NULL), KG_OK);
    size_t compared = 0;
    for (int e = 0; e < N_ENT; e++) {
        char iri[64];
        snprintf(iri, sizeof iri, EX "e%d", e);
        KgTermId x;
        if (kg_dict_lookup_iri(st, iri, &x, NULL) != KG_OK) continue;
        for (int bound_object = 0; bound_object < 2; bound_object++) {
            cr_assert_eq(rs_ranker_query(all, x, p0, bound_object, &err), KG_OK);
            cr_assert_eq(rs_ranker_query(top, x, p0, bound_object, &err), KG_OK);
            size_t fresh = 0;
            for (size_t i = 0; i < rs_ranker_n_candidates(all) && fresh < WINDOW; i++) {
                RsCandidate ca, ct;
                rs_ranker_candidate(all, i, &ca);
                cr_assert_lt(i, rs_ranker_n_candidates(top));
                rs_ranker_candidate(top, i, &ct);
                cr_assert_eq(ct.term, ca.term, "e%d (%d), candidate %zu", e, bound_object, i);
                cr_assert_eq(ct.place, ca.place, "e%d (%d), candidate %zu", e, bound_object, i);
                fresh += !ca.known;
                compared++;
            }
        }
    }
    cr_assert_gt(compared, 100);
    rs_ranker_free(all);
    rs_ranker_free(top);
    rs_program_free(p);
    kg_store_close(st);
    kg_buf_free(&ttl), kg_buf_free(&dl);
}
