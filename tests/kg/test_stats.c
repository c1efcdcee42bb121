/* tests/kg/test_stats.c: the per-predicate statistics (kg/stats.c) after every commit equal a
 * count of the store's quads: triples, distinct subjects, distinct objects. Random
 * transactions add and remove quads (marks, named graphs, a quad added and removed again in
 * one transaction), some are rolled back, and their sizes range from one quad, which the
 * changes alone bring up to date, to hundreds, which are counted again. */
#include "helpers.h"
#include "kg/rng.h"

enum { N_S = 160, N_P = 3, N_O = 160, N_G = 2 };

/* The model: each possible quad's marks. */
typedef struct {
    unsigned mark[N_S][N_P][N_O][N_G];
    KgTermId s[N_S], p[N_P], o[N_O], g[N_G];
} Model;

static KgTermId intern(KgStore *st, const char *prefix, int i)
{
    char iri[64];
    snprintf(iri, sizeof iri, "http://example.org/%s%d", prefix, i);
    KgTerm t = {KG_TERM_IRI, iri, strlen(iri), NULL, NULL};
    KgTermId id = 0;
    KgError err = {0};
    cr_assert_eq(kg_dict_intern(st, &t, &id, &err), KG_OK, "%s", err.msg);
    return id;
}

typedef struct {
    KgTermId p;
    uint64_t n_triples, n_subjects, n_objects;
} Expected;

static int check_row(void *ctx, const KgPredStats *ps)
{
    Expected *e = ctx;
    for (int k = 0; k < N_P; k++)
        if (e[k].p == ps->p) {
            cr_assert_eq(ps->n_triples, e[k].n_triples, "predicate %d: %llu triples, expected %llu", k,
                         (unsigned long long)ps->n_triples, (unsigned long long)e[k].n_triples);
            cr_assert_eq(ps->n_subjects, e[k].n_subjects, "predicate %d: %llu subjects, expected %llu", k,
                         (unsigned long long)ps->n_subjects, (unsigned long long)e[k].n_subjects);
            cr_assert_eq(ps->n_objects, e[k].n_objects, "predicate %d: %llu objects, expected %llu", k,
                         (unsigned long long)ps->n_objects, (unsigned long long)e[k].n_objects);
            e[k].p = 0; /* seen */
            return 0;
        }
    cr_assert_fail("a row for predicate %llu, which has no quads", (unsigned long long)ps->p);
    return 1;
}

static void assert_stats_match(KgStore *st, const Model *m, uint64_t seed, int step)
{
    Expected e[N_P];
    for (int p = 0; p < N_P; p++) {
        e[p] = (Expected){m->p[p], 0, 0, 0};
        int subj[N_S] = {0}, obj[N_O] = {0};
        for (int s = 0; s < N_S; s++)
            for (int o = 0; o < N_O; o++)
                for (int g = 0; g < N_G; g++)
                    if (m->mark[s][p][o][g]) e[p].n_triples++, subj[s] = 1, obj[o] = 1;
        for (int s = 0; s < N_S; s++) e[p].n_subjects += (uint64_t)subj[s];
        for (int o = 0; o < N_O; o++) e[p].n_objects += (uint64_t)obj[o];
    }
    KgError err = {0};
    cr_assert_eq(kg_pred_stats_each(st, check_row, e, &err), KG_OK, "%s", err.msg);
    for (int p = 0; p < N_P; p++)
        cr_assert(e[p].p == 0 || e[p].n_triples == 0, "seed %llu step %d: no row for predicate %d (%llu triples)",
                  (unsigned long long)seed, step, p, (unsigned long long)e[p].n_triples);
}

Test(stats, per_predicate_statistics_match_a_count_after_every_commit)
{
    for (uint64_t seed = 1; seed <= 12; seed++) {
        KgStore *st = open_store(":memory:");
        KgRng rng;
        kg_rng_seed(&rng, seed);
        static Model m;
        memset(&m, 0, sizeof m);
        KgError err = {0};
        cr_assert_eq(kg_store_begin(st, &err), KG_OK, "%s", err.msg);
        for (int i = 0; i < N_S; i++) m.s[i] = intern(st, "s", i);
        for (int i = 0; i < N_P; i++) m.p[i] = intern(st, "p", i);
        for (int i = 0; i < N_O; i++) m.o[i] = intern(st, "o", i);
        m.g[0] = KG_DEFAULT_GRAPH, m.g[1] = intern(st, "g", 1);
        cr_assert_eq(kg_store_commit(st, &err), KG_OK, "%s", err.msg);
        for (int step = 0; step < 60; step++) {
            /* mostly small transactions; now and then a large one */
            uint32_t size = kg_rng_below(&rng, 8) == 0 ? 100 + kg_rng_below(&rng, 400) : 1 + kg_rng_below(&rng, 6);
            int rollback = kg_rng_below(&rng, 8) == 0;
            static Model before;
            before = m;
            cr_assert_eq(kg_store_begin(st, &err), KG_OK, "%s", err.msg);
            for (uint32_t k = 0; k < size; k++) {
                /* a skewed pick: a few subjects and objects have many quads, most have one or two */
                int s = (int)(kg_rng_below(&rng, 2) ? kg_rng_below(&rng, 4) : kg_rng_below(&rng, N_S));
                int p = (int)kg_rng_below(&rng, N_P);
                int o = (int)(kg_rng_below(&rng, 2) ? kg_rng_below(&rng, 4) : kg_rng_below(&rng, N_O));
                int g = kg_rng_below(&rng, 5) == 0;
                unsigned mark = kg_rng_below(&rng, 2) ? KG_ASSERTED : KG_INFERRED;
                KgQuad q = {m.s[s], m.p[p], m.o[o], m.g[g]};
                /* early on mostly additions, so the store grows past the small changes */
                if (kg_rng_below(&rng, 100) < (step < 20 ? 85u : 50u)) {
                    cr_assert_eq(kg_quad_add(st, &q, mark, NULL, &err), KG_OK, "%s", err.msg);
                    m.mark[s][p][o][g] |= mark;
                } else {
                    int had = 0;
                    cr_assert_eq(kg_quad_unmark(st, &q, mark, &had, &err), KG_OK, "%s", err.msg);
                    m.mark[s][p][o][g] &= ~mark;
                }
            }
            if (rollback) {
                kg_store_rollback(st);
                m = before;
            } else {
                cr_assert_eq(kg_store_commit(st, &err), KG_OK, "%s", err.msg);
            }
            assert_stats_match(st, &m, seed, step);
        }
        kg_store_close(st);
    }
}
