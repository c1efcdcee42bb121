/* repl/mine.c: `nous mine`: learn rules from the store's asserted links (reasoner/mine.c) and
 * write them as a weighted rule file in the reasoner's own syntax, which `reason --rules`
 * reads back and a user can edit. Terms are written as the store shows them (prefixed names
 * where a known prefix fits), the store's own prefixes declared first. */
#include "repl/internal.h"
#include "reasoner/rs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Each term's text, looked up in the store once (a rule file names the same few terms many
 * times over). */
typedef struct {
    KgStore *store;
    const KgLinkDataset *d;
    char **entity, **relation;
    KgError *err;
} Names;

static const char *term_name(void *ctx, int is_relation, uint32_t id)
{
    Names *n = ctx;
    char **slot = is_relation ? &n->relation[id] : &n->entity[id];
    if (*slot) return *slot;
    KgBuf buf = {0};
    KgTermId t = is_relation ? n->d->relation_terms[id] : n->d->entity_terms[id];
    if (kg_term_write_id(n->store, t, 1, &buf, n->err) != KG_OK || !kg_buf_cstr(&buf)) {
        kg_buf_free(&buf);
        return NULL;
    }
    *slot = buf.data;
    return *slot;
}

static void names_free(Names *n)
{
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

static int parse_number(Repl *r, const char *name, const char *v, double min, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= min) || isinf(x))
        return repl_usage_error(r, "mine", "%s takes a number >= %g, not '%s'", name, min, v);
    *out = x;
    return REPL_OK;
}

int repl_cmd_mine(Repl *r, int argc, char **argv)
{
    RsMineOptions o;
    rs_mine_defaults(&o);
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        double x;
        int st = REPL_OK;
        if ((v = repl_opt_value(argc, argv, &i, "--max-length"))) {
            if ((st = parse_number(r, "--max-length", v, 1, &x)) == REPL_OK && (x > 3 || x != floor(x)))
                st = repl_usage_error(r, "mine", "--max-length is 1, 2 or 3, not '%s'", v);
            o.max_length = (size_t)x;
        } else if ((v = repl_opt_value(argc, argv, &i, "--min-support"))) {
            st = parse_number(r, "--min-support", v, 1, &o.min_support);
        } else if ((v = repl_opt_value(argc, argv, &i, "--min-confidence"))) {
            if ((st = parse_number(r, "--min-confidence", v, 0, &o.min_confidence)) == REPL_OK && o.min_confidence > 1)
                st = repl_usage_error(r, "mine", "--min-confidence is at most 1, not '%s'", v);
        } else if ((v = repl_opt_value(argc, argv, &i, "--time"))) {
            if ((st = parse_number(r, "--time", v, 0, &o.seconds)) == REPL_OK && o.seconds <= 0)
                st = repl_usage_error(r, "mine", "--time takes seconds > 0, not '%s'", v);
        } else if ((v = repl_opt_value(argc, argv, &i, "--seed"))) {
            if ((st = parse_number(r, "--seed", v, 0, &x)) == REPL_OK) o.seed = (uint64_t)x;
        } else if (strcmp(argv[i], "--no-constants") == 0) {
            o.max_length_constant = 0;
        } else if ((v = repl_opt_value(argc, argv, &i, "-o"))) {
            path = v;
        } else {
            st = repl_usage_error(r, "mine", "unexpected argument '%s'", argv[i]);
        }
        if (st != REPL_OK) return st;
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
    Names names = {store, d, NULL, NULL, &err};
    if (s == KG_OK) {
        names.entity = kg_calloc(d->n_entities + 1, sizeof *names.entity);
        names.relation = kg_calloc(d->n_relations + 1, sizeof *names.relation);
        if (!names.entity || !names.relation) s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    }
    if (s == KG_OK) {
        kg_buf_printf(&preamble,
                      "# Rules mined by nous from %zu triples (%zu entities, %zu relations): %zu kept of %zu seen,\n"
                      "# %llu samples, %.1f s. Weight = support / (body + %g), AnyBURL's correction for small\n"
                      "# support; the comment above each rule gives its measures on the mined triples.\n",
                      d->n_train, d->n_entities, d->n_relations, mined->n_rules, mined->n_candidates,
                      (unsigned long long)mined->n_samples, mined->seconds, RS_MINE_UNSEEN);
        s = kg_prefix_each(store, add_prefix, &preamble, &err);
    }
    if (s == KG_OK && !kg_buf_cstr(&preamble)) s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) s = rs_mined_write(mined, d, term_name, &names, preamble.data, &text, &err);
    if (s == KG_OK) {
        FILE *f = fopen(path, "w");
        if (!f || fwrite(text.data, 1, text.len, f) != text.len || fclose(f) != 0) {
            if (f) fclose(f);
            s = kg_error_set(&err, KG_ERR_IO, "%s: cannot write the rule file", path);
        }
    }
    if (s == KG_OK)
        fprintf(r->out, "%zu rules (of %zu seen, %llu samples, %.1f s) written to %s\n", mined->n_rules,
                mined->n_candidates, (unsigned long long)mined->n_samples, mined->seconds, path);
    else
        repl_error(r, &err);
    kg_buf_free(&text), kg_buf_free(&preamble);
    if (d) names_free(&names);
    rs_mined_free(mined);
    kg_link_dataset_free(d);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}
