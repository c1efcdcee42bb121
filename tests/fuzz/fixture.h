/* tests/fuzz/fixture.h: the small fixed store the query, rule and shell harnesses run against:
 * a few people, classes, properties, literals of several types and a named graph, so that
 * joins, filters and rules have something to find. */
#ifndef NOUS_FUZZ_FIXTURE_H
#define NOUS_FUZZ_FIXTURE_H

#include "kg/kg.h"

/* Opens a store in memory and loads the fixture into it; abort()s if that fails. */
KgStore *fuzz_fixture_open(void);
/* What a harness checks is unchanged after an input: statistics and the prefix count. */
typedef struct {
    KgStats stats;
    size_t n_prefixes;
} FuzzSnapshot;
FuzzSnapshot fuzz_snapshot(KgStore *store);
int fuzz_snapshot_equal(const FuzzSnapshot *a, const FuzzSnapshot *b);
/* Prints what failed and abort()s (libFuzzer then reports the input), unless ok. */
void fuzz_must(int ok, const char *what, const KgError *err);

#endif
