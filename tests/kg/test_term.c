/* tests/kg/test_term.c: terms as text (kg/term.c): reading what a user types (<iri>, CURIEs,
 * literals, numbers, booleans, blank nodes, `a`), its errors, and writing N-Triples that
 * escapes what must be escaped and reads back, through the loader, to the very same term. */
#include "helpers.h"

#include <strings.h>

typedef struct {
    KgStore *store;
    KgArena *arena;
} Fixture;

static Fixture setup(void)
{
    Fixture f = {open_store(":memory:"), kg_arena_new(1024)};
    cr_assert_not_null(f.arena);
    KgError err = {0};
    cr_assert_eq(kg_prefix_set(f.store, "ex", "http://example.org/", &err), KG_OK, "%s", err.msg);
    return f;
}

static void teardown(Fixture f)
{
    kg_arena_free(f.arena);
    kg_store_close(f.store);
}

static KgTerm parse_ok(Fixture f, const char *text)
{
    KgTerm t;
    KgError err = {0};
    KgStatus s = kg_term_parse(f.store, text, f.arena, &t, &err);
    cr_assert_eq(s, KG_OK, "parsing %s: %s (%s)", text, kg_status_name(s), err.msg);
    return t;
}

static void assert_term(KgTerm t, KgTermKind kind, const char *lex, const char *dt, const char *lang)
{
    cr_assert_eq(t.kind, kind);
    cr_assert_eq(t.lex_len, strlen(lex), "lex_len %zu for \"%s\"", t.lex_len, lex);
    cr_assert_str_eq(t.lex, lex);
    if (dt)
        cr_assert_str_eq(t.datatype, dt);
    else
        cr_assert_null(t.datatype, "unexpected datatype %s", t.datatype);
    if (lang)
        cr_assert_str_eq(t.lang, lang);
    else
        cr_assert_null(t.lang, "unexpected language %s", t.lang);
}

/* ------------------------------------------------------------ reading */

Test(kg_term, parse_reads_an_iri_in_angle_brackets)
{
    Fixture f = setup();
    assert_term(parse_ok(f, "<http://example.org/a#b>"), KG_TERM_IRI, "http://example.org/a#b",
                NULL, NULL);
    teardown(f);
}

Test(kg_term, parse_expands_a_curie)
{
    Fixture f = setup();
    assert_term(parse_ok(f, "ex:alice"), KG_TERM_IRI, "http://example.org/alice", NULL, NULL);
    assert_term(parse_ok(f, "rdfs:label"), KG_TERM_IRI, KG_NS_RDFS "label", NULL, NULL);
    teardown(f);
}

Test(kg_term, parse_reads_literals)
{
    Fixture f = setup();
    assert_term(parse_ok(f, "\"hello world\""), KG_TERM_LITERAL, "hello world", NULL, NULL);
    assert_term(parse_ok(f, "\"chat\"@fr"), KG_TERM_LITERAL, "chat", NULL, "fr");
    assert_term(parse_ok(f, "\"colour\"@en-GB"), KG_TERM_LITERAL, "colour", NULL, "en-GB");
    assert_term(parse_ok(f, "\"7\"^^xsd:int"), KG_TERM_LITERAL, "7", KG_NS_XSD "int", NULL);
    assert_term(parse_ok(f, "\"v\"^^<http://example.org/dt>"), KG_TERM_LITERAL, "v",
                "http://example.org/dt", NULL);
    assert_term(parse_ok(f, "\"\""), KG_TERM_LITERAL, "", NULL, NULL);
    teardown(f);
}

Test(kg_term, parse_unescapes_strings)
{
    Fixture f = setup();
    assert_term(parse_ok(f, "\"a\\\"b\\\\c\\nd\\te\""), KG_TERM_LITERAL, "a\"b\\c\nd\te", NULL,
                NULL);
    assert_term(parse_ok(f, "\"caf\\u00E9 \\U0001F600\""), KG_TERM_LITERAL,
                "caf\xC3\xA9 \xF0\x9F\x98\x80", NULL, NULL);
    teardown(f);
}

Test(kg_term, parse_reads_bare_numbers_with_their_datatypes)
{
    Fixture f = setup();
    assert_term(parse_ok(f, "42"), KG_TERM_LITERAL, "42", KG_NS_XSD "integer", NULL);
    assert_term(parse_ok(f, "-17"), KG_TERM_LITERAL, "-17", KG_NS_XSD "integer", NULL);
    assert_term(parse_ok(f, "4.2"), KG_TERM_LITERAL, "4.2", KG_NS_XSD "decimal", NULL);
    assert_term(parse_ok(f, "4e2"), KG_TERM_LITERAL, "4e2", KG_NS_XSD "double", NULL);
    assert_term(parse_ok(f, "1.5E-3"), KG_TERM_LITERAL, "1.5E-3", KG_NS_XSD "double", NULL);
    teardown(f);
}

Test(kg_term, parse_reads_booleans_blank_nodes_and_a)
{
    Fixture f = setup();
    assert_term(parse_ok(f, "true"), KG_TERM_LITERAL, "true", KG_NS_XSD "boolean", NULL);
    assert_term(parse_ok(f, "false"), KG_TERM_LITERAL, "false", KG_NS_XSD "boolean", NULL);
    assert_term(parse_ok(f, "_:b"), KG_TERM_BLANK, "b", NULL, NULL);
    assert_term(parse_ok(f, "a"), KG_TERM_IRI, KG_RDF_TYPE, NULL, NULL);
    teardown(f);
}

static KgError parse_fails(Fixture f, const char *text, KgStatus expect)
{
    KgTerm t;
    KgError err = {0};
    KgStatus s = kg_term_parse(f.store, text, f.arena, &t, &err);
    cr_assert_eq(s, expect, "parsing %s gave %s, not %s", text, kg_status_name(s),
                 kg_status_name(expect));
    cr_assert_neq(err.msg[0], '\0', "no message for %s", text);
    return err;
}

Test(kg_term, parse_of_an_unknown_prefix_names_it)
{
    Fixture f = setup();
    KgError err = parse_fails(f, "nope:thing", KG_ERR_NOT_FOUND);
    cr_assert(strstr(err.msg, "nope"), "message: %s", err.msg);
    parse_fails(f, "\"x\"^^nope:dt", KG_ERR_NOT_FOUND);
    teardown(f);
}

Test(kg_term, parse_of_an_unterminated_string_fails)
{
    Fixture f = setup();
    KgError err = parse_fails(f, "\"no end", KG_ERR_ARG);
    cr_assert(strstr(err.msg, "unterminated"), "message: %s", err.msg);
    parse_fails(f, "\"ends in a backslash\\", KG_ERR_ARG);
    teardown(f);
}

Test(kg_term, parse_refuses_other_malformed_terms)
{
    Fixture f = setup();
    parse_fails(f, "", KG_ERR_ARG);
    parse_fails(f, "<http://example.org/open", KG_ERR_ARG);
    parse_fails(f, "\"x\"@", KG_ERR_ARG);
    parse_fails(f, "\"x\"junk", KG_ERR_ARG);
    parse_fails(f, "\"bad \\q escape\"", KG_ERR_ARG);
    parse_fails(f, "\"\\u12\"", KG_ERR_ARG);
    parse_fails(f, "\"\\uD800\"", KG_ERR_ARG);
    parse_fails(f, "plainword", KG_ERR_ARG);
    teardown(f);
}

/* ------------------------------------------------------------ writing */

static void assert_nt(KgTerm t, const char *expect)
{
    KgBuf b = {0};
    cr_assert_eq(kg_term_write_nt(&t, &b), KG_OK);
    cr_assert_str_eq(kg_buf_cstr(&b), expect);
    kg_buf_free(&b);
}

Test(kg_term, write_nt_escapes_quotes_backslashes_and_controls)
{
    static const char lex[] = "say \"hi\"\\ \n\r\t\x01\x1f\x7f end";
    KgTerm t = {KG_TERM_LITERAL, lex, sizeof lex - 1, NULL, NULL};
    assert_nt(t, "\"say \\\"hi\\\"\\\\ \\n\\r\\t\\u0001\\u001F\\u007F end\"");
}

Test(kg_term, write_nt_writes_language_and_datatype)
{
    assert_nt((KgTerm){KG_TERM_LITERAL, "chat", 4, NULL, "fr"}, "\"chat\"@fr");
    assert_nt((KgTerm){KG_TERM_LITERAL, "5", 1, KG_NS_XSD "integer", NULL},
              "\"5\"^^<" KG_NS_XSD "integer>");
    assert_nt((KgTerm){KG_TERM_IRI, "http://example.org/a", 20, NULL, NULL},
              "<http://example.org/a>");
    assert_nt((KgTerm){KG_TERM_BLANK, "b1", 2, NULL, NULL}, "_:b1");
    // UTF-8 is written as it is.
    assert_nt((KgTerm){KG_TERM_LITERAL, "caf\xC3\xA9", 5, NULL, NULL}, "\"caf\xC3\xA9\"");
}

Test(kg_term, write_nt_keeps_a_nul_in_the_lexical_form)
{
    assert_nt((KgTerm){KG_TERM_LITERAL, "a\0b", 3, NULL, NULL}, "\"a\\u0000b\"");
}

/* Writes `t` as the object of an N-Triples line, loads the line into a fresh store and
 * checks the stored object is `t` itself. */
static void assert_round_trip(KgTerm t)
{
    KgBuf line = {0};
    kg_buf_puts(&line, "<http://example.org/s> <http://example.org/p> ");
    cr_assert_eq(kg_term_write_nt(&t, &line), KG_OK);
    kg_buf_puts(&line, " .\n");
    KgStore *store = open_store(":memory:");
    KgError err = {0};
    KgLoadStats ls;
    KgStatus s = kg_load_memory(store, "t.nt", line.data, line.len, NULL, &ls, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "%s does not load: %s", line.data, where);
    KgQuad pat = {iri_id(store, "http://example.org/s"), KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it;
    cr_assert_eq(kg_match_new(store, &pat, KG_ASSERTED, &it, &err), KG_OK);
    cr_assert_eq(kg_iter_next(it, &q, NULL, &err), KG_OK);
    kg_iter_free(it);
    KgTerm back;
    cr_assert_eq(kg_dict_get(store, q.o, &back, &err), KG_OK);
    cr_assert_eq(back.kind, t.kind);
    if (t.kind != KG_TERM_BLANK) {
        cr_assert_eq(back.lex_len, t.lex_len, "%s: length %zu read back as %zu", line.data,
                     t.lex_len, back.lex_len);
        cr_assert(memcmp(back.lex, t.lex, t.lex_len) == 0, "%s read back differently", line.data);
    }
    if (t.datatype)
        cr_assert_str_eq(back.datatype, t.datatype);
    else
        cr_assert_null(back.datatype);
    // Language tags compare without case (RDF 1.1); a store may keep them lowercased.
    if (t.lang)
        cr_assert(back.lang && strcasecmp(back.lang, t.lang) == 0, "lang %s read back as %s",
                  t.lang, back.lang ? back.lang : "(none)");
    else
        cr_assert_null(back.lang);
    // The lookup of the original term, as a user would type it, finds what was loaded.
    if (t.kind != KG_TERM_BLANK) {
        KgTermId id;
        cr_assert_eq(kg_dict_lookup(store, &t, &id, &err), KG_OK);
        cr_assert_eq(id, q.o);
    }
    kg_store_close(store);
    kg_buf_free(&line);
}

Test(kg_term, written_literals_read_back_as_the_same_term)
{
    static const char controls[] = "\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
                                   "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                   "\x1e\x1f\x7f";
    KgTerm terms[] = {
        {KG_TERM_LITERAL, "plain", 5, NULL, NULL},
        {KG_TERM_LITERAL, "", 0, NULL, NULL},
        {KG_TERM_LITERAL, "q\"uote\\back\\\\slash", 18, NULL, NULL},
        {KG_TERM_LITERAL, controls, sizeof controls - 1, NULL, NULL},
        {KG_TERM_LITERAL, "\xC3\xA9\xE2\x88\x80\xF0\x9F\x98\x80", 9, NULL, NULL},
        {KG_TERM_LITERAL, "tagged", 6, NULL, "en-GB"},
        {KG_TERM_LITERAL, "12", 2, KG_NS_XSD "integer", NULL},
        {KG_TERM_LITERAL, "odd", 3, "http://example.org/dt#x?y=1&z", NULL},
    };
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) assert_round_trip(terms[i]);
}

Test(kg_term, written_iris_and_blank_nodes_read_back)
{
    assert_round_trip((KgTerm){KG_TERM_IRI, "http://example.org/caf\xC3\xA9#x", 26, NULL, NULL});
    assert_round_trip((KgTerm){KG_TERM_IRI, "urn:isbn:0-486-27557-4", 22, NULL, NULL});
    assert_round_trip((KgTerm){KG_TERM_BLANK, "b12_x", 5, NULL, NULL});
    assert_round_trip((KgTerm){KG_TERM_BLANK, "with-dash.and.dot", 17, NULL, NULL});
}

/* ------------------------------------------------------------ short form */

/* What the shell prints can be typed back: parse(write_short(t)) == t. */
static void assert_short_round_trip(Fixture f, KgTerm t, const char *expect)
{
    KgBuf b = {0};
    cr_assert_eq(kg_term_write_short(f.store, &t, &b), KG_OK);
    if (expect) cr_assert_str_eq(kg_buf_cstr(&b), expect);
    KgTerm back = parse_ok(f, kg_buf_cstr(&b));
    cr_assert_eq(back.kind, t.kind, "%s", b.data);
    cr_assert_eq(back.lex_len, t.lex_len, "%s", b.data);
    cr_assert(memcmp(back.lex, t.lex, t.lex_len) == 0, "%s", b.data);
    if (t.datatype)
        cr_assert_str_eq(back.datatype, t.datatype, "%s", b.data);
    else
        cr_assert_null(back.datatype, "%s", b.data);
    if (t.lang)
        cr_assert_str_eq(back.lang, t.lang);
    else
        cr_assert_null(back.lang);
    kg_buf_free(&b);
}

Test(kg_term, short_form_reads_back_as_the_same_term)
{
    Fixture f = setup();
    assert_short_round_trip(f, (KgTerm){KG_TERM_IRI, "http://example.org/alice", 24, NULL, NULL},
                            "ex:alice");
    assert_short_round_trip(f, (KgTerm){KG_TERM_IRI, "http://example.org/a/b", 22, NULL, NULL},
                            "<http://example.org/a/b>");
    assert_short_round_trip(f, (KgTerm){KG_TERM_IRI, KG_RDF_TYPE, strlen(KG_RDF_TYPE), NULL, NULL},
                            "rdf:type");
    assert_short_round_trip(f, (KgTerm){KG_TERM_LITERAL, "42", 2, KG_NS_XSD "integer", NULL}, "42");
    assert_short_round_trip(f, (KgTerm){KG_TERM_LITERAL, "-1.50", 5, KG_NS_XSD "decimal", NULL},
                            "-1.50");
    assert_short_round_trip(f, (KgTerm){KG_TERM_LITERAL, "true", 4, KG_NS_XSD "boolean", NULL},
                            "true");
    assert_short_round_trip(f, (KgTerm){KG_TERM_LITERAL, "42", 2, NULL, NULL}, "\"42\"");
    assert_short_round_trip(f, (KgTerm){KG_TERM_LITERAL, "4e2", 3, KG_NS_XSD "double", NULL}, NULL);
    assert_short_round_trip(f, (KgTerm){KG_TERM_LITERAL, "x", 1, KG_NS_XSD "int", NULL},
                            "\"x\"^^xsd:int");
    assert_short_round_trip(f, (KgTerm){KG_TERM_LITERAL, "a \"q\"\n", 6, NULL, "en"}, NULL);
    assert_short_round_trip(f, (KgTerm){KG_TERM_BLANK, "b1", 2, NULL, NULL}, "_:b1");
    teardown(f);
}
