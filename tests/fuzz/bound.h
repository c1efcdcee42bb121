/* tests/fuzz/bound.h: a bound on the work one fuzz input may cause. A query or a rule
 * program can ask for more than the fuzzer has time for (a cross product of twenty patterns,
 * a recursion that keeps inventing terms); nous stops such work on Ctrl-C, so the harnesses
 * request that interruption once the input has used its share of CPU time. */
#ifndef NOUS_FUZZ_BOUND_H
#define NOUS_FUZZ_BOUND_H

#include <stddef.h>
#include <stdint.h>

/* Clears any pending interruption and requests one after `ms` milliseconds of CPU time
 * (SIGVTALRM; libFuzzer keeps SIGALRM for its own -timeout). */
void fuzz_bound_start(long ms);
/* Disarms the timer and clears the interruption it may have requested. */
void fuzz_bound_stop(void);

/* Every harness defines this, as libFuzzer wants it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
