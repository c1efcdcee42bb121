/* tests/fuzz/fuzz_load.c: the RDF and TSV loaders (raptor2 for N-Triples, N-Quads, Turtle,
 * TriG and RDF/XML; kg/tsv.c for TSV) through kg_load_memory. The first byte picks the
 * syntax, the rest is the file. A failed load must leave the store exactly as it was; a
 * load that succeeds must give quads whose terms read back and whose N-Quads export loads
 * again to as many quads, and whose Turtle export loads again at all. abort() tells
 * libFuzzer that one of these promises broke. */
#define _POSIX_C_SOURCE 200809L
#include "kg/kg.h"
#include "tests/fuzz/bound.h"
#include "tests/fuzz/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    KgFormat format;
    const char *name;
} syntaxes[] = {
    {KG_FMT_NTRIPLES, "fuzz.nt"}, {KG_FMT_NQUADS, "fuzz.nq"}, {KG_FMT_TURTLE, "fuzz.ttl"},
    {KG_FMT_TRIG, "fuzz.trig"},   {KG_FMT_RDFXML, "fuzz.rdf"}, {KG_FMT_TSV, "fuzz.tsv"},
};
#define N_SYNTAXES (sizeof syntaxes / sizeof syntaxes[0])

static KgStore *open_memory(void)
{
    KgStore *store = NULL;
    KgError err = {0};
    fuzz_must(kg_store_open(":memory:", &store, &err) == KG_OK, "opening a store in memory", &err);
    return store;
}

/* Every stored quad's terms, written back as N-Triples and in short form. */
static void read_terms(KgStore *store)
{
    KgQuad any = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    KgError err = {0};
    KgBuf b = {0};
    fuzz_must(kg_match_new(store, &any, KG_ASSERTED | KG_INFERRED, &it, &err) == KG_OK, "match", &err);
    KgStatus s;
    while ((s = kg_iter_next(it, &q, NULL, &err)) == KG_OK) {
        KgTermId ids[4] = {q.s, q.p, q.o, q.g};
        for (int i = 0; i < 4; i++) {
            if (ids[i] == 0) continue;
            b.len = 0;
            fuzz_must(kg_term_write_id(store, ids[i], i & 1, &b, &err) == KG_OK, "a stored term", &err);
        }
    }
    fuzz_must(s == KG_DONE, "iterating quads", &err);
    kg_iter_free(it);
    kg_buf_free(&b);
}

/* Exports in `format` and loads the text into a new store as `reload`; returns its quads. */
static uint64_t round_trip(KgStore *store, KgFormat format, KgFormat reload, const char *name)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fuzz_must(f != NULL, "open_memstream", NULL);
    KgError err = {0};
    fuzz_must(kg_export(store, f, format, KG_ASSERTED | KG_INFERRED, &err) == KG_OK, "export", &err);
    fclose(f);
    KgStore *again = open_memory();
    KgLoadOptions opt = {.format = reload};
    KgStatus s = kg_load_memory(again, name, text, len, &opt, NULL, &err);
    if (s != KG_OK) fprintf(stderr, "fuzz_load: the export does not load again:\n%s\n", text);
    fuzz_must(s == KG_OK, "loading the export again", &err);
    KgStats st;
    fuzz_must(kg_stats_get(again, &st, &err) == KG_OK, "stats", &err);
    kg_store_close(again);
    free(text);
    return st.n_quads;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static KgStore *store;  // kept while loads fail (they leave it empty), renewed after one succeeds
    if (size < 1) return 0;
    if (!store) store = open_memory();
    size_t pick = data[0] % N_SYNTAXES;
    FuzzSnapshot before = fuzz_snapshot(store);
    KgLoadOptions opt = {.format = syntaxes[pick].format};
    KgError err = {0};
    fuzz_bound_start(2000);
    KgStatus s = kg_load_memory(store, syntaxes[pick].name, (const char *)data + 1, size - 1, &opt,
                                NULL, &err);
    fuzz_bound_stop();
    fuzz_must(!kg_store_in_transaction(store), "a load left its transaction open", NULL);
    if (s != KG_OK) {
        fuzz_must(s != KG_ERR_INTERNAL, "internal error", &err);
        FuzzSnapshot after = fuzz_snapshot(store);
        fuzz_must(fuzz_snapshot_equal(&before, &after), "a failed load changed the store", &err);
        return 0;
    }
    read_terms(store);
    KgStats st;
    fuzz_must(kg_stats_get(store, &st, &err) == KG_OK, "stats", &err);
    if (st.n_quads > 0) {
        fuzz_must(round_trip(store, KG_FMT_NQUADS, KG_FMT_NQUADS, "export.nq") == st.n_quads,
             "the N-Quads export loads again to another number of quads", NULL);
        round_trip(store, KG_FMT_TURTLE, KG_FMT_TURTLE, "export.ttl");
    }
    kg_store_close(store);
    store = NULL;
    return 0;
}
