/* repl/predict_rules.c: link prediction by rules on the open store, and its explanation.
 * - `nous predict S P ? --rules FILE.dl [-k N] [--aggregation max|noisy-or]` (or ? P O): the
 *   rules of FILE.dl (e.g. written by `nous mine`) are applied goal-directed to the store's
 *   triples from the bound term (reasoner/rank.c, the code `kgc --method rules` measures);
 *   each of the k best candidates is listed with its score, whether the store holds it, and
 *   the rules that predict it, best first, each with one grounding of its body.
 * - `nous explain S P O --rules FILE.dl` for a triple the store does not hold: every rule that
 *   predicts it, with a grounding whose triples are explained in turn down to asserted ones
 *   (the proof `explain` prints for a derived triple). */
#include "repl/internal.h"
#include "reasoner/rs.h"

#include <stdlib.h>
#include <string.h>

#define RULES_SHOWN 3 /* per candidate in `predict`; `explain` shows them all */
#define MAX_GROUNDING 16

typedef struct {
    RsProgram *prog;
    RsRanker *ranker;
} RuleSet;

static void rule_set_free(RuleSet *rs)
{
    rs_ranker_free(rs->ranker);
    rs_program_free(rs->prog);
}

static KgStatus rule_set_open(KgStore *store, const char *path, RsAggregation agg, RuleSet *rs, KgError *err)
{
    *rs = (RuleSet){0};
    KgStatus s = rs_program_new(store, &rs->prog, err);
    if (s == KG_OK) s = rs_program_add_file(rs->prog, path, err);
    if (s == KG_OK) s = rs_ranker_new(store, rs->prog, NULL, agg, &rs->ranker, err);
    if (s == KG_OK) rs_ranker_set_window(rs->ranker, 0); /* one query: every rule, exact */
    return s;
}

KgStatus repl_term_id(KgStore *store, const char *word, KgArena *arena, KgTermId *id, KgError *err)
{
    KgTerm t;
    KgStatus s = kg_term_parse(store, word, arena, &t, err);
    if (s == KG_OK) s = kg_dict_lookup(store, &t, id, err);
    if (s == KG_ERR_NOT_FOUND) s = kg_error_set(err, KG_ERR_NOT_FOUND, "%s is not in the store", word);
    return s;
}

/* A rule as written in its file, on one line (its text may span several). */
void repl_write_rule(Repl *r, const RsProgram *p, size_t i)
{
    const char *t = rs_rule_text(p, i);
    int space = 0;
    for (; t && *t; t++) {
        int blank = *t == ' ' || *t == '\t' || *t == '\n' || *t == '\r';
        if (blank) space = 1;
        else {
            if (space) fputc(' ', r->out);
            fputc(*t, r->out);
            space = 0;
        }
    }
}

KgStatus repl_write_rule_grounding(Repl *r, KgStore *store, const RsProgram *p, RsQuerier *q, size_t rule, KgTermId sub,
                                   KgTermId obj, const char *indent, KgError *err)
{
    KgTermId body[MAX_GROUNDING][3];
    size_t nb = 0;
    int found = 0;
    KgStatus s = rs_querier_grounding(q, rule, sub, obj, body, MAX_GROUNDING, &nb, &found, err);
    repl_write_rule(r, p, rule);
    fputc('\n', r->out);
    if (s == KG_OK && found) {
        fprintf(r->out, "%sbecause", indent);
        for (size_t a = 0; a < nb; a++) {
            KgQuad premise = {body[a][0], body[a][1], body[a][2], KG_DEFAULT_GRAPH};
            fputs(a ? " ; " : " ", r->out);
            repl_write_quad(r, store, &premise);
        }
        fputc('\n', r->out);
    }
    return s;
}

/* ---------------------------------------------------------------- predict */

int repl_predict_rules(Repl *r, int argc, char **argv)
{
    const char *words[3], *path = NULL;
    size_t k = 10, n_words = 0;
    RsAggregation agg = RS_AGG_MAX;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "-k"))) {
            char *end;
            unsigned long long x = strtoull(v, &end, 10);
            if (!*v || *end || x == 0 || v[0] == '-')
                return repl_usage_error(r, "predict", "-k takes a count > 0, not '%s'", v);
            k = (size_t)x;
        } else if ((v = repl_opt_value(argc, argv, &i, "--rules"))) {
            path = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--aggregation"))) {
            if (strcmp(v, "max") == 0) agg = RS_AGG_MAX;
            else if (strcmp(v, "noisy-or") == 0) agg = RS_AGG_NOISY_OR;
            else return repl_usage_error(r, "predict", "--aggregation is max or noisy-or, not '%s'", v);
        } else if (repl_is_option(argv[i]) && strcmp(argv[i], "?") != 0) {
            return repl_usage_error(r, "predict", "unknown option with --rules: '%s'", argv[i]);
        } else if (n_words < 3) {
            words[n_words++] = argv[i];
        } else {
            return repl_usage_error(r, "predict", "give one pattern: S P ? or ? P O");
        }
    }
    int head; /* predicting the subject */
    int st = repl_predict_pattern(r, n_words, words, &head);
    if (st != REPL_OK) return st;
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    KgArena *arena = kg_arena_new(1024);
    if (!arena) return REPL_FAIL;
    KgTermId anchor = 0, pred = 0;
    KgStatus s = repl_term_id(store, words[head ? 2 : 0], arena, &anchor, &err);
    if (s == KG_OK) s = repl_term_id(store, words[1], arena, &pred, &err);
    RuleSet rs = {0};
    if (s == KG_OK) s = rule_set_open(store, path, agg, &rs, &err);
    if (s == KG_OK) s = rs_ranker_query(rs.ranker, anchor, pred, head, &err);
    if (s == KG_OK) {
        size_t n = rs_ranker_n_candidates(rs.ranker);
        if (n == 0) fprintf(r->out, "no rule of %s predicts anything for this query\n", path);
        else fprintf(r->out, "%-5s %-40s %8s %6s  %s\n", "rank", head ? "subject" : "object", "score", "rules", "known");
        RsQuerier *q = rs_ranker_querier(rs.ranker);
        for (size_t c = 0; c < n && c < k && s == KG_OK; c++) {
            RsCandidate cand;
            rs_ranker_candidate(rs.ranker, c, &cand);
            KgBuf b = {0};
            kg_term_write_id(store, cand.term, 1, &b, NULL);
            KgTermId sub = head ? cand.term : anchor, obj = head ? anchor : cand.term;
            const char *known = repl_known_mark(store, sub, pred, obj);
            fprintf(r->out, "%-5zu %-40s %8.4f %5zu%s%s%s\n", cand.place, kg_buf_cstr(&b) ? kg_buf_cstr(&b) : "",
                    cand.score, cand.n_rules, cand.n_rules == RS_RANK_KEPT ? "+" : "", *known ? "  " : "", known);
            kg_buf_free(&b);
            for (size_t j = 0; j < cand.n_rules && j < RULES_SHOWN && s == KG_OK; j++) {
                fprintf(r->out, "      ");
                s = repl_write_rule_grounding(r, store, rs.prog, q, cand.rules[j], sub, obj, "        ", &err);
            }
            if (cand.n_rules > RULES_SHOWN)
                fprintf(r->out, "      (%zu%s more rules: `explain` shows them all)\n", cand.n_rules - RULES_SHOWN,
                        cand.n_rules == RS_RANK_KEPT ? " or" : "");
        }
    }
    if (s != KG_OK) repl_error(r, &err);
    rule_set_free(&rs);
    kg_arena_free(arena);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}

/* ---------------------------------------------------------------- explain */

KgStatus repl_explain_rules(Repl *r, KgStore *store, const RsProgram *p, RsQuerier *q, const RsCandidate *c, KgTermId sub,
                            KgTermId obj, KgError *err)
{
    KgQuad *seen = NULL;
    size_t n_seen = 0;
    KgStatus s = KG_OK;
    for (size_t j = 0; j < c->n_rules && s == KG_OK; j++) {
        KgTermId body[MAX_GROUNDING][3];
        size_t nb = 0;
        int found = 0;
        s = rs_querier_grounding(q, c->rules[j], sub, obj, body, MAX_GROUNDING, &nb, &found, err);
        fprintf(r->out, "  rule %s: ", rs_rule_label(p, c->rules[j]));
        repl_write_rule(r, p, c->rules[j]);
        fputc('\n', r->out);
        for (size_t a = 0; a < nb && found && s == KG_OK; a++) {
            KgQuad prem = {body[a][0], body[a][1], body[a][2], KG_DEFAULT_GRAPH};
            s = repl_explain_quad(r, store, &prem, 2, &seen, &n_seen, err);
        }
    }
    kg_free(seen);
    return s;
}

int repl_explain_predicted(Repl *r, KgStore *store, const KgTermId ids[3], const char *path, KgError *err)
{
    RuleSet rs = {0};
    KgStatus s = rule_set_open(store, path, RS_AGG_MAX, &rs, err);
    if (s == KG_OK) s = rs_ranker_query(rs.ranker, ids[0], ids[1], 0, err);
    if (s != KG_OK) {
        rule_set_free(&rs);
        return -1;
    }
    RsCandidate cand = {0};
    size_t n = rs_ranker_n_candidates(rs.ranker), place = 0;
    for (; place < n; place++) {
        rs_ranker_candidate(rs.ranker, place, &cand);
        if (cand.term == ids[2]) break;
    }
    KgQuad triple = {ids[0], ids[1], ids[2], KG_DEFAULT_GRAPH};
    if (place == n) {
        repl_write_quad(r, store, &triple);
        fprintf(r->out, "   is neither asserted nor derived, and no rule of %s predicts it\n", path);
        rule_set_free(&rs);
        return 1;
    }
    repl_write_quad(r, store, &triple);
    fprintf(r->out, "   [predicted by %zu%s rule%s of %s, score %.4f, place %zu of %zu candidates]\n", cand.n_rules,
            cand.n_rules == RS_RANK_KEPT ? " or more" : "", cand.n_rules == 1 ? "" : "s", path, cand.score,
            cand.place, n);
    s = repl_explain_rules(r, store, rs.prog, rs_ranker_querier(rs.ranker), &cand, ids[0], ids[2], err);
    rule_set_free(&rs);
    return s == KG_OK ? 0 : -1;
}
