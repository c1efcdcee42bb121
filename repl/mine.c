/* repl/mine.c: the commands of learned rules.
 * - `nous mine`: learn rules from the store's asserted links (reasoner/mine.c) and write them
 *   as a weighted rule file in the reasoner's own syntax, which `reason --rules` reads back and
 *   a user can edit. Terms are written as the store shows them (prefixed names where a known
 *   prefix fits), the store's own prefixes declared first.
 * - `nous kgc DIR --method rules`: the link-prediction protocol with rules: train.txt is loaded
 *   into a store in memory (names become IRIs as `load` makes them), rules are mined from it,
 *   written as rule text and read back as a program, and the test queries are ranked by the
 *   engine's goal-directed joins over the training triples (reasoner/rank.c), measured by the
 *   evaluator every method shares. */
#include "repl/internal.h"
#include "reasoner/rs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Each term's text, looked up in the store once (a rule file names the same few terms many
 * times over): prefixed where a known prefix fits (shorten), else as <IRI>. */
typedef struct {
    KgStore *store;
    const KgLinkDataset *d;
    int shorten;
    char **entity, **relation;
    KgError *err;
} Names;

static KgStatus names_init(Names *n, KgStore *store, const KgLinkDataset *d, int shorten, KgError *err)
{
    *n = (Names){store, d, shorten, NULL, NULL, err};
    n->entity = kg_calloc(d->n_entities + 1, sizeof *n->entity);
    n->relation = kg_calloc(d->n_relations + 1, sizeof *n->relation);
    if (!n->entity || !n->relation) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    return KG_OK;
}

static const char *term_name(void *ctx, int is_relation, uint32_t id)
{
    Names *n = ctx;
    char **slot = is_relation ? &n->relation[id] : &n->entity[id];
    if (*slot) return *slot;
    KgBuf buf = {0};
    KgTermId t = is_relation ? n->d->relation_terms[id] : n->d->entity_terms[id];
    if (kg_term_write_id(n->store, t, n->shorten, &buf, n->err) != KG_OK || !kg_buf_cstr(&buf)) {
        kg_buf_free(&buf);
        return NULL;
    }
    *slot = buf.data;
    return *slot;
}

static void names_free(Names *n)
{
    if (!n->d) return;
    for (size_t i = 0; n->entity && i < n->d->n_entities; i++) kg_free(n->entity[i]);
    for (size_t i = 0; n->relation && i < n->d->n_relations; i++) kg_free(n->relation[i]);
    kg_free(n->entity), kg_free(n->relation);
}

static void add_prefix(void *ctx, const char *prefix, const char *ns)
{
    kg_buf_printf(ctx, "@prefix %s: <%s> .\n", prefix, ns);
}

typedef struct {
    Repl *r;
} MineProgress;

static void on_progress(void *ctx, double seconds, size_t n_rules, uint64_t n_samples)
{
    MineProgress *p = ctx;
    fprintf(p->r->err, "\r\033[Kmining: %.0f s, %zu rules from %llu samples", seconds, n_rules,
            (unsigned long long)n_samples);
    fflush(p->r->err);
}

static int parse_number(Repl *r, const char *cmd, const char *name, const char *v, double min, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= min) || isinf(x))
        return repl_usage_error(r, cmd, "%s takes a number >= %g, not '%s'", name, min, v);
    *out = x;
    return REPL_OK;
}

/* One mining option of argv at *i (for `mine` and `kgc --method rules`): *consumed says
 * whether it was one. */
static int parse_mine_option(Repl *r, const char *cmd, int argc, char **argv, int *i, RsMineOptions *o,
                             int *consumed)
{
    const char *v;
    double x;
    int st = REPL_OK;
    *consumed = 1;
    if ((v = repl_opt_value(argc, argv, i, "--max-length"))) {
        if ((st = parse_number(r, cmd, "--max-length", v, 1, &x)) == REPL_OK && (x > 3 || x != floor(x)))
            st = repl_usage_error(r, cmd, "--max-length is 1, 2 or 3, not '%s'", v);
        o->max_length = (size_t)x;
    } else if ((v = repl_opt_value(argc, argv, i, "--min-support"))) {
        st = parse_number(r, cmd, "--min-support", v, 1, &o->min_support);
    } else if ((v = repl_opt_value(argc, argv, i, "--min-confidence"))) {
        if ((st = parse_number(r, cmd, "--min-confidence", v, 0, &o->min_confidence)) == REPL_OK &&
            o->min_confidence > 1)
            st = repl_usage_error(r, cmd, "--min-confidence is at most 1, not '%s'", v);
    } else if ((v = repl_opt_value(argc, argv, i, "--time"))) {
        if ((st = parse_number(r, cmd, "--time", v, 0, &o->seconds)) == REPL_OK && o->seconds <= 0)
            st = repl_usage_error(r, cmd, "--time takes seconds > 0, not '%s'", v);
    } else if ((v = repl_opt_value(argc, argv, i, "--seed"))) {
        if ((st = parse_number(r, cmd, "--seed", v, 0, &x)) == REPL_OK) o->seed = (uint64_t)x;
    } else if ((v = repl_opt_value(argc, argv, i, "--unseen"))) {
        st = parse_number(r, cmd, "--unseen", v, 0, &o->unseen);
    } else if (strcmp(argv[*i], "--no-constants") == 0) {
        o->max_length_constant = 0;
    } else {
        *consumed = 0;
    }
    return st;
}

int repl_cmd_mine(Repl *r, int argc, char **argv)
{
    RsMineOptions o;
    rs_mine_defaults(&o);
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int consumed, st = parse_mine_option(r, "mine", argc, argv, &i, &o, &consumed);
        if (st != REPL_OK) return st;
        if (consumed) continue;
        if ((v = repl_opt_value(argc, argv, &i, "-o"))) path = v;
        else return repl_usage_error(r, "mine", "unexpected argument '%s'", argv[i]);
    }
    if (!path) return repl_usage_error(r, "mine", "give the rule file to write: -o FILE.dl");
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    KgLinkDataset *d = NULL;
    KgStatus s = kg_link_from_store(store, 0.0, o.seed, &d, &err);
    if (s == KG_OK && d->n_train == 0)
        s = kg_error_set(&err, KG_ERR_ARG, "the store has no links to learn from (asserted triples whose object is not a literal)");
    RsMined *mined = NULL;
    MineProgress prog = {r};
    if (r->err_is_tty) o.progress = on_progress, o.progress_ctx = &prog;
    if (s == KG_OK) {
        kg_interrupt_install();
        s = rs_mine(d, &o, &mined, &err);
        if (r->err_is_tty) fputs("\r\033[K", r->err);
    }
    KgBuf text = {0}, preamble = {0};
    Names names = {0};
    if (s == KG_OK) s = names_init(&names, store, d, 1, &err);
    if (s == KG_OK) {
        kg_buf_printf(&preamble,
                      "# Rules mined by nous from %zu triples (%zu entities, %zu relations): %zu kept of %zu seen,\n"
                      "# %llu samples, %.1f s. Weight = support / (body + %g), AnyBURL's correction for small\n"
                      "# support; the comment above each rule gives its measures on the mined triples.\n",
                      d->n_train, d->n_entities, d->n_relations, mined->n_rules, mined->n_candidates,
                      (unsigned long long)mined->n_samples, mined->seconds, o.unseen);
        s = kg_prefix_each(store, add_prefix, &preamble, &err);
    }
    if (s == KG_OK && !kg_buf_cstr(&preamble)) s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) s = rs_mined_write(mined, d, term_name, &names, preamble.data, &text, &err);
    if (s == KG_OK) s = kg_atomic_file_write(path, text.data, text.len, &err); /* whole or not at all */
    if (s == KG_OK)
        fprintf(r->out, "%zu rules (of %zu seen, %llu samples, %.1f s) written to %s\n", mined->n_rules,
                mined->n_candidates, (unsigned long long)mined->n_samples, mined->seconds, path);
    else
        repl_error(r, &err);
    kg_buf_free(&text), kg_buf_free(&preamble);
    names_free(&names);
    rs_mined_free(mined);
    kg_link_dataset_free(d);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}

/* ---------------------------------------------------------------- kgc --method rules */

/* The store's term of each name of d (0 when the store does not hold it). */
static KgStatus lookup_terms(KgStore *store, char **names, size_t n, KgTermId **out, KgError *err)
{
    KgTermId *t = kg_calloc(n ? n : 1, sizeof *t);
    if (!t) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    KgBuf iri = {0};
    KgStatus s = KG_OK;
    for (size_t i = 0; i < n && s == KG_OK; i++) {
        iri.len = 0;
        s = kg_buf_printf(&iri, "%s", KG_TSV_DEFAULT_NS);
        if (s == KG_OK) s = kg_tsv_iri(names[i], strlen(names[i]), &iri);
        if (s == KG_OK && !kg_buf_cstr(&iri)) s = KG_ERR_NOMEM;
        if (s != KG_OK) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
            break;
        }
        s = kg_dict_lookup_iri(store, iri.data, &t[i], err);
        if (s == KG_ERR_NOT_FOUND) t[i] = 0, s = KG_OK;
    }
    kg_buf_free(&iri);
    if (s != KG_OK) {
        kg_free(t);
        return s;
    }
    *out = t;
    return KG_OK;
}

/* What is picked on valid, from (a sample of) its triples spread evenly over the file, one
 * setting after the other: the longest paths applied (2 or 3 atoms: long paths add evidence on
 * some graphs and noise on others), the aggregation (maximum or noisy-or), then the weight's
 * correction u. Each choice is paired on the same queries, so a few hundred triples tell the
 * settings apart. */
static const double UNSEEN_TRIED[] = {RS_MINE_UNSEEN, 2, 3, 10}; /* the default first */
#define N_UNSEEN_TRIED (sizeof UNSEEN_TRIED / sizeof *UNSEEN_TRIED)
#define TUNE_TRIPLES 500

/* Sets the program's weights as mining does (rs_mined_weight): the program was read from the
 * mined rules' text, rule i from mined rule i. */
static void set_weights(RsProgram *prog, const RsMined *mined, double unseen)
{
    for (size_t i = 0; i < mined->n_rules; i++) rs_rule_set_weight(prog, i, rs_mined_weight(&mined->rules[i], unseen));
}


typedef struct {
    Repl *r;
    int json;
    const KgLinkDataset *d;
    RsProgram *prog;
    const RsMined *mined;
    RsRanker *ranker;
    KgLinkTriple *sample;
    size_t n;
    double best; /* the best valid MRR so far */
} Tuning;

/* Puts settings x into the program and the ranker. */
static KgStatus apply_settings(RsProgram *prog, const RsMined *mined, RsRanker *ranker, const ReplRankSettings *x,
                               KgError *err)
{
    set_weights(prog, mined, x->unseen);
    rs_ranker_set_max_body(ranker, x->max_length);
    rs_ranker_set_aggregation(ranker, x->agg);
    return rs_ranker_reorder(ranker, err);
}

/* Tries settings x on valid; they become *best when their MRR beats every one before. */
static KgStatus try_settings(Tuning *t, const ReplRankSettings *x, ReplRankSettings *best, KgError *err)
{
    KgLinkMetrics mt;
    KgStatus s = apply_settings(t->prog, t->mined, t->ranker, x, err);
    if (s == KG_OK) s = kg_link_evaluate(t->d, t->sample, t->n, rs_ranker_score, t->ranker, 64, &mt, err);
    if (s != KG_OK) return s;
    if (!t->json) fprintf(t->r->out, " %.4f", mt.mrr);
    if (mt.mrr > t->best) t->best = mt.mrr, *best = *x;
    return KG_OK;
}

/* Tries u on valid (besides the one in *x, already tried) with the rest of *x. */
static KgStatus pick_unseen(Tuning *t, ReplRankSettings *x, KgError *err)
{
    ReplRankSettings trial = *x;
    KgStatus s = KG_OK;
    for (size_t v = 0; v < N_UNSEEN_TRIED && s == KG_OK; v++) {
        if (UNSEEN_TRIED[v] == x->unseen) continue;
        if (!t->json) fprintf(t->r->out, ", %g", UNSEEN_TRIED[v]);
        trial.unseen = UNSEEN_TRIED[v];
        s = try_settings(t, &trial, x, err);
    }
    return s;
}

/* Picks what x asks to pick, by filtered MRR on valid, one setting after the other; leaves
 * the program and the ranker set to the result, and reports each setting tried. */
static KgStatus tune(Repl *r, int json, const KgLinkDataset *d, RsProgram *prog, const RsMined *mined,
                     RsRanker *ranker, ReplRankSettings *x, KgError *err)
{
    size_t longest = 0;
    for (size_t i = 0; i < mined->n_rules; i++)
        if (mined->rules[i].kind == RS_MINED_PATH && mined->rules[i].length > longest) longest = mined->rules[i].length;
    if (!x->pick_length || longest < 3) x->max_length = longest, x->pick_length = 0;
    Tuning t = {r, json, d, prog, mined, ranker, NULL, d->n_valid < TUNE_TRIPLES ? d->n_valid : TUNE_TRIPLES, -1};
    t.sample = kg_malloc((t.n ? t.n : 1) * sizeof *t.sample);
    if (!t.sample) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t.n; i++) t.sample[i] = d->valid[i * d->n_valid / t.n];
    KgStatus s = KG_OK;
    ReplRankSettings trial = *x;
    if (!json) fprintf(r->out, "picked on %zu valid triples (MRR):", t.n);
    if (x->pick_length) {
        for (size_t len = 2; len <= longest && s == KG_OK; len++) {
            if (!json) fprintf(r->out, "%s paths up to %zu atoms", len > 2 ? "," : "", len);
            trial.max_length = len;
            s = try_settings(&t, &trial, x, err);
        }
    } else {
        if (!json) fprintf(r->out, " paths up to %zu atoms", x->max_length);
        s = try_settings(&t, x, x, err);
    }
    if (s == KG_OK && x->pick_agg) {
        if (!json) fprintf(r->out, "; %s", x->agg == RS_AGG_MAX ? "noisy-or" : "maximum");
        trial = *x;
        trial.agg = x->agg == RS_AGG_MAX ? RS_AGG_NOISY_OR : RS_AGG_MAX;
        s = try_settings(&t, &trial, x, err);
    }
    if (s == KG_OK && x->pick_unseen) {
        if (!json)
            fprintf(r->out, "; with %zu, %s, u = %g", x->max_length, x->agg == RS_AGG_MAX ? "maximum" : "noisy-or",
                    x->unseen);
        s = pick_unseen(&t, x, err);
    }
    if (!json) fprintf(r->out, "\n");
    kg_free(t.sample);
    if (s != KG_OK) return s;
    return apply_settings(prog, mined, ranker, x, err);
}

void repl_kgc_rules_defaults(ReplKgcRulesSetup *setup)
{
    rs_mine_defaults(&setup->mine);
    setup->mine.unseen = -1; /* picked on valid unless given */
    setup->x = (ReplRankSettings){0, RS_MINE_UNSEEN, RS_AGG_MAX, 1, 1, 1};
    setup->keep = NULL;
}

int repl_kgc_rules_option(Repl *r, int argc, char **argv, int *i, ReplKgcRulesSetup *setup, int *consumed)
{
    const char *v;
    int st = parse_mine_option(r, "kgc", argc, argv, i, &setup->mine, consumed);
    if (st != REPL_OK || *consumed) return st;
    *consumed = 1;
    if ((v = repl_opt_value(argc, argv, i, "-o"))) {
        setup->keep = v;
    } else if ((v = repl_opt_value(argc, argv, i, "--aggregation"))) {
        if (strcmp(v, "max") == 0) setup->x.agg = RS_AGG_MAX;
        else if (strcmp(v, "noisy-or") == 0) setup->x.agg = RS_AGG_NOISY_OR;
        else return repl_usage_error(r, "kgc", "--aggregation is max or noisy-or, not '%s'", v);
        setup->x.pick_agg = 0;
    } else if (strcmp(argv[*i], "--no-tune") == 0) {
        setup->x.pick_length = setup->x.pick_unseen = setup->x.pick_agg = 0;
    } else {
        *consumed = 0;
    }
    return REPL_OK;
}

void repl_kgc_rules_release(ReplKgcRules *k)
{
    rs_ranker_free(k->ranker);
    rs_program_free(k->prog);
    rs_mined_free(k->mined);
    if (k->mem) kg_store_close(k->mem);
    kg_link_dataset_free(k->d);
    *k = (ReplKgcRules){0};
}

KgStatus repl_kgc_rules_prepare(Repl *r, int json, const char *dir, ReplKgcRulesSetup *setup, ReplKgcRules *k,
                                KgError *err)
{
    *k = (ReplKgcRules){0};
    RsMineOptions o = setup->mine;
    ReplRankSettings x = setup->x;
    if (o.unseen >= 0) x.unseen = o.unseen, x.pick_unseen = 0;
    o.unseen = x.unseen;
    x.max_length = o.max_length;
    KgBuf text = {0}, path = {0};
    Names names = {0};
    KgStatus s = kg_link_read_dir(dir, &k->d, err);
    KgLinkDataset *d = k->d;
    if (s == KG_OK) s = kg_store_open(":memory:", &k->mem, err);
    double t0 = kg_now();
    if (s == KG_OK) {
        KgLoadOptions lo = {.format = KG_FMT_TSV};
        s = kg_buf_printf(&path, "%s/train.txt", dir) == KG_OK && kg_buf_cstr(&path)
                ? kg_load_file(k->mem, path.data, &lo, NULL, err)
                : kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    }
    if (s == KG_OK) s = lookup_terms(k->mem, d->entity_names, d->n_entities, &d->entity_terms, err);
    if (s == KG_OK) s = lookup_terms(k->mem, d->relation_names, d->n_relations, &d->relation_terms, err);
    k->load_seconds = kg_now() - t0;
    if (s == KG_OK && !json)
        fprintf(r->out, "%s: %zu entities, %zu relations; %zu train, %zu valid, %zu test triples\n"
                        "rules: paths up to %zu, constants %s, %.0f s of sampling, seed %llu, %s aggregation\n",
                dir, d->n_entities, d->n_relations, d->n_train, d->n_valid, d->n_test, o.max_length,
                o.max_length_constant ? "yes" : "no", o.seconds, (unsigned long long)o.seed,
                x.pick_agg ? "picked" : x.agg == RS_AGG_MAX ? "maximum" : "noisy-or");
    fflush(r->out);
    MineProgress prog_ctx = {r};
    if (r->err_is_tty) o.progress = on_progress, o.progress_ctx = &prog_ctx;
    kg_interrupt_install();
    if (s == KG_OK) {
        t0 = kg_now();
        s = rs_mine(d, &o, &k->mined, err);
        if (r->err_is_tty) fputs("\r\033[K", r->err);
    }
    /* the rules name terms as <IRI>: the store in memory knows no prefixes worth showing */
    if (s == KG_OK) s = names_init(&names, k->mem, d, 0, err);
    if (s == KG_OK) s = rs_mined_write(k->mined, d, term_name, &names, NULL, &text, err);
    if (s == KG_OK) s = rs_program_new(k->mem, &k->prog, err);
    if (s == KG_OK) s = rs_program_add_text(k->prog, "mined rules", text.data ? text.data : "", text.len, err);
    if (s == KG_OK && rs_program_n_rules(k->prog) != k->mined->n_rules)
        s = kg_error_set(err, KG_ERR_INTERNAL, "%zu rules mined but %zu read back", k->mined->n_rules,
                         rs_program_n_rules(k->prog));
    if (s == KG_OK) s = rs_ranker_new(k->mem, k->prog, d, x.agg, &k->ranker, err);
    if (s == KG_OK && (x.pick_length || x.pick_unseen || x.pick_agg) && d->n_valid)
        s = tune(r, json, d, k->prog, k->mined, k->ranker, &x, err);
    if (s == KG_OK) rs_mined_keep_paths(k->mined, x.max_length); /* the rules applied (counted in the output) */
    if (s == KG_OK && setup->keep) {
        /* the file carries the rules and weights picked */
        rs_mined_reweigh(k->mined, x.unseen);
        kg_buf_free(&text);
        s = rs_mined_write(k->mined, d, term_name, &names, NULL, &text, err);
        if (s == KG_OK) s = kg_atomic_file_write(setup->keep, text.data, text.len, err);
    }
    if (s == KG_OK) k->mine_seconds = kg_now() - t0;
    k->x = x;
    kg_buf_free(&text), kg_buf_free(&path);
    names_free(&names);
    return s;
}

int repl_kgc_rules(Repl *r, int argc, char **argv)
{
    ReplKgcRulesSetup setup;
    repl_kgc_rules_defaults(&setup);
    const char *dir = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int consumed, st = repl_kgc_rules_option(r, argc, argv, &i, &setup, &consumed);
        if (st != REPL_OK) return st;
        if (consumed) continue;
        if ((v = repl_opt_value(argc, argv, &i, "--method"))) continue;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (repl_is_option(argv[i])) {
            return repl_usage_error(r, "kgc", "unknown option for --method rules: '%s'", argv[i]);
        } else if (dir) {
            return repl_usage_error(r, "kgc", "give one benchmark folder, not '%s' too", argv[i]);
        } else {
            dir = argv[i];
        }
    }
    if (!dir) return repl_usage_error(r, "kgc", "give a benchmark folder (train.txt, valid.txt, test.txt)");
    KgError err = {0};
    ReplKgcRules k;
    KgLinkMetrics mt = {0};
    KgStatus s = repl_kgc_rules_prepare(r, json, dir, &setup, &k, &err);
    if (s == KG_OK) s = kg_link_evaluate(k.d, k.d->test, k.d->n_test, rs_ranker_score, k.ranker, 64, &mt, &err);
    if (s != KG_OK) {
        repl_error(r, &err);
    } else if (json) {
        fprintf(r->out,
                "{\"mrr\": %.6f, \"hits1\": %.6f, \"hits3\": %.6f, \"hits10\": %.6f, \"train_seconds\": %.3f, "
                "\"eval_seconds\": %.3f, \"method\": \"rules\", \"rules\": %zu, \"candidates\": %zu, "
                "\"samples\": %llu, \"aggregation\": \"%s\", \"unseen\": %g, \"max_length\": %zu, \"load_seconds\": %.3f}\n",
                mt.mrr, mt.hits1, mt.hits3, mt.hits10, k.mine_seconds, mt.seconds, k.mined->n_rules,
                k.mined->n_candidates, (unsigned long long)k.mined->n_samples, k.x.agg == RS_AGG_MAX ? "max" : "noisy-or",
                k.x.unseen, k.x.max_length, k.load_seconds);
    } else {
        fprintf(r->out, "%zu rules (of %zu seen, %llu samples); mining and reading them %.1f s\n", k.mined->n_rules,
                k.mined->n_candidates, (unsigned long long)k.mined->n_samples, k.mine_seconds);
        fprintf(r->out, "test (filtered, %zu queries): MRR %.4f  Hits@1 %.4f  Hits@3 %.4f  Hits@10 %.4f  (eval %.2f s)\n",
                mt.n_queries, mt.mrr, mt.hits1, mt.hits3, mt.hits10, mt.seconds);
    }
    repl_kgc_rules_release(&k);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}
