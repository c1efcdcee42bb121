/* fusion/model.c: the fusion model. Each source gives a few features per candidate; the model
 * is one weight per feature (shared by all relations, or per query relation), their weighted
 * sum is the fused logit, and one Platt scaling makes it a probability.
 *
 * Fitting. For each held-out query the answer competes with the best `candidates` entities of
 * each source and as many drawn at random (the known true answers left out, as the
 * evaluation's filter does). The weights
 * maximise the likelihood of the answer under a softmax over its candidates (the conditional
 * logit of McFadden 1974, a listwise form of logistic regression close to what the ranking
 * metrics reward), with a small ridge, by Newton's method: a handful of weights, so each step
 * solves a tiny system by Cholesky. Per-relation weights are drawn toward the shared ones by
 * a ridge, so a relation with few held-out queries keeps about the shared weights. Which of
 * the two is used, and the ridge, is measured: each is fit on the even triples and compared
 * by MRR on the odd ones, then the best is fit on all. Finally the fused logit of each answer (label
 * 1) and of one corrupted answer per query (label 0) fit the Platt scaling. */
#include "internal.h"

#include <math.h>
#include <string.h>

#define BATCH 32
#define MAX_D (FU_MAX_SOURCES * FU_MAX_FEATURES)
#define RIDGE_SHARED 1.0
/* the ridges tried for per-relation weights: the pull toward the shared ones */
static const double RIDGES_PER_RELATION[] = {0.1, 1.0, 10.0};

struct FuModel {
    FuSource *src[FU_MAX_SOURCES];
    size_t n_src;
    size_t off[FU_MAX_SOURCES + 1]; /* source s's features are off[s] .. off[s+1] of the D */
    const KgLinkDataset *d;
    FuKind kind;
    double w[MAX_D];      /* shared weights */
    double *w_rel;        /* per query relation, 2 n_relations x D (FU_PER_RELATION) */
    double platt_a, platt_b;
    float *feat[FU_MAX_SOURCES]; /* BATCH x n_features x n_entities each */
    float *logits;               /* n_entities: one query's fused logits */
};

void fu_fit_defaults(FuFitOptions *o) { *o = (FuFitOptions){.max_triples = 3000, .candidates = 50, .seed = 1}; }

void fu_model_free(FuModel *m)
{
    if (!m) return;
    for (size_t s = 0; s < m->n_src; s++) kg_free(m->feat[s]);
    kg_free(m->w_rel), kg_free(m->logits);
    kg_free(m);
}

size_t fu_model_n_sources(const FuModel *m) { return m->n_src; }
const FuSource *fu_model_source(const FuModel *m, size_t i) { return m->src[i]; }

static size_t n_features(const FuModel *m) { return m->off[m->n_src]; }

static const double *weights_of(const FuModel *m, uint32_t rel)
{
    return m->kind == FU_PER_RELATION && m->w_rel ? m->w_rel + (size_t)rel * n_features(m) : m->w;
}

const double *fu_model_weights(const FuModel *m, uint32_t rel, size_t source)
{
    return weights_of(m, rel) + m->off[source];
}

double fu_model_probability(const FuModel *m, double logit) { return fu_sigmoid(m->platt_a * logit + m->platt_b); }

/* ---------------------------------------------------------------- features and scores */

/* Every source's features for n <= BATCH queries, into m->feat. */
static KgStatus compute_features(FuModel *m, const uint32_t *anchor, const uint32_t *rel, size_t n, KgError *err)
{
    for (size_t s = 0; s < m->n_src; s++) {
        KgStatus st = m->src[s]->features(m->src[s]->ctx, anchor, rel, n, m->feat[s], err);
        if (st != KG_OK) return st;
    }
    return KG_OK;
}

/* Query i's feature j (of all D) of entity e, from m->feat. */
static float feature(const FuModel *m, size_t i, size_t j, uint32_t e)
{
    size_t s = 0;
    while (j >= m->off[s + 1]) s++;
    size_t F = m->off[s + 1] - m->off[s], N = m->d->n_entities;
    return m->feat[s][(i * F + (j - m->off[s])) * N + e];
}

/* Query i's fused logits of every entity, with weights w, into out. */
static void fused_row(const FuModel *m, size_t i, const double *w, float *out)
{
    size_t N = m->d->n_entities;
    memset(out, 0, N * sizeof *out);
    for (size_t s = 0; s < m->n_src; s++) {
        size_t F = m->off[s + 1] - m->off[s];
        for (size_t f = 0; f < F; f++) {
            float wf = (float)w[m->off[s] + f];
            if (wf == 0) continue;
            const float *x = m->feat[s] + (i * F + f) * N;
            for (size_t e = 0; e < N; e++) out[e] += wf * x[e];
        }
    }
}

KgStatus fu_model_score(void *model, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out, KgError *err)
{
    FuModel *m = model;
    size_t N = m->d->n_entities;
    for (size_t first = 0; first < n; first += BATCH) {
        size_t nb = n - first < BATCH ? n - first : BATCH;
        KgStatus s = compute_features(m, anchor + first, rel + first, nb, err);
        if (s != KG_OK) return s;
        for (size_t i = 0; i < nb; i++) fused_row(m, i, weights_of(m, rel[first + i]), out + (first + i) * N);
    }
    return KG_OK;
}

static void fill_evidence(const FuModel *m, size_t i, uint32_t rel, uint32_t e, FuEvidence *ev)
{
    const double *w = weights_of(m, rel);
    memset(ev, 0, sizeof *ev);
    for (size_t s = 0; s < m->n_src; s++) {
        for (size_t f = 0; f < m->off[s + 1] - m->off[s]; f++) {
            double x = feature(m, i, m->off[s] + f, e);
            ev->features[s][f] = x;
            ev->contribution[s] += w[m->off[s] + f] * x;
        }
        ev->logit += ev->contribution[s];
    }
    ev->probability = fu_model_probability(m, ev->logit);
}

KgStatus fu_model_evidence(FuModel *m, uint32_t anchor, uint32_t rel, uint32_t answer, FuEvidence *ev, KgError *err)
{
    KgStatus s = compute_features(m, &anchor, &rel, 1, err);
    if (s == KG_OK) fill_evidence(m, 0, rel, answer, ev);
    return s;
}

KgStatus fu_model_top(FuModel *m, uint32_t anchor, uint32_t rel, size_t k, const KgLinkFilter *exclude, uint32_t *ids,
                      FuEvidence *ev, size_t *n_out, KgError *err)
{
    *n_out = 0;
    KgStatus s = compute_features(m, &anchor, &rel, 1, err);
    if (s != KG_OK) return s;
    size_t N = m->d->n_entities;
    fused_row(m, 0, weights_of(m, rel), m->logits);
    /* k is small: insertion into a sorted list of the best so far */
    size_t n = 0;
    for (uint32_t e = 0; e < N; e++) {
        float x = m->logits[e];
        if (isnan(x) || (n == k && !(x > m->logits[ids[n - 1]]))) continue;
        if (exclude && kg_link_filter_has(exclude, anchor, rel, e)) continue;
        size_t at = n < k ? n++ : n - 1;
        while (at > 0 && m->logits[ids[at - 1]] < x) ids[at] = ids[at - 1], at--;
        ids[at] = e;
    }
    for (size_t j = 0; ev && j < n; j++) fill_evidence(m, 0, rel, ids[j], &ev[j]);
    *n_out = n;
    return KG_OK;
}

/* ---------------------------------------------------------------- fitting data */

/* The candidates of the fitting queries: query q's are rows start[q] .. start[q+1) of x (D
 * features each), the answer first; negative[q] is one corrupted answer's features. */
typedef struct {
    size_t D, n_q;
    uint32_t *rel;
    size_t *start;
    float *x, *negative;
    size_t n_rows, cap_rows;
} Candidates;

static void candidates_free(Candidates *c)
{
    kg_free(c->rel), kg_free(c->start), kg_free(c->x), kg_free(c->negative);
}

static int add_row(Candidates *c, const FuModel *m, size_t i, uint32_t e)
{
    if (c->n_rows == c->cap_rows) {
        size_t cap = c->cap_rows ? 2 * c->cap_rows : 4096;
        float *x = kg_realloc(c->x, cap * c->D * sizeof *x);
        if (!x) return 0;
        c->x = x, c->cap_rows = cap;
    }
    for (size_t j = 0; j < c->D; j++) c->x[c->n_rows * c->D + j] = feature(m, i, j, e);
    c->n_rows++;
    return 1;
}

/* The best K entities of one source's feature-0 row for query i, skipping the answer and what
 * the filter knows, as a min-heap into heap (K slots). */
static size_t top_of_row(const float *row, size_t N, size_t K, uint32_t *heap, const KgLinkFilter *f,
                         uint32_t anchor, uint32_t rel, uint32_t answer)
{
    size_t h = 0;
    for (uint32_t e = 0; e < N; e++) {
        float x = row[e];
        if (isnan(x) || e == answer) continue;
        if (h == K && !(x > row[heap[0]])) continue;
        if (kg_link_filter_has(f, anchor, rel, e)) continue;
        fu_topk_push(row, e, K, heap, &h);
    }
    return h;
}

static KgStatus collect(FuModel *m, const KgLinkTriple *triples, size_t n, const FuFitOptions *o, const KgLinkFilter *f,
                        Candidates *c, KgError *err)
{
    const KgLinkDataset *d = m->d;
    size_t N = d->n_entities, K = o->candidates ? o->candidates : 1;
    c->D = n_features(m), c->n_q = 2 * n;
    c->rel = kg_malloc((c->n_q ? c->n_q : 1) * sizeof *c->rel);
    c->start = kg_malloc((c->n_q + 1) * sizeof *c->start);
    c->negative = kg_malloc((c->n_q ? c->n_q : 1) * c->D * sizeof *c->negative);
    uint32_t *heap = kg_malloc(K * sizeof *heap), *seen = kg_calloc(N ? N : 1, sizeof *seen);
    KgStatus s = c->rel && c->start && c->negative && heap && seen ? KG_OK
                                                                   : kg_error_set(err, KG_ERR_NOMEM, "out of memory fitting");
    KgRng rng;
    kg_rng_seed(&rng, o->seed);
    uint32_t anchor[BATCH], rel[BATCH], answer[BATCH];
    c->start[0] = 0;
    for (size_t first = 0; first < c->n_q && s == KG_OK; first += BATCH) {
        size_t nb = c->n_q - first < BATCH ? c->n_q - first : BATCH;
        fu_heldout_queries(d, triples, first, nb, anchor, rel, answer);
        s = compute_features(m, anchor, rel, nb, err);
        for (size_t i = 0; i < nb && s == KG_OK; i++) {
            size_t q = first + i;
            uint32_t tag = (uint32_t)q + 1;
            c->rel[q] = rel[i];
            if (!add_row(c, m, i, answer[i])) s = KG_ERR_NOMEM;
            seen[answer[i]] = tag;
            for (size_t src = 0; src < m->n_src && s == KG_OK; src++) {
                size_t F = m->off[src + 1] - m->off[src];
                size_t h = top_of_row(m->feat[src] + i * F * N, N, K, heap, f, anchor[i], rel[i], answer[i]);
                for (size_t j = 0; j < h && s == KG_OK; j++) {
                    if (seen[heap[j]] == tag) continue;
                    seen[heap[j]] = tag;
                    if (!add_row(c, m, i, heap[j])) s = KG_ERR_NOMEM;
                }
            }
            /* as many entities drawn at random: the bulk no source ranks high, where the
             * features of the top candidates (a weak rule, say) must not look better */
            for (size_t j = 0; j < K && s == KG_OK; j++) {
                uint32_t e = kg_rng_below(&rng, (uint32_t)N);
                if (seen[e] == tag || kg_link_filter_has(f, anchor[i], rel[i], e)) continue;
                seen[e] = tag;
                if (!add_row(c, m, i, e)) s = KG_ERR_NOMEM;
            }
            c->start[q + 1] = c->n_rows;
            uint32_t neg = fu_heldout_corrupt(&rng, f, N, anchor[i], rel[i], 0);
            for (size_t j = 0; j < c->D; j++) c->negative[q * c->D + j] = feature(m, i, j, neg);
        }
        if (s == KG_ERR_NOMEM) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory fitting");
        if (s == KG_OK && kg_interrupted()) s = kg_error_set(err, KG_ERR_INTERRUPTED, "fitting interrupted");
        if (o->progress) o->progress(o->progress_ctx, "fusion: evidence of held-out queries", first + nb, c->n_q);
    }
    kg_free(heap), kg_free(seen);
    return s;
}

/* ---------------------------------------------------------------- the conditional logit */

static double dot(const double *w, const float *x, size_t D)
{
    double z = 0;
    for (size_t j = 0; j < D; j++) z += w[j] * x[j];
    return z;
}

/* Loss (and, when g, its gradient and Hessian) of the queries q of `which` (n of them) under
 * weights w: sum of -log softmax(answer) + ridge/2 |w - prior|^2. */
static double cl_loss(const Candidates *c, const size_t *which, size_t n, const double *w, const double *prior,
                      double ridge, double *g, double *H)
{
    size_t D = c->D;
    double loss = 0;
    if (g) {
        memset(g, 0, D * sizeof *g);
        memset(H, 0, D * D * sizeof *H);
    }
    double ex[MAX_D], exx[MAX_D * MAX_D];
    for (size_t k = 0; k < n; k++) {
        size_t q = which[k], a = c->start[q], b = c->start[q + 1];
        double top = -INFINITY;
        for (size_t r = a; r < b; r++) {
            double z = dot(w, c->x + r * D, D);
            if (z > top) top = z;
        }
        double sum = 0;
        if (g) memset(ex, 0, D * sizeof *ex), memset(exx, 0, D * D * sizeof *exx);
        for (size_t r = a; r < b; r++) {
            const float *x = c->x + r * D;
            double p = exp(dot(w, x, D) - top);
            sum += p;
            if (!g) continue;
            for (size_t i = 0; i < D; i++) {
                ex[i] += p * x[i];
                for (size_t j = 0; j <= i; j++) exx[i * D + j] += p * x[i] * x[j];
            }
        }
        loss += top + log(sum) - dot(w, c->x + a * D, D);
        if (!g) continue;
        for (size_t i = 0; i < D; i++) {
            double mi = ex[i] / sum;
            g[i] += mi - c->x[a * D + i];
            for (size_t j = 0; j <= i; j++) H[i * D + j] += exx[i * D + j] / sum - mi * ex[j] / sum;
        }
    }
    for (size_t i = 0; i < D; i++) {
        loss += 0.5 * ridge * (w[i] - prior[i]) * (w[i] - prior[i]);
        if (!g) continue;
        g[i] += ridge * (w[i] - prior[i]);
        H[i * D + i] += ridge;
        for (size_t j = 0; j < i; j++) H[j * D + i] = H[i * D + j];
    }
    return loss;
}

/* Solves H x = g (H symmetric positive definite, D x D) by Cholesky, in place in g; 0 when H
 * is not positive definite. */
static int cholesky_solve(double *H, double *g, size_t D)
{
    for (size_t j = 0; j < D; j++) {
        double s = H[j * D + j];
        for (size_t k = 0; k < j; k++) s -= H[j * D + k] * H[j * D + k];
        if (!(s > 0)) return 0;
        H[j * D + j] = sqrt(s);
        for (size_t i = j + 1; i < D; i++) {
            double t = H[i * D + j];
            for (size_t k = 0; k < j; k++) t -= H[i * D + k] * H[j * D + k];
            H[i * D + j] = t / H[j * D + j];
        }
    }
    for (size_t i = 0; i < D; i++) {
        for (size_t k = 0; k < i; k++) g[i] -= H[i * D + k] * g[k];
        g[i] /= H[i * D + i];
    }
    for (size_t i = D; i-- > 0;) {
        for (size_t k = i + 1; k < D; k++) g[i] -= H[k * D + i] * g[k];
        g[i] /= H[i * D + i];
    }
    return 1;
}

/* Newton's method with step halving, from w (in place). */
static void cl_fit(const Candidates *c, const size_t *which, size_t n, const double *prior, double ridge, double *w)
{
    size_t D = c->D;
    double g[MAX_D], H[MAX_D * MAX_D], next[MAX_D];
    double loss = cl_loss(c, which, n, w, prior, ridge, g, H);
    for (int iter = 0; iter < 50; iter++) {
        if (!cholesky_solve(H, g, D)) break;
        double step = 1, trial = loss;
        for (int h = 0; h < 30; h++, step /= 2) {
            for (size_t j = 0; j < D; j++) next[j] = w[j] - step * g[j];
            trial = cl_loss(c, which, n, next, prior, ridge, NULL, NULL);
            if (trial <= loss) break;
        }
        if (!(trial <= loss)) break;
        memcpy(w, next, D * sizeof *w);
        double gain = loss - trial;
        loss = cl_loss(c, which, n, w, prior, ridge, g, H);
        if (gain < 1e-9 * (1 + fabs(loss))) break;
    }
}

/* MRR of the queries of `which` among their candidates (ties at their mean place). */
static double candidates_mrr(const Candidates *c, const size_t *which, size_t n, const double *shared,
                             const double *per_rel)
{
    double sum = 0;
    size_t D = c->D;
    for (size_t k = 0; k < n; k++) {
        size_t q = which[k], a = c->start[q], b = c->start[q + 1];
        const double *w = per_rel ? per_rel + (size_t)c->rel[q] * D : shared;
        double truth = dot(w, c->x + a * D, D), better = 0, tied = 0;
        for (size_t r = a + 1; r < b; r++) {
            double z = dot(w, c->x + r * D, D);
            better += z > truth, tied += z == truth;
        }
        sum += 1 / (1 + better + tied / 2);
    }
    return n ? sum / (double)n : 0;
}

/* Per-relation weights for the queries of `which`, each relation's drawn toward shared. */
static void fit_per_relation(const Candidates *c, const size_t *which, size_t n, size_t R2, const double *shared,
                             double ridge, double *per_rel, size_t *scratch)
{
    size_t D = c->D;
    for (size_t r = 0; r < R2; r++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (c->rel[which[i]] == r) scratch[k++] = which[i];
        memcpy(per_rel + r * D, shared, D * sizeof *shared);
        if (k) cl_fit(c, scratch, k, shared, ridge, per_rel + r * D);
    }
}

KgStatus fu_model_fit(FuSource *const *src, size_t n_src, const KgLinkDataset *d, const KgLinkTriple *triples, size_t n,
                      const FuFitOptions *o, FuModel **out, FuFitReport *rep, KgError *err)
{
    double t0 = kg_now();
    *out = NULL;
    memset(rep, 0, sizeof *rep);
    if (n_src == 0 || n_src > FU_MAX_SOURCES)
        return kg_error_set(err, KG_ERR_ARG, "fusion takes 1 to %d evidence sources, not %zu", FU_MAX_SOURCES, n_src);
    FuModel *m = kg_calloc(1, sizeof *m);
    if (!m) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    m->d = d, m->n_src = n_src, m->platt_a = 1;
    size_t N = d->n_entities, R2 = 2 * d->n_relations;
    KgStatus s = KG_OK;
    for (size_t i = 0; i < n_src; i++) {
        if (src[i]->n_features == 0 || src[i]->n_features > FU_MAX_FEATURES) {
            s = kg_error_set(err, KG_ERR_ARG, "evidence source '%s' has %zu features", src[i]->name, src[i]->n_features);
            break;
        }
        m->src[i] = src[i];
        m->off[i + 1] = m->off[i] + src[i]->n_features;
        m->feat[i] = kg_malloc(BATCH * src[i]->n_features * (N ? N : 1) * sizeof *m->feat[i]);
        if (!m->feat[i]) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    }
    m->logits = kg_malloc((N ? N : 1) * sizeof *m->logits);
    if (s == KG_OK && !m->logits) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    /* the fitting triples: at most max_triples, spread evenly over the given ones */
    size_t n_fit = o->max_triples && n > o->max_triples ? o->max_triples : n;
    KgLinkTriple *fit = kg_malloc((n_fit ? n_fit : 1) * sizeof *fit);
    KgLinkFilter *filter = NULL;
    Candidates c = {0};
    size_t *all = NULL, *even = NULL, *odd = NULL, *scratch = NULL;
    if (s == KG_OK && !fit) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; s == KG_OK && i < n_fit; i++) fit[i] = triples[i * n / n_fit];
    if (s == KG_OK) s = kg_link_filter_new(d, &filter, err);
    if (s == KG_OK) s = collect(m, fit, n_fit, o, filter, &c, err);
    size_t D = n_features(m), n_even = 0, n_odd = 0;
    if (s == KG_OK) {
        all = kg_malloc((c.n_q ? c.n_q : 1) * sizeof *all);
        even = kg_malloc((c.n_q ? c.n_q : 1) * sizeof *even);
        odd = kg_malloc((c.n_q ? c.n_q : 1) * sizeof *odd);
        scratch = kg_malloc((c.n_q ? c.n_q : 1) * sizeof *scratch);
        m->w_rel = kg_malloc((R2 ? R2 : 1) * D * sizeof *m->w_rel);
        if (!all || !even || !odd || !scratch || !m->w_rel) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    }
    if (s == KG_OK) {
        double zero[MAX_D] = {0}, w_half[MAX_D] = {0};
        for (size_t q = 0; q < c.n_q; q++) {
            all[q] = q;
            if ((q / 2) % 2 == 0) even[n_even++] = q;
            else odd[n_odd++] = q;
        }
        /* which kind: fit on the even triples, measured on the odd ones */
        cl_fit(&c, even, n_even, zero, RIDGE_SHARED, w_half);
        rep->mrr_shared = candidates_mrr(&c, odd, n_odd, w_half, NULL);
        double ridge = RIDGES_PER_RELATION[0];
        rep->mrr_per_relation = -1;
        for (size_t i = 0; i < sizeof RIDGES_PER_RELATION / sizeof *RIDGES_PER_RELATION; i++) {
            fit_per_relation(&c, even, n_even, R2, w_half, RIDGES_PER_RELATION[i], m->w_rel, scratch);
            double mrr = candidates_mrr(&c, odd, n_odd, NULL, m->w_rel);
            if (mrr > rep->mrr_per_relation) rep->mrr_per_relation = mrr, ridge = RIDGES_PER_RELATION[i];
        }
        m->kind = rep->mrr_per_relation > rep->mrr_shared ? FU_PER_RELATION : FU_SHARED;
        rep->ridge = ridge;
        for (size_t i = 0; i < m->n_src; i++) {
            double only[MAX_D] = {0};
            only[m->off[i]] = 1;
            rep->mrr_alone[i] = candidates_mrr(&c, odd, n_odd, only, NULL);
        }
        /* then on all of them */
        cl_fit(&c, all, c.n_q, zero, RIDGE_SHARED, m->w);
        if (m->kind == FU_PER_RELATION) fit_per_relation(&c, all, c.n_q, R2, m->w, ridge, m->w_rel, scratch);
        /* Platt scaling of the fused logit: each answer against one corrupted answer */
        double *x = kg_malloc((2 * c.n_q + 1) * sizeof *x);
        uint8_t *y = kg_malloc(2 * c.n_q + 1);
        if (!x || !y) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        } else {
            for (size_t q = 0; q < c.n_q; q++) {
                const double *w = weights_of(m, c.rel[q]);
                x[2 * q] = dot(w, c.x + c.start[q] * D, D), y[2 * q] = 1;
                x[2 * q + 1] = dot(w, c.negative + q * D, D), y[2 * q + 1] = 0;
            }
            fu_platt_fit(x, y, NULL, 2 * c.n_q, 1, 0, 1e-6, &m->platt_a, &m->platt_b);
        }
        kg_free(x), kg_free(y);
    }
    rep->kind = m->kind;
    rep->n_triples = n_fit, rep->n_queries = c.n_q;
    rep->platt_a = m->platt_a, rep->platt_b = m->platt_b;
    rep->seconds = kg_now() - t0;
    if (m->kind == FU_SHARED) kg_free(m->w_rel), m->w_rel = NULL;
    candidates_free(&c);
    kg_free(all), kg_free(even), kg_free(odd), kg_free(scratch), kg_free(fit);
    kg_link_filter_free(filter);
    if (s != KG_OK) {
        fu_model_free(m);
        return s;
    }
    *out = m;
    return KG_OK;
}

/* ---------------------------------------------------------------- calibration of the fused probability */

KgStatus fu_model_calibration(FuModel *m, size_t embed, const KgLinkTriple *triples, size_t n, uint64_t seed,
                              FuCalibration *out, KgError *err)
{
    memset(out, 0, sizeof *out);
    const KgLinkDataset *d = m->d;
    size_t N = d->n_entities, n_q = 2 * n, n_ex = 2 * n_q;
    double *p = kg_malloc((n_ex ? n_ex : 1) * sizeof *p), *pe = kg_malloc((n_ex ? n_ex : 1) * sizeof *pe);
    uint8_t *y = kg_malloc(n_ex ? n_ex : 1);
    KgLinkFilter *f = NULL;
    KgStatus s = p && pe && y ? kg_link_filter_new(d, &f, err) : kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    KgRng rng;
    kg_rng_seed(&rng, seed);
    uint32_t anchor[BATCH], rel[BATCH], answer[BATCH];
    size_t k = 0;
    for (size_t first = 0; first < n_q && s == KG_OK; first += BATCH) {
        size_t nb = n_q - first < BATCH ? n_q - first : BATCH;
        fu_heldout_queries(d, triples, first, nb, anchor, rel, answer);
        s = compute_features(m, anchor, rel, nb, err);
        for (size_t i = 0; i < nb && s == KG_OK; i++) {
            uint32_t neg = fu_heldout_corrupt(&rng, f, N, anchor[i], rel[i], 1);
            uint32_t e[2] = {answer[i], neg};
            for (int j = 0; j < 2; j++) {
                FuEvidence ev;
                fill_evidence(m, i, rel[i], e[j], &ev);
                p[k] = ev.probability, y[k] = j == 0;
                pe[k] = embed < m->n_src ? fu_sigmoid(ev.features[embed][0]) : 0;
                k++;
            }
        }
        if (s == KG_OK && kg_interrupted()) s = kg_error_set(err, KG_ERR_INTERRUPTED, "calibration interrupted");
    }
    if (s == KG_OK) {
        out->n_examples = k;
        out->ece = fu_ece(p, y, k, 10);
        out->ece_embed = embed < m->n_src ? fu_ece(pe, y, k, 10) : NAN;
        double brier = 0;
        for (size_t i = 0; i < k; i++) brier += (p[i] - y[i]) * (p[i] - y[i]);
        out->brier = k ? brier / (double)k : 0;
    }
    kg_link_filter_free(f);
    kg_free(p), kg_free(pe), kg_free(y);
    return s;
}
