/* kg/rng.h: seeded random numbers for every module that samples (training's initial rows and
 * batch order, held-out validation shares, rule mining's walks): xoshiro256** (Blackman and
 * Vigna) seeded through splitmix64, so that a seed fixes a run (kg/rng.c). */
#ifndef NOUS_KG_RNG_H
#define NOUS_KG_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} KgRng;

void kg_rng_seed(KgRng *g, uint64_t seed);
uint64_t kg_rng_next(KgRng *g);
/* Uniform in [0, 1). */
double kg_rng_uniform(KgRng *g);
/* Uniform integer in [0, n). */
uint32_t kg_rng_below(KgRng *g, uint32_t n);
/* Standard normal. */
double kg_rng_normal(KgRng *g);

#endif
