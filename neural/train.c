/* neural/train.c: training a model the way the strongest published baselines do. Every
 * training triple (h, r, t) gives two queries, (h, r, ?) -> t and (t, r⁻¹, ?) -> h, the
 * reciprocal relations having rows of their own (Lacroix et al. 2018).
 *
 * - Dot-product models (DistMult, ComplEx): 1-vs-all. A batch's query vectors against every
 *   entity is one sgemm (B x N scores), softmax cross-entropy over all entities, and the
 *   gradients are two more sgemms (for the queries: G E; for every entity: G^T Q), then each
 *   model's query_backward. N3 regularisation on the rows of each triple, Adagrad.
 * - Distance models (TransE, RotatE): self-adversarial negative sampling (Sun et al. 2019):
 *   each query against `negatives` uniformly drawn entities, the negatives weighted by a
 *   softmax of their own scores (temperature alpha), loss -log s(pos) - sum w log s(-neg);
 *   lazy Adam on the rows a batch touched.
 *
 * Validation MRR (filtered, kg_link_evaluate) every eval_every epochs; the best epoch's parameters
 * are kept, and `patience` validations without improvement stop the run. A seed fixes the
 * initial rows, the order of the queries and the negatives: with one thread a run repeats
 * exactly. */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- defaults */

KgStatus nn_train_defaults(const char *model, const KgLinkDataset *d, NnTrainOptions *opt, KgError *err)
{
    const NnModelOps *ops = nn_model_ops(model ? model : "");
    if (!ops) {
        KgBuf names = {0};
        for (const char *const *n = nn_model_names(); *n; n++) kg_buf_printf(&names, "%s%s", names.len ? ", " : "", *n);
        kg_error_set(err, KG_ERR_ARG, "unknown model '%s' (known: %s)", model ? model : "",
                     names.len ? names.data : "none");
        kg_buf_free(&names);
        return KG_ERR_ARG;
    }
    int big = d && d->n_entities > 5000; /* WN18RR-sized rather than UMLS/Kinship-sized */
    memset(opt, 0, sizeof *opt);
    opt->model = ops->name;
    opt->seed = 42;
    opt->threads = 0;
    /* a big graph's epoch costs minutes on two cores: validate after each, stop sooner */
    opt->eval_every = big ? 1 : 5;
    opt->patience = big ? 2 : 4;
    if (ops->dot_product) {
        /* measured on UMLS, Kinship and WN18RR (README, "Embeddings"). On WN18RR, rank 200
         * with N3 0.1 passes rank 100's ceiling (about 0.44) by the fourth epoch and levels
         * off near 0.48 by the tenth; 12 epochs (about 2 minutes each on two cores) stay well
         * under 30 minutes. Batch 256 keeps sgemm near its peak rate; lr 0.2 makes up for the
         * fewer steps. */
        opt->dim = 200;
        opt->epochs = big ? 12 : 200;
        opt->batch = big ? 256 : 100;
        opt->lr = big ? 0.2 : 0.1;
        opt->reg = big ? 0.1 : 0.015;
        opt->init_scale = 1e-3;
    } else {
        opt->dim = big ? 250 : 200;
        opt->epochs = big ? 40 : 100;
        opt->batch = big ? 512 : 256;
        opt->lr = big ? 1e-3 : 2e-3;
        opt->negatives = big ? 256 : 64;
        opt->temperature = big ? 0.5 : 1.0;
        opt->gamma = big ? 6.0 : 12.0;
        opt->init_scale = (opt->gamma + 2.0) / (double)opt->dim;
    }
    return KG_OK;
}

/* ---------------------------------------------------------------- shared state */

typedef struct {
    const KgLinkDataset *d;
    const NnTrainOptions *opt;
    NnModel *m;
    KgRng rng;
    size_t n_queries;
    uint32_t *anchor, *rel, *answer; /* the training queries, shuffled each epoch */
    /* optimiser state: Adagrad sums (dot-product) or Adam moments (distance) */
    float *acc_ent, *acc_rel, *mom_ent, *mom_rel;
    float *grad_ent, *grad_rel;        /* gradients, dense, zero outside the rows touched */
    uint8_t *touched_ent, *touched_rel;
    uint32_t *list_ent, *list_rel;     /* the rows touched by the batch */
    size_t n_list_ent, n_list_rel;
    uint64_t step;
    KgError *err;
} Trainer;

static void shuffle(Trainer *t)
{
    for (size_t i = t->n_queries; i > 1; i--) {
        size_t j = kg_rng_below(&t->rng, (uint32_t)i);
        uint32_t a = t->anchor[i - 1], r = t->rel[i - 1], s = t->answer[i - 1];
        t->anchor[i - 1] = t->anchor[j], t->rel[i - 1] = t->rel[j], t->answer[i - 1] = t->answer[j];
        t->anchor[j] = a, t->rel[j] = r, t->answer[j] = s;
    }
}

static void touch_ent(Trainer *t, uint32_t e)
{
    if (!t->touched_ent[e]) t->touched_ent[e] = 1, t->list_ent[t->n_list_ent++] = e;
}

static void touch_rel(Trainer *t, uint32_t r)
{
    if (!t->touched_rel[r]) t->touched_rel[r] = 1, t->list_rel[t->n_list_rel++] = r;
}

/* Adam on one row (moments m, v; bias corrections c1, c2 for this step); gradient zeroed. */
static void adam_row(float *x, float *m, float *v, float *g, size_t w, float lr, float c1, float c2)
{
    const float b1 = 0.9f, b2 = 0.999f;
    for (size_t i = 0; i < w; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        x[i] -= lr * (m[i] / c1) / (sqrtf(v[i] / c2) + 1e-8f);
        g[i] = 0;
    }
}

/* ---------------------------------------------------------------- 1-vs-all */

/* One epoch of a dot-product model; *loss gets the mean cross-entropy (N3 included). */
static KgStatus epoch_1vsall(Trainer *t, double *loss)
{
    NnModel *m = t->m;
    const NnModelOps *ops = m->ops;
    size_t N = m->n_entities, ew = m->entity_width, rw = m->relation_width, B = t->opt->batch;
    float *q = kg_malloc(B * ew * sizeof *q), *dq = kg_malloc(B * ew * sizeof *dq);
    float *s = kg_malloc(B * N * sizeof *s);
    if (!q || !dq || !s) {
        kg_free(q), kg_free(dq), kg_free(s);
        return kg_error_set(t->err, KG_ERR_NOMEM, "out of memory training");
    }
    double total = 0;
    float lr = (float)t->opt->lr;
    for (size_t at = 0; at < t->n_queries; at += B) {
        if (kg_interrupted()) {
            kg_free(q), kg_free(dq), kg_free(s);
            return kg_error_set(t->err, KG_ERR_INTERRUPTED, "training interrupted");
        }
        size_t b = t->n_queries - at < B ? t->n_queries - at : B;
        const uint32_t *an = t->anchor + at, *re = t->rel + at, *ans = t->answer + at;
        for (size_t i = 0; i < b; i++) ops->query(m, nn_ent(m, an[i]), nn_rel(m, re[i]), q + i * ew);
        nn_sgemm(0, 1, b, N, ew, q, ew, m->ent, ew, 0.0f, s, N);
        /* softmax cross-entropy per row; s becomes dL/dscores = (softmax - onehot) / b */
        float inv_b = 1.0f / (float)b;
        for (size_t i = 0; i < b; i++) {
            float *row = s + i * N, target = row[ans[i]];
            total += nn_softmax_row(row, N, inv_b) - target;
            row[ans[i]] -= inv_b;
        }
        nn_sgemm(0, 0, b, ew, N, s, N, m->ent, ew, 0.0f, dq, ew);   /* dL/dq = G E */
        nn_sgemm(1, 0, N, ew, b, s, N, q, ew, 0.0f, t->grad_ent, ew); /* dL/dE = G^T Q */
        float reg = (float)t->opt->reg * inv_b;
        for (size_t i = 0; i < b; i++) {
            float *da = t->grad_ent + (size_t)an[i] * ew, *dr = t->grad_rel + (size_t)re[i] * rw;
            touch_rel(t, re[i]);
            ops->query_backward(m, nn_ent(m, an[i]), nn_rel(m, re[i]), dq + i * ew, da, dr);
            if (reg > 0) {
                total += ops->n3(nn_ent(m, an[i]), ew, reg, da) * b;
                total += ops->n3(nn_rel(m, re[i]), rw, reg, dr) * b;
                total += ops->n3(nn_ent(m, ans[i]), ew, reg, t->grad_ent + (size_t)ans[i] * ew) * b;
            }
        }
        /* every entity row has a gradient (the softmax reaches them all) */
        nn_adagrad(m->ent, t->acc_ent, t->grad_ent, N * ew, lr);
        for (size_t k = 0; k < t->n_list_rel; k++) {
            uint32_t r = t->list_rel[k];
            nn_adagrad(nn_rel(m, r), t->acc_rel + (size_t)r * rw, t->grad_rel + (size_t)r * rw, rw, lr);
            t->touched_rel[r] = 0;
        }
        t->n_list_rel = 0;
    }
    kg_free(q), kg_free(dq), kg_free(s);
    *loss = total / (double)t->n_queries;
    return KG_OK;
}

/* ---------------------------------------------------------------- negative sampling */

static inline float log_sigmoid(float x) { return x >= 0 ? -log1pf(expf(-x)) : x - log1pf(expf(x)); }
static inline float sigmoid(float x) { return x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x)); }

/* One epoch of a distance model; *loss gets the mean of (positive + negative loss) / 2. */
static KgStatus epoch_negative(Trainer *t, double *loss)
{
    NnModel *m = t->m;
    const NnModelOps *ops = m->ops;
    size_t N = m->n_entities, ew = m->entity_width, rw = m->relation_width, B = t->opt->batch;
    size_t K = t->opt->negatives ? t->opt->negatives : 1;
    float alpha = (float)t->opt->temperature, lr = (float)t->opt->lr;
    uint32_t *neg = kg_malloc(K * sizeof *neg);
    float *ns = kg_malloc(K * sizeof *ns), *w = kg_malloc(K * sizeof *w);
    float *q = kg_malloc(ew * sizeof *q), *dq = kg_malloc(ew * sizeof *dq);
    if (!neg || !ns || !w || !q || !dq) {
        kg_free(neg), kg_free(ns), kg_free(w), kg_free(q), kg_free(dq);
        return kg_error_set(t->err, KG_ERR_NOMEM, "out of memory training");
    }
    double total = 0;
    for (size_t at = 0; at < t->n_queries; at += B) {
        if (kg_interrupted()) {
            kg_free(neg), kg_free(ns), kg_free(w), kg_free(q), kg_free(dq);
            return kg_error_set(t->err, KG_ERR_INTERRUPTED, "training interrupted");
        }
        size_t b = t->n_queries - at < B ? t->n_queries - at : B;
        float scale = 1.0f / (2.0f * (float)b);
        for (size_t i = 0; i < b; i++) {
            uint32_t a = t->anchor[at + i], r = t->rel[at + i], y = t->answer[at + i];
            const float *ha = nn_ent(m, a), *hr = nn_rel(m, r);
            ops->query(m, ha, hr, q);
            memset(dq, 0, ew * sizeof *dq);
            float pos = ops->score(m, q, nn_ent(m, y));
            /* negatives, their scores and their self-adversarial weights */
            float mx = -INFINITY;
            for (size_t j = 0; j < K; j++) {
                neg[j] = kg_rng_below(&t->rng, (uint32_t)N);
                ns[j] = ops->score(m, q, nn_ent(m, neg[j]));
                if (alpha * ns[j] > mx) mx = alpha * ns[j];
            }
            double z = 0;
            for (size_t j = 0; j < K; j++) z += w[j] = expf(alpha * ns[j] - mx);
            double neg_loss = 0;
            for (size_t j = 0; j < K; j++) {
                w[j] = (float)(w[j] / z);
                neg_loss -= w[j] * log_sigmoid(-ns[j]);
            }
            total += (-log_sigmoid(pos) + neg_loss) / 2;
            /* gradients: d/dpos = sigmoid(pos) - 1; d/dneg_j = w_j sigmoid(neg_j) (w held fixed) */
            touch_ent(t, a), touch_ent(t, y), touch_rel(t, r);
            ops->score_backward(m, q, nn_ent(m, y), (sigmoid(pos) - 1) * scale, dq, t->grad_ent + (size_t)y * ew);
            for (size_t j = 0; j < K; j++) {
                touch_ent(t, neg[j]);
                ops->score_backward(m, q, nn_ent(m, neg[j]), w[j] * sigmoid(ns[j]) * scale, dq,
                                    t->grad_ent + (size_t)neg[j] * ew);
            }
            /* through the query, once for all of them */
            ops->query_backward(m, ha, hr, dq, t->grad_ent + (size_t)a * ew, t->grad_rel + (size_t)r * rw);
        }
        /* lazy Adam on the rows the batch touched */
        t->step++;
        float c1 = 1 - powf(0.9f, (float)t->step), c2 = 1 - powf(0.999f, (float)t->step);
        for (size_t k = 0; k < t->n_list_ent; k++) {
            uint32_t e = t->list_ent[k];
            size_t o = (size_t)e * ew;
            adam_row(m->ent + o, t->mom_ent + o, t->acc_ent + o, t->grad_ent + o, ew, lr, c1, c2);
            t->touched_ent[e] = 0;
        }
        for (size_t k = 0; k < t->n_list_rel; k++) {
            uint32_t r = t->list_rel[k];
            size_t o = (size_t)r * rw;
            adam_row(m->rel + o, t->mom_rel + o, t->acc_rel + o, t->grad_rel + o, rw, lr, c1, c2);
            if (ops->project) ops->project(m, m->rel + o);
            t->touched_rel[r] = 0;
        }
        t->n_list_ent = t->n_list_rel = 0;
    }
    kg_free(neg), kg_free(ns), kg_free(w), kg_free(q), kg_free(dq);
    *loss = total / (double)t->n_queries;
    return KG_OK;
}

/* ---------------------------------------------------------------- the run */

static void trainer_free(Trainer *t)
{
    kg_free(t->anchor), kg_free(t->rel), kg_free(t->answer);
    kg_free(t->acc_ent), kg_free(t->acc_rel), kg_free(t->mom_ent), kg_free(t->mom_rel);
    kg_free(t->grad_ent), kg_free(t->grad_rel);
    kg_free(t->touched_ent), kg_free(t->touched_rel), kg_free(t->list_ent), kg_free(t->list_rel);
}

void nn_train_report_free(NnTrainReport *rep)
{
    if (!rep) return;
    kg_free(rep->loss);
    kg_free(rep->valid_mrr);
    rep->loss = rep->valid_mrr = NULL;
}

KgStatus nn_train(const KgLinkDataset *d, const NnTrainOptions *opt, NnModel **out, NnTrainReport *rep,
                  KgError *err)
{
    *out = NULL;
    memset(rep, 0, sizeof *rep);
    const NnModelOps *ops = nn_model_ops(opt->model ? opt->model : "");
    if (!ops) return kg_error_set(err, KG_ERR_ARG, "unknown model '%s'", opt->model ? opt->model : "");
    if (!opt->dim || !opt->batch || !opt->epochs || opt->lr <= 0)
        return kg_error_set(err, KG_ERR_ARG, "dim, batch, epochs and lr must be positive");
    if (!d->n_train) return kg_error_set(err, KG_ERR_ARG, "no training triples");
    /* OpenBLAS's threads pay off on big products only: for a small graph (UMLS, Kinship) the
     * second thread's wake-ups cost more than it computes */
    int threads = opt->threads;
    if (threads < 1 && d->n_entities * ops->entity_width(opt->dim) < ((size_t)1 << 20)) threads = 1;
    nn_blas_set_threads(threads);
    nn_blas_flush_to_zero();
    Trainer t = {.d = d, .opt = opt, .err = err};
    KgStatus s = KG_OK;
    NnModel *best = NULL;
    size_t R = 2 * d->n_relations, N = d->n_entities;
    t.m = nn_model_new(ops, N, R, opt->dim);
    best = nn_model_new(ops, N, R, opt->dim);
    size_t ew = ops->entity_width(opt->dim), rw = ops->relation_width(opt->dim);
    t.n_queries = 2 * d->n_train;
    t.anchor = kg_malloc(t.n_queries * sizeof *t.anchor);
    t.rel = kg_malloc(t.n_queries * sizeof *t.rel);
    t.answer = kg_malloc(t.n_queries * sizeof *t.answer);
    t.acc_ent = kg_calloc(N * ew, sizeof *t.acc_ent);
    t.acc_rel = kg_calloc(R * rw, sizeof *t.acc_rel);
    t.grad_ent = kg_calloc(N * ew, sizeof *t.grad_ent);
    t.grad_rel = kg_calloc(R * rw, sizeof *t.grad_rel);
    t.touched_ent = kg_calloc(N, 1);
    t.touched_rel = kg_calloc(R, 1);
    t.list_ent = kg_malloc(N * sizeof *t.list_ent);
    t.list_rel = kg_malloc(R * sizeof *t.list_rel);
    if (!ops->dot_product) {
        t.mom_ent = kg_calloc(N * ew, sizeof *t.mom_ent);
        t.mom_rel = kg_calloc(R * rw, sizeof *t.mom_rel);
    }
    rep->loss = kg_malloc(opt->epochs * sizeof *rep->loss);
    rep->valid_mrr = kg_malloc(opt->epochs * sizeof *rep->valid_mrr);
    if (!t.m || !best || !t.anchor || !t.rel || !t.answer || !t.acc_ent || !t.acc_rel || !t.grad_ent ||
        !t.grad_rel || !t.touched_ent || !t.touched_rel || !t.list_ent || !t.list_rel || !rep->loss ||
        !rep->valid_mrr || (!ops->dot_product && (!t.mom_ent || !t.mom_rel))) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory for a %s model of %zu entities", ops->name, N);
        goto out;
    }
    t.m->gamma = best->gamma = (float)opt->gamma;
    kg_rng_seed(&t.rng, opt->seed);
    ops->init(t.m, &t.rng, opt->init_scale);
    for (size_t i = 0; i < d->n_train; i++) {
        const KgLinkTriple *x = &d->train[i];
        t.anchor[2 * i] = x->h, t.rel[2 * i] = x->r, t.answer[2 * i] = x->t;
        t.anchor[2 * i + 1] = x->t, t.rel[2 * i + 1] = x->r + (uint32_t)d->n_relations, t.answer[2 * i + 1] = x->h;
    }
    nn_sgemm_counters(NULL, NULL, 1);
    size_t n_valid = opt->valid_max && opt->valid_max < d->n_valid ? opt->valid_max : d->n_valid;
    size_t since_best = 0;
    rep->best_valid_mrr = -1;
    for (size_t epoch = 1; epoch <= opt->epochs; epoch++) {
        double t0 = now_s(), loss = 0;
        shuffle(&t);
        s = ops->dot_product ? epoch_1vsall(&t, &loss) : epoch_negative(&t, &loss);
        if (s != KG_OK) goto out;
        double secs = now_s() - t0;
        rep->seconds += secs;
        rep->loss[epoch - 1] = loss;
        rep->valid_mrr[epoch - 1] = NAN;
        rep->epochs_run = epoch;
        int last = epoch == opt->epochs;
        if (n_valid && (epoch % (opt->eval_every ? opt->eval_every : 1) == 0 || last)) {
            KgLinkMetrics vm;
            double sg, gf;
            nn_sgemm_counters(&sg, &gf, 0); /* validation's sgemm is not training's */
            s = kg_link_evaluate(d, d->valid, n_valid, nn_model_score, t.m, 256, &vm, err);
            nn_sgemm_counters(NULL, NULL, 1);
            rep->sgemm_seconds += sg, rep->sgemm_gflop += gf;
            if (s != KG_OK) goto out;
            rep->valid_mrr[epoch - 1] = vm.mrr;
            if (vm.mrr > rep->best_valid_mrr) {
                rep->best_valid_mrr = vm.mrr;
                rep->best_epoch = epoch;
                memcpy(best->ent, t.m->ent, N * ew * sizeof *best->ent);
                memcpy(best->rel, t.m->rel, R * rw * sizeof *best->rel);
                since_best = 0;
            } else {
                since_best++;
            }
        }
        if (opt->progress) {
            NnEpoch e = {epoch, loss, rep->valid_mrr[epoch - 1], secs, (double)t.n_queries / secs};
            opt->progress(opt->progress_ctx, &e);
        }
        if (opt->patience && since_best >= opt->patience) break;
    }
    {
        double sg, gf;
        nn_sgemm_counters(&sg, &gf, 1);
        rep->sgemm_seconds += sg, rep->sgemm_gflop += gf;
    }
    if (rep->best_epoch) { /* the best epoch's parameters; without validation, the last */
        NnModel *x = t.m;
        t.m = best;
        best = x;
    }
out:
    if (s == KG_OK) {
        *out = t.m;
        t.m = NULL;
    } else {
        nn_train_report_free(rep);
    }
    nn_model_free(t.m);
    nn_model_free(best);
    trainer_free(&t);
    return s;
}
