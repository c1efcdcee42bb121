/* tests/fuzz/fuzz_sparql.c: SPARQL (kg/sparql_lex.c, sparql_parse.c, the planner and the
 * compiler to SQL, and the functions and REGEX it calls at run time) through kg_query_prepare,
 * then the query run against the fixture store: its plan, its columns and up to MAX_ROWS rows
 * with every value written as N-Triples. Queries only read, so the store must be unchanged. */
#include "tests/fuzz/bound.h"
#include "tests/fuzz/fixture.h"

#include <stdlib.h>

#define MAX_ROWS 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static KgStore *store;
    if (!store) store = fuzz_fixture_open();
    FuzzSnapshot before = fuzz_snapshot(store);
    KgError err = {0};
    KgQuery *q = NULL;
    fuzz_bound_start(500);
    KgStatus s = kg_query_prepare(store, (const char *)data, size, "fuzz.rq", &q, &err);
    fuzz_must(s != KG_ERR_INTERNAL, "internal error preparing", &err);
    fuzz_must((s == KG_OK) == (q != NULL), "a query handle on failure, or none on success", &err);
    if (s == KG_OK) {
        fuzz_must(kg_query_explain(q) != NULL, "no plan", NULL);
        size_t n_columns = kg_query_n_columns(q);
        for (size_t i = 0; i < n_columns; i++)
            fuzz_must(kg_query_column(q, i) != NULL, "a column without a name", NULL);
        KgBuf b = {0};
        for (int row = 0; row < MAX_ROWS && (s = kg_query_next(q, &err)) == KG_OK; row++) {
            for (size_t i = 0; i < n_columns; i++) {
                KgTerm t;
                if (!kg_query_value(q, i, &t)) continue;
                b.len = 0;
                fuzz_must(kg_term_write_nt(&t, &b) == KG_OK, "writing a value", NULL);
            }
        }
        fuzz_must(s != KG_ERR_INTERNAL, "internal error running", &err);
        kg_buf_free(&b);
        kg_query_free(q);
    }
    fuzz_bound_stop();
    FuzzSnapshot after = fuzz_snapshot(store);
    fuzz_must(fuzz_snapshot_equal(&before, &after), "a query changed the store", NULL);
    return 0;
}
