/* tests/reasoner/test_engine.c: the semi-naive engine (reasoner/engine.c) against answers
 * computed here independently: transitive closure of a chain and of a random graph (a
 * breadth-first search per node), stratified negation, weights (product along a proof, max
 * over proofs), the recorded derivations, and a run that stops leaving the store as it was. */
#include "../kg/helpers.h"
#include "reasoner/rs.h"

#define EX "http://example.org/"

static KgStore *store_with(const char *ttl)
{
    KgStore *st = open_store(":memory:");
    KgLoadOptions opt = {.format = KG_FMT_TURTLE};
    load_ok(st, "data.ttl", ttl, &opt);
    return st;
}

static RsStats reason_ok(KgStore *st, const char *rules)
{
    RsProgram *p = NULL;
    KgError err = {0};
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK);
    char where[400];
    KgStatus s = rs_program_add_text(p, "rules.dl", rules, strlen(rules), &err);
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "rules: %s", where);
    RsStats stats;
    s = rs_reason(st, p, NULL, &stats, &err);
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "reason: %s", where);
    rs_program_free(p);
    return stats;
}

static int has(KgStore *st, const char *s, const char *p, const char *o)
{
    KgTermId ids[3];
    const char *iris[3] = {s, p, o};
    for (int k = 0; k < 3; k++)
        if (kg_dict_lookup_iri(st, iris[k], &ids[k], NULL) != KG_OK) return 0;
    return count_matches(st, ids[0], ids[1], ids[2], KG_ANY_GRAPH) > 0;
}

static const char *const path_rules =
    "@prefix ex: <" EX "> .\n"
    "[?x, ex:path, ?y] :- [?x, ex:edge, ?y] .\n"
    "[?x, ex:path, ?z] :- [?x, ex:edge, ?y], [?y, ex:path, ?z] .\n";

Test(engine, transitive_closure_of_a_chain)
{
    enum { N = 1000 };
    KgBuf doc = {0};
    kg_buf_puts(&doc, "@prefix ex: <" EX "> .\n");
    for (int i = 0; i + 1 < N; i++) kg_buf_printf(&doc, "ex:n%d ex:edge ex:n%d .\n", i, i + 1);
    KgStore *st = store_with(kg_buf_cstr(&doc));
    kg_buf_free(&doc);
    RsStats stats = reason_ok(st, path_rules);
    /* every pair i < j is a path: N (N - 1) / 2 of them */
    cr_assert_eq(stats.n_derived, (uint64_t)N * (N - 1) / 2, "derived %llu",
                 (unsigned long long)stats.n_derived);
    cr_assert(has(st, EX "n0", EX "path", EX "n999"));
    cr_assert(!has(st, EX "n999", EX "path", EX "n0"));
    rs_stats_free(&stats);
    /* again, on the closed store: nothing new */
    stats = reason_ok(st, path_rules);
    cr_assert_eq(stats.n_derived, 0);
    rs_stats_free(&stats);
    kg_store_close(st);
}

Test(engine, transitive_closure_of_a_random_graph_matches_a_search)
{
    enum { N = 150, E = 300 };
    static char edge[N][N], reach[N][N];
    memset(edge, 0, sizeof edge);
    memset(reach, 0, sizeof reach);
    unsigned seed = 12345;
    KgBuf doc = {0};
    kg_buf_puts(&doc, "@prefix ex: <" EX "> .\n");
    for (int k = 0; k < E; k++) {
        seed = seed * 1103515245u + 12345u;
        int a = (int)((seed >> 8) % N);
        seed = seed * 1103515245u + 12345u;
        int b = (int)((seed >> 8) % N);
        edge[a][b] = 1;
        kg_buf_printf(&doc, "ex:n%d ex:edge ex:n%d .\n", a, b);
    }
    /* the reference: a breadth-first search from every node */
    size_t n_paths = 0;
    for (int s = 0; s < N; s++) {
        int queue[N], head = 0, tail = 0;
        for (int t = 0; t < N; t++)
            if (edge[s][t] && !reach[s][t]) reach[s][t] = 1, queue[tail++] = t;
        while (head < tail) {
            int u = queue[head++];
            for (int t = 0; t < N; t++)
                if (edge[u][t] && !reach[s][t]) reach[s][t] = 1, queue[tail++] = t;
        }
        for (int t = 0; t < N; t++) n_paths += reach[s][t];
    }
    KgStore *st = store_with(kg_buf_cstr(&doc));
    kg_buf_free(&doc);
    RsStats stats = reason_ok(st, path_rules);
    rs_stats_free(&stats);
    KgTermId path = iri_id(st, EX "path");
    cr_assert_eq(count_matches(st, KG_ANY, path, KG_ANY, KG_ANY_GRAPH), n_paths);
    char a[64], b[64];
    for (int s = 0; s < N; s += 7)
        for (int t = 0; t < N; t += 5) {
            snprintf(a, sizeof a, EX "n%d", s);
            snprintf(b, sizeof b, EX "n%d", t);
            cr_assert_eq(has(st, a, EX "path", b), reach[s][t], "path %d -> %d", s, t);
        }
    kg_store_close(st);
}

Test(engine, stratified_negation)
{
    KgStore *st = store_with("@prefix ex: <" EX "> .\n"
                             "ex:ann a ex:Person ; ex:parent ex:bob .\n"
                             "ex:bob a ex:Person .\n");
    RsStats stats = reason_ok(st, "@prefix ex: <" EX "> .\n"
                                  "ex:Orphan[?x] :- ex:Person[?x], NOT ex:parent[?x, ?y] .\n"
                                  "ex:Lonely[?x] :- ex:Orphan[?x], NOT ex:Friendly[?x] .\n");
    rs_stats_free(&stats);
    const char *type = KG_RDF_TYPE;
    cr_assert(has(st, EX "bob", type, EX "Orphan"));
    cr_assert(!has(st, EX "ann", type, EX "Orphan"));
    cr_assert(has(st, EX "bob", type, EX "Lonely"));
    kg_store_close(st);
}

/* FILTERs the engine tests itself (kinds, != of terms) must agree with SPARQL, which compares
 * literals by value: "1"^^xsd:integer != "01"^^xsd:integer is false. */
Test(engine, fast_filters_agree_with_sparql)
{
    KgStore *st = store_with("@prefix ex: <" EX "> .\n"
                             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                             "ex:a ex:v \"1\"^^xsd:integer , \"01\"^^xsd:integer , ex:b , _:x .\n"
                             "ex:b ex:v ex:b .\n");
    RsStats stats = reason_ok(st, "@prefix ex: <" EX "> .\n"
                                  "[?x, ex:twoValues, ?x] :- [?x, ex:v, ?y], [?x, ex:v, ?z], FILTER(?y != ?z) .\n"
                                  "[?x, ex:litPair, ?x] :- [?x, ex:v, ?y], [?x, ex:v, ?z], FILTER(isLiteral(?y) && isLiteral(?z) && ?y != ?z) .\n"
                                  "[?x, ex:iriValue, ?y] :- [?x, ex:v, ?y], FILTER(!isLiteral(?y) && isIRI(?y)) .\n"
                                  "[?x, ex:blankValue, ?x] :- [?x, ex:v, ?y], FILTER(isBlank(?y)) .\n"
                                  "[?x, ex:notSelf, ?x] :- [?x, ex:v, ?y], FILTER(?x != ?y) .\n");
    rs_stats_free(&stats);
    cr_assert(has(st, EX "a", EX "twoValues", EX "a"));
    cr_assert(!has(st, EX "b", EX "twoValues", EX "b"), "one value is never != itself");
    /* the two literals are equal as numbers: no pair of different literal values */
    cr_assert(!has(st, EX "a", EX "litPair", EX "a"), "\"1\" and \"01\" are equal integers");
    cr_assert(has(st, EX "a", EX "iriValue", EX "b"));
    cr_assert(has(st, EX "b", EX "iriValue", EX "b"));
    cr_assert(has(st, EX "a", EX "blankValue", EX "a"));
    cr_assert(!has(st, EX "b", EX "blankValue", EX "b"));
    cr_assert(has(st, EX "a", EX "notSelf", EX "a"));
    cr_assert(!has(st, EX "b", EX "notSelf", EX "b"));
    kg_store_close(st);
}

Test(engine, weights_multiply_along_a_proof_and_derivations_are_recorded)
{
    KgStore *st = store_with("@prefix ex: <" EX "> .\n"
                             "ex:al ex:bornIn ex:lyon . ex:lyon ex:cityOf ex:france .\n");
    RsStats stats = reason_ok(st, "@prefix ex: <" EX "> .\n"
                                  "0.8 :: ex:nationality[?x, ?c] :- ex:bornIn[?x, ?y], ex:cityOf[?y, ?c] .\n"
                                  "0.5 :: ex:speaks[?x, ex:french] :- ex:nationality[?x, ex:france] .\n");
    rs_stats_free(&stats);
    KgQuad q = {iri_id(st, EX "al"), iri_id(st, EX "speaks"), iri_id(st, EX "french"), KG_DEFAULT_GRAPH};
    KgDerivation d;
    KgError err = {0};
    cr_assert_eq(kg_derivation_get(st, &q, &d, &err), KG_OK, "%s", err.msg);
    cr_assert_float_eq(d.confidence, 0.4, 1e-9);
    cr_assert_str_eq(d.rule, "rules.dl:3");
    cr_assert_eq(d.n_premises, 1);
    cr_assert_eq(d.premises[0].p, iri_id(st, EX "nationality"));
    KgQuad nat = d.premises[0];
    cr_assert_eq(kg_derivation_get(st, &nat, &d, &err), KG_OK);
    cr_assert_float_eq(d.confidence, 0.8, 1e-9);
    cr_assert_eq(d.n_premises, 2);
    /* an asserted triple has no derivation */
    KgQuad born = {iri_id(st, EX "al"), iri_id(st, EX "bornIn"), iri_id(st, EX "lyon"), KG_DEFAULT_GRAPH};
    cr_assert_eq(kg_derivation_get(st, &born, &d, &err), KG_ERR_NOT_FOUND);
    kg_store_close(st);
}

/* ex:r(a, b) is first derived with 0.5, two rounds later with 0.9: ex:t(a, b), derived from it
 * in between, must rise to 0.9 too, and the recorded proofs must be the better ones. */
Test(engine, a_better_proof_found_later_raises_what_was_derived_from_it)
{
    KgStore *st = store_with("@prefix ex: <" EX "> .\n"
                             "ex:a ex:p ex:b ; ex:s ex:b .\n");
    RsStats stats = reason_ok(st, "@prefix ex: <" EX "> .\n"
                                  "0.5 :: [?x, ex:r, ?y] :- [?x, ex:p, ?y] .\n"
                                  "[?x, ex:q1, ?y] :- [?x, ex:s, ?y] .\n"
                                  "[?x, ex:q, ?y] :- [?x, ex:q1, ?y] .\n"
                                  "0.9 :: [?x, ex:r, ?y] :- [?x, ex:q, ?y] .\n"
                                  "[?x, ex:t, ?y] :- [?x, ex:r, ?y] .\n"
                                  "0.5 :: [?x, ex:u, ?y] :- [?x, ex:t, ?y] .\n");
    rs_stats_free(&stats);
    KgError err = {0};
    KgDerivation d;
    KgTermId a = iri_id(st, EX "a"), b = iri_id(st, EX "b");
    KgQuad r = {a, iri_id(st, EX "r"), b, KG_DEFAULT_GRAPH};
    cr_assert_eq(kg_derivation_get(st, &r, &d, &err), KG_OK);
    cr_assert_float_eq(d.confidence, 0.9, 1e-9);
    cr_assert_str_eq(d.rule, "rules.dl:5", "the better proof is the one recorded");
    KgQuad t = {a, iri_id(st, EX "t"), b, KG_DEFAULT_GRAPH};
    cr_assert_eq(kg_derivation_get(st, &t, &d, &err), KG_OK);
    cr_assert_float_eq(d.confidence, 0.9, 1e-9);
    KgQuad u = {a, iri_id(st, EX "u"), b, KG_DEFAULT_GRAPH};
    cr_assert_eq(kg_derivation_get(st, &u, &d, &err), KG_OK);
    cr_assert_float_eq(d.confidence, 0.45, 1e-9);
    kg_store_close(st);
}

/* Weighted recursion: the confidence of a path is the best product over the paths, as a
 * Dijkstra-like search over -log weights would give; cycles must not loop. */
Test(engine, weighted_recursion_keeps_the_best_product)
{
    KgStore *st = store_with("@prefix ex: <" EX "> .\n"
                             "ex:n0 ex:e ex:n1 . ex:n1 ex:e ex:n2 . ex:n2 ex:e ex:n0 . ex:n0 ex:f ex:n2 .\n");
    RsStats stats = reason_ok(st, "@prefix ex: <" EX "> .\n"
                                  "0.9 :: [?x, ex:path, ?y] :- [?x, ex:e, ?y] .\n"
                                  "0.5 :: [?x, ex:path, ?y] :- [?x, ex:f, ?y] .\n"
                                  "0.9 :: [?x, ex:path, ?z] :- [?x, ex:path, ?y], [?y, ex:e, ?z] .\n");
    rs_stats_free(&stats);
    KgError err = {0};
    KgDerivation d;
    KgQuad q = {iri_id(st, EX "n0"), iri_id(st, EX "path"), iri_id(st, EX "n2"), KG_DEFAULT_GRAPH};
    cr_assert_eq(kg_derivation_get(st, &q, &d, &err), KG_OK);
    /* n0 -e-> n1 -e-> n2: 0.9 * 0.9 = 0.81 beats the direct f edge (0.5) */
    cr_assert_float_eq(d.confidence, 0.81, 1e-9);
    q.o = iri_id(st, EX "n0"); /* around the cycle: 0.9^3 */
    cr_assert_eq(kg_derivation_get(st, &q, &d, &err), KG_OK);
    cr_assert_float_eq(d.confidence, 0.729, 1e-9);
    kg_store_close(st);
}

/* Weighted closure of a random graph whose edges have three weights: every path triple's
 * confidence must be the best product over the walks, computed here by Floyd-Warshall over
 * (max, *), which weights <= 1 make exact. */
Test(engine, weighted_closure_of_a_random_graph_matches_the_best_products)
{
    enum { N = 40, E = 110 };
    static const double w[3] = {0.9, 0.7, 0.5};
    static double best[N][N];
    memset(best, 0, sizeof best);
    unsigned seed = 777;
    KgBuf doc = {0};
    kg_buf_puts(&doc, "@prefix ex: <" EX "> .\n");
    for (int k = 0; k < E; k++) {
        seed = seed * 1103515245u + 12345u;
        int a = (int)((seed >> 8) % N);
        seed = seed * 1103515245u + 12345u;
        int b = (int)((seed >> 8) % N);
        seed = seed * 1103515245u + 12345u;
        int c = (int)((seed >> 8) % 3);
        if (w[c] > best[a][b]) best[a][b] = w[c];
        kg_buf_printf(&doc, "ex:n%d ex:e%d ex:n%d .\n", a, c, b);
    }
    for (int k = 0; k < N; k++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                if (best[i][k] * best[k][j] > best[i][j]) best[i][j] = best[i][k] * best[k][j];
    KgStore *st = store_with(kg_buf_cstr(&doc));
    kg_buf_free(&doc);
    RsStats stats = reason_ok(st, "@prefix ex: <" EX "> .\n"
                                  "0.9 :: [?x, ex:path, ?y] :- [?x, ex:e0, ?y] .\n"
                                  "0.7 :: [?x, ex:path, ?y] :- [?x, ex:e1, ?y] .\n"
                                  "0.5 :: [?x, ex:path, ?y] :- [?x, ex:e2, ?y] .\n"
                                  "0.9 :: [?x, ex:path, ?z] :- [?x, ex:path, ?y], [?y, ex:e0, ?z] .\n"
                                  "0.7 :: [?x, ex:path, ?z] :- [?x, ex:path, ?y], [?y, ex:e1, ?z] .\n"
                                  "0.5 :: [?x, ex:path, ?z] :- [?x, ex:path, ?y], [?y, ex:e2, ?z] .\n");
    rs_stats_free(&stats);
    KgTermId path = iri_id(st, EX "path");
    size_t n_paths = 0;
    char iri[64];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            if (best[i][j] == 0) continue;
            n_paths++;
            snprintf(iri, sizeof iri, EX "n%d", i);
            KgQuad q = {iri_id(st, iri), path, 0, KG_DEFAULT_GRAPH};
            snprintf(iri, sizeof iri, EX "n%d", j);
            q.o = iri_id(st, iri);
            KgDerivation d;
            KgError err = {0};
            cr_assert_eq(kg_derivation_get(st, &q, &d, &err), KG_OK, "path %d -> %d", i, j);
            cr_assert_float_eq(d.confidence, best[i][j], 1e-12, "path %d -> %d: %g, best %g", i, j,
                               d.confidence, best[i][j]);
        }
    cr_assert_eq(count_matches(st, KG_ANY, path, KG_ANY, KG_ANY_GRAPH), n_paths);
    kg_store_close(st);
}

/* A second run starts from the confidences the first recorded: a triple derived from an
 * earlier weighted conclusion gets the product, not the rule's weight alone. */
Test(engine, reasoning_again_starts_from_the_recorded_confidences)
{
    KgStore *st = store_with("@prefix ex: <" EX "> .\n"
                             "ex:al ex:bornIn ex:lyon . ex:lyon ex:cityOf ex:france .\n");
    const char *rules = "@prefix ex: <" EX "> .\n"
                        "0.8 :: ex:nationality[?x, ?c] :- ex:bornIn[?x, ?y], ex:cityOf[?y, ?c] .\n"
                        "0.5 :: ex:votesIn[?x, ?c] :- ex:nationality[?x, ?c], ex:Adult[?x] .\n";
    RsStats stats = reason_ok(st, rules);
    rs_stats_free(&stats);
    KgLoadOptions opt = {.format = KG_FMT_TURTLE};
    load_ok(st, "more.ttl", "@prefix ex: <" EX "> .\nex:al a ex:Adult .\n", &opt);
    stats = reason_ok(st, rules);
    cr_assert_eq(stats.n_derived, 1);
    rs_stats_free(&stats);
    KgQuad q = {iri_id(st, EX "al"), iri_id(st, EX "votesIn"), iri_id(st, EX "france"), KG_DEFAULT_GRAPH};
    KgDerivation d;
    KgError err = {0};
    cr_assert_eq(kg_derivation_get(st, &q, &d, &err), KG_OK);
    cr_assert_float_eq(d.confidence, 0.4, 1e-9);
    kg_store_close(st);
}

Test(engine, an_interrupted_run_leaves_the_store_as_it_was)
{
    KgBuf doc = {0};
    kg_buf_puts(&doc, "@prefix ex: <" EX "> .\n");
    for (int i = 0; i < 300; i++) kg_buf_printf(&doc, "ex:n%d ex:edge ex:n%d .\n", i, i + 1);
    KgStore *st = store_with(kg_buf_cstr(&doc));
    kg_buf_free(&doc);
    KgStats before = stats_of(st);
    RsProgram *p = NULL;
    KgError err = {0};
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK);
    cr_assert_eq(rs_program_add_text(p, "rules.dl", path_rules, strlen(path_rules), &err), KG_OK);
    kg_interrupt_request();
    KgStatus s = rs_reason(st, p, NULL, NULL, &err);
    kg_interrupt_clear();
    cr_assert_eq(s, KG_ERR_INTERRUPTED, "%s", kg_status_name(s));
    assert_stats_eq(stats_of(st), before);
    rs_program_free(p);
    kg_store_close(st);
}

/* A rule that makes a new term in a recursion derives without end: the limits stop it, with
 * KG_ERR_LIMIT, a message naming the limit and the rule, and the store as it was. */
static const char *const endless_rules =
    "@prefix ex: <" EX "> .\n[?y, ex:next, ?z] :- [?x, ex:next, ?y], BIND(CONCAT(STR(?y), \"x\") AS ?z) .\n";

static void assert_limit_stops(const RsOptions *opt, const char *message)
{
    KgStore *st = store_with("@prefix ex: <" EX "> .\nex:a ex:next ex:b .\n");
    KgStats before = stats_of(st);
    RsProgram *p = NULL;
    KgError err = {0};
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK);
    cr_assert_eq(rs_program_add_text(p, "endless.dl", endless_rules, strlen(endless_rules), &err), KG_OK);
    RsStats stats = {0};
    KgStatus s = rs_reason(st, p, opt, &stats, &err);
    cr_assert_eq(s, KG_ERR_LIMIT, "%s", kg_status_name(s));
    cr_assert(strstr(err.msg, message), "the message names the limit: %s", err.msg);
    /* the rule that derived the most, once one derived (a slow run may time out before) */
    cr_assert(strstr(err.msg, " 0 new triples") || strstr(err.msg, "endless.dl:2"), "the message names the rule: %s",
              err.msg);
    assert_stats_eq(stats_of(st), before);
    rs_stats_free(&stats);
    rs_program_free(p);
    kg_store_close(st);
}

Test(engine, endless_derivation_stops_at_max_derived)
{
    RsOptions opt = {.max_derived = 50};
    assert_limit_stops(&opt, "stopped at 50 new triples");
}

Test(engine, endless_derivation_stops_at_the_timeout)
{
    RsOptions opt = {.timeout = 0.2};
    assert_limit_stops(&opt, "stopped after 0.2 s");
}

Test(engine, a_run_that_derives_exactly_max_derived_is_not_stopped)
{
    KgStore *st = store_with("@prefix ex: <" EX "> .\nex:a ex:edge ex:b . ex:b ex:edge ex:c . ex:c ex:edge ex:d .\n");
    RsProgram *p = NULL;
    KgError err = {0};
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK);
    cr_assert_eq(rs_program_add_text(p, "rules.dl", path_rules, strlen(path_rules), &err), KG_OK);
    RsStats stats = {0};
    /* paths over 3 edges: 6 */
    RsOptions opt = {.max_derived = 6};
    cr_assert_eq(rs_reason(st, p, &opt, &stats, &err), KG_OK, "%s", err.msg);
    cr_assert_eq(stats.n_derived, 6);
    rs_stats_free(&stats);
    rs_program_free(p);
    kg_store_close(st);
}
