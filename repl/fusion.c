/* repl/fusion.c: `nous kgc DIR --method fusion [--model M] [--json]`, the link-prediction
 * protocol with rules and embeddings fused (fusion/). The rules side is that of --method rules
 * (mined on train.txt, tuned on valid), the embedding side that of --method embed (trained on
 * train.txt, early-stopped on valid); the fusion model is fit on valid; the test split is
 * ranked by each part alone and by the fusion, in the same run, by the one evaluator. */
#include "repl/internal.h"
#include "fusion/fu.h"

#include <math.h>
#include <string.h>

static void on_fit(void *ctx, const char *stage, size_t done, size_t total)
{
    Repl *r = ctx;
    if (!r->err_is_tty) return;
    fprintf(r->err, "\r\033[K%s: %zu of %zu", stage, done, total);
    if (done == total) fputs("\r\033[K", r->err);
    fflush(r->err);
}

static void json_metrics(FILE *f, const char *name, const KgLinkMetrics *m)
{
    fprintf(f, "\"%s\": {\"mrr\": %.6f, \"hits1\": %.6f, \"hits3\": %.6f, \"hits10\": %.6f}", name, m->mrr, m->hits1,
            m->hits3, m->hits10);
}

static void text_metrics(FILE *f, const char *name, const KgLinkMetrics *m)
{
    fprintf(f, "%-8s MRR %.4f  Hits@1 %.4f  Hits@3 %.4f  Hits@10 %.4f  (eval %.1f s)\n", name, m->mrr, m->hits1,
            m->hits3, m->hits10, m->seconds);
}

int repl_kgc_fusion(Repl *r, int argc, char **argv)
{
    const char *dir = NULL, *model = "complex";
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "--model"))) model = v;
    }
    KgError err = {0};
    NnTrainOptions o;
    if (nn_train_defaults(model, NULL, &o, &err) != KG_OK) return repl_usage_error(r, "kgc", "%s", err.msg);
    ReplKgcRulesSetup setup;
    repl_kgc_rules_defaults(&setup);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int consumed, st;
        if ((v = repl_opt_value(argc, argv, &i, "--model")) || (v = repl_opt_value(argc, argv, &i, "--method")))
            continue;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            continue;
        }
        /* --seed is both sides' */
        int at = i;
        if ((st = repl_kgc_rules_option(r, argc, argv, &i, &setup, &consumed)) != REPL_OK) return st;
        if (consumed && strcmp(argv[at], "--seed") != 0 && strncmp(argv[at], "--seed=", 7) != 0) continue;
        i = at;
        if ((st = repl_parse_train_option(r, "kgc", argc, argv, &i, &o, &consumed)) != REPL_OK) return st;
        if (consumed) continue;
        if (repl_is_option(argv[i])) return repl_usage_error(r, "kgc", "unknown option for --method fusion: '%s'", argv[i]);
        if (dir) return repl_usage_error(r, "kgc", "give one benchmark folder, not '%s' too", argv[i]);
        dir = argv[i];
    }
    if (!dir) return repl_usage_error(r, "kgc", "give a benchmark folder (train.txt, valid.txt, test.txt)");

    ReplKgcRules k = {0};
    NnModel *m = NULL;
    NnTrainReport rep = {0};
    FuSource embed = {0}, rules = {0};
    FuModel *fm = NULL;
    FuFitReport fit = {0};
    FuCalibration cal = {0};
    KgLinkMetrics m_embed = {0}, m_rules = {0}, m_fused = {0};
    KgStatus s = repl_kgc_rules_prepare(r, json, dir, &setup, &k, &err);
    if (s == KG_OK) {
        /* the defaults for this dataset's size, then the options given again over them */
        nn_train_defaults(model, k.d, &o, &err);
        for (int i = 1; i < argc; i++) {
            int consumed;
            repl_parse_train_option(r, "kgc", argc, argv, &i, &o, &consumed);
        }
        o.progress = repl_on_epoch;
        o.progress_ctx = r;
        if (!json)
            fprintf(r->out, "%zu rules; embeddings: %s, dim %zu, %zu epochs max, seed %llu\n", k.mined->n_rules, o.model,
                    o.dim, o.epochs, (unsigned long long)o.seed);
        fflush(r->out);
        s = nn_train(k.d, &o, &m, &rep, &err);
        if (r->err_is_tty) fputs("\r\033[K", r->err);
    }
    const KgLinkDataset *d = k.d;
    if (s == KG_OK) s = kg_link_evaluate(d, d->test, d->n_test, nn_model_score, m, 256, &m_embed, &err);
    if (s == KG_OK) s = kg_link_evaluate(d, d->test, d->n_test, rs_ranker_score, k.ranker, 64, &m_rules, &err);
    if (s == KG_OK && !json) {
        text_metrics(r->out, "embed", &m_embed);
        text_metrics(r->out, "rules", &m_rules);
        fflush(r->out);
    }
    FuFitOptions fo;
    fu_fit_defaults(&fo);
    fo.seed = setup.mine.seed;
    fo.progress = on_fit, fo.progress_ctx = r;
    if (s == KG_OK) s = fu_embed_source_new(m, d, d->valid, d->n_valid, fo.seed, &embed, &err);
    if (s == KG_OK) s = fu_rules_source_new(k.ranker, d, &rules, &err);
    FuSource *sources[2] = {&embed, &rules};
    if (s == KG_OK) s = fu_model_fit(sources, 2, d, d->valid, d->n_valid, &fo, &fm, &fit, &err);
    if (s == KG_OK) s = kg_link_evaluate(d, d->test, d->n_test, fu_model_score, fm, 32, &m_fused, &err);
    if (s == KG_OK) s = fu_model_calibration(fm, 0, d->test, d->n_test, fo.seed + 1, &cal, &err);
    if (s != KG_OK) {
        repl_error(r, &err);
    } else if (json) {
        fprintf(r->out,
                "{\"mrr\": %.6f, \"hits1\": %.6f, \"hits3\": %.6f, \"hits10\": %.6f, \"method\": \"fusion\", "
                "\"model\": \"%s\", \"parts\": {",
                m_fused.mrr, m_fused.hits1, m_fused.hits3, m_fused.hits10, o.model);
        json_metrics(r->out, "embed", &m_embed);
        fputs(", ", r->out);
        json_metrics(r->out, "rules", &m_rules);
        fprintf(r->out,
                "}, \"fusion\": {\"kind\": \"%s\", \"fit_triples\": %zu, \"mrr_embed_alone\": %.6f, "
                "\"mrr_rules_alone\": %.6f, \"mrr_shared\": %.6f, "
                "\"mrr_per_relation\": %.6f, \"platt_a\": %.6f, \"platt_b\": %.6f, \"fit_seconds\": %.3f}, "
                "\"ece\": %.6f, \"ece_embed\": %.6f, \"brier\": %.6f, \"calibration_examples\": %zu, "
                "\"rules\": %zu, \"aggregation\": \"%s\", \"mine_seconds\": %.3f, \"train_seconds\": %.3f, "
                "\"best_epoch\": %zu, \"eval_seconds\": %.3f}\n",
                fit.kind == FU_SHARED ? "shared" : "per-relation", fit.n_triples, fit.mrr_alone[0], fit.mrr_alone[1],
                fit.mrr_shared, fit.mrr_per_relation, fit.platt_a, fit.platt_b, fit.seconds, cal.ece, cal.ece_embed, cal.brier, cal.n_examples,
                k.mined->n_rules, k.x.agg == RS_AGG_MAX ? "max" : "noisy-or", k.mine_seconds, rep.seconds,
                rep.best_epoch, m_fused.seconds);
    } else {
        fprintf(r->out,
                "fusion fit on %zu valid triples in %.1f s: %s weights (held-out MRR among candidates: embed %.4f, "
                "rules %.4f, fused with shared weights %.4f, per relation %.4f)\n",
                fit.n_triples, fit.seconds, fit.kind == FU_SHARED ? "shared" : "per-relation", fit.mrr_alone[0],
                fit.mrr_alone[1], fit.mrr_shared, fit.mrr_per_relation);
        const double *w = fu_model_weights(fm, 0, 0), *wr = fu_model_weights(fm, 0, 1);
        if (fit.kind == FU_SHARED) {
            fprintf(r->out, "weights:");
            for (size_t f = 0; f < embed.n_features; f++) fprintf(r->out, " %s %s %.3f;", embed.name, embed.feature_names[f], w[f]);
            for (size_t f = 0; f < rules.n_features; f++)
                fprintf(r->out, " rules %s %.3f%s", rules.feature_names[f], wr[f], f + 1 < rules.n_features ? ";" : "\n");
        }
        text_metrics(r->out, "fusion", &m_fused);
        fprintf(r->out,
                "calibration on %zu test answers and as many corrupted ones: ECE %.4f (embedding alone %.4f), "
                "Brier %.4f\n",
                cal.n_examples / 2, cal.ece, cal.ece_embed, cal.brier);
    }
    fu_model_free(fm);
    fu_source_free(&embed), fu_source_free(&rules);
    if (m) nn_train_report_free(&rep);
    nn_model_free(m);
    repl_kgc_rules_release(&k);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}
