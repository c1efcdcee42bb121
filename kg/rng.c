/* kg/rng.c: seeded random numbers (kg/rng.h): xoshiro256** (Blackman and Vigna), seeded
 * through splitmix64, so that a seed fixes a run. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void kg_rng_seed(KgRng *g, uint64_t seed)
{
    for (int i = 0; i < 4; i++) g->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t kg_rng_next(KgRng *g)
{
    uint64_t *s = g->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double kg_rng_uniform(KgRng *g) { return (double)(kg_rng_next(g) >> 11) * 0x1.0p-53; }

uint32_t kg_rng_below(KgRng *g, uint32_t n)
{
    /* Lemire's multiply-shift; the bias for n < 2^32 is below 2^-32 */
    return (uint32_t)(((kg_rng_next(g) >> 32) * (uint64_t)n) >> 32);
}

double kg_rng_normal(KgRng *g)
{
    /* Box-Muller; one of the pair is enough here */
    double u = kg_rng_uniform(g), v = kg_rng_uniform(g);
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
