/* tests/kg/test_dict.c: the term dictionary (kg/dict.c): one id per term across transactions
 * and reopenings, which literals are the same term, NULs inside a lexical form, dense ids,
 * and a rolled-back transaction's terms being forgotten by the cache as well as the table. */
#include "helpers.h"

static KgTerm iri(const char *s) { return (KgTerm){KG_TERM_IRI, s, strlen(s), NULL, NULL}; }

static KgTerm lit(const char *s, const char *dt, const char *lang)
{
    return (KgTerm){KG_TERM_LITERAL, s, strlen(s), dt, lang};
}

static KgTermId intern(KgStore *store, KgTerm t)
{
    KgTermId id = 0;
    KgError err = {0};
    cr_assert_eq(kg_dict_intern(store, &t, &id, &err), KG_OK, "intern: %s", err.msg);
    cr_assert_neq(id, 0);
    return id;
}

static void begin(KgStore *store)
{
    KgError err = {0};
    cr_assert_eq(kg_store_begin(store, &err), KG_OK, "begin: %s", err.msg);
}

static void commit(KgStore *store)
{
    KgError err = {0};
    cr_assert_eq(kg_store_commit(store, &err), KG_OK, "commit: %s", err.msg);
}

static KgStatus lookup(KgStore *store, KgTerm t, KgTermId *id)
{
    KgError err = {0};
    return kg_dict_lookup(store, &t, id, &err);
}

Test(kg_dict, same_iri_gets_same_id_across_transactions)
{
    KgStore *store = open_store(":memory:");
    begin(store);
    KgTermId a = intern(store, iri("http://example.org/a"));
    commit(store);
    begin(store);
    intern(store, iri("http://example.org/other"));
    KgTermId again = intern(store, iri("http://example.org/a"));
    commit(store);
    cr_assert_eq(again, a);
    cr_assert_eq(iri_id(store, "http://example.org/a"), a);
    kg_store_close(store);
}

Test(kg_dict, same_iri_gets_same_id_after_reopening_a_file_store)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "d.db");
    KgStore *store = open_store(path);
    begin(store);
    KgTermId a = intern(store, iri("http://example.org/a"));
    KgTermId l = intern(store, lit("hello", NULL, "en"));
    commit(store);
    kg_store_close(store);

    store = open_store(path);
    KgTermId found = 0;
    cr_assert_eq(lookup(store, iri("http://example.org/a"), &found), KG_OK);
    cr_assert_eq(found, a);
    begin(store);
    cr_assert_eq(intern(store, iri("http://example.org/a")), a);
    cr_assert_eq(intern(store, lit("hello", NULL, "en")), l);
    // A new term after reopening continues the sequence.
    cr_assert_eq(intern(store, iri("http://example.org/b")), l + 1);
    commit(store);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_dict, literal_kinds_are_distinct_terms)
{
    KgStore *store = open_store(":memory:");
    begin(store);
    KgTermId ids[] = {
        intern(store, lit("x", NULL, NULL)),
        intern(store, lit("x", KG_NS_XSD "integer", NULL)),
        intern(store, lit("x", KG_NS_XSD "token", NULL)),
        intern(store, lit("x", NULL, "en")),
        intern(store, lit("x", NULL, "fr")),
        intern(store, iri("x")),
        intern(store, (KgTerm){KG_TERM_BLANK, "x", 1, NULL, NULL}),
    };
    size_t n = sizeof ids / sizeof ids[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            cr_assert_neq(ids[i], ids[j], "terms %zu and %zu got the same id", i, j);
    // Each one reads back as what was stored.
    KgTerm t;
    KgError err = {0};
    cr_assert_eq(kg_dict_get(store, ids[1], &t, &err), KG_OK);
    cr_assert_eq(t.kind, KG_TERM_LITERAL);
    cr_assert_str_eq(t.datatype, KG_NS_XSD "integer");
    cr_assert_null(t.lang);
    cr_assert_eq(kg_dict_get(store, ids[4], &t, &err), KG_OK);
    cr_assert_str_eq(t.lang, "fr");
    cr_assert_null(t.datatype);
    cr_assert_eq(kg_dict_get(store, ids[0], &t, &err), KG_OK);
    cr_assert_null(t.lang);
    cr_assert_null(t.datatype);
    cr_assert_eq(kg_dict_get(store, ids[6], &t, &err), KG_OK);
    cr_assert_eq(t.kind, KG_TERM_BLANK);
    commit(store);
    kg_store_close(store);
}

Test(kg_dict, xsd_string_literal_is_the_plain_literal)
{
    KgStore *store = open_store(":memory:");
    begin(store);
    KgTermId plain = intern(store, lit("x", NULL, NULL));
    KgTermId typed = intern(store, lit("x", KG_NS_XSD "string", NULL));
    cr_assert_eq(typed, plain);
    KgTermId typed_first = intern(store, lit("y", KG_NS_XSD "string", NULL));
    cr_assert_eq(intern(store, lit("y", NULL, NULL)), typed_first);
    commit(store);
    KgTerm t;
    KgError err = {0};
    cr_assert_eq(kg_dict_get(store, typed_first, &t, &err), KG_OK);
    cr_assert(t.datatype == NULL || strcmp(t.datatype, KG_NS_XSD "string") == 0);
    kg_store_close(store);
}

Test(kg_dict, xsd_string_literal_is_the_plain_literal_when_read_from_the_table)
{
    // A reopened store has an empty cache, so the lookup goes to the terms table.
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "d.db");
    KgStore *store = open_store(path);
    begin(store);
    KgTermId plain = intern(store, lit("x", NULL, NULL));
    commit(store);
    kg_store_close(store);
    store = open_store(path);
    KgTermId found = 0;
    cr_assert_eq(lookup(store, lit("x", KG_NS_XSD "string", NULL), &found), KG_OK);
    cr_assert_eq(found, plain);
    kg_store_close(store);
    temp_dir_remove(dir);
}

/* raptor2 cuts a literal at an escaped NUL when it reads one back, so a literal holding NUL
 * could never be exported and reloaded: the dictionary refuses it, and the store is kept. */
Test(kg_dict, a_literal_with_a_nul_is_refused_and_nothing_is_added)
{
    KgStore *store = open_store(":memory:");
    static const char lex[] = {'a', '\0', 'b'};
    KgTerm with_nul = {KG_TERM_LITERAL, lex, sizeof lex, NULL, NULL};
    begin(store);
    KgTermId id = 1234;
    KgError err = {0};
    cr_assert_eq(kg_dict_intern(store, &with_nul, &id, &err), KG_ERR_ARG);
    cr_assert_eq(id, 0);
    cr_assert(strstr(err.msg, "NUL") != NULL, "%s", err.msg);
    commit(store);
    cr_assert_eq(stats_of(store).n_terms, 0);
    kg_store_close(store);
}

/* After a rollback the cache is empty: terms stored before are found through the table. */
Test(kg_dict, terms_are_found_through_the_table_after_a_rollback)
{
    KgStore *store = open_store(":memory:");
    begin(store);
    KgTermId id = intern(store, lit("a b", NULL, NULL));
    KgTermId other = intern(store, lit("a c", NULL, "en"));
    commit(store);
    begin(store);
    intern(store, lit("gone", NULL, NULL));
    kg_store_rollback(store);
    KgTermId found = 0;
    cr_assert_eq(lookup(store, lit("a b", NULL, NULL), &found), KG_OK);
    cr_assert_eq(found, id);
    cr_assert_eq(lookup(store, lit("a c", NULL, "EN"), &found), KG_OK);
    cr_assert_eq(found, other);
    cr_assert_eq(lookup(store, lit("gone", NULL, NULL), &found), KG_ERR_NOT_FOUND);
    kg_store_close(store);
}

Test(kg_dict, ids_are_dense_and_in_order)
{
    KgStore *store = open_store(":memory:");
    cr_assert_eq(stats_of(store).n_terms, 0);
    begin(store);
    cr_assert_eq(intern(store, iri("http://example.org/1")), 1);
    cr_assert_eq(intern(store, iri("http://example.org/2")), 2);
    cr_assert_eq(intern(store, iri("http://example.org/1")), 1);
    cr_assert_eq(intern(store, iri("http://example.org/3")), 3);
    // A typed literal brings its datatype IRI: 4 is the datatype, 5 the literal.
    cr_assert_eq(intern(store, lit("7", KG_NS_XSD "integer", NULL)), 5);
    cr_assert_eq(iri_id(store, KG_NS_XSD "integer"), 4);
    commit(store);
    begin(store);
    cr_assert_eq(intern(store, lit("z", NULL, "de")), 6);
    commit(store);
    cr_assert_eq(stats_of(store).n_terms, 6);
    kg_store_close(store);
}

Test(kg_dict, rollback_forgets_terms_added_in_the_transaction)
{
    KgStore *store = open_store(":memory:");
    begin(store);
    KgTermId kept = intern(store, iri("http://example.org/kept"));
    commit(store);

    begin(store);
    KgTermId gone = intern(store, iri("http://example.org/gone"));
    KgTermId gone_lit = intern(store, lit("gone", KG_NS_XSD "token", NULL));
    cr_assert_eq(gone, kept + 1);
    kg_store_rollback(store);

    KgTermId id = 12345;
    cr_assert_eq(lookup(store, iri("http://example.org/gone"), &id), KG_ERR_NOT_FOUND);
    cr_assert_eq(lookup(store, lit("gone", KG_NS_XSD "token", NULL), &id), KG_ERR_NOT_FOUND);
    cr_assert_eq(lookup(store, iri(KG_NS_XSD "token"), &id), KG_ERR_NOT_FOUND);
    KgTerm t;
    KgError err = {0};
    cr_assert_eq(kg_dict_get(store, gone, &t, &err), KG_ERR_NOT_FOUND);
    cr_assert_eq(kg_dict_get(store, gone_lit, &t, &err), KG_ERR_NOT_FOUND);
    cr_assert_eq(stats_of(store).n_terms, 1);

    // The ids of the rolled-back terms are handed out again, so ids stay dense.
    begin(store);
    KgTermId next = intern(store, iri("http://example.org/next"));
    cr_assert_eq(next, kept + 1);
    cr_assert_eq(intern(store, iri("http://example.org/gone")), kept + 2);
    commit(store);
    cr_assert_eq(kg_dict_get(store, next, &t, &err), KG_OK);
    cr_assert_str_eq(t.lex, "http://example.org/next");
    cr_assert_eq(iri_id(store, "http://example.org/kept"), kept);
    cr_assert_eq(stats_of(store).n_terms, 3);
    kg_store_close(store);
}

Test(kg_dict, lookup_of_an_unknown_term_leaves_err_alone_and_adds_nothing)
{
    KgStore *store = open_store(":memory:");
    KgError err = {.status = KG_ERR_IO, .msg = "untouched"};
    KgTerm t = iri("http://example.org/nowhere");
    KgTermId id = 99;
    cr_assert_eq(kg_dict_lookup(store, &t, &id, &err), KG_ERR_NOT_FOUND);
    cr_assert_eq(err.status, KG_ERR_IO);
    cr_assert_str_eq(err.msg, "untouched");
    cr_assert_eq(kg_dict_lookup_iri(store, "http://example.org/nowhere", &id, &err),
                 KG_ERR_NOT_FOUND);
    cr_assert_eq(stats_of(store).n_terms, 0);
    kg_store_close(store);
}

Test(kg_dict, intern_of_a_new_term_outside_a_transaction_fails)
{
    KgStore *store = open_store(":memory:");
    KgTerm t = iri("http://example.org/a");
    KgTermId id = 7;
    KgError err = {0};
    cr_assert_neq(kg_dict_intern(store, &t, &id, &err), KG_OK);
    cr_assert_eq(id, 0);
    cr_assert_eq(stats_of(store).n_terms, 0);
    kg_store_close(store);
}

Test(kg_dict, get_of_an_unknown_id_is_not_found)
{
    KgStore *store = open_store(":memory:");
    KgTerm t;
    KgError err = {0};
    cr_assert_eq(kg_dict_get(store, 1, &t, &err), KG_ERR_NOT_FOUND);
    cr_assert_eq(kg_dict_get(store, 0, &t, &err), KG_ERR_NOT_FOUND);
    kg_store_close(store);
}
