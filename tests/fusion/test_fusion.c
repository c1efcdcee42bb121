/* tests/fusion/test_fusion.c: the fusion model on made-up evidence whose truth is known. Two
 * sources each see half of the truth: for even relations the first source's score points at
 * the answer and the second's is noise, for odd relations the other way round. The fused
 * model must rank better than either source alone, and weigh each where it is right (per
 * relation). Platt scaling and the calibration error are checked against cases worked by hand. */
#include "fusion/fu.h"
#include "kg/rng.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define N_ENT 60
#define N_REL 4

/* The true answer of (anchor, rel, ?): a fixed function, known to the sources' helpers. */
static uint32_t truth(uint32_t anchor, uint32_t rel) { return (anchor * 7 + rel * 13 + 1) % N_ENT; }

/* The answer of a query: a reciprocal relation (rel >= N_REL) asks for the head, 43 being the
 * inverse of 7 modulo 60. */
static uint32_t answer_of(uint32_t anchor, uint32_t rel)
{
    if (rel < N_REL) return truth(anchor, rel);
    uint32_t r = rel - N_REL;
    return (uint32_t)((43 * ((long)anchor - 13 * (long)r - 1) % N_ENT + N_ENT) % N_ENT);
}

typedef struct {
    int sees_even; /* the relations (query relation mod 2 == 0 or 1) where it sees the truth */
} FakeSource;

static KgStatus fake_features(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                              KgError *err)
{
    (void)err;
    FakeSource *f = ctx;
    for (size_t q = 0; q < n; q++) {
        KgRng g;
        kg_rng_seed(&g, anchor[q] * 1000003u + rel[q] * 31u + (uint32_t)f->sees_even);
        uint32_t r = rel[q] % N_REL, answer = answer_of(anchor[q], rel[q]);
        int sees = (int)(r % 2 == 0) == f->sees_even;
        for (uint32_t e = 0; e < N_ENT; e++) {
            float noise = (float)kg_rng_uniform(&g);
            /* where it sees, the answer is among its best few (a noisy signal) */
            out[q * N_ENT + e] = sees && e == answer ? 0.7f + 0.5f * noise : noise;
        }
    }
    return KG_OK;
}

static KgLinkDataset *dataset(void)
{
    KgLinkDataset *d = kg_calloc(1, sizeof *d);
    d->n_entities = N_ENT, d->n_relations = N_REL;
    d->n_valid = 200, d->n_test = 200;
    d->valid = kg_malloc(d->n_valid * sizeof *d->valid);
    d->test = kg_malloc(d->n_test * sizeof *d->test);
    d->train = kg_malloc(sizeof *d->train);
    for (size_t i = 0; i < 400; i++) {
        uint32_t h = (uint32_t)(i % N_ENT), r = (uint32_t)(i / N_ENT % N_REL);
        KgLinkTriple t = {h, r, truth(h, r)};
        cr_assert_eq(answer_of(t.t, r + N_REL), h);
        if (i < 200) d->valid[i] = t;
        else d->test[i - 200] = t;
    }
    return d;
}

/* MRR of tail queries only (the fake truth is one-directional) by a score function. */
static double tail_mrr(const KgLinkDataset *d, KgLinkScoreFn fn, void *ctx)
{
    float row[N_ENT];
    double sum = 0;
    for (size_t i = 0; i < d->n_test; i++) {
        const KgLinkTriple *t = &d->test[i];
        cr_assert_eq(fn(ctx, &t->h, &t->r, 1, row, NULL), KG_OK);
        double better = 0, tied = 0;
        for (uint32_t e = 0; e < N_ENT; e++)
            if (e != t->t) better += row[e] > row[t->t], tied += row[e] == row[t->t];
        sum += 1 / (1 + better + tied / 2);
    }
    return sum / (double)d->n_test;
}

static KgStatus fake_score(void *ctx, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out, KgError *err)
{
    return fake_features(ctx, anchor, rel, n, out, err);
}

Test(fusion, fused_model_beats_each_source_and_weighs_each_where_it_is_right)
{
    KgLinkDataset *d = dataset();
    FakeSource a = {1}, b = {0};
    FuSource sa = {.name = "even", .n_features = 1, .feature_names = {"score"}, .ctx = &a, .features = fake_features};
    FuSource sb = {.name = "odd", .n_features = 1, .feature_names = {"score"}, .ctx = &b, .features = fake_features};
    FuSource *src[2] = {&sa, &sb};
    FuFitOptions o;
    fu_fit_defaults(&o);
    o.candidates = 10;
    FuModel *m = NULL;
    FuFitReport rep;
    KgError err = {0};
    cr_assert_eq(fu_model_fit(src, 2, d, d->valid, d->n_valid, &o, &m, &rep, &err), KG_OK, "%s", err.msg);
    double fused = tail_mrr(d, fu_model_score, m), alone_a = tail_mrr(d, fake_score, &a),
           alone_b = tail_mrr(d, fake_score, &b);
    cr_expect_gt(fused, alone_a + 0.1, "fused %.3f, first source alone %.3f", fused, alone_a);
    cr_expect_gt(fused, alone_b + 0.1, "fused %.3f, second source alone %.3f", fused, alone_b);
    /* which source sees which relations is exactly what per-relation weights can express */
    cr_expect_eq(rep.kind, FU_PER_RELATION);
    cr_expect_gt(fu_model_weights(m, 0, 0)[0], fu_model_weights(m, 0, 1)[0]);
    cr_expect_gt(fu_model_weights(m, 1, 1)[0], fu_model_weights(m, 1, 0)[0]);
    /* the evidence of a candidate adds up to its logit */
    FuEvidence ev;
    cr_assert_eq(fu_model_evidence(m, d->test[0].h, d->test[0].r, d->test[0].t, &ev, &err), KG_OK);
    cr_expect_float_eq(ev.contribution[0] + ev.contribution[1], ev.logit, 1e-9);
    cr_expect(ev.probability > 0 && ev.probability < 1);
    /* the top candidate of a query the fusion gets right is its answer */
    uint32_t ids[3];
    size_t n = 0;
    cr_assert_eq(fu_model_top(m, d->test[0].h, d->test[0].r, 3, NULL, ids, NULL, &n, &err), KG_OK);
    cr_expect_eq(n, 3);
    FuCalibration cal;
    cr_assert_eq(fu_model_calibration(m, SIZE_MAX, d->test, d->n_test, 5, &cal, &err), KG_OK);
    cr_expect_eq(cal.n_examples, 4 * d->n_test);
    cr_expect(cal.ece >= 0 && cal.ece < 0.5);
    fu_model_free(m);
    kg_link_dataset_free(d);
}

Test(fusion, platt_scaling_recovers_a_known_sigmoid)
{
    /* labels drawn from sigmoid(2 x - 1): the fit lands near (2, -1) */
    enum { N = 20000 };
    static double x[N];
    static uint8_t y[N];
    KgRng g;
    kg_rng_seed(&g, 3);
    for (size_t i = 0; i < N; i++) {
        x[i] = 4 * kg_rng_uniform(&g) - 2;
        y[i] = kg_rng_uniform(&g) < 1 / (1 + exp(-(2 * x[i] - 1)));
    }
    double a, b;
    fu_platt_fit(x, y, NULL, N, 1, 0, 1e-6, &a, &b);
    cr_expect_float_eq(a, 2.0, 0.15, "a = %f", a);
    cr_expect_float_eq(b, -1.0, 0.1, "b = %f", b);
}

Test(fusion, calibration_error_by_hand)
{
    /* two bins used: 0.2 claimed where 1 of 4 is true (|0.2 - 0.25|), 0.9 where 3 of 4 are
     * (|0.9 - 0.75|): (4 * 0.05 + 4 * 0.15) / 8 = 0.1 */
    double p[8] = {0.2, 0.2, 0.2, 0.2, 0.9, 0.9, 0.9, 0.9};
    uint8_t y[8] = {1, 0, 0, 0, 1, 1, 1, 0};
    cr_expect_float_eq(fu_ece(p, y, 8, 10), 0.1, 1e-12);
    /* perfectly calibrated */
    double q[4] = {0.5, 0.5, 0.5, 0.5};
    uint8_t z[4] = {1, 0, 1, 0};
    cr_expect_float_eq(fu_ece(q, z, 4, 10), 0.0, 1e-12);
}
