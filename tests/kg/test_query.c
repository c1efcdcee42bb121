/* tests/kg/test_query.c: SPARQL queries end to end (kg_query_* in kg/query.c, compiled by
 * kg/sparql_compile.c): each test loads a small Turtle or TriG text and checks the answers
 * of one construct, written as sorted "?var=term" rows, plus the join order the planner
 * pins and the refusals of what nous does not answer. */
#include "helpers.h"

static const char *const people =
    "@prefix ex: <http://example.org/> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "ex:alice a ex:Person ; ex:name \"Alice\" ; ex:age 30 ; ex:knows ex:bob , ex:carol ;\n"
    "         ex:born \"1994-03-01\"^^xsd:date .\n"
    "ex:bob a ex:Person ; ex:name \"Bob\"@en ; ex:age 9 ; ex:knows ex:carol ;\n"
    "       ex:born \"2015-11-20\"^^xsd:date .\n"
    "ex:carol a ex:Person ; ex:name \"Carol\" ; ex:age 10 .\n"
    "ex:dave a ex:Robot ; ex:name \"dave\" .\n"
    "_:x ex:knows ex:alice .\n";

static KgStore *store_with(const char *doc)
{
    KgStore *store = open_store(":memory:");
    KgLoadOptions opt = {.format = KG_FMT_TRIG};
    load_ok(store, "data.trig", doc, &opt);
    return store;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Runs `sparql`; returns its rows as "v1=t1 v2=t2" lines (short terms, unbound left out),
 * sorted unless `ordered`, joined by '\n'. Caller frees. */
static char *answers(KgStore *store, const char *sparql, int ordered)
{
    KgQuery *q = NULL;
    KgError err = {0};
    KgStatus s = kg_query_prepare(store, sparql, strlen(sparql), "query", &q, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "prepare: %s\n%s", where, sparql);
    char **rows = NULL;
    size_t n = 0;
    KgBuf row = {0};
    if (kg_query_form(q) == KG_QUERY_ASK) {
        s = kg_query_next(q, &err);
        cr_assert(s == KG_OK || s == KG_DONE, "%s", err.msg);
        char *r = strdup(s == KG_OK ? "yes" : "no");
        kg_query_free(q);
        return r;
    }
    while ((s = kg_query_next(q, &err)) == KG_OK) {
        row.len = 0;
        for (size_t i = 0; i < kg_query_n_columns(q); i++) {
            KgTerm t;
            if (!kg_query_value(q, i, &t)) continue;
            kg_buf_printf(&row, "%s%s=", row.len ? " " : "", kg_query_column(q, i));
            kg_term_write_short(store, &t, &row);
        }
        rows = realloc(rows, (n + 1) * sizeof *rows);
        rows[n++] = strdup(kg_buf_cstr(&row));
    }
    cr_assert_eq(s, KG_DONE, "next: %s", err.msg);
    kg_query_free(q);
    kg_buf_free(&row);
    if (!ordered && n) qsort(rows, n, sizeof *rows, cmp_str);
    KgBuf all = {0};
    for (size_t i = 0; i < n; i++) {
        kg_buf_printf(&all, "%s%s", i ? "\n" : "", rows[i]);
        free(rows[i]);
    }
    free(rows);
    char *r = strdup(kg_buf_cstr(&all));
    kg_buf_free(&all);
    return r;
}

static void expect(KgStore *store, const char *sparql, const char *want)
{
    char *got = answers(store, sparql, 0);
    cr_assert_str_eq(got, want, "query:\n%s\ngot:\n%s\nwant:\n%s", sparql, got, want);
    free(got);
}

static void expect_ordered(KgStore *store, const char *sparql, const char *want)
{
    char *got = answers(store, sparql, 1);
    cr_assert_str_eq(got, want, "query:\n%s\ngot:\n%s\nwant:\n%s", sparql, got, want);
    free(got);
}

#define EX "PREFIX ex: <http://example.org/> "

Test(query, basic_graph_pattern)
{
    KgStore *st = store_with(people);
    kg_prefix_set(st, "ex", "http://example.org/", NULL);
    expect(st, EX "SELECT ?x ?n WHERE { ?x a ex:Person ; ex:name ?n . ?x ex:knows ex:carol }",
           "x=ex:alice n=\"Alice\"\nx=ex:bob n=\"Bob\"@en");
    expect(st, EX "SELECT ?y WHERE { ex:alice ex:knows ?x . ?x ex:knows ?y }", "y=ex:carol");
    expect(st, EX "SELECT * WHERE { ex:nobody ex:knows ?x }", "");
    kg_store_close(st);
}

Test(query, filters_compare_typed_values)
{
    KgStore *st = store_with(people);
    kg_prefix_set(st, "ex", "http://example.org/", NULL);
    /* 9 < 10 as numbers, though "9" > "10" as strings */
    expect(st, EX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a < 10) }", "x=ex:bob");
    expect(st, EX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a >= 10 && ?a != 30) }", "x=ex:carol");
    expect(st, EX "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT ?x WHERE { ?x ex:born ?d "
                  "FILTER(?d > \"2000-01-01\"^^xsd:date) }",
           "x=ex:bob");
    expect(st, EX "SELECT ?x WHERE { ?x ex:name ?n FILTER(regex(?n, \"^[a-c]\", \"i\")) }",
           "x=ex:alice\nx=ex:bob\nx=ex:carol");
    expect(st, EX "SELECT ?x WHERE { ?x ex:name ?n FILTER(lang(?n) = \"en\") }", "x=ex:bob");
    expect(st, EX "SELECT ?x WHERE { ?x ex:name ?n FILTER(isLiteral(?n) && !contains(str(?n), \"o\") "
                  "&& !strstarts(?n, \"d\")) }",
           "x=ex:alice");
    expect(st, EX "SELECT ?y WHERE { ?x ex:knows ?y FILTER(isBlank(?x)) }", "y=ex:alice");
    kg_store_close(st);
}

Test(query, optional_union_minus_exists)
{
    KgStore *st = store_with(people);
    kg_prefix_set(st, "ex", "http://example.org/", NULL);
    expect(st, EX "SELECT ?x ?a WHERE { ?x ex:name ?n OPTIONAL { ?x ex:age ?a FILTER(?a > 9) } }",
           "x=ex:alice a=30\nx=ex:bob\nx=ex:carol a=10\nx=ex:dave");
    expect(st, EX "SELECT ?x WHERE { ?x ex:name ?n OPTIONAL { ?x ex:age ?a } FILTER(!bound(?a)) }",
           "x=ex:dave");
    expect(st, EX "SELECT ?x WHERE { { ?x a ex:Robot } UNION { ?x ex:age 9 } }", "x=ex:bob\nx=ex:dave");
    expect(st, EX "SELECT ?x WHERE { ?x a ex:Person MINUS { ?x ex:knows ex:carol } }", "x=ex:carol");
    expect(st, EX "SELECT ?x WHERE { ?x a ex:Person FILTER NOT EXISTS { ?y ex:knows ?x } }", "");
    expect(st, EX "SELECT ?x WHERE { ?x a ex:Person FILTER EXISTS { ?x ex:knows ?y . ?y ex:age 9 } }",
           "x=ex:alice");
    kg_store_close(st);
}

Test(query, values_bind_and_projection)
{
    KgStore *st = store_with(people);
    kg_prefix_set(st, "ex", "http://example.org/", NULL);
    expect(st, EX "SELECT ?x ?a WHERE { VALUES ?x { ex:bob ex:carol ex:zed } ?x ex:age ?a }",
           "x=ex:bob a=9\nx=ex:carol a=10");
    expect(st, EX "SELECT ?x ?b WHERE { ?x ex:age ?a BIND(?a * 2 AS ?b) FILTER(?b > 19) }",
           "x=ex:alice b=60\nx=ex:carol b=20");
    expect(st, EX "SELECT (ucase(?n) AS ?u) WHERE { ex:dave ex:name ?n }", "u=\"DAVE\"");
    expect(st, EX "SELECT DISTINCT ?c WHERE { ?x a ?c }", "c=ex:Person\nc=ex:Robot");
    kg_store_close(st);
}

Test(query, aggregates_order_limit)
{
    KgStore *st = store_with(people);
    kg_prefix_set(st, "ex", "http://example.org/", NULL);
    expect(st, EX "SELECT ?c (COUNT(*) AS ?n) WHERE { ?x a ?c } GROUP BY ?c",
           "c=ex:Person n=3\nc=ex:Robot n=1");
    expect(st, EX "SELECT (SUM(?a) AS ?s) (MIN(?a) AS ?lo) (MAX(?a) AS ?hi) (AVG(?a) AS ?m) "
                  "WHERE { ?x ex:age ?a }",
           "s=49 lo=9 hi=30 m=16.333333333333333333");
    expect(st, EX "SELECT ?x (COUNT(?y) AS ?n) WHERE { ?x ex:knows ?y } GROUP BY ?x HAVING (COUNT(?y) > 1)",
           "x=ex:alice n=2");
    expect_ordered(st, EX "SELECT ?x WHERE { ?x ex:age ?a } ORDER BY DESC(?a)",
                   "x=ex:alice\nx=ex:carol\nx=ex:bob");
    expect_ordered(st, EX "SELECT ?x WHERE { ?x ex:age ?a } ORDER BY ?a LIMIT 2 OFFSET 1",
                   "x=ex:carol\nx=ex:alice");
    kg_store_close(st);
}

Test(query, ask_construct_and_graphs)
{
    KgStore *st = store_with("@prefix ex: <http://example.org/> .\n"
                             "ex:a ex:p ex:b . ex:b ex:p ex:c .\n"
                             "ex:g1 { ex:a ex:q 1 . ex:a ex:q 2 }\n"
                             "ex:g2 { ex:b ex:q 3 }\n");
    kg_prefix_set(st, "ex", "http://example.org/", NULL);
    expect(st, EX "ASK { ex:a ex:p ex:b }", "yes");
    expect(st, EX "ASK { ex:a ex:p ex:c }", "no");
    expect(st, EX "CONSTRUCT { ?y ex:back ?x . ?y ex:back ?x } WHERE { ?x ex:p ?y }",
           "subject=ex:b predicate=ex:back object=ex:a\nsubject=ex:c predicate=ex:back object=ex:b");
    expect(st, EX "SELECT ?g ?v WHERE { GRAPH ?g { ?s ex:q ?v } }",
           "g=ex:g1 v=1\ng=ex:g1 v=2\ng=ex:g2 v=3");
    expect(st, EX "SELECT ?v WHERE { GRAPH ex:g2 { ?s ex:q ?v } }", "v=3");
    /* the default graph holds only what was loaded outside any graph */
    expect(st, EX "SELECT ?v WHERE { ?s ex:q ?v }", "");
    kg_store_close(st);
}

Test(query, join_order_starts_from_the_rare_pattern)
{
    KgStore *st = open_store(":memory:");
    KgBuf doc = {0};
    kg_buf_puts(&doc, "@prefix ex: <http://example.org/> .\n");
    for (int i = 0; i < 500; i++) kg_buf_printf(&doc, "ex:s%d a ex:Student ; ex:takes ex:c%d .\n", i, i % 50);
    kg_buf_puts(&doc, "ex:s7 ex:advisor ex:prof .\n");
    KgLoadOptions opt = {.format = KG_FMT_TURTLE};
    load_ok(st, "big.ttl", kg_buf_cstr(&doc), &opt);
    kg_buf_free(&doc);
    const char *sparql = EX "SELECT ?s WHERE { ?s a ex:Student . ?s ex:takes ?c . ?s ex:advisor ex:prof }";
    KgQuery *q = NULL;
    KgError err = {0};
    cr_assert_eq(kg_query_prepare(st, sparql, strlen(sparql), "query", &q, &err), KG_OK, "%s", err.msg);
    const char *ex = kg_query_explain(q);
    const char *first = strstr(ex, "t0");
    cr_assert_not_null(first, "%s", ex);
    cr_assert(strncmp(strchr(first, '?'), "?s <http://example.org/advisor>", 31) == 0 ||
                  strstr(first, "advisor") < strstr(first, "Student"),
              "the rare pattern should come first:\n%s", ex);
    cr_assert_not_null(strstr(ex, "CROSS JOIN"), "%s", ex);
    kg_query_free(q);
    expect(st, sparql, "s=ex:s7");
    kg_store_close(st);
}

static void expect_refused(const char *sparql, unsigned long line, unsigned long col, const char *words)
{
    KgStore *st = store_with(people);
    KgQuery *q = NULL;
    KgError err = {0};
    KgStatus s = kg_query_prepare(st, sparql, strlen(sparql), "q.rq", &q, &err);
    cr_assert_eq(s, KG_ERR_SYNTAX, "%s: %s", sparql, kg_status_name(s));
    cr_assert_null(q);
    cr_assert_str_eq(err.file, "q.rq");
    cr_assert_eq(err.line, line, "%s: line %lu (%s)", sparql, err.line, err.msg);
    cr_assert_eq(err.col, col, "%s: col %lu (%s)", sparql, err.col, err.msg);
    cr_assert_not_null(strstr(err.msg, words), "message '%s' lacks '%s'", err.msg, words);
    kg_store_close(st);
}

Test(query, refusals_name_the_construct_and_position)
{
    expect_refused(EX "SELECT ?x WHERE {\n  ?x ex:knows/ex:knows ?y }", 2, 14, "property path");
    expect_refused(EX "SELECT ?x ?n WHERE { ?x ex:name ?n } GROUP BY ?x", 1, 44, "?n");
    expect_refused(EX "SELECT ?x WHERE { ?x ex:age ?a BIND(1 AS ?a) }", 1, 65, "BIND");
}

Test(query, interrupted_query_stops)
{
    KgStore *st = store_with(people);
    const char *sparql = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    KgQuery *q = NULL;
    KgError err = {0};
    cr_assert_eq(kg_query_prepare(st, sparql, strlen(sparql), "query", &q, &err), KG_OK, "%s", err.msg);
    kg_interrupt_request();
    cr_assert_eq(kg_query_next(q, &err), KG_ERR_INTERRUPTED);
    kg_interrupt_clear();
    kg_query_free(q);
    kg_store_close(st);
}
