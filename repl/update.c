/* repl/update.c: `nous add S P O [--graph G]` and `nous retract S P O [--graph G]` (`.add`,
 * `.retract` in the shell): one asserted triple in or out, and the inferred triples kept as
 * reasoning from scratch would leave them (reasoner/update.c), under the rule sources the
 * store was reasoned with, which `reason` records (repl_record_rule_sources). A triple that is
 * only inferred cannot be retracted: the message names the asserted triples it comes from. */
#include "repl/internal.h"
#include "reasoner/rs.h"

#include <string.h>

KgStatus repl_record_rule_sources(KgStore *store, const char *const *kinds, const char *const *names, size_t n,
                                  KgError *err)
{
    KgStatus s = KG_OK;
    for (size_t i = 0; i < n && s == KG_OK; i++) {
        KgBuf text = {0};
        if (strcmp(kinds[i], "file") == 0) s = repl_read_file(names[i], &text, err);
        if (s == KG_OK) s = kg_rule_source_put(store, kinds[i], names[i], text.data, text.len, err);
        kg_buf_free(&text);
    }
    return s;
}

/* Adds a rule source to a program: a profile by name, a file by its recorded text. */
static KgStatus add_source_to(RsProgram *p, const char *kind, const char *name, const char *text, size_t len,
                              KgError *err)
{
    if (strcmp(kind, "profile") == 0) return rs_program_add_profile(p, name, err);
    return rs_program_add_text(p, name, text, len, err);
}

/* The program of the recorded rule sources (empty when the store was never reasoned over). */
static KgStatus add_source(void *ctx, const char *kind, const char *name, const char *text, size_t len)
{
    void **c = ctx;
    return add_source_to(c[0], kind, name, text, len, c[1]);
}

static KgStatus recorded_program(KgStore *store, RsProgram **out, KgError *err)
{
    KgStatus s = rs_program_new(store, out, err);
    void *ctx[2] = {*out, err};
    if (s == KG_OK) s = kg_rule_source_each(store, add_source, ctx, err);
    if (s != KG_OK) {
        rs_program_free(*out);
        *out = NULL;
    }
    return s;
}

/* Parses S P O [--graph G] into a quad (its terms added to the dictionary, in the open
 * transaction). */
static int parse_quad(Repl *r, const char *cmd, int argc, char **argv, const char **words, const char **graph)
{
    size_t n = 0;
    *graph = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "--graph"))) *graph = v;
        else if (repl_is_option(argv[i])) return repl_usage_error(r, cmd, "unknown or incomplete option '%s'", argv[i]);
        else if (n < 3) words[n++] = argv[i];
        else return repl_usage_error(r, cmd, "give one triple: S P O");
    }
    if (n != 3) return repl_usage_error(r, cmd, "give one triple: S P O");
    return REPL_OK;
}

static KgStatus intern_quad(KgStore *store, const char *const *words, const char *graph, KgQuad *q, KgError *err)
{
    KgArena *arena = kg_arena_new(512);
    if (!arena) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    KgTermId ids[4] = {0, 0, 0, KG_DEFAULT_GRAPH};
    KgStatus s = KG_OK;
    for (int k = 0; k < 4 && s == KG_OK; k++) {
        const char *w = k < 3 ? words[k] : graph;
        if (!w) continue;
        KgTerm t;
        s = kg_term_parse(store, w, arena, &t, err);
        if (s == KG_OK && (k == 1 || k == 3) && t.kind != KG_TERM_IRI)
            s = kg_error_set(err, KG_ERR_ARG, "%s must be an IRI: '%s'", k == 1 ? "the predicate" : "--graph", w);
        if (s == KG_OK && k == 0 && t.kind == KG_TERM_LITERAL)
            s = kg_error_set(err, KG_ERR_ARG, "the subject cannot be a literal: '%s'", w);
        if (s == KG_OK) s = kg_dict_intern(store, &t, &ids[k], err);
    }
    kg_arena_free(arena);
    *q = (KgQuad){ids[0], ids[1], ids[2], ids[3]};
    return s;
}

/* The asserted quads q comes from, following recorded derivations (at most `cap`). */
static KgStatus asserted_roots(KgStore *store, const KgQuad *q, KgQuad *roots, size_t cap, size_t *n, int depth,
                               KgError *err)
{
    unsigned marks = 0;
    KgStatus s = kg_quad_marks(store, q, &marks, err);
    if (s != KG_OK || depth > 64 || *n >= cap) return s;
    if (marks & KG_ASSERTED) {
        for (size_t i = 0; i < *n; i++)
            if (!memcmp(&roots[i], q, sizeof *q)) return KG_OK;
        roots[(*n)++] = *q;
        return KG_OK;
    }
    KgDerivation d;
    s = kg_derivation_get(store, q, &d, err);
    if (s == KG_ERR_NOT_FOUND) return KG_OK;
    if (s != KG_OK) return s;
    size_t n_prem = d.n_premises;
    KgQuad prem[64];
    if (n_prem > 64) n_prem = 64;
    if (n_prem) memcpy(prem, d.premises, n_prem * sizeof *prem); /* d is only valid until the next call */
    for (size_t i = 0; i < n_prem && s == KG_OK; i++) s = asserted_roots(store, &prem[i], roots, cap, n, depth + 1, err);
    return s;
}

static int run_update(Repl *r, const char *cmd, int argc, char **argv, int retract)
{
    const char *words[3], *graph;
    int st = parse_quad(r, cmd, argc, argv, words, &graph);
    if (st != REPL_OK) return st;
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    RsProgram *p = NULL;
    RsUpdateStats us = {0};
    KgQuad q;
    kg_interrupt_install();
    KgStatus s = kg_store_begin(store, &err);
    if (s == KG_OK) s = intern_quad(store, words, graph, &q, &err);
    if (s == KG_OK && retract) {
        unsigned marks = 0;
        s = kg_quad_marks(store, &q, &marks, &err);
        if (s == KG_OK && !(marks & KG_ASSERTED) && (marks & KG_INFERRED)) {
            KgQuad roots[8];
            size_t n = 0;
            s = asserted_roots(store, &q, roots, 8, &n, 0, &err);
            KgBuf b = {0};
            repl_quad_text(store, &q, &b);
            kg_buf_puts(&b, " is inferred, not asserted: retract what it comes from:");
            for (size_t i = 0; i < n; i++) kg_buf_puts(&b, i ? ";" : ""), kg_buf_puts(&b, " "), repl_quad_text(store, &roots[i], &b);
            if (s == KG_OK) s = kg_error_set(&err, KG_ERR_ARG, "%s", kg_buf_cstr(&b) ? kg_buf_cstr(&b) : "");
            kg_buf_free(&b);
        }
    }
    if (s == KG_OK) s = recorded_program(store, &p, &err);
    if (s == KG_OK) s = rs_update(store, p, retract ? NULL : &q, retract ? 0 : 1, retract ? &q : NULL, retract ? 1 : 0, NULL, &us, &err);
    if (s == KG_OK) s = kg_store_commit(store, &err);
    else kg_store_rollback(store);
    rs_program_free(p);
    if (s != KG_OK) {
        repl_error(r, &err);
        return repl_status_of(s);
    }
    r->n_writes++;
    if (retract)
        fprintf(r->out, "%s %llu triple", "retracted", (unsigned long long)us.n_retracted);
    else
        fprintf(r->out, "%s %llu triple", "added", (unsigned long long)us.n_asserted);
    fputs("; ", r->out);
    repl_print_update(r, &us);
    return REPL_OK;
}

int repl_cmd_add(Repl *r, int argc, char **argv) { return run_update(r, "add", argc, argv, 0); }

int repl_cmd_retract(Repl *r, int argc, char **argv) { return run_update(r, "retract", argc, argv, 1); }

/* ---------------------------------------------------------------- load and unload */

typedef struct {
    KgQuad *q;
    size_t n, cap;
} QuadList;

static KgStatus collect_quad(void *ctx, const KgQuad *q, KgError *err)
{
    QuadList *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        KgQuad *grown = kg_realloc(l->q, cap * sizeof *grown);
        if (!grown) return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading the file");
        l->q = grown, l->cap = cap;
    }
    l->q[l->n++] = *q;
    return KG_OK;
}

static KgStatus count_source(void *ctx, const char *kind, const char *name, const char *text, size_t len)
{
    ++*(int *)ctx;
    return KG_OK;
}

KgStatus repl_store_reasoned(KgStore *store, int *yes, KgError *err)
{
    *yes = 0;
    return kg_rule_source_each(store, count_source, yes, err);
}

KgStatus repl_load_update(KgStore *store, const char *path, const KgLoadOptions *opt, int unload, KgLoadStats *st,
                          RsUpdateStats *us, KgError *err)
{
    QuadList l = {0};
    KgLoadOptions o = *opt;
    o.collect = collect_quad, o.collect_ctx = &l;
    RsProgram *p = NULL;
    int own_transaction = !kg_store_in_transaction(store);
    KgStatus s = own_transaction ? kg_store_begin(store, err) : KG_OK;
    if (s == KG_OK) s = kg_load_file(store, path, &o, st, err);
    if (s == KG_OK) s = recorded_program(store, &p, err);
    if (s == KG_OK && unload) { /* only what is asserted: what the file holds now */
        size_t w = 0;
        for (size_t i = 0; i < l.n && s == KG_OK; i++) {
            unsigned marks = 0;
            s = kg_quad_marks(store, &l.q[i], &marks, err);
            if (marks & KG_ASSERTED) l.q[w++] = l.q[i];
        }
        l.n = w;
    }
    if (s == KG_OK)
        s = unload ? rs_update(store, p, NULL, 0, l.q, l.n, NULL, us, err) : rs_update(store, p, l.q, l.n, NULL, 0, NULL, us, err);
    if (s == KG_OK && own_transaction) s = kg_store_commit(store, err);
    else if (own_transaction && kg_store_in_transaction(store)) kg_store_rollback(store);
    rs_program_free(p);
    kg_free(l.q);
    return s;
}

void repl_print_update(Repl *r, const RsUpdateStats *us)
{
    fprintf(r->out, "inferred: %llu added, %llu removed, %llu kept another way (of %llu that lost a derivation), "
                    "%llu with a new confidence; %.3f s\n",
            (unsigned long long)us->n_inserted, (unsigned long long)us->n_deleted, (unsigned long long)us->n_rederived,
            (unsigned long long)us->n_overdeleted, (unsigned long long)us->n_reconfidenced, us->seconds);
}

/* `nous unload FILE...`: retracts the triples each file holds (read again now; blank nodes
 * get new names on each reading, so triples with blank nodes are not found), one transaction
 * each, keeping the inferred triples up to date. */
int repl_cmd_unload(Repl *r, int argc, char **argv)
{
    KgLoadOptions opt = {0};
    const char *v;
    int n_files = 0;
    for (int i = 1; i < argc; i++) {
        if ((v = repl_opt_value(argc, argv, &i, "--format"))) {
            if (!(opt.format = kg_format_from_name(v)))
                return repl_usage_error(r, "unload", "unknown format '%s' (nt, ttl, nq, trig, rdfxml, tsv)", v);
        } else if ((v = repl_opt_value(argc, argv, &i, "--base"))) {
            opt.base_iri = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--graph"))) {
            opt.graph_iri = v;
        } else if (repl_is_option(argv[i])) {
            return repl_usage_error(r, "unload", "unknown or incomplete option '%s'", argv[i]);
        } else {
            n_files++;
        }
    }
    if (!n_files) return repl_usage_error(r, "unload", "no file to unload");
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    kg_interrupt_install();
    int status = REPL_OK;
    for (int i = 1; i < argc; i++) {
        if (repl_opt_value(argc, argv, &i, "--format") || repl_opt_value(argc, argv, &i, "--base") ||
            repl_opt_value(argc, argv, &i, "--graph"))
            continue;
        KgError err = {0};
        KgLoadStats st = {0};
        RsUpdateStats us = {0};
        KgStatus s = repl_load_update(store, argv[i], &opt, 1, &st, &us, &err);
        if (s != KG_OK) {
            repl_error(r, &err);
            fprintf(r->err, "not unloaded: %s (the store is as it was)\n", argv[i]);
            status = repl_status_of(s);
            if (s == KG_ERR_INTERRUPTED) break;
            continue;
        }
        r->n_writes++;
        fprintf(r->out, "unloaded %s: %llu triples read, %llu retracted; ", argv[i], (unsigned long long)st.n_read,
                (unsigned long long)us.n_retracted);
        repl_print_update(r, &us);
    }
    return status;
}

/* ---------------------------------------------------------------- a change of rules */

/* A recorded rule source. */
typedef struct {
    char *kind, *name, *text;
    size_t len;
} Source;

typedef struct {
    Source *s;
    size_t n;
} Sources;

static KgStatus keep_source(void *ctx, const char *kind, const char *name, const char *text, size_t len)
{
    Sources *l = ctx;
    Source *grown = kg_realloc(l->s, (l->n + 1) * sizeof *grown);
    if (!grown) return KG_ERR_NOMEM;
    l->s = grown;
    Source *x = &l->s[l->n++];
    x->kind = kg_strndup(kind, strlen(kind)), x->name = kg_strndup(name, strlen(name));
    x->text = kg_malloc(len + 1), x->len = len;
    if (!x->kind || !x->name || !x->text) return KG_ERR_NOMEM;
    memcpy(x->text, text, len);
    x->text[len] = '\0';
    return KG_OK;
}

static void sources_free(Sources *l)
{
    for (size_t i = 0; i < l->n; i++) kg_free(l->s[i].kind), kg_free(l->s[i].name), kg_free(l->s[i].text);
    kg_free(l->s);
}

/* The recorded source named `name` (a profile or a file), -1 when none. */
static long find_source(const Sources *l, const char *kind, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if ((!kind || strcmp(l->s[i].kind, kind) == 0) && strcmp(l->s[i].name, name) == 0) return (long)i;
    return -1;
}

KgStatus repl_reason_update(KgStore *store, const char *const *kinds, const char *const *names, size_t n,
                            const char *const *drop, size_t n_drop, const RsOptions *limits, RsUpdateStats *us,
                            size_t *n_rules, KgError *err)
{
    Sources rec = {0};
    KgBuf *texts = kg_calloc(n ? n : 1, sizeof *texts);
    uint8_t *keep = NULL, *fresh = kg_calloc(n ? n : 1, 1), *new_rules = NULL;
    RsProgram *p = NULL, *dropped = NULL;
    KgStatus s = texts && fresh ? kg_rule_source_each(store, keep_source, &rec, err)
                                : kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_ERR_NOMEM) kg_error_set(err, s, "out of memory");
    if (s == KG_OK && !(keep = kg_malloc(rec.n ? rec.n : 1))) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < rec.n && s == KG_OK; i++) keep[i] = 1;
    if (s == KG_OK) s = rs_program_new(store, &p, err);
    if (s == KG_OK) s = rs_program_new(store, &dropped, err);
    /* the sources given: new ones, and files whose text changed (their old rules are dropped) */
    for (size_t i = 0; i < n && s == KG_OK; i++) {
        if (strcmp(kinds[i], "file") == 0) s = repl_read_file(names[i], &texts[i], err);
        if (s != KG_OK) break;
        long at = find_source(&rec, kinds[i], names[i]);
        if (at < 0) {
            fresh[i] = 1;
        } else if (texts[i].len != rec.s[at].len || (texts[i].len && memcmp(texts[i].data, rec.s[at].text, texts[i].len) != 0)) {
            fresh[i] = 1, keep[at] = 0;
            s = add_source_to(dropped, rec.s[at].kind, rec.s[at].name, rec.s[at].text, rec.s[at].len, err);
        }
    }
    for (size_t i = 0; i < n_drop && s == KG_OK; i++) {
        long at = find_source(&rec, NULL, drop[i]);
        if (at < 0) {
            s = kg_error_set(err, KG_ERR_ARG, "--drop %s: the store was not reasoned with it", drop[i]);
            break;
        }
        if (!keep[at]) continue;
        keep[at] = 0;
        s = add_source_to(dropped, rec.s[at].kind, rec.s[at].name, rec.s[at].text, rec.s[at].len, err);
        int had = 0;
        if (s == KG_OK) s = kg_rule_source_delete(store, rec.s[at].kind, rec.s[at].name, &had, err);
    }
    for (size_t i = 0; i < rec.n && s == KG_OK; i++)
        if (keep[i]) s = add_source_to(p, rec.s[i].kind, rec.s[i].name, rec.s[i].text, rec.s[i].len, err);
    size_t n_old = p ? rs_program_n_rules(p) : 0;
    for (size_t i = 0; i < n && s == KG_OK; i++)
        if (fresh[i]) s = add_source_to(p, kinds[i], names[i], texts[i].data ? texts[i].data : "", texts[i].len, err);
    if (s == KG_OK) {
        size_t n_all = rs_program_n_rules(p);
        new_rules = kg_calloc(n_all ? n_all : 1, 1);
        if (!new_rules) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        for (size_t i = n_old; i < n_all && s == KG_OK; i++) new_rules[i] = 1;
        *n_rules = n_all;
    }
    if (s == KG_OK) s = rs_update_program(store, p, &(RsProgramChange){new_rules, dropped}, limits, us, err);
    for (size_t i = 0; i < n && s == KG_OK; i++)
        if (fresh[i]) s = kg_rule_source_put(store, kinds[i], names[i], texts[i].data, texts[i].len, err);
    for (size_t i = 0; i < n; i++) kg_buf_free(&texts[i]);
    kg_free(texts), kg_free(keep), kg_free(fresh), kg_free(new_rules);
    rs_program_free(p), rs_program_free(dropped);
    sources_free(&rec);
    return s;
}
