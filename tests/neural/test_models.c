/* tests/neural/test_models.c: the embedding models and their training. Every model's
 * gradients against central finite differences (the query's backward pass and N3 for the
 * dot-product models, the score's for the distance models); every model learns a tiny graph
 * to MRR 1.0; a seed repeats a run exactly on one thread. */
#include "neural/internal.h"

#include <criterion/criterion.h>
#include <string.h>

#define DIM 6

/* A model with one entity row per slot: 0 anchor, 1 answer; relation row 0. */
static NnModel *small_model(const NnModelOps *ops, uint64_t seed)
{
    NnModel *m = nn_model_new(ops, 2, 1, DIM);
    cr_assert_not_null(m);
    m->gamma = 3.0f;
    KgRng g;
    kg_rng_seed(&g, seed);
    for (size_t i = 0; i < 2 * m->entity_width; i++) m->ent[i] = (float)kg_rng_normal(&g) * 0.7f;
    for (size_t i = 0; i < m->relation_width; i++) m->rel[i] = (float)kg_rng_normal(&g) * 0.7f;
    return m;
}

/* The function whose gradient is checked: the score of (anchor, relation, answer). */
static double value(const NnModel *m)
{
    float q[2 * DIM];
    m->ops->query(m, m->ent, m->rel, q);
    if (!m->ops->dot_product) return m->ops->score(m, q, m->ent + m->entity_width);
    double s = 0;
    for (size_t i = 0; i < m->entity_width; i++) s += (double)q[i] * m->ent[m->entity_width + i];
    return s;
}

/* Analytic gradients of value() into ga (anchor), gt (answer), gr (relation). */
static void gradient(const NnModel *m, float *ga, float *gt, float *gr)
{
    size_t ew = m->entity_width;
    memset(ga, 0, ew * sizeof *ga), memset(gt, 0, ew * sizeof *gt), memset(gr, 0, m->relation_width * sizeof *gr);
    if (!m->ops->dot_product) {
        float q[2 * DIM], dq[2 * DIM] = {0};
        m->ops->query(m, m->ent, m->rel, q);
        m->ops->score_backward(m, q, m->ent + ew, 1.0f, dq, gt);
        m->ops->query_backward(m, m->ent, m->rel, dq, ga, gr);
        return;
    }
    /* d<q, t>/dq = t, d<q, t>/dt = q */
    m->ops->query_backward(m, m->ent, m->rel, m->ent + ew, ga, gr);
    m->ops->query(m, m->ent, m->rel, gt);
}

/* Compares each analytic derivative with (f(x + h) - f(x - h)) / 2h. */
static void check_against_differences(const NnModelOps *ops)
{
    for (uint64_t seed = 1; seed <= 5; seed++) {
        NnModel *m = small_model(ops, seed);
        size_t ew = m->entity_width, rw = m->relation_width;
        float ga[2 * DIM], gt[2 * DIM], gr[2 * DIM];
        gradient(m, ga, gt, gr);
        struct {
            float *x, *g;
            size_t n;
            const char *what;
        } parts[] = {{m->ent, ga, ew, "anchor"}, {m->ent + ew, gt, ew, "answer"}, {m->rel, gr, rw, "relation"}};
        for (size_t p = 0; p < 3; p++)
            for (size_t i = 0; i < parts[p].n; i++) {
                float keep = parts[p].x[i], h = 1e-3f;
                parts[p].x[i] = keep + h;
                double up = value(m);
                parts[p].x[i] = keep - h;
                double down = value(m);
                parts[p].x[i] = keep;
                double numeric = (up - down) / (2 * h);
                cr_assert(fabs(numeric - parts[p].g[i]) <= 2e-2 * (1 + fabs(numeric)),
                          "%s, seed %llu: d/d %s[%zu] is %g, differences give %g", ops->name,
                          (unsigned long long)seed, parts[p].what, i, parts[p].g[i], numeric);
            }
        nn_model_free(m);
    }
}

Test(models, distmult_gradients_match_finite_differences) { check_against_differences(&nn_distmult); }
Test(models, complex_gradients_match_finite_differences) { check_against_differences(&nn_complex); }
Test(models, transe_gradients_match_finite_differences) { check_against_differences(&nn_transe); }
Test(models, rotate_gradients_match_finite_differences) { check_against_differences(&nn_rotate); }

static void check_n3(const NnModelOps *ops)
{
    NnModel *m = small_model(ops, 7);
    size_t w = m->entity_width;
    float dx[2 * DIM] = {0}, scratch[2 * DIM];
    ops->n3(m->ent, w, 0.5f, dx);
    for (size_t i = 0; i < w; i++) {
        float keep = m->ent[i], h = 1e-3f;
        m->ent[i] = keep + h;
        double up = ops->n3(m->ent, w, 0.5f, scratch);
        m->ent[i] = keep - h;
        double down = ops->n3(m->ent, w, 0.5f, scratch);
        m->ent[i] = keep;
        double numeric = (up - down) / (2 * h);
        cr_assert(fabs(numeric - dx[i]) <= 1e-2 * (1 + fabs(numeric)), "%s N3: d/dx[%zu] is %g, differences give %g",
                  ops->name, i, dx[i], numeric);
    }
    nn_model_free(m);
}

Test(models, n3_gradients_match_finite_differences)
{
    check_n3(&nn_distmult);
    check_n3(&nn_complex);
}

/* ComplEx's score is Re(sum h r conj(t)), computed here directly in complex arithmetic. */
Test(models, complex_scores_are_the_real_part_of_the_trilinear_product)
{
    NnModel *m = small_model(&nn_complex, 3);
    double re = 0;
    const float *h = m->ent, *t = m->ent + m->entity_width, *r = m->rel;
    for (size_t i = 0; i < DIM; i++) {
        double hr = h[i], hi = h[DIM + i], rr = r[i], ri = r[DIM + i], tr = t[i], ti = t[DIM + i];
        double pr = hr * rr - hi * ri, pi = hr * ri + hi * rr; /* h r */
        re += pr * tr + pi * ti;                               /* Re(h r conj(t)) */
    }
    cr_assert_float_eq(value(m), re, 1e-5);
    nn_model_free(m);
}

/* ---------------------------------------------------------------- training */

/* A tiny graph every model can learn: 6 people (0-5) and 6 cities (6-11), livesIn a
 * one-to-one map and bornIn another (no symmetric relation, which TransE cannot model, and no
 * query whose answers DistMult's symmetry would confuse); valid and test are training
 * triples, so a model that learns the graph ranks them first. */
static KgLinkDataset *tiny_graph(void)
{
    enum { P = 6 };
    KgLinkDataset *d = kg_calloc(1, sizeof *d);
    d->n_entities = 2 * P;
    d->n_relations = 2;
    d->n_train = 2 * P;
    d->train = kg_calloc(d->n_train, sizeof *d->train);
    for (uint32_t i = 0; i < P; i++) {
        d->train[2 * i] = (KgLinkTriple){i, 0, P + i};
        d->train[2 * i + 1] = (KgLinkTriple){i, 1, P + (i + 1) % P};
    }
    d->n_valid = d->n_test = 4;
    d->valid = kg_calloc(4, sizeof *d->valid);
    d->test = kg_calloc(4, sizeof *d->test);
    memcpy(d->valid, d->train, 4 * sizeof *d->valid);
    memcpy(d->test, d->train + 6, 4 * sizeof *d->test);
    return d;
}

static void learns_the_tiny_graph(const char *model)
{
    KgLinkDataset *d = tiny_graph();
    NnTrainOptions o;
    KgError err = {0};
    cr_assert_eq(nn_train_defaults(model, d, &o, &err), KG_OK);
    o.dim = 16;
    o.epochs = 300;
    o.batch = 8;
    o.threads = 1;
    o.eval_every = 20;
    o.patience = 0;
    if (!strcmp(model, "transe") || !strcmp(model, "rotate")) {
        o.negatives = 4, o.lr = 0.05, o.gamma = 4;
        o.init_scale = (o.gamma + 2) / (double)o.dim;
    }
    NnModel *m = NULL;
    NnTrainReport rep;
    cr_assert_eq(nn_train(d, &o, &m, &rep, &err), KG_OK, "%s: %s", model, err.msg);
    KgLinkMetrics mt;
    cr_assert_eq(kg_link_evaluate(d, d->test, d->n_test, nn_model_score, m, 4, &mt, &err), KG_OK);
    cr_assert_float_eq(mt.mrr, 1.0, 1e-9, "%s learned the tiny graph to MRR %g only", model, mt.mrr);
    nn_train_report_free(&rep);
    nn_model_free(m);
    kg_link_dataset_free(d);
}

Test(training, distmult_learns_a_tiny_graph) { learns_the_tiny_graph("distmult"); }
Test(training, complex_learns_a_tiny_graph) { learns_the_tiny_graph("complex"); }
Test(training, transe_learns_a_tiny_graph) { learns_the_tiny_graph("transe"); }
Test(training, rotate_learns_a_tiny_graph) { learns_the_tiny_graph("rotate"); }

/* Two runs with one seed on one thread: the same losses, MRRs and parameters, bit for bit. */
static void repeats_exactly(const char *model)
{
    KgLinkDataset *d = tiny_graph();
    NnTrainOptions o;
    KgError err = {0};
    cr_assert_eq(nn_train_defaults(model, d, &o, &err), KG_OK);
    o.dim = 8, o.epochs = 12, o.batch = 4, o.threads = 1, o.eval_every = 3, o.patience = 0, o.seed = 7;
    NnModel *m[2];
    NnTrainReport rep[2];
    for (int k = 0; k < 2; k++) cr_assert_eq(nn_train(d, &o, &m[k], &rep[k], &err), KG_OK);
    cr_assert_eq(rep[0].epochs_run, rep[1].epochs_run);
    cr_assert(memcmp(rep[0].loss, rep[1].loss, rep[0].epochs_run * sizeof *rep[0].loss) == 0, "%s: losses differ", model);
    cr_assert(memcmp(m[0]->ent, m[1]->ent, d->n_entities * m[0]->entity_width * sizeof(float)) == 0,
              "%s: entity rows differ", model);
    /* another seed, another run */
    o.seed = 8;
    NnModel *other;
    NnTrainReport rep_other;
    cr_assert_eq(nn_train(d, &o, &other, &rep_other, &err), KG_OK);
    cr_assert(memcmp(m[0]->ent, other->ent, d->n_entities * m[0]->entity_width * sizeof(float)) != 0,
              "%s: the seed changes nothing", model);
    for (int k = 0; k < 2; k++) nn_train_report_free(&rep[k]), nn_model_free(m[k]);
    nn_train_report_free(&rep_other);
    nn_model_free(other);
    kg_link_dataset_free(d);
}

Test(training, a_seed_repeats_a_complex_run_exactly) { repeats_exactly("complex"); }
Test(training, a_seed_repeats_a_rotate_run_exactly) { repeats_exactly("rotate"); }

Test(training, an_unknown_model_is_refused_naming_the_known_ones)
{
    NnTrainOptions o;
    KgError err = {0};
    cr_assert_eq(nn_train_defaults("holE", NULL, &o, &err), KG_ERR_ARG);
    cr_assert(strstr(err.msg, "complex") && strstr(err.msg, "rotate"), "%s", err.msg);
}
