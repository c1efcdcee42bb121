/* tests/kg/test_export.c: export (kg/export.c) round trips: a store written as N-Triples,
 * Turtle or N-Quads and loaded into a fresh store holds the same triples (N-Quads: the same
 * quads), compared line by line in a canonical form that names blank nodes by a property. */
#include "helpers.h"

#define NAME_IRI "http://example.org/name"

/* Literals of every kind, blank nodes (each with one ex:name, see helpers.h) and graphs. */
static const char *const trig_doc =
    "@prefix ex: <http://example.org/> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "ex:s ex:plain \"plain\" ;\n"
    "     ex:lang \"chat\"@fr , \"colour\"@en-gb ;\n"
    "     ex:typed \"7\"^^xsd:int , 42 , -1.50 , 4.2E1 , true , \"2024-01-31\"^^xsd:date ;\n"
    "     ex:custom \"v\"^^<http://example.org/dt#x> ;\n"
    "     ex:escapes \"quote \\\" backslash \\\\ tab \\t newline \\n cr \\r\" ;\n"
    "     ex:long \"\"\"two\n"
    "lines\"\"\" ;\n"
    "     ex:control \"bell \\u0007 del \\u007F\" ;\n"
    "     ex:unicode \"caf\\u00E9 \\u2200x \\U0001F600 \xE6\x97\xA5\xE6\x9C\xAC\" ;\n"
    "     ex:empty \"\" ;\n"
    "     ex:knows _:b1 .\n"
    "_:b1 ex:name \"b1\" ; ex:knows _:b2 , ex:s .\n"
    "_:b2 ex:name \"b2\" ; ex:knows _:b2 .\n"
    "[ ex:name \"anon\" ] ex:p ex:o .\n"
    "<http://example.org/caf\xC3\xA9> ex:p <http://example.org/a/b?c=d#e> .\n"
    "<http://example.org/1st> ex:p <http://example.org/with.dot> .\n"
    "<http://example.org/a\xC3\x97" "b> ex:p <http://example.org/end.> .\n"
    "<urn:x:y> ex:p <http://example.org/%41> .\n"
    "ex:g1 {\n"
    "  ex:s ex:plain \"plain\" .\n"
    "  ex:in ex:graph \"only in g1\"@en ;\n"
    "        ex:knows _:b1 .\n"
    "  _:b3 ex:name \"b3\" ; ex:p \"blank in a graph\" .\n"
    "}\n"
    "<http://example.org/g2#> { ex:in ex:graph 2 }\n";

/* Exports `store` in `fmt` to a file in `dir` and loads it into a fresh store. */
static KgStore *export_and_reload(KgStore *store, const char *dir, KgFormat fmt, unsigned marks)
{
    char path[512];
    const char *ext = fmt == KG_FMT_NTRIPLES ? "nt" : fmt == KG_FMT_TURTLE ? "ttl" : "nq";
    char name[32];
    snprintf(name, sizeof name, "out.%s", ext);
    path_in(path, sizeof path, dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    KgError err = {0};
    cr_assert_eq(kg_export(store, f, fmt, marks, &err), KG_OK, "export: %s", err.msg);
    cr_assert_eq(fclose(f), 0);
    KgStore *back = open_store(":memory:");
    KgLoadStats ls;
    KgStatus s = kg_load_file(back, path, NULL, &ls, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    if (s != KG_OK) {
        char *text = read_file(path, NULL);
        cr_log_error("the exported file:\n%s", text);
        free(text);
    }
    cr_assert_eq(s, KG_OK, "the %s export does not load: %s", ext, where);
    return back;
}

static KgStore *source_store(void)
{
    KgStore *store = open_store(":memory:");
    load_ok(store, "data.trig", trig_doc, NULL);
    return store;
}

static void assert_same_triples(KgStore *a, KgStore *b, int with_graphs)
{
    char *ca = canonical_quads(a, with_graphs, NAME_IRI);
    char *cb = canonical_quads(b, with_graphs, NAME_IRI);
    cr_assert_str_eq(cb, ca, "the reloaded store differs:\n--- reloaded\n%s--- original\n%s", cb,
                     ca);
    free(ca);
    free(cb);
}

/* Distinct (s, p, o) of a store, over all graphs. */
static unsigned long n_distinct_triples(KgStore *store)
{
    char *c = canonical_quads(store, 0, NAME_IRI);
    unsigned long n = 0;
    for (const char *p = c; *p; p++) n += *p == '\n';
    free(c);
    return n;
}

Test(kg_export, ntriples_round_trip_keeps_every_triple)
{
    char *dir = temp_dir();
    KgStore *store = source_store();
    KgStore *back = export_and_reload(store, dir, KG_FMT_NTRIPLES, KG_ASSERTED | KG_INFERRED);
    // N-Triples has no graphs: each distinct triple once, in the default graph.
    cr_assert_eq(stats_of(back).n_quads, n_distinct_triples(store));
    cr_assert_eq(stats_of(back).n_graphs, 0);
    assert_same_triples(store, back, 0);
    kg_store_close(back);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_export, turtle_round_trip_keeps_every_triple)
{
    char *dir = temp_dir();
    KgStore *store = source_store();
    KgStore *back = export_and_reload(store, dir, KG_FMT_TURTLE, KG_ASSERTED | KG_INFERRED);
    cr_assert_eq(stats_of(back).n_quads, n_distinct_triples(store));
    assert_same_triples(store, back, 0);
    kg_store_close(back);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_export, nquads_round_trip_keeps_every_quad_and_graph)
{
    char *dir = temp_dir();
    KgStore *store = source_store();
    KgStore *back = export_and_reload(store, dir, KG_FMT_NQUADS, KG_ASSERTED | KG_INFERRED);
    KgStats a = stats_of(store), b = stats_of(back);
    cr_assert_eq(b.n_quads, a.n_quads);
    cr_assert_eq(b.n_graphs, a.n_graphs);
    cr_assert_eq(b.n_terms, a.n_terms, "terms %llu != %llu", (unsigned long long)b.n_terms,
                 (unsigned long long)a.n_terms);
    assert_same_triples(store, back, 1);
    kg_store_close(back);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_export, a_second_round_trip_changes_nothing)
{
    char *dir = temp_dir();
    KgStore *store = source_store();
    KgStore *once = export_and_reload(store, dir, KG_FMT_TURTLE, KG_ASSERTED);
    KgStore *twice = export_and_reload(once, dir, KG_FMT_NTRIPLES, KG_ASSERTED);
    assert_same_triples(once, twice, 0);
    assert_stats_eq(stats_of(twice), stats_of(once));
    kg_store_close(twice);
    kg_store_close(once);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_export, turtle_export_survives_a_file_that_redefines_a_builtin_prefix)
{
    // A file may bind rdfs: (or xsd:, owl:, rdf:) to its own namespace; the export's CURIEs
    // must still read back as the IRIs they stand for.
    char *dir = temp_dir();
    KgStore *store = open_store(":memory:");
    load_ok(store, "mine.ttl",
            "@prefix rdfs: <http://example.org/myschema/> .\n"
            "rdfs:thing rdfs:related <http://www.w3.org/2000/01/rdf-schema#label> .\n",
            NULL);
    KgStore *back = export_and_reload(store, dir, KG_FMT_TURTLE, KG_ASSERTED);
    char *a = canonical_quads(store, 0, NAME_IRI);
    char *b = canonical_quads(back, 0, NAME_IRI);
    cr_assert_str_eq(b, a);
    free(a);
    free(b);
    kg_store_close(back);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_export, marks_select_asserted_or_inferred_quads)
{
    char *dir = temp_dir();
    KgStore *store = open_store(":memory:");
    load_ok(store, "a.ttl", "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n",
            NULL);
    KgError err = {0};
    cr_assert_eq(kg_store_begin(store, &err), KG_OK);
    KgTerm c = {KG_TERM_IRI, "http://example.org/c", 20, NULL, NULL};
    KgTermId c_id;
    cr_assert_eq(kg_dict_intern(store, &c, &c_id, &err), KG_OK);
    KgQuad inferred = {iri_id(store, "http://example.org/a"), iri_id(store, "http://example.org/p"),
                       c_id, KG_DEFAULT_GRAPH};
    cr_assert_eq(kg_quad_add(store, &inferred, KG_INFERRED, NULL, &err), KG_OK);
    cr_assert_eq(kg_store_commit(store, &err), KG_OK);

    KgStore *asserted = export_and_reload(store, dir, KG_FMT_NTRIPLES, KG_ASSERTED);
    cr_assert_eq(stats_of(asserted).n_quads, 1);
    KgTermId id;
    cr_assert_eq(kg_dict_lookup_iri(asserted, "http://example.org/c", &id, &err), KG_ERR_NOT_FOUND);
    KgStore *only_inferred = export_and_reload(store, dir, KG_FMT_NQUADS, KG_INFERRED);
    cr_assert_eq(stats_of(only_inferred).n_quads, 1);
    iri_id(only_inferred, "http://example.org/c");
    KgStore *both = export_and_reload(store, dir, KG_FMT_TURTLE, KG_ASSERTED | KG_INFERRED);
    cr_assert_eq(stats_of(both).n_quads, 2);
    kg_store_close(both);
    kg_store_close(only_inferred);
    kg_store_close(asserted);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_export, empty_store_exports_a_file_that_loads)
{
    char *dir = temp_dir();
    KgStore *store = open_store(":memory:");
    for (KgFormat f = KG_FMT_NTRIPLES; f <= KG_FMT_NQUADS; f++) {
        KgStore *back = export_and_reload(store, dir, f, KG_ASSERTED);
        cr_assert_eq(stats_of(back).n_quads, 0);
        kg_store_close(back);
    }
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_export, other_formats_are_refused)
{
    KgStore *store = open_store(":memory:");
    KgError err = {0};
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(kg_export(store, f, KG_FMT_RDFXML, KG_ASSERTED, &err), KG_ERR_ARG);
    cr_assert_eq(kg_export(store, f, KG_FMT_TSV, KG_ASSERTED, &err), KG_ERR_ARG);
    fclose(f);
    kg_store_close(store);
}
