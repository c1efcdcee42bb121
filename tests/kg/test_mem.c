/* tests/kg/test_mem.c: out of memory (kg/mem.c's fault injection): fail the Nth allocation
 * of a load, for every N up to what the load needs, into a store that already holds data;
 * each failure must end cleanly and leave the store exactly as it was, and usable. */
#include "helpers.h"

static const char *const base_doc = "@prefix old: <http://old.example/> .\n"
                                    "old:a old:p old:b , \"x\"@en ; old:q _:n .\n"
                                    "_:n old:p 1.5 .\n";

static const char *const small_ttl = "@prefix ex: <http://example.org/> .\n"
                                     "ex:alice a ex:Person ; ex:name \"Alice\"@en ;\n"
                                     "  ex:age 42 ; ex:knows _:b , ex:bob .\n"
                                     "_:b ex:name \"B \\u00E9\" ; ex:p <http://old.example/a> .\n"
                                     "ex:bob ex:knows ex:alice .\n";

static const char *const small_tsv = "alice\tknows\tbob\nbob\tknows\tcarol\ncarol\tis a\t50%\n";

static KgStore *base_store(void)
{
    KgStore *store = open_store(":memory:");
    load_ok(store, "base.ttl", base_doc, NULL);
    return store;
}

/* The allocations one load of `doc` makes in a fresh base store. */
static unsigned long allocations_needed(const char *name, const char *doc)
{
    KgStore *store = base_store();
    unsigned long before = kg_mem_n_allocs();
    load_ok(store, name, doc, NULL);
    unsigned long n = kg_mem_n_allocs() - before;
    kg_store_close(store);
    return n;
}

/* For N = 0, 1, 2, ...: fail the allocation after N good ones during the load of `doc`. */
static void fail_each_allocation(const char *name, const char *doc)
{
    KgStore *control = base_store();
    load_ok(control, name, doc, NULL);
    KgStats want = stats_of(control);
    kg_store_close(control);

    unsigned long need = allocations_needed(name, doc);
    cr_assert_gt(need, 0, "the load allocates nothing through kg_malloc");
    cr_log_info("%s: %lu allocations", name, need);
    int succeeded = 0;
    for (long n = 0; n <= (long)need + 1; n++) {
        KgStore *store = base_store();
        KgStats before = stats_of(store);
        KgError err = {0};
        KgLoadStats ls;
        kg_mem_fail_after(n);
        KgStatus s = kg_load_memory(store, name, doc, strlen(doc), NULL, &ls, &err);
        kg_mem_fail_after(-1);
        if (s == KG_OK) {
            assert_stats_eq(stats_of(store), want);
            succeeded = 1;
        } else {
            cr_assert(s == KG_ERR_NOMEM || s == KG_ERR_DB || s == KG_ERR_INTERNAL,
                      "allocation %ld failing gave %s (%s)", n, kg_status_name(s), err.msg);
            cr_assert_eq(err.status, s, "allocation %ld: err.status %s != %s", n,
                         kg_status_name(err.status), kg_status_name(s));
            cr_assert_neq(err.msg[0], '\0', "allocation %ld: no message", n);
            assert_stats_eq(stats_of(store), before);
            KgBuf b = {0};
            cr_assert_eq(kg_prefix_expand(store, "ex:a", &b, &err), KG_ERR_NOT_FOUND,
                         "allocation %ld: a failed load's prefix stayed", n);
            kg_buf_free(&b);
            // The store is still whole: the same load now goes through, to the same state.
            load_ok(store, name, doc, NULL);
            assert_stats_eq(stats_of(store), want);
        }
        kg_store_close(store);
    }
    cr_assert(succeeded, "no N up to %lu let the load through", need + 1);
}

Test(kg_mem, failing_any_allocation_of_a_turtle_load_leaves_the_store)
{
    fail_each_allocation("small.ttl", small_ttl);
}

Test(kg_mem, failing_any_allocation_of_a_tsv_load_leaves_the_store)
{
    fail_each_allocation("small.tsv", small_tsv);
}

Test(kg_mem, failing_any_allocation_of_store_open_is_clean)
{
    int opened = 0;
    for (long n = 0; n < 64 && !opened; n++) {
        KgStore *store = (KgStore *)1;
        KgError err = {0};
        kg_mem_fail_after(n);
        KgStatus s = kg_store_open(":memory:", &store, &err);
        kg_mem_fail_after(-1);
        if (s == KG_OK) {
            opened = 1;
            load_ok(store, "base.ttl", base_doc, NULL);
        } else {
            cr_assert_eq(s, KG_ERR_NOMEM, "allocation %ld: %s", n, kg_status_name(s));
            cr_assert_null(store);
        }
        kg_store_close(store);
    }
    cr_assert(opened);
}

Test(kg_mem, failing_any_allocation_of_term_parse_is_clean)
{
    static const char *const texts[] = {"\"caf\\u00E9\"@fr", "\"7\"^^xsd:int", "ex:alice", "4.2",
                                        "_:b"};
    KgStore *store = base_store();
    KgError err = {0};
    cr_assert_eq(kg_prefix_set(store, "ex", "http://example.org/", &err), KG_OK);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int parsed = 0;
        for (long n = 0; n < 64 && !parsed; n++) {
            KgArena *arena = kg_arena_new(256);
            cr_assert_not_null(arena);
            KgTerm t;
            kg_mem_fail_after(n);
            KgStatus s = kg_term_parse(store, texts[i], arena, &t, &err);
            kg_mem_fail_after(-1);
            if (s == KG_OK)
                parsed = 1;
            else
                cr_assert_eq(s, KG_ERR_NOMEM, "%s, allocation %ld: %s", texts[i], n,
                             kg_status_name(s));
            kg_arena_free(arena);
        }
        cr_assert(parsed, "%s never parsed", texts[i]);
    }
    kg_store_close(store);
}

/* Exports the store as Turtle with the Nth allocation failing; returns the status and, on
 * success, the text (caller frees). */
static KgStatus export_text(KgStore *store, long fail_after, char **text, KgError *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    kg_mem_fail_after(fail_after);
    KgStatus s = kg_export(store, f, KG_FMT_TURTLE, KG_ASSERTED, err);
    kg_mem_fail_after(-1);
    fclose(f);
    *text = buf;
    return s;
}

Test(kg_mem, failing_any_allocation_of_an_export_fails_or_writes_it_all)
{
    KgStore *store = base_store();
    load_ok(store, "small.ttl", small_ttl, NULL);
    KgError err = {0};
    char *want;
    cr_assert_eq(export_text(store, -1, &want, &err), KG_OK);
    int done = 0;
    for (long n = 0; n < 256 && !done; n++) {
        char *got;
        KgStatus s = export_text(store, n, &got, &err);
        if (s == KG_OK) {
            done = 1;
            cr_assert_str_eq(got, want, "allocation %ld failed, yet the export said ok", n);
        } else {
            cr_assert_eq(s, KG_ERR_NOMEM, "allocation %ld: %s (%s)", n, kg_status_name(s), err.msg);
        }
        free(got);
    }
    cr_assert(done);
    free(want);
    kg_store_close(store);
}
