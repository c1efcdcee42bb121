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
static int parse_train_option(Repl *r, const char *cmd, int argc, char **argv, int *i, NnTrainOptions *o,
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

typedef struct {
    Repl *r;
    int tty;
} Progress;

static void on_epoch(void *ctx, const NnEpoch *e)
{
    Progress *p = ctx;
    FILE *f = p->r->err;
    if (isnan(e->valid_mrr))
        fprintf(f, "%sepoch %zu: loss %.4f, %.0f queries/s%s", p->tty ? "\r\033[K" : "", e->epoch, e->loss,
                e->queries_per_second, p->tty ? "" : "\n");
    else
        fprintf(f, "%sepoch %zu: loss %.4f, valid MRR %.4f, %.0f queries/s\n", p->tty ? "\r\033[K" : "", e->epoch,
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
    }
    NnDataset *d = NULL;
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
        if ((st = parse_train_option(r, "kgc", argc, argv, &i, &o, &consumed)) != REPL_OK) return st;
        if (consumed) continue;
        if (repl_is_option(argv[i])) return repl_usage_error(r, "kgc", "unknown option '%s'", argv[i]);
        if (dir) return repl_usage_error(r, "kgc", "give one benchmark folder, not '%s' too", argv[i]);
        dir = argv[i];
    }
    if (!dir) return repl_usage_error(r, "kgc", "give a benchmark folder (train.txt, valid.txt, test.txt)");
    if (strcmp(method, "embed") != 0)
        return repl_usage_error(r, "kgc", "--method is embed (rules and fusion come with their issues), not '%s'",
                                method);
    if (nn_dataset_read_dir(dir, &d, &err) != KG_OK) {
        repl_error(r, &err);
        return REPL_FAIL;
    }
    /* the defaults for this dataset's size, then the options given again over them */
    nn_train_defaults(model, d, &o, &err);
    for (int i = 1; i < argc; i++) {
        int consumed;
        parse_train_option(r, "kgc", argc, argv, &i, &o, &consumed);
    }
    Progress prog = {r, r->err_is_tty};
    o.progress = on_epoch;
    o.progress_ctx = &prog;
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
    NnMetrics mt = {0};
    if (s == KG_OK) s = nn_evaluate(d, d->test, d->n_test, nn_model_score, m, 256, &mt, &err);
    if (s == KG_OK && plot) {
        char title[512];
        snprintf(title, sizeof title, "%s on %s", o.model, dir);
        s = nn_plot_training(plot, title, rep.loss, rep.valid_mrr, rep.epochs_run, &err);
    }
    if (s != KG_OK) {
        repl_error(r, &err);
        nn_model_free(m);
        nn_dataset_free(d);
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
    nn_dataset_free(d);
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
