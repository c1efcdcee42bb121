/* tests/reasoner/test_rule_parse.c: reading rules (reasoner/rule_parse.c) and ordering them
 * (reasoner/stratify.c): the structures RDFox's examples parse to, prefixes and bases,
 * literals, errors at their exact line and column, a program left as it was by a failed call,
 * strata, and robustness: every prefix of a valid file, random mutations, failed allocations. */
#include "../kg/helpers.h"
#include "reasoner/internal.h"

#define EX "http://example.org/"
#define NAME "test.dlog"

/* A program made by hand, as rs_program_new would, over a store that knows ex:. */
static RsProgram *new_program(void)
{
    RsProgram *p = calloc(1, sizeof *p);
    cr_assert_not_null(p);
    p->store = open_store(":memory:");
    p->arena = kg_arena_new(4096);
    cr_assert_not_null(p->arena);
    KgError err = {0};
    cr_assert_eq(kg_prefix_set(p->store, "ex", EX, &err), KG_OK, "%s", err.msg);
    return p;
}

static void free_program(RsProgram *p)
{
    kg_free(p->rules);
    kg_arena_free(p->arena);
    kg_store_close(p->store);
    free(p);
}

static void parse_ok(RsProgram *p, const char *text)
{
    KgError err = {0};
    KgStatus s = rs_parse(p, NAME, text, strlen(text), &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "parsing %s: %s (%s)", text, kg_status_name(s), where);
}

/* Parses `text` as a single rule and returns it. */
static const RsRule *one_rule(RsProgram *p, const char *text)
{
    size_t before = p->n_rules;
    parse_ok(p, text);
    cr_assert_eq(p->n_rules, before + 1, "%zu rules", p->n_rules - before);
    return &p->rules[before];
}

/* Parses `text`, which must fail with a syntax error at line:col with exactly `msg`, leaving
 * the program's rules as they were. */
static void assert_error(RsProgram *p, const char *text, unsigned long line, unsigned long col,
                         const char *msg)
{
    size_t before = p->n_rules;
    int strata = p->n_strata;
    KgError err = {0};
    KgStatus s = rs_parse(p, NAME, text, strlen(text), &err);
    cr_assert_eq(s, KG_ERR_SYNTAX, "parsing %s: %s, not a syntax error", text, kg_status_name(s));
    cr_assert_eq(p->n_rules, before);
    cr_assert_eq(p->n_strata, strata);
    char got[400], want[400];
    kg_error_format(&err, got, sizeof got);
    snprintf(want, sizeof want, NAME ":%lu:%lu: %s", line, col, msg);
    cr_assert_str_eq(got, want, "parsing %s: got %s", text, got);
}

static void assert_var(const RsRule *r, const RsTerm *t, const char *name)
{
    cr_assert(t->is_var, "expected ?%s, found a constant %s", name, t->term.lex);
    cr_assert_lt(t->var, r->n_vars);
    cr_assert_str_eq(r->var_names[t->var], name);
}

static void assert_iri(const RsTerm *t, const char *iri)
{
    cr_assert(!t->is_var, "expected <%s>, found a variable", iri);
    cr_assert_eq(t->term.kind, KG_TERM_IRI);
    cr_assert_str_eq(t->term.lex, iri);
    cr_assert_eq(t->term.lex_len, strlen(iri));
}

static void assert_literal(const RsTerm *t, const char *lex, size_t lex_len, const char *dt,
                           const char *lang)
{
    cr_assert(!t->is_var);
    cr_assert_eq(t->term.kind, KG_TERM_LITERAL);
    cr_assert_eq(t->term.lex_len, lex_len, "lex_len %zu, expected %zu", t->term.lex_len, lex_len);
    cr_assert_eq(memcmp(t->term.lex, lex, lex_len), 0, "lex '%s', expected '%s'", t->term.lex, lex);
    if (dt)
        cr_assert_str_eq(t->term.datatype, dt);
    else
        cr_assert_null(t->term.datatype, "unexpected datatype %s", t->term.datatype);
    if (lang)
        cr_assert_str_eq(t->term.lang, lang);
    else
        cr_assert_null(t->term.lang, "unexpected language %s", t->term.lang);
}

static void assert_triple(const RsRule *r, const RsTerm t[3], const char *s, const char *p,
                          const char *o)
{
    const char *want[3] = {s, p, o};
    for (int k = 0; k < 3; k++)
        if (want[k][0] == '?')
            assert_var(r, &t[k], want[k] + 1);
        else
            assert_iri(&t[k], want[k]);
}

static void assert_vars(const RsRule *r, uint32_t n, const char *const *names)
{
    cr_assert_eq(r->n_vars, n, "%u variables, expected %u", r->n_vars, n);
    for (uint32_t i = 0; i < n; i++) cr_assert_str_eq(r->var_names[i], names[i]);
}

/* ------------------------------------------------------------ RDFox's examples */

Test(rule_parse, a_recursive_rule_reads_to_its_atoms_and_variables)
{
    RsProgram *p = new_program();
    const RsRule *r = one_rule(p, "@prefix ex: <http://example.org/> .\n"
                                  "[?x, ex:ancestor, ?z] :- [?x, ex:parent, ?y], "
                                  "[?y, ex:ancestor, ?z] .\n");
    assert_vars(r, 3, (const char *[]){"x", "z", "y"});
    cr_assert_eq(r->n_heads, 1);
    assert_triple(r, r->heads[0], "?x", EX "ancestor", "?z");
    cr_assert_eq(r->n_body, 2);
    cr_assert_eq(r->body[0].kind, RS_ATOM_TRIPLE);
    assert_triple(r, r->body[0].t, "?x", EX "parent", "?y");
    assert_triple(r, r->body[1].t, "?y", EX "ancestor", "?z");
    cr_assert_eq(r->body[0].line, 2);
    cr_assert_eq(r->body[0].col, 26);
    cr_assert_eq(r->body[1].col, 47);
    cr_assert_eq(r->weight, 1.0);
    cr_assert_eq(r->line, 2);
    cr_assert_eq(r->col, 1);
    cr_assert_str_eq(r->label, NAME ":2");
    cr_assert_str_eq(r->text,
                     "[?x, ex:ancestor, ?z] :- [?x, ex:parent, ?y], [?y, ex:ancestor, ?z] .");
    cr_assert_eq(p->n_strata, 1);
    cr_assert_eq(r->stratum, 0);
    free_program(p);
}

Test(rule_parse, a_binary_atom_is_a_triple)
{
    RsProgram *p = new_program();
    const RsRule *r =
        one_rule(p, "ex:grandparent[?x, ?z] :- ex:parent[?x, ?y], ex:parent[?y, ?z] .");
    assert_triple(r, r->heads[0], "?x", EX "grandparent", "?z");
    assert_triple(r, r->body[0].t, "?x", EX "parent", "?y");
    assert_triple(r, r->body[1].t, "?y", EX "parent", "?z");
    assert_vars(r, 3, (const char *[]){"x", "z", "y"});
    free_program(p);
}

Test(rule_parse, a_unary_atom_is_a_type_and_filter_keeps_its_text)
{
    RsProgram *p = new_program();
    const RsRule *r =
        one_rule(p, "ex:Adult[?x] :- ex:Person[?x], [?x, ex:age, ?a], FILTER(?a >= 18) .");
    assert_triple(r, r->heads[0], "?x", KG_RDF_TYPE, EX "Adult");
    assert_triple(r, r->body[0].t, "?x", KG_RDF_TYPE, EX "Person");
    assert_triple(r, r->body[1].t, "?x", EX "age", "?a");
    const RsAtom *f = &r->body[2];
    cr_assert_eq(f->kind, RS_ATOM_FILTER);
    cr_assert_str_eq(f->expr, "?a >= 18");
    cr_assert_eq(f->expr_len, 8);
    cr_assert_eq(f->expr_line, 1);
    cr_assert_eq(f->expr_col, 57);
    cr_assert_eq(f->line, 1);
    cr_assert_eq(f->col, 50);
    assert_vars(r, 2, (const char *[]){"x", "a"});
    free_program(p);
}

Test(rule_parse, a_weight_comes_before_the_head)
{
    RsProgram *p = new_program();
    const RsRule *r = one_rule(
        p, "0.83 :: ex:nationality[?x, ?c] :- ex:bornIn[?x, ?y], ex:cityOf[?y, ?c] .");
    cr_assert_float_eq(r->weight, 0.83, 1e-12);
    assert_triple(r, r->heads[0], "?x", EX "nationality", "?c");
    cr_assert_str_eq(r->text,
                     "0.83 :: ex:nationality[?x, ?c] :- ex:bornIn[?x, ?y], ex:cityOf[?y, ?c] .");
    cr_assert_eq(one_rule(p, "1 :: [?x, ex:p, ?y] :- [?y, ex:p, ?x] .")->weight, 1.0);
    cr_assert_float_eq(one_rule(p, "5e-1::[?x, ex:p, ?y] :- [?y, ex:p, ?x] .")->weight, 0.5, 0);
    free_program(p);
}

Test(rule_parse, a_variable_only_in_a_not_atom_is_existential)
{
    RsProgram *p = new_program();
    const RsRule *r = one_rule(p, "ex:Orphan[?x] :- ex:Person[?x], NOT ex:parent[?x, ?y] .");
    cr_assert_eq(r->body[1].kind, RS_ATOM_NOT);
    assert_triple(r, r->body[1].t, "?x", EX "parent", "?y");
    cr_assert_eq(r->body[1].col, 33);
    r = one_rule(p,
                 "ex:Lonely[?x] :- ex:Person[?x], not ex:Friendly[?x], NOT [?x, ex:knows, ?x] .");
    cr_assert_eq(r->body[1].kind, RS_ATOM_NOT);
    assert_triple(r, r->body[1].t, "?x", KG_RDF_TYPE, EX "Friendly");
    cr_assert_eq(r->body[2].kind, RS_ATOM_NOT);
    free_program(p);
}

Test(rule_parse, bind_parses_its_variable_and_keeps_the_expression)
{
    RsProgram *p = new_program();
    const RsRule *r = one_rule(
        p, "[?x, ex:label2, ?l] :- [?x, rdfs:label, ?n], BIND(UCASE(?n) AS ?l) .");
    assert_vars(r, 3, (const char *[]){"x", "l", "n"});
    assert_triple(r, r->body[0].t, "?x", KG_NS_RDFS "label", "?n");
    const RsAtom *b = &r->body[1];
    cr_assert_eq(b->kind, RS_ATOM_BIND);
    cr_assert_str_eq(b->expr, "UCASE(?n)");
    cr_assert_eq(b->expr_col, 51);
    cr_assert_str_eq(r->var_names[b->bind_var], "l");
    /* AS inside a string or a name is not BIND's */
    r = one_rule(p, "[?x, ex:p, ?l] :- [?x, ex:q, ?n],\n"
                    "  BIND ( CONCAT(?n, \" AS \", ex:AS) as $l ) .");
    cr_assert_str_eq(r->body[1].expr, "CONCAT(?n, \" AS \", ex:AS)");
    cr_assert_eq(r->body[1].expr_line, 2);
    cr_assert_eq(r->body[1].expr_col, 10);
    cr_assert_str_eq(r->var_names[r->body[1].bind_var], "l");
    free_program(p);
}

Test(rule_parse, a_rule_may_have_several_heads)
{
    RsProgram *p = new_program();
    const RsRule *r = one_rule(p, "[?x, ex:p, ?y], [?y, ex:q, ?x] :- [?x, ex:r, ?y] .");
    cr_assert_eq(r->n_heads, 2);
    assert_triple(r, r->heads[0], "?x", EX "p", "?y");
    assert_triple(r, r->heads[1], "?y", EX "q", "?x");
    cr_assert_eq(r->n_body, 1);
    free_program(p);
}

Test(rule_parse, labels_name_the_first_line_and_texts_drop_comments)
{
    RsProgram *p = new_program();
    parse_ok(p, "# a comment\n"
                "\n"
                "[?x,   ex:p,\n\t?y]   # trailing\n"
                "  :- [?x, ex:q, \"a  # not a comment\"], [?x, <http://e/#f>, ?y] .\n"
                "[?x, ex:p, ?y] :- [?y, ex:p, ?x] .");
    cr_assert_eq(p->n_rules, 2);
    cr_assert_str_eq(p->rules[0].label, NAME ":3");
    cr_assert_str_eq(p->rules[0].text,
                     "[?x, ex:p, ?y] :- [?x, ex:q, \"a  # not a comment\"], "
                     "[?x, <http://e/#f>, ?y] .");
    cr_assert_str_eq(p->rules[1].label, NAME ":6");
    cr_assert_eq(p->rules[1].line, 6);
    free_program(p);
}

/* ------------------------------------------------------------ terms */

Test(rule_parse, prefixes_come_from_the_file_then_the_store)
{
    RsProgram *p = new_program();
    KgError err = {0};
    cr_assert_eq(kg_prefix_set(p->store, "st", "http://store.example/", &err), KG_OK);
    const RsRule *r = one_rule(p, "@prefix f: <http://file.example/> .\n"
                                  "PREFIX ex: <http://file.example/ex#>\n"
                                  "prefix : <http://empty.example/>\n"
                                  "[?x, f:a, st:b] :- [?x, ex:c, :d], [?x, owl:sameAs, xsd:e], "
                                  "[?x, rdf:f, f:g.h], [?x, f:, f:a\\-b%20] .");
    assert_triple(r, r->heads[0], "?x", "http://file.example/a", "http://store.example/b");
    assert_triple(r, r->body[0].t, "?x", "http://file.example/ex#c", "http://empty.example/d");
    assert_triple(r, r->body[1].t, "?x", KG_NS_OWL "sameAs", KG_NS_XSD "e");
    assert_triple(r, r->body[2].t, "?x", KG_NS_RDF "f", "http://file.example/g.h");
    assert_triple(r, r->body[3].t, "?x", "http://file.example/", "http://file.example/a-b%20");
    /* file prefixes last only for their file */
    r = one_rule(p, "[?x, ex:a, ?y] :- [?y, ex:a, ?x] .");
    assert_triple(r, r->heads[0], "?x", EX "a", "?y");
    free_program(p);
}

Test(rule_parse, relative_iris_resolve_against_the_base)
{
    static const char *const cases[][2] = {
        /* RFC 3986, section 5.4.1 */
        {"g", "http://a/b/c/g"},         {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},       {"/g", "http://a/g"},
        {"//g", "http://g"},             {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},     {"#s", "http://a/b/c/d;p?q#s"},
        {"g#s", "http://a/b/c/g#s"},     {";x", "http://a/b/c/;x"},
        {"", "http://a/b/c/d;p?q"},      {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},         {"..", "http://a/b/"},
        {"../g", "http://a/b/g"},        {"../..", "http://a/"},
        {"../../g", "http://a/g"},       {"../../../g", "http://a/g"},
        {"/./g", "http://a/g"},          {"/../g", "http://a/g"},
        {"g.", "http://a/b/c/g."},       {"./../g", "http://a/b/g"},
        {"g;x=1/../y", "http://a/b/c/y"}, {"urn:x:y", "urn:x:y"},
    };
    RsProgram *p = new_program();
    char text[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text,
                 "@base <http://a/b/c/d;p?q> .\n[?x, <%s>, ?y] :- [?x, ex:p, ?y] .", cases[i][0]);
        assert_iri(&one_rule(p, text)->heads[0][1], cases[i][1]);
    }
    /* a base relative to the one before; SPARQL's BASE */
    const RsRule *r =
        one_rule(p, "BASE <http://a/b/>\n@base <c/> .\n[?x, <d>, ?y] :- [?x, <../e>, ?y] .");
    assert_iri(&r->heads[0][1], "http://a/b/c/d");
    assert_iri(&r->body[0].t[1], "http://a/b/e");
    free_program(p);
}

Test(rule_parse, literals_numbers_and_booleans)
{
    RsProgram *p = new_program();
    const RsRule *r = one_rule(
        p, "[?x, ex:p, ?x] :- [?x, ex:a, \"a\\tb\"], [?x, ex:b, 'x'], [?x, ex:c, \"\"\"two\n"
           "lines \"q\" \"\"\"], [?x, ex:d, \"chat\"@FR-be], [?x, ex:e, \"7\"^^xsd:int], "
           "[?x, ex:f, \"s\"^^<http://www.w3.org/2001/XMLSchema#string>], [?x, ex:g, 42], "
           "[?x, ex:h, -3.5], [?x, ex:i, 1E3], [?x, ex:j, true], [?x, ex:k, false], "
           "[?x, ex:l, \"\\u00e9\\U0001F600\\u0000\"], [?x, ex:m, .5], [?x, ex:n, +7] .");
    const RsAtom *b = r->body;
    assert_literal(&b[0].t[2], "a\tb", 3, NULL, NULL);
    assert_literal(&b[1].t[2], "x", 1, NULL, NULL);
    assert_literal(&b[2].t[2], "two\nlines \"q\" ", 14, NULL, NULL);
    assert_literal(&b[3].t[2], "chat", 4, NULL, "fr-be");
    assert_literal(&b[4].t[2], "7", 1, KG_NS_XSD "int", NULL);
    assert_literal(&b[5].t[2], "s", 1, NULL, NULL);
    assert_literal(&b[6].t[2], "42", 2, KG_NS_XSD "integer", NULL);
    assert_literal(&b[7].t[2], "-3.5", 4, KG_NS_XSD "decimal", NULL);
    assert_literal(&b[8].t[2], "1E3", 3, KG_NS_XSD "double", NULL);
    assert_literal(&b[9].t[2], "true", 4, KG_NS_XSD "boolean", NULL);
    assert_literal(&b[10].t[2], "false", 5, KG_NS_XSD "boolean", NULL);
    assert_literal(&b[11].t[2], "\xC3\xA9\xF0\x9F\x98\x80", 7, NULL, NULL);
    assert_literal(&b[12].t[2], ".5", 2, KG_NS_XSD "decimal", NULL);
    assert_literal(&b[13].t[2], "+7", 2, KG_NS_XSD "integer", NULL);
    free_program(p);
}

Test(rule_parse, a_is_rdf_type_and_dollar_variables_are_question_mark_ones)
{
    RsProgram *p = new_program();
    const RsRule *r = one_rule(p, "[$x, a, ex:C] :- [?x, a, ex:D], [?x, ?p, $x] .");
    assert_vars(r, 2, (const char *[]){"x", "p"});
    assert_triple(r, r->heads[0], "?x", KG_RDF_TYPE, EX "C");
    assert_triple(r, r->body[1].t, "?x", "?p", "?x");
    free_program(p);
}

Test(rule_parse, expression_variables_skip_strings_iris_and_comments)
{
    const char *e = "REGEX(STR(?p), \"?no\") && <http://x/?q> != ?o # ?c\n || $d < 5 || ?o";
    size_t pos = 0, n;
    const char *name;
    const char *want[] = {"p", "o", "d", "o"};
    for (int i = 0; i < 4; i++) {
        cr_assert(rs_expr_next_var(e, strlen(e), &pos, &name, &n), "variable %d", i);
        cr_assert_eq(n, strlen(want[i]));
        cr_assert_eq(memcmp(name, want[i], n), 0);
    }
    cr_assert_not(rs_expr_next_var(e, strlen(e), &pos, &name, &n));

    RsProgram *p = new_program();
    const RsRule *r = one_rule(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y], [?x, ex:r, ?z],\n"
                                  "  FILTER( (?y < ?z) && REGEX(?y, \")\") # )\n  ) .");
    cr_assert_str_eq(r->body[2].expr, "(?y < ?z) && REGEX(?y, \")\")");
    cr_assert_str_eq(r->text, "[?x, ex:p, ?y] :- [?x, ex:q, ?y], [?x, ex:r, ?z], "
                              "FILTER( (?y < ?z) && REGEX(?y, \")\") ) .");
    free_program(p);
}

Test(rule_parse, the_rdfs_profile_file_parses)
{
    FILE *f = fopen("reasoner/rules/rdfs.dl", "rb");
    if (!f) cr_skip_test("reasoner/rules/rdfs.dl not found from the current directory");
    fclose(f);
    size_t len;
    char *text = read_file("reasoner/rules/rdfs.dl", &len);
    RsProgram *p = new_program();
    KgError err = {0};
    KgStatus s = rs_parse(p, "rdfs", text, len, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "%s", where);
    cr_assert_gt(p->n_rules, 10);
    cr_assert_eq(p->n_strata, 1);
    cr_assert_eq(strncmp(p->rules[0].label, "rdfs:", 5), 0);
    free(text);
    free_program(p);
}

/* ------------------------------------------------------------ errors */

Test(rule_parse, syntax_errors_name_what_was_expected_where)
{
    RsProgram *p = new_program();
    assert_error(p, "[?x, ex:p ?y] :- [?x, ex:q, ?y] .", 1, 11,
                 "expected ',' after the predicate, found '?y'");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y] [?y, ex:q, ?x] .", 1, 34,
                 "expected ',' or '.' after a body atom, found '['");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y]", 1, 33,
                 "expected ',' or '.' after a body atom, found the end of the input");
    assert_error(p, "\n[?x, ex:p, ?y] [?x, ex:q, ?y] .", 2, 16,
                 "expected ',' or ':-' after a head atom, found '['");
    assert_error(p, "[ex:a, ex:p, ex:b] .", 1, 20,
                 "expected ',' or ':-' after a head atom, found '.'");
    assert_error(p, "ex:p[?x] :- ex:q ?x] .", 1, 18,
                 "expected '[' after the predicate name, found '?x'");
    assert_error(p, "?x :- [?x, ex:q, ?y] .", 1, 1,
                 "expected a rule, @prefix or @base, found '?x'");
    assert_error(p, "@prefix ex <http://e/> .", 1, 9,
                 "expected a prefix name such as 'ex:', found 'ex'");
    assert_error(p, "@prefix ex: <http://e/>\n[?x, ex:p, ?y] :- [?x, ex:q, ?y] .", 2, 1,
                 "expected '.' after the @prefix directive, found '['");
    assert_error(p, "@import <x> .", 1, 1,
                 "unknown directive '@import' (@prefix and @base are known)");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y], FILTER ?y > 1 .", 1, 42,
                 "expected '(' after FILTER, found '?y'");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y],\n  FILTER(?y > (1) .", 2, 9,
                 "FILTER( is never closed: expected ')'");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?z], BIND(?z) .", 1, 42,
                 "expected 'AS ?variable' before ')' in BIND");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?z], BIND(?z AS ?y ?x) .", 1, 49,
                 "expected ')' after the BIND variable");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?z], FILTER( ) .", 1, 43,
                 "expected an expression in FILTER( )");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, \"abc] .", 1, 30, "unterminated string");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, \"a\nb\"] .", 1, 32,
                 "a line break in a string: write \\n, or use \"\"\"...\"\"\"");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, \"\\q\"] .", 1, 31,
                 "unknown escape in a string "
                 "(\\t \\b \\n \\r \\f \\\" \\' \\\\ \\u \\U are known)");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, <http://e/a b>, ?y] .", 1, 35,
                 "a space is not allowed in an IRI");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y] ; .", 1, 34, "unexpected ';'");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y], NOT EXISTS [?y, ex:r, ?x] .", 1, 39,
                 "NOT EXISTS is not supported: write NOT followed by one atom");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, \"p\", ?y] .", 1, 24,
                 "a predicate must be an IRI or a variable");
    assert_error(p, "[a, ex:p, ?y] :- [?x, ex:q, ?y] .", 1, 2,
                 "'a' (rdf:type) may only stand for a predicate");
    assert_error(p, "[\"s\", ex:p, ?y] :- [?x, ex:q, ?y] .", 1, 1,
                 "the subject of a head atom cannot be a literal");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y], foo .", 1, 35,
                 "expected an atom ('[' or a predicate name), found 'foo'");
    free_program(p);
}

Test(rule_parse, unknown_prefixes_blank_nodes_and_relative_iris_are_refused)
{
    RsProgram *p = new_program();
    assert_error(p, "[?x, foo:p, ?y] :- [?x, ex:q, ?y] .", 1, 6, "unknown prefix 'foo:'");
    assert_error(p, "[?x, ex:p, ?y] :-\n    [?x, :q, ?y] .", 2, 10, "unknown prefix ':'");
    assert_error(p, "[_:b, ex:p, ?y] :- [?x, ex:q, ?y] .", 1, 2,
                 "blank nodes are not allowed in rules");
    assert_error(p, "[?x, <p>, ?y] :- [?x, ex:q, ?y] .", 1, 6,
                 "relative IRI <p> without a @base to resolve it against");
    free_program(p);
}

Test(rule_parse, a_weight_must_be_in_zero_one)
{
    RsProgram *p = new_program();
    assert_error(p, "1.5 :: [?x, ex:p, ?y] :- [?x, ex:q, ?y] .", 1, 1,
                 "the weight must be in (0, 1], found 1.5");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y] .\n  0 :: [?x, ex:p, ?y] :- [?x, ex:q, ?y] .",
                 2, 3, "the weight must be in (0, 1], found 0");
    assert_error(p, "-0.5 :: [?x, ex:p, ?y] :- [?x, ex:q, ?y] .", 1, 1,
                 "the weight must be in (0, 1], found -0.5");
    assert_error(p, "0.5 [?x, ex:p, ?y] :- [?x, ex:q, ?y] .", 1, 5,
                 "expected '::' after the weight, found '['");
    free_program(p);
}

Test(rule_parse, unsafe_rules_are_refused_showing_the_rule)
{
    RsProgram *p = new_program();
    assert_error(p, "\n  [?x, ex:p, ?z] :- [?x, ex:q, ?y] .", 2, 3,
                 "head variable ?z is not bound by the body in: "
                 "[?x, ex:p, ?z] :- [?x, ex:q, ?y] .");
    assert_error(p, "ex:A[?x] :- ex:B[?x], NOT [?x, ex:r, ?y], NOT ex:C[?y] .", 1, 1,
                 "variable ?y of a NOT atom occurs outside it but is not bound by a positive "
                 "atom or an earlier BIND in: ex:A[?x] :- ex:B[?x], NOT [?x, ex:r, ?y], NOT "
                 "ex:C[?y] .");
    assert_error(p, "ex:A[?x] :- ex:B[?x], NOT [?x, ex:r, ?y], BIND(1 AS ?y) .", 1, 1,
                 "variable ?y of a NOT atom occurs outside it but is not bound by a positive "
                 "atom or an earlier BIND in: ex:A[?x] :- ex:B[?x], NOT [?x, ex:r, ?y], BIND(1 "
                 "AS ?y) .");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y], FILTER(?z > 1) .", 1, 1,
                 "variable ?z of FILTER is not bound by a positive atom or an earlier BIND in: "
                 "[?x, ex:p, ?y] :- [?x, ex:q, ?y], FILTER(?z > 1) .");
    assert_error(p, "[?x, ex:p, ?z] :- [?x, ex:q, ?y], FILTER(?z > 1), BIND(?y AS ?z) .", 1, 1,
                 "variable ?z of FILTER is not bound by a positive atom or an earlier BIND in: "
                 "[?x, ex:p, ?z] :- [?x, ex:q, ?y], FILTER(?z > 1), BIND(?y AS ?z) .");
    assert_error(p, "[?x, ex:p, ?z] :- [?x, ex:q, ?y], BIND(?w AS ?z) .", 1, 1,
                 "variable ?w of a BIND expression is not bound by a positive atom or an earlier "
                 "BIND in: [?x, ex:p, ?z] :- [?x, ex:q, ?y], BIND(?w AS ?z) .");
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y], BIND(1 AS ?y) .", 1, 1,
                 "BIND variable ?y is already bound in: [?x, ex:p, ?y] :- [?x, ex:q, ?y], BIND(1 "
                 "AS ?y) .");
    /* bound before use: safe */
    one_rule(p, "[?x, ex:p, ?w] :- [?x, ex:q, ?y], BIND(?y + 1 AS ?z), FILTER(?z > 1), "
                "BIND(?z * 2 AS ?w), NOT [?z, ex:r, ?w] .");
    free_program(p);
}

Test(rule_parse, a_cycle_through_negation_is_refused)
{
    RsProgram *p = new_program();
    assert_error(p, "[?x, ex:p, ?y] :- [?x, ex:r, ?y], NOT [?x, ex:q, ?y] .\n"
                    "[?x, ex:q, ?y] :- [?x, ex:p, ?y] .",
                 1, 1,
                 "the program cannot be stratified: [?x, ex:p, ?y] :- [?x, ex:r, ?y], NOT [?x, "
                 "ex:q, ?y] . negates ex:q, which depends on its own head");
    assert_error(p, "ex:Q[?x] :- ex:R[?x] .\nex:P[?x] :- ex:R[?x], NOT ex:P[?x] .", 2, 1,
                 "the program cannot be stratified: ex:P[?x] :- ex:R[?x], NOT ex:P[?x] . negates "
                 "ex:P, which depends on its own head");
    free_program(p);
}

Test(rule_parse, strata_put_negated_predicates_first)
{
    RsProgram *p = new_program();
    parse_ok(p, "ex:B[?x] :- ex:A[?x] .\n"
                "ex:C[?x] :- ex:A[?x], NOT ex:B[?x] .\n"
                "ex:D[?x] :- ex:C[?x], NOT ex:E[?x] .\n"
                "ex:E[?x] :- ex:B[?x] .\n"
                "ex:F[?x] :- ex:D[?x], NOT ex:C[?x] .\n");
    cr_assert_eq(p->n_strata, 3);
    int want[] = {0, 1, 1, 0, 2};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(p->rules[i].stratum, want[i], "rule %d: stratum %d", i, p->rules[i].stratum);
    /* a lone rule that negates a base predicate is in stratum 0 */
    RsProgram *q = new_program();
    parse_ok(q, "ex:A[?x] :- ex:B[?x], NOT ex:C[?x] .");
    cr_assert_eq(q->n_strata, 1);
    cr_assert_eq(q->rules[0].stratum, 0);
    free_program(q);
    free_program(p);
}

Test(rule_parse, rdf_type_atoms_are_keyed_by_class)
{
    RsProgram *p = new_program();
    parse_ok(p, "ex:A[?x] :- ex:B[?x], NOT ex:C[?x] .\nex:C[?x] :- ex:D[?x] .");
    cr_assert_eq(p->rules[0].stratum, 1);
    cr_assert_eq(p->rules[1].stratum, 0);
    /* a variable class may be any class; here nothing leads back */
    parse_ok(p, "[?x, a, ?c] :- [?x, ex:in, ?c] .");
    cr_assert_eq(p->rules[2].stratum, 0);
    cr_assert_eq(p->rules[0].stratum, 1);
    /* ... and here it does: ex:A -> ex:in -> any class -> ex:C, which ex:A negates */
    assert_error(p, "[?x, ex:in, ?c] :- ex:A[?x], [?c, ex:k, ?c] .", 1, 1,
                 "the program cannot be stratified: ex:A[?x] :- ex:B[?x], NOT ex:C[?x] . negates "
                 "ex:C, which depends on its own head");
    free_program(p);
}

Test(rule_parse, a_variable_predicate_depends_on_everything)
{
    RsProgram *p = new_program();
    parse_ok(p, "[?x, ex:p, ?y] :- [?x, ex:r, ?y], NOT [?x, ex:q, ?y] .");
    KgError err = {0};
    const char *more = "[?y, ?p, ?x] :- [?x, ?p, ?y] .";
    cr_assert_eq(rs_parse(p, "more.dlog", more, strlen(more), &err), KG_ERR_SYNTAX);
    /* the error is at the old rule, in the file it came from */
    cr_assert_str_eq(err.file, NAME);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(p->n_rules, 1);
    free_program(p);
}

Test(rule_parse, a_failed_call_leaves_the_program_as_it_was)
{
    RsProgram *p = new_program();
    parse_ok(p, "ex:B[?x] :- ex:A[?x] .\nex:C[?x] :- ex:A[?x], NOT ex:B[?x] .");
    cr_assert_eq(p->n_strata, 2);
    const char *text0 = p->rules[0].text, *text1 = p->rules[1].text;
    /* good rules, then a bad one: none of them stays */
    KgError err = {0};
    const char *bad = "ex:D[?x] :- ex:C[?x] .\nex:E[?x] :- ex:C[?x], NOT ex:F[?x] .\nex:G[?x] :- .";
    cr_assert_eq(rs_parse(p, "bad.dlog", bad, strlen(bad), &err), KG_ERR_SYNTAX);
    cr_assert_eq(p->n_rules, 2);
    cr_assert_eq(p->n_strata, 2);
    cr_assert_str_eq(p->rules[0].text, text0);
    cr_assert_str_eq(p->rules[1].text, text1);
    cr_assert_eq(p->rules[1].stratum, 1);
    /* a call that breaks stratification: the strata stay too */
    const char *cyc = "ex:A[?x] :- ex:C[?x] .";
    cr_assert_eq(rs_parse(p, "cyc.dlog", cyc, strlen(cyc), &err), KG_ERR_SYNTAX);
    cr_assert_eq(p->n_rules, 2);
    cr_assert_eq(p->n_strata, 2);
    cr_assert_eq(p->rules[0].stratum, 0);
    cr_assert_eq(p->rules[1].stratum, 1);
    /* and the program still takes rules */
    parse_ok(p, "ex:H[?x] :- ex:C[?x] .");
    cr_assert_eq(p->n_rules, 3);
    cr_assert_eq(p->rules[2].stratum, 1);
    free_program(p);
}

Test(rule_parse, a_large_program_with_wildcards_stratifies)
{
    enum { N = 5000 };
    KgBuf text = {0};
    for (int i = 0; i < N; i++)
        kg_buf_printf(&text,
                      "[?x, ex:p%d, ?y] :- [?x, ?p, ?y], [?p, a, ?c], NOT [?x, ex:q%d, ?y] .\n", i,
                      i);
    RsProgram *p = new_program();
    parse_ok(p, kg_buf_cstr(&text));
    cr_assert_eq(p->n_rules, N);
    cr_assert_eq(p->n_strata, 1);
    kg_buf_free(&text);
    free_program(p);
}

/* ------------------------------------------------------------ robustness */

static const char sample[] =
    "# a sample with every construct\n"
    "@prefix f: <http://file.example/> .\n"
    "PREFIX g: <http://g.example/>\n"
    "@base <http://base.example/a/b> .\n"
    "[?x, f:ancestor, ?z] :- [?x, f:parent, ?y], [?y, f:ancestor, ?z] .\n"
    "ex:grandparent[?x, ?z] :- ex:parent[?x, ?y], ex:parent[?y, ?z] .\n"
    "ex:Adult[?x] :- ex:Person[?x], [?x, ex:age, ?a], FILTER(?a >= 18 && ?a < 200) .\n"
    "0.83 :: ex:nationality[?x, ?c] :- ex:bornIn[?x, ?y], ex:cityOf[?y, ?c] .\n"
    "ex:Orphan[?x] :- ex:Person[?x], NOT ex:parent[?x, ?y] .\n"
    "[?x, ex:label2, ?l] :- [?x, rdfs:label, ?n], BIND(UCASE(?n) AS ?l) .\n"
    "[?x, g:p, ?y], [?y, g:q, ?x] :- [?x, <r>, ?y], [?x, a, \"s\\u00e9\"@en-GB],\n"
    "    [?y, <../s#t>, \"\"\"long\n\"string\" \"\"\"^^xsd:token], [?y, ex:n, -1.5e3] .\n"
    "1 :: [$x, ex:flag, true] :- [?x, ex:m, 'single'], FILTER(REGEX(?x, \"(\")) .\n";

static void parse_any(RsProgram *p, const char *text, size_t len)
{
    /* an exact-size copy, so that the sanitizers see any read past the end */
    char *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    if (len) memcpy(copy, text, len);
    p->n_rules = 0;
    p->n_strata = 0;
    KgError err = {0};
    KgStatus s = rs_parse(p, NAME, copy, len, &err);
    cr_assert(s == KG_OK || s == KG_ERR_SYNTAX, "%s", kg_status_name(s));
    if (s != KG_OK) {
        cr_assert_eq(p->n_rules, 0);
        cr_assert_str_eq(err.file, NAME);
        cr_assert(err.line >= 1 && err.col >= 1, "an error without a position: %s", err.msg);
    }
    free(copy);
}

Test(rule_parse, the_sample_parses)
{
    RsProgram *p = new_program();
    parse_ok(p, sample);
    cr_assert_eq(p->n_rules, 8);
    assert_iri(&p->rules[6].body[0].t[1], "http://base.example/a/r");
    assert_iri(&p->rules[6].body[2].t[1], "http://base.example/s#t");
    assert_literal(&p->rules[6].body[2].t[2], "long\n\"string\" ", 14, KG_NS_XSD "token", NULL);
    free_program(p);
}

Test(rule_parse, every_prefix_of_a_valid_file_reads_or_fails_cleanly)
{
    RsProgram *p = new_program();
    for (size_t n = 0; n <= sizeof sample - 1; n++) parse_any(p, sample, n);
    free_program(p);
}

Test(rule_parse, random_mutations_read_or_fail_cleanly)
{
    static const char interesting[] = "[](),.:-?$<>\"'#@^_ \n\t\\aAeE0159+%;";
    RsProgram *p = new_program();
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    char buf[sizeof sample + 64];
    for (int iter = 0; iter < 4000; iter++) {
        size_t len = sizeof sample - 1;
        memcpy(buf, sample, len);
        int n_mut = 1 + (int)(rng % 4);
        for (int m = 0; m < n_mut; m++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            size_t at = (size_t)(rng >> 8) % (len + 1);
            char c = (rng & 1) ? interesting[(rng >> 40) % (sizeof interesting - 1)]
                               : (char)(rng >> 48);
            switch ((rng >> 4) % 4) {
            case 0: /* replace */
                if (at < len) buf[at] = c;
                break;
            case 1: /* insert */
                if (len < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
                break;
            case 2: /* delete */
                if (at < len) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
                break;
            default: /* cut */
                len = at;
            }
        }
        parse_any(p, buf, len);
    }
    free_program(p);
}

Test(rule_parse, failed_allocations_leave_the_program_as_it_was)
{
    RsProgram *p = new_program();
    /* warm the store's prefix statements up, so that only the parser's allocations count */
    parse_ok(p, "[?x, ex:p, ?y] :- [?x, ex:q, ?y] .");
    size_t before = p->n_rules;
    KgStatus s = KG_ERR_NOMEM;
    long n;
    for (n = 0; n < 100000 && s != KG_OK; n++) {
        KgError err = {0};
        kg_mem_fail_after(n);
        s = rs_parse(p, NAME, sample, sizeof sample - 1, &err);
        kg_mem_fail_after(-1);
        if (s != KG_OK) {
            cr_assert_eq(p->n_rules, before, "after %ld allocations", n);
            cr_assert_neq(s, KG_ERR_SYNTAX, "after %ld allocations: %s", n, err.msg);
        }
    }
    cr_assert_eq(s, KG_OK);
    cr_assert_gt(n, 10);
    cr_assert_eq(p->n_rules, before + 8);
    free_program(p);
}
