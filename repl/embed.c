/* repl/embed.c: the embedding commands. `nous kgc DIR --method embed --model M ...` runs the
 * link-prediction protocol on a benchmark folder (train on train.txt, early-stop on valid.txt,
 * filtered ranking on test.txt) and prints MRR and Hits@1/3/10, as text or one JSON object.
 * The training options are shared with `train` (parse_train_options). */
#include "repl/internal.h"
#include "neural/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- options */

static int parse_size(Repl *r, const char *cmd, const char *name, const char *v, size_t *out)
{
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || v[0] == '-' || x == 0)
        return repl_usage_error(r, cmd, "%s takes a positive integer, not '%s'", name, v);
    *out = (size_t)x;
    return REPL_OK;
}

static int parse_real(Repl *r, const char *cmd, const char *name, const char *v, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= 0) || isinf(x))
        return repl_usage_error(r, cmd, "%s takes a number >= 0, not '%s'", name, v);
    *out = x;
    return REPL_OK;
}

/* The training options of argv that are given (after the defaults were filled): returns
 * REPL_OK, or the usage error's status. Options not about training are left for the caller:
 * *consumed says whether argv[*i] was one of these. */
int repl_parse_train_option(Repl *r, const char *cmd, int argc, char **argv, int *i, NnTrainOptions *o,
                            int *consumed)
{
    const char *v;
    size_t n;
    double x;
    int st = REPL_OK;
    *consumed = 1;
    if ((v = repl_opt_value(argc, argv, i, "--dim"))) st = parse_size(r, cmd, "--dim", v, &o->dim);
    else if ((v = repl_opt_value(argc, argv, i, "--epochs"))) st = parse_size(r, cmd, "--epochs", v, &o->epochs);
    else if ((v = repl_opt_value(argc, argv, i, "--batch"))) st = parse_size(r, cmd, "--batch", v, &o->batch);
    else if ((v = repl_opt_value(argc, argv, i, "--negatives"))) st = parse_size(r, cmd, "--negatives", v, &o->negatives);
    else if ((v = repl_opt_value(argc, argv, i, "--patience"))) {
        /* 0 allowed: never stop early */
        st = strcmp(v, "0") == 0 ? (o->patience = 0, REPL_OK) : parse_size(r, cmd, "--patience", v, &o->patience);
    } else if ((v = repl_opt_value(argc, argv, i, "--eval-every"))) st = parse_size(r, cmd, "--eval-every", v, &o->eval_every);
    else if ((v = repl_opt_value(argc, argv, i, "--threads"))) {
        st = parse_size(r, cmd, "--threads", v, &n);
        o->threads = (int)n;
    } else if ((v = repl_opt_value(argc, argv, i, "--seed"))) {
        char *end;
        unsigned long long s = strtoull(v, &end, 10);
        if (!*v || *end) st = repl_usage_error(r, cmd, "--seed takes an integer, not '%s'", v);
        o->seed = s;
    } else if ((v = repl_opt_value(argc, argv, i, "--lr"))) {
        st = parse_real(r, cmd, "--lr", v, &x);
        if (st == REPL_OK && x <= 0) st = repl_usage_error(r, cmd, "--lr must be above 0");
        o->lr = x;
    } else if ((v = repl_opt_value(argc, argv, i, "--reg"))) {
        st = parse_real(r, cmd, "--reg", v, &o->reg);
    } else if ((v = repl_opt_value(argc, argv, i, "--gamma"))) {
        st = parse_real(r, cmd, "--gamma", v, &o->gamma);
    } else if ((v = repl_opt_value(argc, argv, i, "--temperature"))) {
        st = parse_real(r, cmd, "--temperature", v, &o->temperature);
    } else if ((v = repl_opt_value(argc, argv, i, "--init"))) {
        st = parse_real(r, cmd, "--init", v, &o->init_scale);
    } else {
        *consumed = 0;
    }
    return st;
}

/* ---------------------------------------------------------------- progress */

void repl_on_epoch(void *repl, const NnEpoch *e)
{
    Repl *r = repl;
    FILE *f = r->err;
    int tty = r->err_is_tty;
    if (isnan(e->valid_mrr))
        fprintf(f, "%sepoch %zu: loss %.4f, %.0f queries/s%s", tty ? "\r\033[K" : "", e->epoch, e->loss,
                e->queries_per_second, tty ? "" : "\n");
    else
        fprintf(f, "%sepoch %zu: loss %.4f, valid MRR %.4f, %.0f queries/s\n", tty ? "\r\033[K" : "", e->epoch,
                e->loss, e->valid_mrr, e->queries_per_second);
    fflush(f);
}

/* ---------------------------------------------------------------- kgc */

int repl_cmd_kgc(Repl *r, int argc, char **argv)
{
    const char *dir = NULL, *method = "embed", *model = "complex", *plot = NULL;
    int json = 0;
    /* the model first: its defaults come before the options that change them */
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "--model"))) model = v;
        else if ((v = repl_opt_value(argc, argv, &i, "--method")) && strcmp(v, "rules") == 0)
            return repl_kgc_rules(r, argc, argv);
        else if (v && strcmp(v, "fusion") == 0)
            return repl_kgc_fusion(r, argc, argv);
    }
    KgLinkDataset *d = NULL;
    KgError err = {0};
    NnTrainOptions o;
    if (nn_train_defaults(model, NULL, &o, &err) != KG_OK) return repl_usage_error(r, "kgc", "%s", err.msg);
    /* first pass: everything but the dataset-sized defaults, to find DIR and the method */
    for (int i = 1; i < argc; i++) {
        const char *v;
        int consumed, st;
        if ((v = repl_opt_value(argc, argv, &i, "--model"))) continue;
        if ((v = repl_opt_value(argc, argv, &i, "--method"))) {
            method = v;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--plot"))) {
            plot = v;
            continue;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            continue;
        }
        if ((st = repl_parse_train_option(r, "kgc", argc, argv, &i, &o, &consumed)) != REPL_OK) return st;
        if (consumed) continue;
        if (repl_is_option(argv[i])) return repl_usage_error(r, "kgc", "unknown option '%s'", argv[i]);
        if (dir) return repl_usage_error(r, "kgc", "give one benchmark folder, not '%s' too", argv[i]);
        dir = argv[i];
    }
    if (!dir) return repl_usage_error(r, "kgc", "give a benchmark folder (train.txt, valid.txt, test.txt)");
    if (strcmp(method, "embed") != 0)
        return repl_usage_error(r, "kgc", "--method is embed, rules or fusion, not '%s'",
                                method);
    if (kg_link_read_dir(dir, &d, &err) != KG_OK) {
        repl_error(r, &err);
        return REPL_FAIL;
    }
    /* the defaults for this dataset's size, then the options given again over them */
    nn_train_defaults(model, d, &o, &err);
    for (int i = 1; i < argc; i++) {
        int consumed;
        repl_parse_train_option(r, "kgc", argc, argv, &i, &o, &consumed);
    }
    o.progress = repl_on_epoch;
    o.progress_ctx = r;
    if (!json)
        fprintf(r->out,
                "%s: %zu entities, %zu relations; %zu train, %zu valid, %zu test triples\n"
                "%s, dim %zu, %zu epochs max, batch %zu, lr %g, %s %g, seed %llu; OpenBLAS %s kernel\n",
                dir, d->n_entities, d->n_relations, d->n_train, d->n_valid, d->n_test, o.model, o.dim, o.epochs,
                o.batch, o.lr, strcmp(o.model, "complex") == 0 || strcmp(o.model, "distmult") == 0 ? "N3" : "gamma",
                strcmp(o.model, "complex") == 0 || strcmp(o.model, "distmult") == 0 ? o.reg : o.gamma,
                (unsigned long long)o.seed, nn_blas_kernel());
    fflush(r->out);
    kg_interrupt_install();
    NnModel *m = NULL;
    NnTrainReport rep;
    KgStatus s = nn_train(d, &o, &m, &rep, &err);
    if (r->err_is_tty) fputs("\r\033[K", r->err);
    KgLinkMetrics mt = {0};
    if (s == KG_OK) s = kg_link_evaluate(d, d->test, d->n_test, nn_model_score, m, 256, &mt, &err);
    if (s == KG_OK && plot) {
        char title[512];
        snprintf(title, sizeof title, "%s on %s", o.model, dir);
        s = nn_plot_training(plot, title, rep.loss, rep.valid_mrr, rep.epochs_run, &err);
    }
    if (s != KG_OK) {
        repl_error(r, &err);
        nn_model_free(m);
        kg_link_dataset_free(d);
        return repl_status_of(s);
    }
    double gflops = rep.sgemm_seconds > 0 ? rep.sgemm_gflop / rep.sgemm_seconds : 0;
    if (json) {
        fprintf(r->out,
                "{\"mrr\": %.6f, \"hits1\": %.6f, \"hits3\": %.6f, \"hits10\": %.6f, \"train_seconds\": %.3f, "
                "\"eval_seconds\": %.3f, \"model\": \"%s\", \"dim\": %zu, \"epochs\": %zu, \"best_epoch\": %zu, "
                "\"valid_mrr\": %.6f, \"sgemm_seconds\": %.3f, \"sgemm_gflops\": %.1f, \"blas_kernel\": \"%s\", "
                "\"threads\": %d}\n",
                mt.mrr, mt.hits1, mt.hits3, mt.hits10, rep.seconds, mt.seconds, o.model, o.dim, rep.epochs_run,
                rep.best_epoch, rep.best_valid_mrr, rep.sgemm_seconds, gflops, nn_blas_kernel(), nn_blas_threads());
    } else {
        fprintf(r->out, "best epoch %zu of %zu (valid MRR %.4f); train %.1f s, of which sgemm %.1f s at %.1f GFLOP/s\n",
                rep.best_epoch, rep.epochs_run, rep.best_valid_mrr, rep.seconds, rep.sgemm_seconds, gflops);
        fprintf(r->out, "test (filtered, %zu queries): MRR %.4f  Hits@1 %.4f  Hits@3 %.4f  Hits@10 %.4f  (eval %.2f s)\n",
                mt.n_queries, mt.mrr, mt.hits1, mt.hits3, mt.hits10, mt.seconds);
    }
    nn_train_report_free(&rep);
    nn_model_free(m);
    kg_link_dataset_free(d);
    return REPL_OK;
}

/* ---------------------------------------------------------------- blas */

/* `nous blas [--size N] [--threads N]`: which OpenBLAS kernel runs, on how many threads, and
 * the GFLOP/s of an N x N x N sgemm (the peak the benchmarks compare with). */
int repl_cmd_blas(Repl *r, int argc, char **argv)
{
    size_t n = 2048, threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int st;
        if ((v = repl_opt_value(argc, argv, &i, "--size"))) {
            if ((st = parse_size(r, "blas", "--size", v, &n)) != REPL_OK) return st;
        } else if ((v = repl_opt_value(argc, argv, &i, "--threads"))) {
            if ((st = parse_size(r, "blas", "--threads", v, &threads)) != REPL_OK) return st;
        } else {
            return repl_usage_error(r, "blas", "unexpected argument '%s'", argv[i]);
        }
    }
    nn_blas_set_threads((int)threads);
    double g = nn_blas_peak_gflops(n);
    fprintf(r->out, "OpenBLAS %s kernel, %d threads: sgemm %zu x %zu x %zu at %.1f GFLOP/s\n", nn_blas_kernel(),
            nn_blas_threads(), n, n, n, g);
    return REPL_OK;
}

/* ---------------------------------------------------------------- train */

/* `nous train [--model M] [--name NAME] [--valid-share X] [training options] [--plot FILE]`:
 * trains on the store's asserted links (a seeded share held out for early stopping) and
 * saves the vectors in the store as the set NAME (the model's name by default). */
int repl_cmd_train(Repl *r, int argc, char **argv)
{
    const char *model = "complex", *name = NULL, *plot = NULL;
    double share = 0.05;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "--model"))) model = v;
    }
    KgError err = {0};
    NnTrainOptions o;
    if (nn_train_defaults(model, NULL, &o, &err) != KG_OK) return repl_usage_error(r, "train", "%s", err.msg);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int consumed, st;
        if ((v = repl_opt_value(argc, argv, &i, "--model"))) continue;
        if ((v = repl_opt_value(argc, argv, &i, "--name"))) {
            name = v;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--plot"))) {
            plot = v;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--valid-share"))) {
            if ((st = parse_real(r, "train", "--valid-share", v, &share)) != REPL_OK) return st;
            if (share >= 0.5) return repl_usage_error(r, "train", "--valid-share must be below 0.5");
            continue;
        }
        if ((st = repl_parse_train_option(r, "train", argc, argv, &i, &o, &consumed)) != REPL_OK) return st;
        if (!consumed) return repl_usage_error(r, "train", "unexpected argument '%s'", argv[i]);
    }
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgLinkDataset *d = NULL;
    KgStatus s = kg_link_from_store(store, share, o.seed, &d, &err);
    if (s == KG_OK && d->n_train == 0) s = kg_error_set(&err, KG_ERR_ARG, "the store has no links to learn from (asserted triples whose object is not a literal)");
    if (s != KG_OK) {
        repl_error(r, &err);
        kg_link_dataset_free(d);
        return repl_status_of(s);
    }
    nn_train_defaults(model, d, &o, &err);
    for (int i = 1; i < argc; i++) {
        int consumed;
        repl_parse_train_option(r, "train", argc, argv, &i, &o, &consumed);
    }
    if (!d->n_valid) o.eval_every = o.epochs + 1; /* nothing held out: train all epochs */
    o.progress = repl_on_epoch;
    o.progress_ctx = r;
    fprintf(r->out, "%zu entities, %zu relations; %zu triples to train on, %zu held out for validation\n"
                    "%s, dim %zu, %zu epochs max, seed %llu; OpenBLAS %s kernel\n",
            d->n_entities, d->n_relations, d->n_train, d->n_valid, o.model, o.dim, o.epochs,
            (unsigned long long)o.seed, nn_blas_kernel());
    fflush(r->out);
    kg_interrupt_install();
    NnModel *m = NULL;
    NnTrainReport rep;
    s = nn_train(d, &o, &m, &rep, &err);
    if (r->err_is_tty) fputs("\r\033[K", r->err);
    if (s == KG_OK && plot) s = nn_plot_training(plot, o.model, rep.loss, rep.valid_mrr, rep.epochs_run, &err);
    if (s == KG_OK) {
        KgBuf settings = {0};
        kg_buf_printf(&settings,
                      "{\"model\": \"%s\", \"dim\": %zu, \"epochs\": %zu, \"best_epoch\": %zu, \"valid_mrr\": %.6f, "
                      "\"lr\": %g, \"reg\": %g, \"batch\": %zu, \"seed\": %llu, \"gamma\": %g, \"negatives\": %zu, "
                      "\"temperature\": %g, \"train_triples\": %zu, \"train_seconds\": %.3f, \"valid_share\": %g}",
                      o.model, o.dim, rep.epochs_run, rep.best_epoch, rep.best_valid_mrr, o.lr, o.reg, o.batch,
                      (unsigned long long)o.seed, o.gamma, o.negatives, o.temperature, d->n_train, rep.seconds, share);
        s = kg_buf_cstr(&settings) ? nn_model_save(store, m, d, name ? name : o.model, settings.data, &err)
                                   : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
        kg_buf_free(&settings);
        r->n_writes++;
    }
    if (s != KG_OK) {
        repl_error(r, &err);
    } else {
        if (rep.best_epoch)
            fprintf(r->out, "best epoch %zu of %zu, validation MRR %.4f; ", rep.best_epoch, rep.epochs_run,
                    rep.best_valid_mrr);
        fprintf(r->out, "trained in %.1f s; saved as embeddings '%s'\n", rep.seconds, name ? name : o.model);
        nn_train_report_free(&rep);
    }
    nn_model_free(m);
    kg_link_dataset_free(d);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}

/* ---------------------------------------------------------------- predict */

typedef struct {
    int count;
    KgBuf names; /* "a, b, c"; with one set, its name */
} SetList;

static KgStatus list_set(void *ctx, const KgEmbeddingInfo *info)
{
    SetList *l = ctx;
    l->count++;
    return kg_buf_printf(&l->names, "%s%s", l->names.len ? ", " : "", info->name);
}

KgStatus repl_embedding_set(KgStore *store, const char *given, char **name, KgError *err)
{
    *name = NULL;
    SetList l = {0};
    KgStatus s = KG_OK;
    if (!given) {
        s = kg_embedding_each(store, list_set, &l, err);
        if (s == KG_OK && l.count == 0)
            s = kg_error_set(err, KG_ERR_NOT_FOUND, "the store has no trained embeddings: run `nous train` first");
        else if (s == KG_OK && l.count > 1)
            s = kg_error_set(err, KG_ERR_ARG, "the store has several embedding sets (%s): choose one with --model",
                             l.names.data);
        given = kg_buf_cstr(&l.names);
    }
    if (s == KG_OK) {
        *name = kg_malloc(strlen(given ? given : "") + 1);
        if (*name) strcpy(*name, given ? given : "");
        else s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    }
    kg_buf_free(&l.names);
    return s;
}

/* Index of term t among the n terms of the set (ascending), -1 when absent. */
static long index_of(const KgEmbedding *e, KgTermId t, int relation)
{
    size_t lo = 0, hi = relation ? kg_embedding_n_relations(e) : kg_embedding_n_entities(e);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        KgTermId x = relation ? kg_embedding_relation(e, mid, NULL, NULL) : kg_embedding_entity(e, mid, NULL);
        if (x < t) lo = mid + 1;
        else hi = mid;
    }
    size_t n = relation ? kg_embedding_n_relations(e) : kg_embedding_n_entities(e);
    if (lo < n && (relation ? kg_embedding_relation(e, lo, NULL, NULL) : kg_embedding_entity(e, lo, NULL)) == t)
        return (long)lo;
    return -1;
}

int repl_predict_pattern(Repl *r, size_t n_words, const char *const *words, int *head)
{
    if (n_words != 3 || strcmp(words[1], "?") == 0 || (strcmp(words[0], "?") == 0) == (strcmp(words[2], "?") == 0))
        return repl_usage_error(r, "predict", "give S P ? or ? P O (one '?', in the subject or the object)");
    *head = strcmp(words[0], "?") == 0;
    return REPL_OK;
}

const char *repl_known_mark(KgStore *store, KgTermId s, KgTermId p, KgTermId o)
{
    KgQuad pat = {s, p, o, KG_ANY_GRAPH}, got;
    KgIter *it = NULL;
    unsigned mark = 0;
    int known = kg_match_new(store, &pat, KG_ASSERTED | KG_INFERRED, &it, NULL) == KG_OK &&
                kg_iter_next(it, &got, &mark, NULL) == KG_OK;
    kg_iter_free(it);
    return !known ? "" : mark & KG_ASSERTED ? "asserted" : "inferred";
}

/* `nous predict S P ?` or `nous predict ? P O` [-k N] [--model NAME]: the k best candidates by
 * the stored embeddings, with their scores, marking those the store already holds. */
int repl_cmd_predict(Repl *r, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--fused") == 0) return repl_predict_fused(r, argc, argv);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--rules") == 0 || strncmp(argv[i], "--rules=", 8) == 0) return repl_predict_rules(r, argc, argv);
    const char *set = NULL, *words[3];
    size_t k = 10, n_words = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int st;
        if ((v = repl_opt_value(argc, argv, &i, "-k"))) {
            if ((st = parse_size(r, "predict", "-k", v, &k)) != REPL_OK) return st;
        } else if ((v = repl_opt_value(argc, argv, &i, "--model"))) {
            set = v;
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
    KgStatus s = KG_OK;
    char *set_name = NULL;
    s = repl_embedding_set(store, set, &set_name, &err);
    KgArena *arena = kg_arena_new(1024);
    KgTermId anchor_t = 0, rel_t = 0;
    for (int w = 0; w < 3 && s == KG_OK; w++) {
        if (strcmp(words[w], "?") == 0) continue;
        KgTerm t;
        KgTermId id = 0;
        s = kg_term_parse(store, words[w], arena, &t, &err);
        if (s == KG_OK) s = kg_dict_lookup(store, &t, &id, &err);
        if (s == KG_ERR_NOT_FOUND) s = kg_error_set(&err, KG_ERR_NOT_FOUND, "%s is not in the store", words[w]);
        if (w == 1) rel_t = id;
        else anchor_t = id;
    }
    NnModel *m = NULL;
    KgEmbedding *e = NULL;
    if (s == KG_OK) s = nn_model_load(store, set_name ? set_name : "", &m, &e, &err);
    long a = -1, rl = -1;
    if (s == KG_OK) {
        a = index_of(e, anchor_t, 0);
        rl = index_of(e, rel_t, 1);
        if (a < 0) s = kg_error_set(&err, KG_ERR_NOT_FOUND, "%s has no vector in embeddings '%s' (it was not trained on)", words[head ? 2 : 0], set_name);
        else if (rl < 0) s = kg_error_set(&err, KG_ERR_NOT_FOUND, "%s has no vector in embeddings '%s'", words[1], set_name);
    }
    float *scores = NULL;
    size_t n = m ? kg_embedding_n_entities(e) : 0;
    if (s == KG_OK) {
        scores = kg_malloc((n ? n : 1) * sizeof *scores);
        uint32_t an = (uint32_t)a, re = (uint32_t)(rl + (head ? (long)kg_embedding_n_relations(e) : 0));
        s = scores ? nn_model_score(m, &an, &re, 1, scores, &err) : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    }
    if (s == KG_OK) {
        /* the k best: a partial selection sort (k is small) */
        if (k > n) k = n;
        size_t *best = kg_malloc((k ? k : 1) * sizeof *best);
        uint8_t *taken = kg_calloc(n ? n : 1, 1);
        for (size_t j = 0; best && taken && j < k; j++) {
            size_t arg = SIZE_MAX;
            for (size_t i = 0; i < n; i++)
                if (!taken[i] && (arg == SIZE_MAX || scores[i] > scores[arg])) arg = i;
            best[j] = arg;
            taken[arg] = 1;
        }
        fprintf(r->out, "%-5s %-50s %10s  %s\n", "rank", head ? "subject" : "object", "score", "known");
        for (size_t j = 0; best && taken && j < k; j++) {
            KgTermId cand = kg_embedding_entity(e, best[j], NULL);
            KgBuf b = {0};
            kg_term_write_id(store, cand, 1, &b, NULL);
            fprintf(r->out, "%-5zu %-50s %10.4f  %s\n", j + 1, kg_buf_cstr(&b) ? kg_buf_cstr(&b) : "", scores[best[j]],
                    repl_known_mark(store, head ? cand : anchor_t, rel_t, head ? anchor_t : cand));
            kg_buf_free(&b);
        }
        kg_free(best);
        kg_free(taken);
    }
    if (s != KG_OK) repl_error(r, &err);
    kg_free(scores);
    kg_free(set_name);
    nn_model_free(m);
    kg_embedding_free(e);
    kg_arena_free(arena);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}
