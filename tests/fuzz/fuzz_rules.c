/* tests/fuzz/fuzz_rules.c: the rule language (reasoner/rule_parse.c, with FILTER and BIND
 * expressions through kg/expr.c) through rs_program_add_text, and, when the text parses,
 * reasoning with it over the fixture store. Everything runs in one transaction that is rolled
 * back, so the store must be exactly as before. Reasoning that would not end (a recursion
 * through BIND that keeps making terms) is stopped by the CPU-time bound, as Ctrl-C would. */
#include "reasoner/rs.h"
#include "tests/fuzz/bound.h"
#include "tests/fuzz/fixture.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static KgStore *store;
    if (!store) store = fuzz_fixture_open();
    FuzzSnapshot before = fuzz_snapshot(store);
    KgError err = {0};
    fuzz_must(kg_store_begin(store, &err) == KG_OK, "begin", &err);
    RsProgram *p = NULL;
    fuzz_must(rs_program_new(store, &p, &err) == KG_OK, "a new program", &err);
    fuzz_bound_start(500);
    KgStatus s = rs_program_add_text(p, "fuzz.dl", (const char *)data, size, &err);
    fuzz_must(s != KG_ERR_INTERNAL, "internal error", &err);
    if (s == KG_OK) {
        fuzz_must(rs_program_n_rules(p) < 1000000, "rule count", NULL);
        for (size_t i = 0; i < rs_program_n_rules(p); i++) {
            fuzz_must(rs_rule_label(p, i) != NULL && rs_rule_text(p, i) != NULL, "rule text", NULL);
            double w = rs_rule_weight(p, i);
            fuzz_must(w > 0 && w <= 1, "a rule weight outside (0, 1]", NULL);
        }
        RsOptions opt = {0};
        RsStats stats = {0};
        s = rs_reason(store, p, &opt, &stats, &err);
        fuzz_must(s != KG_ERR_INTERNAL, "internal error while reasoning", &err);
        rs_stats_free(&stats);
    }
    fuzz_bound_stop();
    rs_program_free(p);
    kg_store_rollback(store);
    FuzzSnapshot after = fuzz_snapshot(store);
    fuzz_must(fuzz_snapshot_equal(&before, &after), "the rolled-back store changed", NULL);
    return 0;
}
