/* repl/predict_fused.c: fusion on the open store.
 * - `nous predict S P ? --fused --rules FILE.dl [--model NAME] [-k N]` (or ? P O): the k best
 *   candidates by fused probability, each with its evidence: the embedding's score, rank and
 *   calibrated probability, and the rules that predict it with one grounding each.
 * - `nous explain --fused S P O --rules FILE.dl [--model NAME]`: the same for one triple, each
 *   rule's grounding explained down to asserted triples.
 * - `nous reason [--profile P] [--rules R.dl] --with-embeddings --evidence FILE.dl --threshold P`
 *   (after reasoning with P and R.dl, if given, and again after): the candidates whose
 *   fused probability reaches P become inferred triples, their derivation recorded as coming
 *   from fusion (with the best rule's grounding as premises, when a rule fired), so that
 *   queries, rules and `explain` see them.
 * The fusion model is fit each time on the store's held-out links: the share the embeddings
 * were trained without (`train --valid-share`, recorded with the set), so the embedding side
 * is measured on triples it did not learn from. The rules were mined on the whole store. */
#include "repl/internal.h"
#include "fusion/fu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RULES_SHOWN 3
#define FIT_TRIPLES 1000
#define MAX_GROUNDING 16

typedef struct {
    char *set;
    KgEmbedding *emb;
    NnModel *m;
    KgLinkDataset *d;
    RsProgram *prog;
    RsRanker *ranker;
    FuSource embed, rules;
    FuModel *fm;
    FuFitReport fit;
} Fused;

static void fused_close(Fused *f)
{
    fu_model_free(f->fm);
    fu_source_free(&f->embed), fu_source_free(&f->rules);
    rs_ranker_free(f->ranker);
    rs_program_free(f->prog);
    kg_link_dataset_free(f->d);
    nn_model_free(f->m);
    kg_embedding_free(f->emb);
    kg_free(f->set);
    memset(f, 0, sizeof *f);
}

/* A number from the set's settings JSON ("key": value), or fallback. */
static double setting(const KgEmbedding *e, const char *key, double fallback)
{
    const char *json = kg_embedding_info(e)->settings;
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = json ? strstr(json, pattern) : NULL;
    if (!at) return fallback;
    char *end;
    double x = strtod(at + strlen(pattern), &end);
    return end == at + strlen(pattern) ? fallback : x;
}

static KgStatus fused_open(Repl *r, KgStore *store, const char *set, const char *rules_path, Fused *f, KgError *err)
{
    memset(f, 0, sizeof *f);
    KgStatus s = repl_embedding_set(store, set, &f->set, err);
    if (s == KG_OK) s = nn_model_load(store, f->set, &f->m, &f->emb, err);
    if (s == KG_OK) {
        double share = setting(f->emb, "valid_share", 0.05), seed = setting(f->emb, "seed", 42);
        s = kg_link_from_store(store, share, (uint64_t)seed, &f->d, err);
    }
    if (s == KG_OK) {
        /* the set's rows are the links' entities and relations as they were when it was trained */
        int same = kg_embedding_n_entities(f->emb) == f->d->n_entities &&
                   kg_embedding_n_relations(f->emb) == f->d->n_relations;
        for (size_t i = 0; same && i < f->d->n_entities; i++)
            same = kg_embedding_entity(f->emb, i, NULL) == f->d->entity_terms[i];
        for (size_t i = 0; same && i < f->d->n_relations; i++)
            same = kg_embedding_relation(f->emb, i, NULL, NULL) == f->d->relation_terms[i];
        if (!same)
            s = kg_error_set(err, KG_ERR_ARG,
                             "the store's links changed since embeddings '%s' were trained: train them again "
                             "(`nous train --name %s`)",
                             f->set, f->set);
        else if (!f->d->n_valid)
            s = kg_error_set(err, KG_ERR_ARG,
                             "embeddings '%s' were trained on every link, so none is left to fit the fusion on: "
                             "train with --valid-share above 0",
                             f->set);
    }
    if (s == KG_OK) s = rs_program_new(store, &f->prog, err);
    if (s == KG_OK) s = rs_program_add_file(f->prog, rules_path, err);
    if (s == KG_OK) s = rs_ranker_new(store, f->prog, f->d, RS_AGG_MAX, &f->ranker, err);
    if (s == KG_OK) s = fu_embed_source_new(f->m, f->d, f->d->valid, f->d->n_valid, 1, &f->embed, err);
    if (s == KG_OK) s = fu_rules_source_new(f->ranker, f->d, &f->rules, err);
    if (s == KG_OK) {
        FuSource *sources[2] = {&f->embed, &f->rules};
        FuFitOptions o;
        fu_fit_defaults(&o);
        o.max_triples = FIT_TRIPLES;
        kg_interrupt_install();
        s = fu_model_fit(sources, 2, f->d, f->d->valid, f->d->n_valid, &o, &f->fm, &f->fit, err);
    }
    if (s == KG_OK)
        fprintf(r->out, "fusion of embeddings '%s' and %s, fit on %zu held-out links (%s weights)\n", f->set, rules_path,
                f->fit.n_triples, f->fit.kind == FU_SHARED ? "shared" : "per-relation");
    return s;
}

/* The dense id of term t among ids[0 .. n) (ascending), -1 when absent. */
static long dense_of(const KgTermId *ids, size_t n, KgTermId t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid] < t) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && ids[lo] == t ? (long)lo : -1;
}

/* The dense query of (anchor, predicate) in f's dataset: *a, *rel (a head query when head). */
static KgStatus dense_query(const Fused *f, KgTermId anchor, KgTermId pred, int head, const char *anchor_word,
                            const char *pred_word, uint32_t *a, uint32_t *rel, KgError *err)
{
    long x = dense_of(f->d->entity_terms, f->d->n_entities, anchor);
    long p = dense_of(f->d->relation_terms, f->d->n_relations, pred);
    if (x < 0) return kg_error_set(err, KG_ERR_NOT_FOUND, "%s has no vector in embeddings '%s' (it was not trained on)", anchor_word, f->set);
    if (p < 0) return kg_error_set(err, KG_ERR_NOT_FOUND, "%s is not a relation of embeddings '%s'", pred_word, f->set);
    *a = (uint32_t)x;
    *rel = (uint32_t)p + (head ? (uint32_t)f->d->n_relations : 0);
    return KG_OK;
}

/* The embedding's part of a candidate's evidence, on one line. */
static void write_embed_evidence(Repl *r, const Fused *f, uint32_t rel, const FuEvidence *ev)
{
    double a, b;
    fu_embed_platt(&f->embed, rel, &a, &b);
    double logit = ev->features[0][0], rr = ev->features[0][1];
    fprintf(r->out, "embedding '%s': score %.4f", f->set, a != 0 ? (logit - b) / a : NAN);
    if (rr > 0) fprintf(r->out, ", rank %.0f", 1 / rr);
    fprintf(r->out, ", calibrated probability %.3f (logit %+.2f of the fused %+.2f)\n", 1 / (1 + exp(-logit)),
            ev->contribution[0], ev->logit);
}

/* The ranker's candidate for term t in its last query, or 0. */
static int rules_candidate(const Fused *f, KgTermId t, RsCandidate *out)
{
    for (size_t i = 0; i < rs_ranker_n_candidates(f->ranker); i++) {
        rs_ranker_candidate(f->ranker, i, out);
        if (out->term == t) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- predict */

int repl_predict_fused(Repl *r, int argc, char **argv)
{
    const char *words[3] = {0}, *rules_path = NULL, *set = NULL;
    size_t k = 10, n_words = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "-k"))) {
            int st = repl_parse_count(r, "predict", "-k", v, 10000, &k);
            if (st != REPL_OK) return st;
        } else if ((v = repl_opt_value(argc, argv, &i, "--rules"))) {
            rules_path = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--model"))) {
            set = v;
        } else if (strcmp(argv[i], "--fused") == 0) {
            continue;
        } else if (repl_is_option(argv[i]) && strcmp(argv[i], "?") != 0) {
            return repl_usage_error(r, "predict", "unknown option with --fused: '%s'", argv[i]);
        } else if (n_words < 3) {
            words[n_words++] = argv[i];
        } else {
            return repl_usage_error(r, "predict", "give one pattern: S P ? or ? P O");
        }
    }
    int head;
    int st = repl_predict_pattern(r, n_words, words, &head);
    if (st != REPL_OK) return st;
    if (!rules_path) return repl_usage_error(r, "predict", "--fused needs the rules to fuse: --rules FILE.dl");
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    KgArena *arena = kg_arena_new(1024);
    if (!arena) return REPL_FAIL;
    KgTermId anchor = 0, pred = 0;
    KgStatus s = repl_term_id(store, words[head ? 2 : 0], arena, &anchor, &err);
    if (s == KG_OK) s = repl_term_id(store, words[1], arena, &pred, &err);
    Fused f = {0};
    uint32_t a = 0, rel = 0;
    if (s == KG_OK) s = fused_open(r, store, set, rules_path, &f, &err);
    if (s == KG_OK) s = dense_query(&f, anchor, pred, head, words[head ? 2 : 0], words[1], &a, &rel, &err);
    uint32_t *ids = kg_malloc(k * sizeof *ids);
    FuEvidence *ev = kg_malloc(k * sizeof *ev);
    size_t n = 0;
    if (s == KG_OK && (!ids || !ev)) s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) s = fu_model_top(f.fm, a, rel, k, NULL, ids, ev, &n, &err);
    if (s == KG_OK) fprintf(r->out, "%-5s %-40s %11s  %s\n", "rank", head ? "subject" : "object", "probability", "known");
    RsQuerier *q = f.ranker ? rs_ranker_querier(f.ranker) : NULL;
    for (size_t j = 0; j < n && s == KG_OK; j++) {
        KgTermId cand = f.d->entity_terms[ids[j]];
        KgTermId sub = head ? cand : anchor, obj = head ? anchor : cand;
        KgBuf b = {0};
        kg_term_write_id(store, cand, 1, &b, NULL);
        fprintf(r->out, "%-5zu %-40s %11.4f  %s\n", j + 1, kg_buf_cstr(&b) ? kg_buf_cstr(&b) : "", ev[j].probability,
                repl_known_mark(store, sub, pred, obj));
        kg_buf_free(&b);
        fprintf(r->out, "      ");
        write_embed_evidence(r, &f, rel, &ev[j]);
        RsCandidate c;
        if (!rules_candidate(&f, cand, &c)) {
            fprintf(r->out, "      rules: none predicts it\n");
            continue;
        }
        fprintf(r->out, "      rules: place %zu, best weight %.3f, %zu%s rule%s (logit %+.2f)\n", c.place, c.weights[0],
                c.n_rules, c.n_rules == RS_RANK_KEPT ? "+" : "", c.n_rules == 1 ? "" : "s", ev[j].contribution[1]);
        for (size_t i = 0; i < c.n_rules && i < RULES_SHOWN && s == KG_OK; i++) {
            fprintf(r->out, "        ");
            s = repl_write_rule_grounding(r, store, f.prog, q, c.rules[i], sub, obj, "          ", &err);
        }
    }
    if (s != KG_OK) repl_error(r, &err);
    kg_free(ids), kg_free(ev);
    fused_close(&f);
    kg_arena_free(arena);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}

/* ---------------------------------------------------------------- explain */

int repl_explain_fused(Repl *r, KgStore *store, const KgTermId ids[3], const char *rules_path, const char *set,
                       KgError *err)
{
    Fused f = {0};
    uint32_t a = 0, rel = 0;
    FuEvidence ev;
    KgStatus s = fused_open(r, store, set, rules_path, &f, err);
    long o = -1;
    if (s == KG_OK) s = dense_query(&f, ids[0], ids[1], 0, "the subject", "the predicate", &a, &rel, err);
    if (s == KG_OK && (o = dense_of(f.d->entity_terms, f.d->n_entities, ids[2])) < 0)
        s = kg_error_set(err, KG_ERR_NOT_FOUND, "the object has no vector in embeddings '%s' (it was not trained on)", f.set);
    if (s == KG_OK) s = fu_model_evidence(f.fm, a, rel, (uint32_t)o, &ev, err);
    if (s != KG_OK) {
        fused_close(&f);
        return -1;
    }
    KgQuad triple = {ids[0], ids[1], ids[2], KG_DEFAULT_GRAPH};
    const char *known = repl_known_mark(store, ids[0], ids[1], ids[2]);
    repl_write_quad(r, store, &triple);
    fprintf(r->out, "   [fused probability %.4f%s%s]\n", ev.probability, *known ? "; the store holds it as " : "", known);
    fprintf(r->out, "  ");
    write_embed_evidence(r, &f, rel, &ev);
    RsCandidate c;
    if (!rules_candidate(&f, ids[2], &c)) {
        fprintf(r->out, "  rules: none of %s predicts it\n", rules_path);
    } else {
        fprintf(r->out, "  rules: place %zu, best weight %.3f, %zu%s rule%s of %s (logit %+.2f)\n", c.place, c.weights[0],
                c.n_rules, c.n_rules == RS_RANK_KEPT ? " or more" : "", c.n_rules == 1 ? "" : "s", rules_path,
                ev.contribution[1]);
        s = repl_explain_rules(r, store, f.prog, rs_ranker_querier(f.ranker), &c, ids[0], ids[2], err);
    }
    fused_close(&f);
    return s == KG_OK ? 0 : -1;
}

/* ---------------------------------------------------------------- reason --with-embeddings */

KgStatus repl_add_fused(Repl *r, KgStore *store, const char *rules_path, const char *set, double threshold, size_t k,
                        size_t *n_added, KgError *err)
{
    *n_added = 0;
    Fused f = {0};
    KgStatus s = fused_open(r, store, set, rules_path, &f, err);
    uint32_t *ids = kg_malloc(k * sizeof *ids);
    FuEvidence *ev = kg_malloc(k * sizeof *ev);
    if (s == KG_OK && (!ids || !ev)) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    KgBuf label = {0};
    if (s == KG_OK && (kg_buf_printf(&label, "fusion of embeddings '%s' and %s", f.set, rules_path) != KG_OK ||
                       !kg_buf_cstr(&label)))
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    size_t N = f.d ? f.d->n_entities : 0, R = f.d ? f.d->n_relations : 0;
    RsQuerier *q = f.ranker ? rs_ranker_querier(f.ranker) : NULL;
    for (size_t p = 0; p < R && s == KG_OK; p++) {
        for (size_t h = 0; h < N && s == KG_OK; h++) {
            if (kg_interrupted()) {
                s = kg_error_set(err, KG_ERR_INTERRUPTED, "stopped after %zu of %zu queries", p * N + h, R * N);
                break;
            }
            if (r->err_is_tty && h % 64 == 0) {
                fprintf(r->err, "\r\033[Kfusion: %zu of %zu queries, %zu triples added", p * N + h, R * N, *n_added);
                fflush(r->err);
            }
            size_t n = 0;
            s = fu_model_top(f.fm, (uint32_t)h, (uint32_t)p, k, NULL, ids, ev, &n, err);
            for (size_t j = 0; j < n && s == KG_OK && ev[j].probability >= threshold; j++) {
                KgQuad quad = {f.d->entity_terms[h], f.d->relation_terms[p], f.d->entity_terms[ids[j]], KG_DEFAULT_GRAPH};
                if (*repl_known_mark(store, quad.s, quad.p, quad.o)) continue;
                /* the premises: the best rule's grounding, when a rule fired */
                KgQuad premises[MAX_GROUNDING];
                size_t n_prem = 0;
                RsCandidate c;
                if (rules_candidate(&f, quad.o, &c)) {
                    KgTermId body[MAX_GROUNDING][3];
                    int found = 0;
                    s = rs_querier_grounding(q, c.rules[0], quad.s, quad.o, body, MAX_GROUNDING, &n_prem, &found, err);
                    if (!found) n_prem = 0;
                    for (size_t i = 0; i < n_prem; i++)
                        premises[i] = (KgQuad){body[i][0], body[i][1], body[i][2], KG_DEFAULT_GRAPH};
                }
                int is_new = 0;
                if (s == KG_OK) s = kg_quad_add(store, &quad, KG_INFERRED, &is_new, err);
                KgDerivation dv = {label.data, ev[j].probability, premises, n_prem};
                if (s == KG_OK) s = kg_derivation_put(store, &quad, &dv, err);
                if (s == KG_OK) (*n_added)++;
            }
        }
    }
    if (r->err_is_tty) fputs("\r\033[K", r->err);
    kg_buf_free(&label);
    kg_free(ids), kg_free(ev);
    fused_close(&f);
    return s;
}
