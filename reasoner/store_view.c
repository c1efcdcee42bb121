/* reasoner/store_view.c: the store as an incremental update found it, read once (see
 * store_view.h). Three tables, each open addressing keyed by what was looked up:
 *   subjects  a subject's quads, sorted by predicate, object and graph, and (read when first
 *             asked for) its triples' recorded derivations, sorted by predicate and object.
 *             A subject with more than subject_max quads is "wide": its patterns are read
 *             one by one, as the others are;
 *   patterns  the quads of a pattern without a subject (or of a wide subject);
 *   predicates whether the store holds any quad with a predicate (a pattern with one it does
 *             not is answered without a lookup);
 *   labels    the rule labels of the derivations read, each kept once.
 * Everything read counts against max_rows; past it, lookups go to the store. */
#include "store_view.h"

#include <stdlib.h>
#include <string.h>

enum { SUBJ_READ = 1, SUBJ_WIDE };

typedef struct {
    KgTermId s;         /* 0: a free slot */
    uint32_t at, n;     /* its quads: quads[at .. at + n) */
    uint8_t state;      /* SUBJ_READ or SUBJ_WIDE */
    uint8_t recorded;   /* its derivations were read: recs[rec_at .. rec_at + n_rec) */
    uint32_t rec_at, n_rec;
} Subject;

typedef struct {
    RsFact key;         /* all 0: a free slot (a pattern with nothing bound is never kept) */
    uint32_t at, n;
} Pattern;

typedef struct {
    KgTermId p;         /* 0: a free slot */
    int held;           /* the store holds a quad with predicate p */
} Predicate;

typedef struct {
    KgTermId p, o;
    const char *rule;
    double confidence;
    uint32_t prem_at, n_prem; /* premises[prem_at ..] */
} Rec;

struct StoreView {
    KgStore *store;
    size_t max_rows, subject_max;
    SvQuad *quads;
    size_t n_quads, cap_quads;
    Subject *subjects;
    size_t n_subjects, cap_subjects;
    Pattern *patterns;
    size_t n_patterns, cap_patterns;
    Predicate *predicates;
    size_t n_predicates, cap_predicates;
    Rec *recs;
    size_t n_recs, cap_recs;
    KgQuad *premises;
    size_t n_premises, cap_premises;
    char **labels;
    size_t n_labels, cap_labels;
    KgQuad *scratch; /* the premises of a derivation read from the store directly */
    size_t cap_scratch;
    const char *scratch_rule;
    int full; /* a read met max_rows: nothing more is kept */
};

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static uint64_t hash_key(const RsFact *f) { return mix(f->s * 0x9e3779b97f4a7c15ULL ^ mix(f->p + 1) ^ mix(f->o + 2) * 3); }

static uint64_t hash_text(const char *t)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *t; t++) h = (h ^ (unsigned char)*t) * 0x100000001b3ULL;
    return h;
}

static KgStatus nomem(KgError *err) { return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading the store for an update"); }

/* Grows *arr (of *cap elements of size sz) to hold `need`; 0 when out of memory. */
static int reserve(void **arr, size_t *cap, size_t sz, size_t need)
{
    if (need <= *cap) return 1;
    size_t cap2 = *cap ? *cap : 256;
    while (cap2 < need) cap2 *= 2;
    void *grown = kg_realloc(*arr, cap2 * sz);
    if (!grown) return 0;
    *arr = grown, *cap = cap2;
    return 1;
}

KgStatus sv_new(KgStore *store, size_t max_rows, size_t subject_max, StoreView **out, KgError *err)
{
    *out = kg_calloc(1, sizeof **out);
    if (!*out) return nomem(err);
    (*out)->store = store;
    (*out)->max_rows = max_rows ? max_rows : SV_MAX_ROWS;
    (*out)->subject_max = subject_max ? subject_max : SV_SUBJECT_MAX;
    return KG_OK;
}

void sv_free(StoreView *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->cap_labels; i++) kg_free(v->labels[i]);
    kg_free(v->labels), kg_free(v->quads), kg_free(v->subjects), kg_free(v->patterns), kg_free(v->predicates);
    kg_free(v->recs), kg_free(v->premises), kg_free(v->scratch);
    kg_free(v);
}

static size_t rows_used(const StoreView *v) { return v->n_quads + v->n_recs + v->n_premises; }

static int is_full(StoreView *v)
{
    if (rows_used(v) >= v->max_rows) v->full = 1;
    return v->full;
}

/* ---------------------------------------------------------------- labels */

/* The label kept once; NULL when out of memory. */
static const char *intern(StoreView *v, const char *label)
{
    if (2 * (v->n_labels + 1) > v->cap_labels) {
        size_t cap = v->cap_labels ? 2 * v->cap_labels : 128;
        char **t = kg_calloc(cap, sizeof *t);
        if (!t) return NULL;
        for (size_t i = 0; i < v->cap_labels; i++) {
            if (!v->labels[i]) continue;
            size_t at = hash_text(v->labels[i]) & (cap - 1);
            while (t[at]) at = (at + 1) & (cap - 1);
            t[at] = v->labels[i];
        }
        kg_free(v->labels);
        v->labels = t, v->cap_labels = cap;
    }
    size_t at = hash_text(label) & (v->cap_labels - 1);
    for (; v->labels[at]; at = (at + 1) & (v->cap_labels - 1))
        if (strcmp(v->labels[at], label) == 0) return v->labels[at];
    if (!(v->labels[at] = kg_strdup(label))) return NULL;
    v->n_labels++;
    return v->labels[at];
}

/* ---------------------------------------------------------------- reading quads */

/* Appends the store's quads matching pat (at most `max`, when max > 0) to v->quads; *over = 1
 * when there were more than max, or more than the view may keep (nothing is kept then). */
static KgStatus read_quads(StoreView *v, const KgQuad *pat, size_t max, int *over, KgError *err)
{
    size_t start = v->n_quads;
    *over = 0;
    KgIter *it = NULL;
    KgQuad q;
    unsigned mark;
    KgStatus s = kg_match_new(v->store, pat, KG_ASSERTED | KG_INFERRED, &it, err);
    while (s == KG_OK && (s = kg_iter_next(it, &q, &mark, err)) == KG_OK) {
        if ((max && v->n_quads - start == max) || is_full(v)) {
            *over = 1;
            break;
        }
        if (!reserve((void **)&v->quads, &v->cap_quads, sizeof *v->quads, v->n_quads + 1)) {
            s = nomem(err);
            break;
        }
        v->quads[v->n_quads++] = (SvQuad){q, mark};
    }
    kg_iter_free(it);
    if (s == KG_DONE) s = KG_OK;
    if (s != KG_OK || *over) v->n_quads = start;
    return s;
}

static int compare_pog(const void *x, const void *y)
{
    const KgQuad *a = &((const SvQuad *)x)->q, *b = &((const SvQuad *)y)->q;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    if (a->o != b->o) return a->o < b->o ? -1 : 1;
    return (a->g > b->g) - (a->g < b->g);
}

/* ---------------------------------------------------------------- subjects */

static Subject *subject_slot(StoreView *v, KgTermId s)
{
    for (size_t i = mix(s) & (v->cap_subjects - 1);; i = (i + 1) & (v->cap_subjects - 1))
        if (v->subjects[i].s == s || !v->subjects[i].s) return &v->subjects[i];
}

/* Subject s, read when first asked for; NULL when it does not fit in the view. */
static KgStatus subject(StoreView *v, KgTermId s, Subject **out, KgError *err)
{
    *out = NULL;
    if (v->cap_subjects) {
        Subject *sb = subject_slot(v, s);
        if (sb->s) {
            *out = sb;
            return KG_OK;
        }
    }
    if (is_full(v)) return KG_OK;
    size_t start = v->n_quads;
    int over = 0;
    KgQuad pat = {s, KG_ANY, KG_ANY, KG_ANY_GRAPH};
    KgStatus st = read_quads(v, &pat, v->subject_max, &over, err);
    if (st != KG_OK) return st;
    if (over && v->full) return KG_OK; /* not kept */
    if (2 * (v->n_subjects + 1) > v->cap_subjects) {
        size_t cap = v->cap_subjects ? 2 * v->cap_subjects : 1024;
        Subject *t = kg_calloc(cap, sizeof *t);
        if (!t) return nomem(err);
        Subject *old = v->subjects;
        size_t n_old = v->cap_subjects;
        v->subjects = t, v->cap_subjects = cap;
        for (size_t i = 0; i < n_old; i++)
            if (old[i].s) *subject_slot(v, old[i].s) = old[i];
        kg_free(old);
    }
    Subject *sb = subject_slot(v, s);
    *sb = (Subject){.s = s, .at = (uint32_t)start, .n = (uint32_t)(v->n_quads - start), .state = over ? SUBJ_WIDE : SUBJ_READ};
    v->n_subjects++;
    if (sb->n) qsort(v->quads + start, sb->n, sizeof *v->quads, compare_pog);
    *out = sb;
    return KG_OK;
}

/* The range of subject sb's quads with predicate p (and object o, when not 0). */
static void narrow(const StoreView *v, const Subject *sb, KgTermId p, KgTermId o, size_t *at, size_t *n)
{
    *at = sb->at, *n = 0;
    if (!sb->n) return; /* the view may hold no quads at all yet */
    const SvQuad *q = v->quads + sb->at;
    size_t lo = 0, hi = sb->n;
    while (lo < hi) { /* the first quad not below (p, o) */
        size_t mid = lo + (hi - lo) / 2;
        if (q[mid].q.p < p || (q[mid].q.p == p && q[mid].q.o < o)) lo = mid + 1;
        else hi = mid;
    }
    size_t end = lo;
    while (end < sb->n && q[end].q.p == p && (!o || q[end].q.o == o)) end++;
    *at = sb->at + lo, *n = end - lo;
}

/* ---------------------------------------------------------------- patterns */

static Pattern *pattern_slot(StoreView *v, const RsFact *key)
{
    for (size_t i = hash_key(key) & (v->cap_patterns - 1);; i = (i + 1) & (v->cap_patterns - 1)) {
        Pattern *p = &v->patterns[i];
        if ((!p->key.s && !p->key.p && !p->key.o) || (p->key.s == key->s && p->key.p == key->p && p->key.o == key->o))
            return p;
    }
}

/* ---------------------------------------------------------------- predicates */

static Predicate *predicate_slot(StoreView *v, KgTermId p)
{
    for (size_t i = mix(p) & (v->cap_predicates - 1);; i = (i + 1) & (v->cap_predicates - 1))
        if (v->predicates[i].p == p || !v->predicates[i].p) return &v->predicates[i];
}

/* Whether the store holds any quad with predicate p, asked once per predicate: rules look up
 * predicates a store may not use at all (owl:sameAs, say) again and again. */
static KgStatus predicate_held(StoreView *v, KgTermId p, int *held, KgError *err)
{
    if (v->cap_predicates) {
        const Predicate *pr = predicate_slot(v, p);
        if (pr->p) {
            *held = pr->held;
            return KG_OK;
        }
    }
    KgIter *it = NULL;
    KgQuad q;
    KgStatus s = kg_match_new(v->store, &(KgQuad){KG_ANY, p, KG_ANY, KG_ANY_GRAPH}, KG_ASSERTED | KG_INFERRED, &it, err);
    if (s == KG_OK) s = kg_iter_next(it, &q, NULL, err);
    kg_iter_free(it);
    if (s != KG_OK && s != KG_DONE) return s;
    *held = s == KG_OK;
    if (2 * (v->n_predicates + 1) > v->cap_predicates) {
        size_t cap = v->cap_predicates ? 2 * v->cap_predicates : 64;
        Predicate *t = kg_calloc(cap, sizeof *t);
        if (!t) return KG_OK; /* only a cache */
        Predicate *old = v->predicates;
        size_t n_old = v->cap_predicates;
        v->predicates = t, v->cap_predicates = cap;
        for (size_t i = 0; i < n_old; i++)
            if (old[i].p) *predicate_slot(v, old[i].p) = old[i];
        kg_free(old);
    }
    *predicate_slot(v, p) = (Predicate){p, *held};
    v->n_predicates++;
    return KG_OK;
}

static KgStatus pattern(StoreView *v, const RsFact *key, size_t *at, size_t *n, int *cached, KgError *err)
{
    *cached = 0;
    if (!key->s && !key->p && !key->o) return KG_OK;
    if (key->p) {
        int held = 1;
        KgStatus s = predicate_held(v, key->p, &held, err);
        if (s != KG_OK) return s;
        if (!held) {
            *at = *n = 0, *cached = 1;
            return KG_OK;
        }
    }
    if (v->cap_patterns) {
        const Pattern *p = pattern_slot(v, key);
        if (p->key.s || p->key.p || p->key.o) {
            *at = p->at, *n = p->n, *cached = 1;
            return KG_OK;
        }
    }
    if (is_full(v)) return KG_OK;
    size_t start = v->n_quads;
    int over = 0;
    KgQuad pat = {key->s ? key->s : KG_ANY, key->p ? key->p : KG_ANY, key->o ? key->o : KG_ANY, KG_ANY_GRAPH};
    KgStatus s = read_quads(v, &pat, 0, &over, err);
    if (s != KG_OK || over) return s;
    if (2 * (v->n_patterns + 1) > v->cap_patterns) {
        size_t cap = v->cap_patterns ? 2 * v->cap_patterns : 1024;
        Pattern *t = kg_calloc(cap, sizeof *t);
        if (!t) return nomem(err);
        Pattern *old = v->patterns;
        size_t n_old = v->cap_patterns;
        v->patterns = t, v->cap_patterns = cap;
        for (size_t i = 0; i < n_old; i++)
            if (old[i].key.s || old[i].key.p || old[i].key.o) *pattern_slot(v, &old[i].key) = old[i];
        kg_free(old);
    }
    *pattern_slot(v, key) = (Pattern){*key, (uint32_t)start, (uint32_t)(v->n_quads - start)};
    v->n_patterns++;
    *at = start, *n = v->n_quads - start, *cached = 1;
    return KG_OK;
}

KgStatus sv_candidates(StoreView *v, const RsFact *key, size_t *at, size_t *n, int *cached, KgError *err)
{
    *at = *n = 0;
    *cached = 0;
    if (key->s) {
        Subject *sb = NULL;
        KgStatus s = subject(v, key->s, &sb, err);
        if (s != KG_OK) return s;
        if (sb && sb->state == SUBJ_READ) {
            if (key->p) narrow(v, sb, key->p, key->o, at, n);
            else *at = sb->at, *n = sb->n;
            *cached = 1;
            return KG_OK;
        }
    }
    return pattern(v, key, at, n, cached, err);
}

SvQuad sv_quad(const StoreView *v, size_t i) { return v->quads[i]; }

/* ---------------------------------------------------------------- recorded derivations */

typedef struct {
    StoreView *v;
    KgError *err;
} RecCtx;

static KgStatus keep_rec(void *ctx, const KgQuad *q, const KgDerivation *d)
{
    RecCtx *c = ctx;
    StoreView *v = c->v;
    if (q->g != KG_DEFAULT_GRAPH) return KG_OK; /* only inferred default-graph quads have one */
    const char *rule = intern(v, d->rule);
    if (!rule || !reserve((void **)&v->recs, &v->cap_recs, sizeof *v->recs, v->n_recs + 1) ||
        !reserve((void **)&v->premises, &v->cap_premises, sizeof *v->premises, v->n_premises + d->n_premises))
        return nomem(c->err);
    if (d->n_premises) memcpy(v->premises + v->n_premises, d->premises, d->n_premises * sizeof *d->premises);
    v->recs[v->n_recs++] = (Rec){q->p, q->o, rule, d->confidence, (uint32_t)v->n_premises, (uint32_t)d->n_premises};
    v->n_premises += d->n_premises;
    return KG_OK;
}

static int compare_rec(const void *x, const void *y)
{
    const Rec *a = x, *b = y;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    return (a->o > b->o) - (a->o < b->o);
}

KgStatus sv_recorded(StoreView *v, const RsFact *f, SvRecorded *out, int *found, KgError *err)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    Subject *sb = NULL;
    KgStatus s = subject(v, f->s, &sb, err);
    if (s != KG_OK) return s;
    if (sb && sb->state == SUBJ_READ && !sb->recorded && !is_full(v)) {
        size_t start = v->n_recs;
        RecCtx ctx = {v, err};
        KgTermId subject_id = sb->s;
        if ((s = kg_derivation_each_of_subject(v->store, subject_id, keep_rec, &ctx, err)) != KG_OK) {
            v->n_recs = start;
            return s;
        }
        sb = subject_slot(v, subject_id);
        sb->rec_at = (uint32_t)start, sb->n_rec = (uint32_t)(v->n_recs - start), sb->recorded = 1;
        if (sb->n_rec) qsort(v->recs + start, sb->n_rec, sizeof *v->recs, compare_rec);
    }
    if (sb && sb->recorded) {
        if (!sb->n_rec) return KG_OK;
        const Rec key = {.p = f->p, .o = f->o};
        const Rec *r = bsearch(&key, v->recs + sb->rec_at, sb->n_rec, sizeof *v->recs, compare_rec);
        if (!r) return KG_OK;
        *out = (SvRecorded){r->rule, r->confidence, v->premises + r->prem_at, r->n_prem};
        *found = 1;
        return KG_OK;
    }
    /* not kept: from the store */
    KgDerivation d;
    KgQuad q = {f->s, f->p, f->o, KG_DEFAULT_GRAPH};
    s = kg_derivation_get(v->store, &q, &d, err);
    if (s == KG_ERR_NOT_FOUND) return KG_OK;
    if (s != KG_OK) return s;
    if (!(v->scratch_rule = intern(v, d.rule)) ||
        !reserve((void **)&v->scratch, &v->cap_scratch, sizeof *v->scratch, d.n_premises))
        return nomem(err);
    if (d.n_premises) memcpy(v->scratch, d.premises, d.n_premises * sizeof *d.premises);
    *out = (SvRecorded){v->scratch_rule, d.confidence, v->scratch, d.n_premises};
    *found = 1;
    return KG_OK;
}
