/* tests/kg/test_sparql_parse.c: the SPARQL parser (kg/sparql_parse.c, kg/sparql_lex.c): the
 * tree each construct builds (element kinds, variables, expanded and resolved IRIs, typed
 * literals, modifiers), the constructs refused by name at their line:column, syntax errors,
 * and robustness: truncated and mutated input, text without a NUL, failed allocations. */
#include "helpers.h"

#include "kg/sparql.h"

static KgStore *store;
static KgArena *arena;

static void setup(void)
{
    store = open_store(":memory:");
    arena = kg_arena_new(4096);
    cr_assert_not_null(arena);
}

static void teardown(void)
{
    kg_arena_free(arena);
    kg_store_close(store);
}

TestSuite(sparql_parse, .init = setup, .fini = teardown);

#define EX "http://example.org/"
#define XSD KG_NS_XSD
#define RDF KG_NS_RDF

static SpQuery *parse(const char *text)
{
    SpQuery *q = NULL;
    KgError err = {0};
    KgStatus s = sp_parse(store, text, strlen(text), "q.rq", arena, &q, &err);
    char msg[400];
    kg_error_format(&err, msg, sizeof msg);
    cr_assert_eq(s, KG_OK, "parsing failed: %s\n%s", msg, text);
    cr_assert_not_null(q);
    return q;
}

/* The query must fail with exactly this "q.rq:LINE:COL: message". */
static void parse_fails(const char *text, const char *expected)
{
    SpQuery *q = (SpQuery *)1;
    KgError err = {0};
    KgStatus s = sp_parse(store, text, strlen(text), "q.rq", arena, &q, &err);
    char msg[400];
    kg_error_format(&err, msg, sizeof msg);
    cr_assert_eq(s, KG_ERR_SYNTAX, "expected a syntax error for:\n%s\ngot %s (%s)", text,
                 kg_status_name(s), msg);
    cr_assert_null(q);
    cr_assert_str_eq(msg, expected, "for:\n%.300s\ngot:  %s\nwant: %s", text, msg, expected);
}

static const SpElem *elem(const SpGroup *g, size_t i)
{
    cr_assert_lt(i, g->n_elems, "element %zu of %zu", i, g->n_elems);
    return &g->elems[i];
}

static void assert_var(const SpNode *n, const char *name)
{
    cr_assert(n->is_var, "expected variable %s", name);
    cr_assert_str_eq(n->var, name);
}

static void assert_iri_term(const KgTerm *t, const char *iri)
{
    cr_assert_eq(t->kind, KG_TERM_IRI, "expected <%s>", iri);
    cr_assert_str_eq(t->lex, iri);
    cr_assert_eq(t->lex_len, strlen(iri));
}

static void assert_iri(const SpNode *n, const char *iri)
{
    cr_assert(!n->is_var, "expected <%s>, found a variable", iri);
    assert_iri_term(&n->term, iri);
}

static void assert_lit(const KgTerm *t, const char *lex, const char *dt, const char *lang)
{
    cr_assert_eq(t->kind, KG_TERM_LITERAL);
    cr_assert_eq(t->lex_len, strlen(lex));
    cr_assert_str_eq(t->lex, lex);
    if (dt)
        cr_assert_str_eq(t->datatype, dt);
    else
        cr_assert_null(t->datatype, "datatype %s", t->datatype);
    if (lang)
        cr_assert_str_eq(t->lang, lang);
    else
        cr_assert_null(t->lang);
}

static void assert_blank(const SpNode *n, const char *label)
{
    cr_assert(!n->is_var);
    cr_assert_eq(n->term.kind, KG_TERM_BLANK);
    cr_assert_str_eq(n->term.lex, label);
}

static const SpTriple *triple(const SpGroup *g, size_t i)
{
    const SpElem *e = elem(g, i);
    cr_assert_eq(e->kind, SP_EL_TRIPLE, "element %zu is not a triple", i);
    return &e->triple;
}

/* The FILTER expression of a one-filter query. */
static const SpExpr *filter_expr(const char *text)
{
    SpQuery *q = parse(text);
    const SpElem *e = elem(q->where, q->where->n_elems - 1);
    cr_assert_eq(e->kind, SP_EL_FILTER);
    return e->expr;
}

static const SpExpr *filter_of(const char *expr)
{
    char text[512];
    snprintf(text, sizeof text, "PREFIX ex: <" EX "> ASK { ?s ?p ?o FILTER(%s) }", expr);
    return filter_expr(text);
}

/* ------------------------------------------------------------ the query forms */

Test(sparql_parse, lubm_query_gives_two_triple_patterns)
{
    SpQuery *q = parse("PREFIX ub: <http://swat.cse.lehigh.edu/onto/univ-bench.owl#>\n"
                       "SELECT ?X WHERE { ?X a ub:GraduateStudent . ?X ub:takesCourse "
                       "<http://www.Department0.University0.edu/GraduateCourse0> }");
    cr_assert_eq(q->form, SP_SELECT);
    cr_assert_eq(q->n_proj, 1);
    cr_assert_str_eq(q->proj[0].var, "X");
    cr_assert_null(q->proj[0].expr);
    cr_assert_not(q->select_star || q->distinct || q->reduced);
    cr_assert_eq(q->where->n_elems, 2);
    const SpTriple *t = triple(q->where, 0);
    assert_var(&t->s, "X");
    assert_iri(&t->p, KG_RDF_TYPE);
    assert_iri(&t->o, "http://swat.cse.lehigh.edu/onto/univ-bench.owl#GraduateStudent");
    t = triple(q->where, 1);
    assert_var(&t->s, "X");
    assert_iri(&t->p, "http://swat.cse.lehigh.edu/onto/univ-bench.owl#takesCourse");
    assert_iri(&t->o, "http://www.Department0.University0.edu/GraduateCourse0");
    cr_assert_eq(q->limit, -1);
    cr_assert_eq(q->offset, 0);
    cr_assert_null(q->values);
    cr_assert_eq(q->n_group_by + q->n_having + q->n_order, 0);
    // Positions: the subject's token, 1-based line and column.
    cr_assert_eq(elem(q->where, 1)->pos.line, 2);
    cr_assert_eq(elem(q->where, 1)->pos.col, 45);
    cr_assert_eq(q->where->pos.line, 2);
    cr_assert_eq(q->where->pos.col, 17);
}

Test(sparql_parse, select_star_distinct_and_reduced)
{
    SpQuery *q = parse("select distinct * { ?s ?p ?o }");
    cr_assert(q->select_star && q->distinct && !q->reduced);
    cr_assert_eq(q->n_proj, 0);
    q = parse("SELECT REDUCED ?s $p WHERE { ?s $p ?o }");
    cr_assert(q->reduced && !q->distinct && !q->select_star);
    cr_assert_eq(q->n_proj, 2);
    cr_assert_str_eq(q->proj[1].var, "p");
    // ?p and $p are the same variable.
    assert_var(&triple(q->where, 0)->p, "p");
}

Test(sparql_parse, select_expressions_and_aggregates)
{
    SpQuery *q = parse("SELECT ?g (COUNT(*) AS ?n) (count(distinct ?x) AS ?d) (SUM(?x) AS ?s)\n"
                       "  (GROUP_CONCAT(DISTINCT ?x ; SEPARATOR = \", \") AS ?all)\n"
                       "  (SAMPLE(?x) AS ?one) (AVG(?x)+1 AS ?a)\n"
                       "WHERE { ?g ?p ?x } GROUP BY ?g");
    cr_assert_eq(q->n_proj, 7);
    const SpExpr *e = q->proj[1].expr;
    cr_assert_str_eq(q->proj[1].var, "n");
    cr_assert_eq(e->kind, SP_E_AGG);
    cr_assert_eq(e->agg, SP_A_COUNT);
    cr_assert(e->star && !e->distinct);
    cr_assert_eq(e->n_args, 0);
    e = q->proj[2].expr;
    cr_assert(e->kind == SP_E_AGG && e->agg == SP_A_COUNT && e->distinct && !e->star);
    cr_assert_eq(e->n_args, 1);
    cr_assert_str_eq(e->args[0]->var, "x");
    cr_assert_eq(q->proj[3].expr->agg, SP_A_SUM);
    e = q->proj[4].expr;
    cr_assert_eq(e->agg, SP_A_GROUP_CONCAT);
    cr_assert(e->distinct);
    cr_assert_str_eq(e->separator, ", ");
    cr_assert_eq(q->proj[5].expr->agg, SP_A_SAMPLE);
    cr_assert_null(q->proj[5].expr->separator);
    e = q->proj[6].expr;
    cr_assert_eq(e->kind, SP_E_ADD);
    cr_assert_eq(e->args[0]->kind, SP_E_AGG);
    cr_assert_eq(e->args[0]->agg, SP_A_AVG);
    // The projection's position is its '('.
    cr_assert_eq(q->proj[1].pos.line, 1);
    cr_assert_eq(q->proj[1].pos.col, 11);
}

Test(sparql_parse, ask_and_optional_where_keyword)
{
    SpQuery *q = parse("ASK { <" EX "a> ?p ?o }");
    cr_assert_eq(q->form, SP_ASK);
    assert_iri(&triple(q->where, 0)->s, EX "a");
    q = parse("ASK WHERE {}");
    cr_assert_eq(q->where->n_elems, 0);
}

Test(sparql_parse, construct_template_keeps_blank_nodes_as_terms)
{
    SpQuery *q = parse("PREFIX ex: <" EX ">\n"
                       "CONSTRUCT { ?s ex:knows _:k . _:k ex:name ?n ; ex:tag [ ex:v 1 ] }\n"
                       "WHERE { ?s ex:friend _:f . _:f ex:name ?n }");
    cr_assert_eq(q->form, SP_CONSTRUCT);
    cr_assert_eq(q->n_tmpl, 4);
    assert_var(&q->tmpl[0].s, "s");
    assert_blank(&q->tmpl[0].o, "k");
    assert_blank(&q->tmpl[1].s, "k");
    assert_iri(&q->tmpl[1].p, EX "name");
    // [ ex:v 1 ]: its own triple first, then the one that uses it.
    cr_assert_eq(q->tmpl[2].s.term.kind, KG_TERM_BLANK);
    assert_lit(&q->tmpl[2].o.term, "1", XSD "integer", NULL);
    assert_blank(&q->tmpl[3].s, "k");
    cr_assert_str_eq(q->tmpl[3].o.term.lex, q->tmpl[2].s.term.lex);
    cr_assert_str_neq(q->tmpl[2].s.term.lex, "k");
    // In the pattern the same labels are variables.
    assert_var(&triple(q->where, 0)->o, ".bf");
    assert_var(&triple(q->where, 1)->s, ".bf");
}

Test(sparql_parse, construct_where_short_form)
{
    SpQuery *q =
        parse("PREFIX ex: <" EX ">\nCONSTRUCT WHERE { ?s ex:p _:b . _:b ex:q [] } LIMIT 3");
    cr_assert_eq(q->form, SP_CONSTRUCT);
    cr_assert_eq(q->where->n_elems, 2);
    cr_assert_eq(q->n_tmpl, 2);
    assert_var(&triple(q->where, 0)->o, ".bb");
    assert_blank(&q->tmpl[0].o, "b");
    assert_blank(&q->tmpl[1].s, "b");
    cr_assert_eq(q->tmpl[1].o.term.kind, KG_TERM_BLANK);
    cr_assert_eq(q->limit, 3);
    parse_fails("CONSTRUCT WHERE { ?s ?p ?o FILTER(?o) }",
                "q.rq:1:28: CONSTRUCT WHERE takes only triple patterns");
}

/* ------------------------------------------------------------ prefixes and IRIs */

Test(sparql_parse, prefixes_from_query_then_store)
{
    load_ok(store, "p.ttl", "@prefix shop: <http://shop.example/> .\nshop:a shop:b shop:c .\n",
            NULL);
    SpQuery *q = parse("PREFIX ex: <" EX ">\nPREFIX shop: <http://override/>\n"
                       "SELECT * { ex:a rdfs:label ?l ; shop:x ex:y . }");
    cr_assert_eq(q->where->n_elems, 2);
    assert_iri(&triple(q->where, 0)->s, EX "a");
    assert_iri(&triple(q->where, 0)->p, KG_NS_RDFS "label");
    // The query's declaration wins over the store's.
    assert_iri(&triple(q->where, 1)->p, "http://override/x");
    q = parse("SELECT * { shop:a owl:sameAs ?x }");
    assert_iri(&triple(q->where, 0)->s, "http://shop.example/a");
    assert_iri(&triple(q->where, 0)->p, KG_NS_OWL "sameAs");
}

Test(sparql_parse, empty_prefix_and_local_name_escapes)
{
    SpQuery *q = parse("PREFIX : <" EX ">\nSELECT * { : :p\\.x :a%41b, :1.5, :a.b. }");
    const SpTriple *t = triple(q->where, 0);
    assert_iri(&t->s, EX);
    assert_iri(&t->p, EX "p.x");
    assert_iri(&t->o, EX "a%41b");
    assert_iri(&triple(q->where, 1)->o, EX "1.5");
    assert_iri(&triple(q->where, 2)->o, EX "a.b"); /* the last '.' ends the triple */
    q = parse("PREFIX ex: <" EX ">\nASK { ex:a\\~b ex:c\\/d ex:e\\#f:g }");
    assert_iri(&triple(q->where, 0)->s, EX "a~b");
    assert_iri(&triple(q->where, 0)->p, EX "c/d");
    assert_iri(&triple(q->where, 0)->o, EX "e#f:g");
}

Test(sparql_parse, unknown_prefix_fails_at_the_name)
{
    parse_fails("SELECT * WHERE {\n  ?s ex:p ?o }", "q.rq:2:6: unknown prefix 'ex:'");
    parse_fails("PREFIX ex: <" EX ">\nASK { ?s ?p nope:o }", "q.rq:2:13: unknown prefix 'nope:'");
}

Test(sparql_parse, base_resolves_relative_iris)
{
    SpQuery *q = parse("BASE <http://a/b/c/d;p?q>\nPREFIX r: <../ns#>\n"
                       "SELECT * { <g> <../g> <#frag> . <../../../g> r:x <http://abs/./x> . "
                       "<> ?p \"x\"^^<dt> }");
    const SpTriple *t = triple(q->where, 0);
    assert_iri(&t->s, "http://a/b/c/g");
    assert_iri(&t->p, "http://a/b/g");
    assert_iri(&t->o, "http://a/b/c/d;p?q#frag");
    t = triple(q->where, 1);
    assert_iri(&t->s, "http://a/g");
    assert_iri(&t->p, "http://a/b/ns#x");
    assert_iri(&t->o, "http://abs/x"); /* dot segments go from absolute IRIs too */
    t = triple(q->where, 2);
    assert_iri(&t->s, "http://a/b/c/d;p?q");
    assert_lit(&t->o.term, "x", "http://a/b/c/dt", NULL);
    // A second BASE is resolved against the first.
    q = parse("BASE <http://a/b/> BASE <c/> ASK { <d> ?p ?o }");
    assert_iri(&triple(q->where, 0)->s, "http://a/b/c/d");
}

Test(sparql_parse, without_base_relative_iris_stay_as_written)
{
    SpQuery *q = parse("ASK { <rel/x> <#p> <\\u0041\\U00000042> }");
    const SpTriple *t = triple(q->where, 0);
    assert_iri(&t->s, "rel/x");
    assert_iri(&t->p, "#p");
    assert_iri(&t->o, "AB");
    parse_fails("BASE <rel/> ASK {}", "q.rq:1:6: the base <rel/> is not an absolute IRI");
}

/* ------------------------------------------------------------ triples and blank nodes */

Test(sparql_parse, predicate_and_object_lists)
{
    SpQuery *q = parse("PREFIX ex: <" EX ">\n"
                       "SELECT * { ?s a ex:C ; ex:p ?a , ?b ; ; ex:q ?c ; . ?t ex:r ?u }");
    cr_assert_eq(q->where->n_elems, 5);
    assert_iri(&triple(q->where, 0)->p, KG_RDF_TYPE);
    assert_var(&triple(q->where, 1)->o, "a");
    assert_var(&triple(q->where, 2)->o, "b");
    assert_iri(&triple(q->where, 2)->p, EX "p");
    assert_var(&triple(q->where, 3)->s, "s");
    assert_var(&triple(q->where, 3)->o, "c");
    assert_var(&triple(q->where, 4)->s, "t");
}

Test(sparql_parse, blank_nodes_in_patterns_become_dot_variables)
{
    SpQuery *q = parse("PREFIX ex: <" EX ">\n"
                       "SELECT * { _:x ex:p [] . ?y ex:q _:x . [ ex:r ?z ; ex:s 2 ] ex:t ?w . "
                       "[ ex:only 1 ] }");
    const SpTriple *t = triple(q->where, 0);
    assert_var(&t->s, ".bx");
    assert_var(&t->o, ".anon1");
    assert_var(&triple(q->where, 1)->o, ".bx");
    // [ ex:r ?z ; ex:s 2 ] ex:t ?w: the inner triples, then the outer one.
    assert_var(&triple(q->where, 2)->s, ".anon2");
    assert_iri(&triple(q->where, 2)->p, EX "r");
    assert_var(&triple(q->where, 3)->s, ".anon2");
    assert_lit(&triple(q->where, 3)->o.term, "2", XSD "integer", NULL);
    assert_var(&triple(q->where, 4)->s, ".anon2");
    assert_iri(&triple(q->where, 4)->p, EX "t");
    // A blank-node property list alone is a pattern.
    assert_var(&triple(q->where, 5)->s, ".anon3");
    cr_assert_eq(q->where->n_elems, 6);
}

Test(sparql_parse, collections_expand_to_first_rest_nil)
{
    SpQuery *q = parse("PREFIX ex: <" EX ">\nASK { ?s ex:list (1 ?x ( ex:a )) . ?t ex:empty () }");
    // (1 ?x (ex:a)): cells c1 c2 c3 and inner d1.
    const SpGroup *g = q->where;
    cr_assert_eq(g->n_elems, 10);
    const SpTriple *t = triple(g, 0);
    assert_var(&t->s, ".anon1");
    assert_iri(&t->p, RDF "first");
    assert_lit(&t->o.term, "1", XSD "integer", NULL);
    t = triple(g, 1);
    assert_var(&t->s, ".anon1");
    assert_iri(&t->p, RDF "rest");
    assert_var(&t->o, ".anon2");
    assert_var(&triple(g, 2)->o, "x");
    assert_var(&triple(g, 3)->o, ".anon3");
    t = triple(g, 4); /* the inner list's cell */
    assert_var(&t->s, ".anon4");
    assert_iri(&t->o, EX "a");
    assert_iri(&triple(g, 5)->o, RDF "nil");
    t = triple(g, 6);
    assert_var(&t->s, ".anon3");
    assert_var(&t->o, ".anon4");
    t = triple(g, 7);
    assert_var(&t->s, ".anon3");
    assert_iri(&t->p, RDF "rest");
    assert_iri(&t->o, RDF "nil");
    t = triple(g, 8);
    assert_var(&t->s, "s");
    assert_var(&t->o, ".anon1");
    t = triple(g, 9);
    assert_var(&t->s, "t");
    assert_iri(&t->o, RDF "nil");
}

/* ------------------------------------------------------------ literals */

Test(sparql_parse, string_literals_with_escapes_languages_and_datatypes)
{
    SpQuery *q = parse("PREFIX xsd: <" XSD ">\nASK { ?s ?p "
                       "\"a\\tb\\u00E9\\U0001F600\", 'single \\' quote', \"\"\"long \"q\" \n"
                       "line\"\"\", '''x''y''', \"chat\"@EN-gb, \"5\"^^xsd:int, "
                       "\"s\"^^xsd:string, \"t\"^^<" XSD "string>, \"\" }");
    const SpGroup *g = q->where;
    cr_assert_eq(g->n_elems, 9);
    assert_lit(&triple(g, 0)->o.term, "a\tb\xC3\xA9\xF0\x9F\x98\x80", NULL, NULL);
    assert_lit(&triple(g, 1)->o.term, "single ' quote", NULL, NULL);
    assert_lit(&triple(g, 2)->o.term, "long \"q\" \nline", NULL, NULL);
    assert_lit(&triple(g, 3)->o.term, "x''y", NULL, NULL);
    assert_lit(&triple(g, 4)->o.term, "chat", NULL, "en-gb");
    assert_lit(&triple(g, 5)->o.term, "5", XSD "int", NULL);
    // xsd:string is the plain literal.
    assert_lit(&triple(g, 6)->o.term, "s", NULL, NULL);
    assert_lit(&triple(g, 7)->o.term, "t", NULL, NULL);
    assert_lit(&triple(g, 8)->o.term, "", NULL, NULL);
    cr_assert_eq(triple(g, 8)->o.pos.line, 3);
}

Test(sparql_parse, escaped_nul_is_kept_with_its_length)
{
    SpQuery *q = parse("ASK { ?s ?p \"a\\u0000b\" }");
    const KgTerm *t = &triple(q->where, 0)->o.term;
    cr_assert_eq(t->lex_len, 3);
    cr_assert_eq(memcmp(t->lex, "a\0b", 4), 0);
}

Test(sparql_parse, numbers_and_booleans_are_typed_as_written)
{
    SpQuery *q = parse("ASK { ?s ?p 42, -5, +1.50, 1e3, .5E-2, 2.E1, true, FALSE . }");
    const SpGroup *g = q->where;
    cr_assert_eq(g->n_elems, 8);
    assert_lit(&triple(g, 0)->o.term, "42", XSD "integer", NULL);
    assert_lit(&triple(g, 1)->o.term, "-5", XSD "integer", NULL);
    assert_lit(&triple(g, 2)->o.term, "+1.50", XSD "decimal", NULL);
    assert_lit(&triple(g, 3)->o.term, "1e3", XSD "double", NULL);
    assert_lit(&triple(g, 4)->o.term, ".5E-2", XSD "double", NULL);
    assert_lit(&triple(g, 5)->o.term, "2.E1", XSD "double", NULL);
    assert_lit(&triple(g, 6)->o.term, "true", XSD "boolean", NULL);
    assert_lit(&triple(g, 7)->o.term, "false", XSD "boolean", NULL);
    // "1." is the integer 1 and the end of the triple.
    q = parse("ASK { ?s ?p 1. ?s ?q 2 }");
    assert_lit(&triple(q->where, 0)->o.term, "1", XSD "integer", NULL);
    cr_assert_eq(q->where->n_elems, 2);
}

/* ------------------------------------------------------------ group graph patterns */

Test(sparql_parse, every_kind_of_group_element_in_order)
{
    SpQuery *q = parse("PREFIX ex: <" EX ">\n"
                       "SELECT * WHERE {\n"
                       "  ?s ex:p ?o .\n"
                       "  FILTER(?o > 1)\n"
                       "  OPTIONAL { ?s ex:q ?q }\n"
                       "  { ?s ex:a ?x } UNION { ?s ex:b ?x } UNION { ?s ex:c ?x }\n"
                       "  { ?s ex:d ?d }\n"
                       "  minus { ?s ex:e ?e } .\n"
                       "  GRAPH ?g { ?s ex:f ?f }\n"
                       "  GRAPH ex:G { }\n"
                       "  BIND(?o + 1 AS ?o2)\n"
                       "  VALUES ?v { ex:one \"two\" 3 UNDEF }\n"
                       "  ?s ex:last ?l\n"
                       "}");
    static const SpElemKind kinds[] = {SP_EL_TRIPLE, SP_EL_FILTER, SP_EL_OPTIONAL, SP_EL_UNION,
                                       SP_EL_GROUP,  SP_EL_MINUS,  SP_EL_GRAPH,    SP_EL_GRAPH,
                                       SP_EL_BIND,   SP_EL_VALUES, SP_EL_TRIPLE};
    const SpGroup *g = q->where;
    cr_assert_eq(g->n_elems, 11);
    for (size_t i = 0; i < 11; i++) {
        cr_assert_eq(g->elems[i].kind, kinds[i], "element %zu", i);
        cr_assert_eq(g->elems[i].pos.line, i + 3, "element %zu", i);
        cr_assert_eq(g->elems[i].pos.col, 3, "element %zu", i);
    }
    cr_assert_eq(g->elems[1].expr->kind, SP_E_GT);
    assert_var(&triple(g->elems[2].group, 0)->o, "q");
    const SpElem *u = &g->elems[3];
    cr_assert_eq(u->n_alts, 3);
    assert_iri(&triple(u->alts[2], 0)->p, EX "c");
    cr_assert_eq(u->alts[1]->pos.col, 24);
    assert_iri(&triple(g->elems[4].group, 0)->p, EX "d");
    assert_iri(&triple(g->elems[5].group, 0)->p, EX "e");
    assert_var(&g->elems[6].graph, "g");
    assert_iri(&triple(g->elems[6].group, 0)->p, EX "f");
    assert_iri(&g->elems[7].graph, EX "G");
    cr_assert_eq(g->elems[7].group->n_elems, 0);
    cr_assert_str_eq(g->elems[8].var, "o2");
    cr_assert_eq(g->elems[8].expr->kind, SP_E_ADD);
    const SpValues *v = &g->elems[9].values;
    cr_assert_eq(v->n_vars, 1);
    cr_assert_str_eq(v->vars[0], "v");
    cr_assert_eq(v->n_rows, 4);
    assert_iri(&v->cells[0], EX "one");
    assert_lit(&v->cells[1].term, "two", NULL, NULL);
    assert_lit(&v->cells[2].term, "3", XSD "integer", NULL);
    cr_assert(v->cells[3].undef);
    cr_assert(!v->cells[0].undef && !v->cells[0].is_var);
}

Test(sparql_parse, values_with_several_variables)
{
    SpQuery *q = parse("PREFIX ex: <" EX ">\n"
                       "SELECT * { VALUES (?a ?b) { (ex:x UNDEF) (UNDEF \"y\"@en) (1 -2) } }");
    const SpValues *v = &elem(q->where, 0)->values;
    cr_assert_eq(v->n_vars, 2);
    cr_assert_str_eq(v->vars[1], "b");
    cr_assert_eq(v->n_rows, 3);
    assert_iri(&v->cells[0], EX "x");
    cr_assert(v->cells[1].undef && v->cells[2].undef);
    assert_lit(&v->cells[3].term, "y", NULL, "en");
    assert_lit(&v->cells[5].term, "-2", XSD "integer", NULL);
    q = parse("SELECT * { } VALUES () { () () }");
    cr_assert_not_null(q->values);
    cr_assert_eq(q->values->n_vars, 0);
    cr_assert_eq(q->values->n_rows, 2);
    parse_fails("SELECT * { VALUES (?a ?b) {\n (1) } }",
                "q.rq:2:2: this row has 1 value for 2 variables");
    parse_fails("SELECT * { VALUES (?a) { (1 2) } }",
                "q.rq:1:29: this row has more values than the 1 variable");
    parse_fails("SELECT * { VALUES ?a { ?b } }",
                "q.rq:1:24: expected an IRI, a literal or UNDEF but found '?b'");
}

Test(sparql_parse, trailing_dots_and_empty_groups)
{
    SpQuery *q = parse("ASK { ?s ?p ?o . FILTER(true) . ?a ?b ?c . {} . OPTIONAL {} }");
    cr_assert_eq(q->where->n_elems, 5);
    cr_assert_eq(elem(q->where, 3)->kind, SP_EL_GROUP);
    cr_assert_eq(elem(q->where, 3)->group->n_elems, 0);
}

/* ------------------------------------------------------------ expressions */

Test(sparql_parse, logical_and_relational_precedence)
{
    const SpExpr *e = filter_of("?a || ?b && ?c = 1 || !?d");
    cr_assert_eq(e->kind, SP_E_OR);
    cr_assert_eq(e->args[0]->kind, SP_E_OR);
    const SpExpr *l = e->args[0];
    cr_assert_eq(l->args[0]->kind, SP_E_VAR);
    cr_assert_str_eq(l->args[0]->var, "a");
    cr_assert_eq(l->args[1]->kind, SP_E_AND);
    cr_assert_eq(l->args[1]->args[1]->kind, SP_E_EQ);
    cr_assert_str_eq(l->args[1]->args[1]->args[0]->var, "c");
    assert_lit(&l->args[1]->args[1]->args[1]->term, "1", XSD "integer", NULL);
    cr_assert_eq(e->args[1]->kind, SP_E_NOT);
    cr_assert_eq(e->args[1]->n_args, 1);
    static const struct {
        const char *text;
        SpExprKind kind;
    } rel[] = {{"?a = ?b", SP_E_EQ}, {"?a != ?b", SP_E_NE}, {"?a < ?b", SP_E_LT},
               {"?a > ?b", SP_E_GT}, {"?a <= ?b", SP_E_LE}, {"?a >= ?b", SP_E_GE},
               {"?a<3", SP_E_LT}};
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++)
        cr_assert_eq(filter_of(rel[i].text)->kind, rel[i].kind, "%s", rel[i].text);
}

Test(sparql_parse, arithmetic_precedence_and_signs)
{
    const SpExpr *e = filter_of("1 + 2 * 3 - 4 / ?x");
    cr_assert_eq(e->kind, SP_E_SUB);
    cr_assert_eq(e->args[0]->kind, SP_E_ADD);
    cr_assert_eq(e->args[0]->args[1]->kind, SP_E_MUL);
    cr_assert_eq(e->args[1]->kind, SP_E_DIV);
    // A signed number right after an operand is added: ?x + (-1 * 2).
    e = filter_of("?x -1 * 2");
    cr_assert_eq(e->kind, SP_E_ADD);
    cr_assert_eq(e->args[1]->kind, SP_E_MUL);
    assert_lit(&e->args[1]->args[0]->term, "-1", XSD "integer", NULL);
    e = filter_of("?x - 1");
    cr_assert_eq(e->kind, SP_E_SUB);
    assert_lit(&e->args[1]->term, "1", XSD "integer", NULL);
    e = filter_of("-?x * +?y");
    cr_assert_eq(e->kind, SP_E_MUL);
    cr_assert_eq(e->args[0]->kind, SP_E_NEG);
    cr_assert_eq(e->args[1]->kind, SP_E_PLUS);
    e = filter_of("-5.0e1");
    cr_assert_eq(e->kind, SP_E_TERM);
    assert_lit(&e->term, "-5.0e1", XSD "double", NULL);
    e = filter_of("- (1)");
    cr_assert_eq(e->kind, SP_E_NEG);
    cr_assert_eq(e->args[0]->kind, SP_E_TERM);
}

Test(sparql_parse, in_not_in_exists_and_terms)
{
    const SpExpr *e = filter_of("?x IN (1, ex:a, \"s\"@de)");
    cr_assert_eq(e->kind, SP_E_IN);
    cr_assert_eq(e->n_args, 4);
    cr_assert_str_eq(e->args[0]->var, "x");
    assert_iri_term(&e->args[2]->term, EX "a");
    assert_lit(&e->args[3]->term, "s", NULL, "de");
    e = filter_of("?x not in ()");
    cr_assert_eq(e->kind, SP_E_NOT_IN);
    cr_assert_eq(e->n_args, 1);
    SpQuery *q = parse("PREFIX ex: <" EX ">\nASK { ?s ?p ?o FILTER NOT EXISTS { ?s ex:p ?z } "
                       "FILTER EXISTS { } }");
    e = elem(q->where, 1)->expr;
    cr_assert_eq(e->kind, SP_E_NOT_EXISTS);
    cr_assert_eq(e->pos.line, 2);
    cr_assert_eq(e->pos.col, 23);
    assert_var(&triple(e->pattern, 0)->o, "z");
    cr_assert_eq(elem(q->where, 2)->expr->kind, SP_E_EXISTS);
    cr_assert_eq(elem(q->where, 2)->expr->pattern->n_elems, 0);
}

Test(sparql_parse, builtin_calls_map_to_functions)
{
    static const struct {
        const char *text;
        SpFunc func;
        size_t n_args;
    } calls[] = {
        {"STR(?x)", SP_F_STR, 1},
        {"lang(?x)", SP_F_LANG, 1},
        {"LANGMATCHES(LANG(?x), \"en\")", SP_F_LANGMATCHES, 2},
        {"DATATYPE(?x)", SP_F_DATATYPE, 1},
        {"BOUND(?x)", SP_F_BOUND, 1},
        {"isIri(?x)", SP_F_ISIRI, 1},
        {"isURI(?x)", SP_F_ISIRI, 1},
        {"isBlank(?x)", SP_F_ISBLANK, 1},
        {"isLiteral(?x)", SP_F_ISLITERAL, 1},
        {"isNumeric(?x)", SP_F_ISNUMERIC, 1},
        {"REGEX(?x, \"^a\")", SP_F_REGEX, 2},
        {"regex(?x, \"^a\", \"i\")", SP_F_REGEX, 3},
        {"CONTAINS(?x, \"a\")", SP_F_CONTAINS, 2},
        {"STRSTARTS(?x, \"a\")", SP_F_STRSTARTS, 2},
        {"STRENDS(?x, \"a\")", SP_F_STRENDS, 2},
        {"STRLEN(?x)", SP_F_STRLEN, 1},
        {"UCASE(?x)", SP_F_UCASE, 1},
        {"LCASE(?x)", SP_F_LCASE, 1},
        {"CONCAT()", SP_F_CONCAT, 0},
        {"CONCAT(?a, ?b, ?c, ?d)", SP_F_CONCAT, 4},
        {"SUBSTR(?x, 2)", SP_F_SUBSTR, 2},
        {"SUBSTR(?x, 2, 3)", SP_F_SUBSTR, 3},
        {"STRBEFORE(?x, \"a\")", SP_F_STRBEFORE, 2},
        {"STRAFTER(?x, \"a\")", SP_F_STRAFTER, 2},
        {"sameTerm(?x, ?y)", SP_F_SAMETERM, 2},
        {"COALESCE(?x, ?y, 1)", SP_F_COALESCE, 3},
        {"IF(?x, 1, 2)", SP_F_IF, 3},
        {"ABS(?x)", SP_F_ABS, 1},
        {"CEIL(?x)", SP_F_CEIL, 1},
        {"FLOOR(?x)", SP_F_FLOOR, 1},
        {"ROUND(?x)", SP_F_ROUND, 1},
    };
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        const SpExpr *e = filter_of(calls[i].text);
        cr_assert_eq(e->kind, SP_E_CALL, "%s", calls[i].text);
        cr_assert_eq(e->func, calls[i].func, "%s", calls[i].text);
        cr_assert_eq(e->n_args, calls[i].n_args, "%s", calls[i].text);
    }
    // A builtin call is a constraint without brackets.
    SpQuery *q = parse("ASK { ?s ?p ?o FILTER regex(?o, \"x\") }");
    cr_assert_eq(elem(q->where, 1)->expr->func, SP_F_REGEX);
}

Test(sparql_parse, wrong_argument_counts_fail_at_the_call)
{
    parse_fails("ASK { FILTER(REGEX(?x)) }", "q.rq:1:14: REGEX takes 2 or 3 arguments, not 1");
    parse_fails("ASK {\n FILTER(str(?x, ?y)) }", "q.rq:2:9: STR takes 1 argument, not 2");
    parse_fails("ASK { FILTER(IF(1, 2)) }", "q.rq:1:14: IF takes 3 arguments, not 2");
    parse_fails("ASK { FILTER(SUBSTR(?x)) }", "q.rq:1:14: SUBSTR takes 2 or 3 arguments, not 1");
    parse_fails("ASK { FILTER(BOUND(1)) }", "q.rq:1:20: BOUND takes a variable");
}

Test(sparql_parse, unsupported_functions_are_refused_by_name)
{
    parse_fails("ASK { ?s ?p ?o\n  FILTER(NOW() > ?o) }",
                "q.rq:2:10: function NOW is not supported");
    parse_fails("ASK { FILTER(md5(?x)) }", "q.rq:1:14: function MD5 is not supported");
    parse_fails("SELECT (STRDT(?x, ?t) AS ?y) {}", "q.rq:1:9: function STRDT is not supported");
    parse_fails("PREFIX xsd: <" XSD ">\nASK { FILTER(xsd:integer(?x) > 2) }",
                "q.rq:2:14: function calls by IRI (casts) are not supported");
    parse_fails("ASK { FILTER <http://f/g>(?x) }",
                "q.rq:1:14: function calls by IRI (casts) are not supported");
    parse_fails("ASK { FILTER(FOO(?x)) }", "q.rq:1:14: expected an expression but found 'FOO'");
}

/* ------------------------------------------------------------ solution modifiers */

Test(sparql_parse, group_having_order_limit_offset)
{
    SpQuery *q = parse("SELECT ?g (SUM(?v) AS ?t) WHERE { ?g ?p ?v }\n"
                       "GROUP BY ?g STR(?p) (LCASE(?g)) (?v * 2 AS ?w)\n"
                       "HAVING (SUM(?v) > 10) (COUNT(*) > 1)\n"
                       "ORDER BY DESC(?t) ?g asc(?v) (?v + 1) STRLEN(?g)\n"
                       "OFFSET 5 LIMIT 10");
    cr_assert_eq(q->n_group_by, 4);
    cr_assert_eq(q->group_by[0].expr->kind, SP_E_VAR);
    cr_assert_null(q->group_by[0].var);
    cr_assert_eq(q->group_by[1].expr->func, SP_F_STR);
    cr_assert_eq(q->group_by[2].expr->func, SP_F_LCASE);
    cr_assert_null(q->group_by[2].var);
    cr_assert_eq(q->group_by[3].expr->kind, SP_E_MUL);
    cr_assert_str_eq(q->group_by[3].var, "w");
    cr_assert_eq(q->group_by[3].pos.col, 33);
    cr_assert_eq(q->n_having, 2);
    cr_assert_eq(q->having[0]->kind, SP_E_GT);
    cr_assert_eq(q->having[1]->args[0]->agg, SP_A_COUNT);
    cr_assert_eq(q->n_order, 5);
    static const int desc[] = {1, 0, 0, 0, 0};
    static const SpExprKind kinds[] = {SP_E_VAR, SP_E_VAR, SP_E_VAR, SP_E_ADD, SP_E_CALL};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(q->order[i].desc, desc[i], "key %zu", i);
        cr_assert_eq(q->order[i].expr->kind, kinds[i], "key %zu", i);
    }
    cr_assert_str_eq(q->order[0].expr->var, "t");
    cr_assert_eq(q->offset, 5);
    cr_assert_eq(q->limit, 10);
    q = parse("SELECT * {} LIMIT 0 OFFSET 20");
    cr_assert_eq(q->limit, 0);
    cr_assert_eq(q->offset, 20);
    q = parse("SELECT * {} OFFSET 3");
    cr_assert_eq(q->limit, -1);
    cr_assert_eq(q->offset, 3);
}

Test(sparql_parse, trailing_values_clause)
{
    SpQuery *q = parse("SELECT * { ?s ?p ?o } LIMIT 1 VALUES ?s { <http://x/> }");
    cr_assert_not_null(q->values);
    cr_assert_eq(q->values->n_rows, 1);
    assert_iri(&q->values->cells[0], "http://x/");
    cr_assert_eq(q->limit, 1);
}

Test(sparql_parse, bad_modifiers)
{
    parse_fails("SELECT * {} LIMIT -1",
                "q.rq:1:19: expected a non-negative integer but found '-1'");
    parse_fails("SELECT * {} LIMIT 99999999999999999999", "q.rq:1:19: LIMIT is too large");
    parse_fails("SELECT * {} LIMIT 1 LIMIT 2",
                "q.rq:1:21: expected the end of the query but found 'LIMIT'");
    parse_fails("SELECT * {} ORDER BY", "q.rq:1:21: unexpected end of query, expected a "
                                        "bracketed expression or a function call");
    parse_fails("SELECT * {} GROUP ?x", "q.rq:1:19: expected 'BY' but found '?x'");
}

/* ------------------------------------------------------------ refusals */

Test(sparql_parse, unsupported_query_forms_and_datasets)
{
    parse_fails("DESCRIBE <http://x/>", "q.rq:1:1: DESCRIBE is not supported");
    parse_fails("PREFIX ex: <" EX ">\nSELECT *\nFROM <http://g/> WHERE {}",
                "q.rq:3:1: FROM is not supported (the default graph is the store's)");
    parse_fails("ASK FROM NAMED <http://g/> {}",
                "q.rq:1:5: FROM NAMED is not supported (the named graphs are the store's)");
    parse_fails("CONSTRUCT { ?s ?p ?o }\n  FROM <http://g/> {}",
                "q.rq:2:3: FROM is not supported (the default graph is the store's)");
    parse_fails("INSERT DATA { <a> <b> <c> }", "q.rq:1:1: INSERT is not supported (SPARQL Update)");
    parse_fails("PREFIX ex: <" EX ">\ndelete where { ?s ?p ?o }",
                "q.rq:2:1: DELETE is not supported (SPARQL Update)");
    parse_fails("LOAD <http://x/>", "q.rq:1:1: LOAD is not supported (SPARQL Update)");
}

Test(sparql_parse, service_and_subqueries_are_refused)
{
    parse_fails("SELECT * {\n  SERVICE <http://s/> { ?s ?p ?o } }",
                "q.rq:2:3: SERVICE is not supported");
    parse_fails("SELECT * {\n  { SELECT ?s { ?s ?p ?o } } }",
                "q.rq:2:5: subqueries are not supported");
    parse_fails("ASK { FILTER EXISTS { select * {} } }", "q.rq:1:23: subqueries are not supported");
}

Test(sparql_parse, property_paths_are_refused_at_their_operator)
{
    static const struct {
        const char *pattern;
        unsigned long col;
    } paths[] = {
        {"?s ex:p/ex:q ?o", 12}, {"?s ex:p|ex:q ?o", 12},
        {"?s ^ex:p ?o", 8},      {"?s ex:p* ?o", 12},
        {"?s ex:p+ ?o", 12},     {"?s ex:p? ?o", 12},
        {"?s !ex:p ?o", 8},      {"?s (ex:p) ?o", 8},
        {"?s a/ex:q ?o", 9},     {"?s ex:q ?x ; <http://p>* ?o", 28},
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        char text[200], want[100];
        snprintf(text, sizeof text, "PREFIX ex: <" EX ">\nASK {\n  ?x ex:p ?y .\n  { %s } }",
                 paths[i].pattern);
        snprintf(want, sizeof want, "q.rq:4:%lu: property paths are not supported", paths[i].col);
        parse_fails(text, want);
    }
}

/* ------------------------------------------------------------ syntax errors */

Test(sparql_parse, syntax_errors_name_the_token_and_its_position)
{
    parse_fails("CONSTRUCT { ?s ?p ?o FILTER(?o) } WHERE {}",
                "q.rq:1:22: expected '}' but found 'FILTER'");
    parse_fails("SELECT * WHERE { ?s ?p ?o ", "q.rq:1:27: unexpected end of query, expected '}'");
    parse_fails("SELECT * WHERE { ?s ?p ?o ?x }", "q.rq:1:27: expected '.' or '}' but found '?x'");
    parse_fails("SELECT WHERE {}",
                "q.rq:1:8: expected '*', a variable or '(' after SELECT but found 'WHERE'");
    parse_fails("ASK { ?s ?p ?o } garbage",
                "q.rq:1:18: expected the end of the query but found 'garbage'");
    parse_fails("ASK { ?s ?p }",
                "q.rq:1:13: expected a variable, an IRI, a literal or a blank node but found '}'");
    parse_fails("ASK { ?s A ?o }",
                "q.rq:1:10: expected a predicate (a variable, an IRI or 'a') but found 'A'");
    parse_fails("", "q.rq:1:1: unexpected end of query, expected SELECT, ASK or CONSTRUCT");
    parse_fails("PREFIX ex <x> ASK {}", "q.rq:1:8: expected a prefix such as 'ex:' but found 'ex'");
    parse_fails("SELECT (?x) {}", "q.rq:1:11: expected 'AS' but found ')'");
    parse_fails("ASK { BIND(1 AS 2) }", "q.rq:1:17: expected a variable but found '2'");
}

Test(sparql_parse, lexical_errors)
{
    parse_fails("SELECT * { ?s ?p \"abc }", "q.rq:1:18: unterminated string");
    parse_fails("SELECT * { ?s ?p \"a\\qb\" }", "q.rq:1:20: invalid escape in a string");
    parse_fails("ASK { ?s ?p \"a\nb\" }",
                "q.rq:1:15: line break in a string (write \\n, or use a \"\"\"long string\"\"\")");
    parse_fails("ASK { ?s ?p \"\\uD800\" }", "q.rq:1:14: the escape does not name a character");
    parse_fails("ASK { ?s ?p \"\\u12\" }",
                "q.rq:1:14: \\u must be followed by 4 hexadecimal digits");
    parse_fails("ASK { <a\\u0020b> ?p ?o }",
                "q.rq:1:9: the escape names a character not allowed in an IRI");
    parse_fails("ASK { ?s ?p ?o } & ", "q.rq:1:18: unexpected character '&'");
    parse_fails("ASK { ?s ?p _: }", "q.rq:1:13: expected a blank-node label after '_:'");
    parse_fails("ASK { ?s ?p \"x\"@ }", "q.rq:1:16: expected a language tag after '@'");
}

Test(sparql_parse, positions_count_characters_and_lines)
{
    // Columns count characters, not bytes: each é is one column.
    parse_fails("ASK { ?s ?p \"\xC3\xA9\xC3\xA9\xC3\xA9\" ?x }",
                "q.rq:1:19: expected '.' or '}' but found '?x'");
    // A long string's line breaks move the line on; # comments are skipped.
    parse_fails("ASK { # a comment }\n ?s ?p \"\"\"a\nb\nc\"\"\" ?x }",
                "q.rq:4:6: expected '.' or '}' but found '?x'");
    parse_fails("ASK { ?s ?p \"\xFF\" }", "q.rq:1:14: the query is not valid UTF-8");
}

Test(sparql_parse, deep_nesting_is_refused)
{
    char text[2400];
    size_t n = 0;
    n += (size_t)snprintf(text, sizeof text, "ASK ");
    for (int i = 0; i < 300; i++)
        text[n++] = '{';
    text[n] = '\0';
    parse_fails(text, "q.rq:1:261: the query nests deeper than 256 levels");
    n = (size_t)snprintf(text, sizeof text, "ASK { FILTER");
    for (int i = 0; i < 300; i++)
        text[n++] = '(';
    text[n] = '\0';
    parse_fails(text, "q.rq:1:268: the query nests deeper than 256 levels");
    n = (size_t)snprintf(text, sizeof text, "ASK { ?s ?p ");
    for (int i = 0; i < 300; i++)
        text[n++] = '(';
    text[n] = '\0';
    parse_fails(text, "q.rq:1:268: the query nests deeper than 256 levels");
    // A chain of operators makes the tree as deep: the 255th '&&' inside FILTER( ) is too much.
    n = (size_t)snprintf(text, sizeof text, "ASK { FILTER(?x");
    for (int i = 0; i < 300 && n + 8 < sizeof text; i++)
        n += (size_t)sprintf(text + n, " && ?x");
    parse_fails(text, "q.rq:1:1541: the query nests deeper than 256 levels");
    // 200 levels are fine.
    n = (size_t)snprintf(text, sizeof text, "ASK { FILTER");
    for (int i = 0; i < 200; i++)
        text[n++] = '(';
    text[n++] = '1';
    for (int i = 0; i < 200; i++)
        text[n++] = ')';
    text[n++] = '}';
    text[n] = '\0';
    cr_assert_eq(elem(parse(text)->where, 0)->expr->kind, SP_E_TERM);
}

/* ------------------------------------------------------------ robustness */

static const char big_query[] =
    "BASE <http://base/x/> PREFIX ex: <http://example.org/> PREFIX : <rel#>\n"
    "SELECT DISTINCT ?s (COUNT(DISTINCT ?o) AS ?n) (GROUP_CONCAT(?l; SEPARATOR=\"|\") AS ?g)\n"
    "WHERE { ?s a ex:C ; ex:p ?o , [ ex:q (1 2.5 -3e1) ] ; :r 'x'@en, \"\"\"y\"\"\"^^ex:t .\n"
    "  _:b ex:s $o . OPTIONAL { ?o ex:l ?l FILTER(LANG(?l) = \"en\" && !BOUND(?z)) }\n"
    "  { ?s ex:u ?v } UNION { ?s ex:w ?v } MINUS { ?s ex:x true }\n"
    "  GRAPH ?g { ?s ?p ?o } BIND(IF(?v > 1, ?v * -2, ABS(?v)) AS ?k)\n"
    "  VALUES (?a ?b) { (ex:a UNDEF) (UNDEF \"b\") }\n"
    "  FILTER NOT EXISTS { ?s ex:y ?y } FILTER(?o IN (1, 2) || regex(str(?s), \"^h\", \"i\"))\n"
    "} GROUP BY ?s (LCASE(?s) AS ?low) HAVING (COUNT(*) > 1) ORDER BY DESC(?n) ?s\n"
    "LIMIT 10 OFFSET 2 VALUES ?s { <a> }";

Test(sparql_parse, a_query_with_everything_parses)
{
    SpQuery *q = parse(big_query);
    cr_assert_eq(q->n_proj, 3);
    cr_assert_eq(q->limit, 10);
    assert_iri(&triple(q->where, 0)->p, KG_RDF_TYPE);
}

Test(sparql_parse, text_need_not_end_with_nul)
{
    // Every prefix of the query, in a buffer of exactly its size: ASan sees any overread.
    size_t len = strlen(big_query);
    for (size_t n = 0; n <= len; n++) {
        char *text = malloc(n ? n : 1);
        cr_assert_not_null(text);
        memcpy(text, big_query, n);
        SpQuery *q = NULL;
        KgError err = {0};
        KgStatus s = sp_parse(store, text, n, "q.rq", arena, &q, &err);
        free(text);
        cr_assert(s == KG_OK || s == KG_ERR_SYNTAX, "prefix of %zu bytes: %s", n, err.msg);
        if (n == len) cr_assert_eq(s, KG_OK);
        kg_arena_reset(arena);
    }
}

Test(sparql_parse, mutated_queries_fail_cleanly)
{
    static const char bytes[] = "{}()[]<>.,;:?$_\"'\\#@^|&!=+-*/0aZ \n\x80\xC3";
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    size_t len = strlen(big_query);
    char *text = malloc(len);
    cr_assert_not_null(text);
    for (int round = 0; round < 3000; round++) {
        memcpy(text, big_query, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t at = (size_t)(rng >> 33) % len;
            text[at] = bytes[(rng >> 17) % (sizeof bytes - 1)];
        }
        SpQuery *q = NULL;
        KgError err = {0};
        KgStatus s = sp_parse(store, text, len, "q.rq", arena, &q, &err);
        cr_assert(s == KG_OK || s == KG_ERR_SYNTAX, "round %d: %s", round, kg_status_name(s));
        if (s == KG_ERR_SYNTAX) cr_assert(err.line >= 1 && err.col >= 1, "round %d", round);
        kg_arena_reset(arena);
    }
    free(text);
}

Test(sparql_parse, every_failed_allocation_gives_nomem)
{
    int parsed = 0;
    for (long n = 0; !parsed && n < 100000; n++) {
        KgArena *a = kg_arena_new(256);
        cr_assert_not_null(a);
        SpQuery *q = NULL;
        KgError err = {0};
        kg_mem_fail_after(n);
        KgStatus s = sp_parse(store, big_query, strlen(big_query), "q.rq", a, &q, &err);
        kg_mem_fail_after(-1);
        if (s == KG_OK) {
            parsed = 1;
            cr_assert_eq(q->n_proj, 3);
        } else {
            cr_assert_eq(s, KG_ERR_NOMEM, "allocation %ld: %s (%s)", n, kg_status_name(s), err.msg);
            cr_assert_null(q);
        }
        kg_arena_free(a);
    }
    cr_assert(parsed);
}
