/* repl/reason.c: `nous reason [--profile P]... [--rules FILE.dl]...` (materialise what the
 * rules derive, one transaction; --check only checks the store holds it) and `nous explain S P O` (the proof of a triple, walked back
 * through the recorded derivations to asserted triples); `.reason` and `.explain` in the
 * shell. */
#include "repl/internal.h"
#include "reasoner/rs.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void progress(void *ctx, unsigned round, uint64_t n_facts)
{
    Repl *r = ctx;
    fprintf(r->err, "\rround %u: %llu triples", round, (unsigned long long)n_facts);
    fflush(r->err);
}

typedef struct {
    Repl *r;
    RsProgram *p;
    KgStore *store;
} CheckCtx;

static void report_missing(void *ctx, size_t rule, uint64_t n_missing, const char *example)
{
    CheckCtx *c = ctx;
    fprintf(c->r->out, "  %8llu missing  %s  e.g. %s\n", (unsigned long long)n_missing,
            rs_rule_label(c->p, rule), example ? example : "");
}

int repl_cmd_reason(Repl *r, int argc, char **argv)
{
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    RsProgram *p = NULL;
    KgError err = {0};
    KgStatus s = rs_program_new(store, &p, &err);
    int n_sources = 0, equality_rules = 0, check = 0, with_embeddings = 0;
    /* the rule sources, recorded with what they derive for later updates (add, retract) */
    const char **kinds = kg_calloc((size_t)argc + 1, sizeof *kinds), **names = kg_calloc((size_t)argc + 1, sizeof *names);
    const char **drop = kg_calloc((size_t)argc + 1, sizeof *drop); /* --drop: sources to leave */
    size_t n_drop = 0;
    if (!kinds || !names || !drop) s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    const char *set = NULL, *evidence = NULL; /* --with-embeddings: the set, the rules to fuse */
    double threshold = -1;
    size_t per_query = 10;
    RsOptions limits = {0}; /* --max-derived, --timeout */
    for (int i = 1; s == KG_OK && i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--check") == 0) {
            check = 1;
            continue;
        }
        if (strcmp(argv[i], "--with-embeddings") == 0) {
            with_embeddings = 1;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--model"))) {
            set = v;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--drop"))) {
            drop[n_drop++] = v;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--evidence"))) {
            evidence = v;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--threshold"))) {
            char *end;
            threshold = strtod(v, &end);
            if (!*v || *end || !(threshold > 0 && threshold <= 1)) {
                rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
                return repl_usage_error(r, "reason", "--threshold takes a probability above 0, at most 1, not '%s'", v);
            }
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "-k"))) {
            int st = repl_parse_count(r, "reason", "-k", v, 10000, &per_query);
            if (st != REPL_OK) {
                rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
                return st;
            }
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--max-derived"))) {
            size_t n = 0;
            int st = repl_parse_count(r, "reason", "--max-derived", v, (size_t)1 << 40, &n);
            if (st != REPL_OK) {
                rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
                return st;
            }
            limits.max_derived = n;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--timeout"))) {
            char *end;
            double t = strtod(v, &end);
            if (!*v || *end || !(t > 0 && t < 1e9)) {
                rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
                return repl_usage_error(r, "reason", "--timeout takes seconds above 0, not '%s'", v);
            }
            limits.timeout = t;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--equality"))) {
            if (strcmp(v, "rules") != 0 && strcmp(v, "merge") != 0) {
                rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
                return repl_usage_error(r, "reason", "--equality is merge or rules, not '%s'", v);
            }
            equality_rules = strcmp(v, "rules") == 0;
            continue;
        }
        if ((v = repl_opt_value(argc, argv, &i, "--profile"))) {
            s = rs_program_add_profile(p, v, &err);
            kinds[n_sources] = "profile", names[n_sources] = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--rules"))) {
            s = rs_program_add_file(p, v, &err);
            kinds[n_sources] = "file", names[n_sources] = v;
        } else {
            rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
            return repl_usage_error(r, "reason", "unexpected argument '%s'", argv[i]);
        }
        n_sources++;
    }
    if (s == KG_OK && with_embeddings != (threshold > 0)) {
        rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
        return repl_usage_error(r, "reason", "--with-embeddings and --threshold P go together");
    }
    if (s == KG_OK && with_embeddings && (!evidence || check)) {
        rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
        return repl_usage_error(r, "reason", "--with-embeddings fuses with the rules of --evidence FILE.dl (and is not a --check)");
    }
    if (s == KG_OK && (set || evidence) && !with_embeddings) {
        rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
        return repl_usage_error(r, "reason", "--model and --evidence go with --with-embeddings");
    }
    if (s == KG_OK && n_drop && (check || with_embeddings)) {
        rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
        return repl_usage_error(r, "reason", "--drop goes with neither --check nor --with-embeddings");
    }
    /* a store reasoned over before: the rules change, the inferred triples follow */
    /* Whether it was is read inside the write transaction: a reason running in another process
     * holds the write lock until it commits, and is then seen. */
    int reasoned = 0, in_txn = 0;
    if (s == KG_OK && !check && !with_embeddings && (n_sources || n_drop)) {
        kg_interrupt_install();
        s = kg_store_begin(store, &err);
        in_txn = s == KG_OK;
        if (s == KG_OK) s = repl_store_reasoned(store, &reasoned, &err);
    }
    if (s == KG_OK && (reasoned || n_drop) && !check && !with_embeddings) {
        RsUpdateStats us = {0};
        size_t n_rules = 0;
        s = repl_reason_update(store, kinds, names, (size_t)n_sources, drop, n_drop, &limits, &us, &n_rules, &err);
        if (s == KG_OK) s = kg_store_commit(store, &err);
        else kg_store_rollback(store);
        rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
        if (s != KG_OK) {
            repl_error(r, &err);
            return repl_status_of(s);
        }
        r->n_writes++;
        fprintf(r->out, "%zu rules in force (updated incrementally); ", n_rules);
        repl_print_update(r, &us);
        return REPL_OK;
    }
    if (s == KG_OK && !n_sources && !with_embeddings) {
        rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
        return repl_usage_error(r, "reason", "give --profile NAME or --rules FILE.dl");
    }
    if (s == KG_OK && check) {
        CheckCtx cc = {r, p, store};
        uint64_t n_missing = 0;
        kg_interrupt_install();
        s = rs_check(store, p, report_missing, &cc, &n_missing, &err);
        if (s == KG_OK) {
            if (n_missing)
                fprintf(r->out, "not closed: %llu triples the rules derive are missing\n", (unsigned long long)n_missing);
            else
                fprintf(r->out, "closed: the store holds every triple the %zu rules derive from it\n",
                        rs_program_n_rules(p));
            rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
            return n_missing ? REPL_FAIL : REPL_OK;
        }
    }
    RsStats st = {0};
    RsOptions opt = {.progress = r->err_is_tty ? progress : NULL,
                     .progress_ctx = r,
                     .equality_rules = equality_rules,
                     .max_derived = limits.max_derived,
                     .timeout = limits.timeout};
    size_t n_fused = 0;
    if (s == KG_OK) {
        kg_interrupt_install();
        /* with embeddings, one transaction: reason, add the fused triples, reason again from
         * them (rules may use what fusion added); without, the one opened above */
        s = in_txn ? KG_OK : kg_store_begin(store, &err);
        if (s == KG_OK && n_sources) s = rs_reason(store, p, &opt, &st, &err);
        if (s == KG_OK && n_sources) s = repl_record_rule_sources(store, kinds, names, (size_t)n_sources, &err);
        if (r->err_is_tty && n_sources) fputc('\n', r->err);
        if (s == KG_OK && with_embeddings) {
            s = repl_add_fused(r, store, evidence, set, threshold, per_query, &n_fused, &err);
            if (s == KG_OK && n_fused && n_sources) {
                rs_stats_free(&st);
                st = (RsStats){0};
                s = rs_reason(store, p, &opt, &st, &err);
                if (r->err_is_tty) fputc('\n', r->err);
            }
        }
        if (s == KG_OK) s = kg_store_commit(store, &err);
        else kg_store_rollback(store);
    }
    if (s != KG_OK) {
        if (in_txn) kg_store_rollback(store); /* a no-op once committed or rolled back */
        repl_error(r, &err);
        rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
        return repl_status_of(s);
    }
    if (with_embeddings)
        fprintf(r->out, "%zu triples added by fusion (probability >= %g, the best %zu per query)\n", n_fused, threshold,
                per_query);
    fprintf(r->out, "%zu rules, %u rounds: %llu triples in, %llu derived, %llu written as inferred\n",
            rs_program_n_rules(p), st.n_rounds, (unsigned long long)st.n_facts,
            (unsigned long long)st.n_derived, (unsigned long long)st.n_written);
    double rate = st.seconds_reason > 0 ? (double)st.n_derived / st.seconds_reason : 0;
    fprintf(r->out, "load %.3f s, reason %.3f s (%.0f derived/s), write %.3f s\n", st.seconds_load,
            st.seconds_reason, rate, st.seconds_write);
    if (st.n_same_terms)
        fprintf(r->out, "owl:sameAs: %llu terms in %llu classes, %llu facts rewritten to representatives\n",
                (unsigned long long)st.n_same_terms, (unsigned long long)st.n_same_classes,
                (unsigned long long)st.n_rewritten);
    if (st.n_inconsistent) {
        fprintf(r->out, "inconsistent: %llu violation%s found (triples <%s>), e.g.\n",
                (unsigned long long)st.n_inconsistent, st.n_inconsistent == 1 ? "" : "s", RS_INCONSISTENT);
        size_t shown = st.n_inconsistent < 10 ? (size_t)st.n_inconsistent : 10;
        for (size_t i = 0; i < shown; i++) {
            KgBuf b = {0};
            kg_term_write_id(store, st.inconsistent[i].s, 1, &b, NULL);
            kg_buf_puts(&b, " violates ");
            kg_term_write_id(store, st.inconsistent[i].o, 1, &b, NULL);
            fprintf(r->out, "  %s\n", kg_buf_cstr(&b) ? kg_buf_cstr(&b) : "");
            kg_buf_free(&b);
        }
    }
    for (size_t i = 0; i < st.n_rules; i++)
        if (st.per_rule[i])
            fprintf(r->out, "  %8llu  %s\n", (unsigned long long)st.per_rule[i], rs_rule_label(p, i));
    rs_stats_free(&st);
    rs_program_free(p), kg_free(kinds), kg_free(names), kg_free(drop);
    return REPL_OK;
}

/* ---------------------------------------------------------------- explain */

/* "s p o" with CURIEs, into b (emptied first). */
void repl_quad_text(KgStore *store, const KgQuad *q, KgBuf *b)
{
    KgTermId ids[3] = {q->s, q->p, q->o};
    for (int k = 0; k < 3; k++) {
        if (k) kg_buf_puts(b, " ");
        kg_term_write_id(store, ids[k], 1, b, NULL);
    }
}

static void write_quad(Repl *r, KgStore *store, const KgQuad *q)
{
    KgBuf b = {0};
    repl_quad_text(store, q, &b);
    fputs(kg_buf_cstr(&b) ? kg_buf_cstr(&b) : "", r->out);
    kg_buf_free(&b);
}

void repl_write_quad(Repl *r, KgStore *store, const KgQuad *q) { write_quad(r, store, q); }

/* A triple as a DOT string: quotes and backslashes escaped. */
static void write_dot_label(Repl *r, KgStore *store, const KgQuad *q)
{
    KgBuf b = {0};
    repl_quad_text(store, q, &b);
    fputc('"', r->out);
    for (const char *c = kg_buf_cstr(&b) ? kg_buf_cstr(&b) : ""; *c; c++) {
        if (*c == '"' || *c == '\\') fputc('\\', r->out);
        fputc(*c, r->out);
    }
    fputc('"', r->out);
    kg_buf_free(&b);
}

/* Whether the store holds q as asserted: 1, 0, or -1 when it cannot tell. */
static int is_asserted(KgStore *store, const KgQuad *q)
{
    KgIter *it = NULL;
    KgQuad got;
    if (kg_match_new(store, q, KG_ASSERTED, &it, NULL) != KG_OK) return -1;
    KgStatus s = kg_iter_next(it, &got, NULL, NULL);
    kg_iter_free(it);
    return s == KG_OK ? 1 : s == KG_DONE ? 0 : -1;
}

/* Prints the proof of q: as an indented tree (depth), or as DOT nodes and edges (dot); a
 * premise already proved above is not repeated. */
static KgStatus explain_quad(Repl *r, KgStore *store, const KgQuad *q, int depth, int dot,
                             KgQuad **seen, size_t *n_seen, KgError *err)
{
    size_t me = *n_seen;
    for (size_t i = 0; i < *n_seen; i++)
        if (memcmp(&(*seen)[i], q, sizeof *q) == 0) {
            if (!dot) {
                fprintf(r->out, "%*s", 2 * depth, "");
                write_quad(r, store, q);
                fputs("   (shown above)\n", r->out);
            }
            return KG_OK;
        }
    KgQuad *grown = kg_realloc(*seen, (*n_seen + 1) * sizeof *grown);
    if (!grown) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    *seen = grown;
    (*seen)[(*n_seen)++] = *q;
    if (!dot) {
        fprintf(r->out, "%*s", 2 * depth, "");
        write_quad(r, store, q);
    }
    KgDerivation d;
    KgStatus s = kg_derivation_get(store, q, &d, err);
    if (s == KG_ERR_NOT_FOUND) {
        /* a leaf: asserted, or (a store changed since) a premise no longer there */
        int asserted = is_asserted(store, q);
        if (dot) {
            fprintf(r->out, "  t%zu [label=", me);
            write_dot_label(r, store, q);
            fputs(asserted ? ", shape=box];\n" : ", shape=box, style=dashed];\n", r->out);
        } else {
            fputs(asserted ? "   [asserted]\n" : "   [missing: not in the store]\n", r->out);
        }
        return KG_OK;
    }
    if (s != KG_OK) return s;
    if (dot) {
        fprintf(r->out, "  t%zu [label=", me);
        write_dot_label(r, store, q);
        fprintf(r->out, ", xlabel=\"%s (%.3g)\"];\n", d.rule, d.confidence);
    } else {
        fprintf(r->out, "   [%s, confidence %.3g]\n", d.rule, d.confidence);
    }
    /* the premises live in the store's read buffer: copy them before recursing */
    size_t n = d.n_premises;
    KgQuad *prem = kg_malloc((n ? n : 1) * sizeof *prem);
    if (!prem) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    if (n) memcpy(prem, d.premises, n * sizeof *prem); /* a fused triple may have none */
    for (size_t i = 0; i < n && s == KG_OK; i++) {
        size_t child = *n_seen;
        for (size_t j = 0; j < *n_seen; j++)
            if (memcmp(&(*seen)[j], &prem[i], sizeof prem[i]) == 0) child = j;
        s = explain_quad(r, store, &prem[i], depth + 1, dot, seen, n_seen, err);
        if (dot && s == KG_OK) fprintf(r->out, "  t%zu -> t%zu;\n", me, child);
    }
    kg_free(prem);
    return s;
}

KgStatus repl_explain_quad(Repl *r, KgStore *store, const KgQuad *q, int depth, KgQuad **seen, size_t *n_seen,
                           KgError *err)
{
    return explain_quad(r, store, q, depth, 0, seen, n_seen, err);
}

/* Turns the DOT graph in `graph` into SVG on r->out with Graphviz's dot (run without a shell,
 * on temporary files); 0 when done, -1 with a message on r->err. */
static int dot_to_svg(Repl *r, FILE *graph)
{
    const char *dir = getenv("TMPDIR");
    char in[4096], out[4096];
    snprintf(in, sizeof in, "%s/nous-proof-XXXXXX", dir && *dir ? dir : "/tmp");
    snprintf(out, sizeof out, "%s/nous-proof-XXXXXX", dir && *dir ? dir : "/tmp");
    int fi = mkstemp(in), fo = fi < 0 ? -1 : mkstemp(out), rc = -1;
    if (fi < 0 || fo < 0) {
        KgError err = {0};
        kg_error_set(&err, KG_ERR_IO, "cannot make a temporary file in %s: %s", dir && *dir ? dir : "/tmp",
                     strerror(errno));
        repl_error(r, &err);
        if (fi >= 0) close(fi), unlink(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    rewind(graph);
    int ok = 1;
    while ((n = fread(buf, 1, sizeof buf, graph)) > 0) ok &= write(fi, buf, n) == (ssize_t)n;
    close(fi);
    char prog[] = "dot", format[] = "-Tsvg", opt_o[] = "-o";
    char *args[] = {prog, format, opt_o, out, in, NULL};
    pid_t pid;
    int spawned = ok ? posix_spawnp(&pid, "dot", NULL, NULL, args, environ) : EIO;
    int wst = 0;
    KgError err = {0};
    if (spawned != 0) {
        kg_error_set(&err, KG_ERR_IO,
                     "--format svg runs Graphviz's dot, which %s (Debian package graphviz); "
                     "--format dot writes the graph itself",
                     spawned == ENOENT ? "is not installed" : "could not be started");
        repl_error(r, &err);
    } else if (waitpid(pid, &wst, 0) < 0 || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
        kg_error_set(&err, KG_ERR_IO, "dot failed on the proof graph");
        repl_error(r, &err);
    } else {
        FILE *svg = fdopen(fo, "rb");
        if (svg) {
            while ((n = fread(buf, 1, sizeof buf, svg)) > 0) fwrite(buf, 1, n, r->out);
            fclose(svg);
            fo = -1;
            rc = 0;
        }
    }
    if (fo >= 0) close(fo);
    unlink(in);
    unlink(out);
    return rc;
}

int repl_cmd_explain(Repl *r, int argc, char **argv)
{
    int dot = 0, svg = 0, fused = 0;
    const char *rules = NULL; /* a rule file that may predict a triple the store does not hold */
    const char *set = NULL;   /* --fused: the embedding set */
    char *words[4] = {argv[0], NULL, NULL, NULL}; /* the command, then the triple's terms */
    int n_words = 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "--format"))) {
            dot = svg = 0;
            if (strcmp(v, "dot") == 0) dot = 1;
            else if (strcmp(v, "svg") == 0) dot = svg = 1;
            else if (strcmp(v, "text") != 0)
                return repl_usage_error(r, "explain", "--format is text, dot or svg, not '%s'", v);
        } else if ((v = repl_opt_value(argc, argv, &i, "--rules"))) {
            rules = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--model"))) {
            set = v;
        } else if (strcmp(argv[i], "--fused") == 0) {
            fused = 1;
        } else if (n_words < 4) {
            words[n_words++] = argv[i];
        } else {
            return repl_usage_error(r, "explain", "give one triple: S P O");
        }
    }
    if (n_words != 4) return repl_usage_error(r, "explain", "give a triple: S P O");
    if (fused && (!rules || dot)) return repl_usage_error(r, "explain", "--fused takes --rules FILE.dl and prints text");
    if (set && !fused) return repl_usage_error(r, "explain", "--model goes with --fused");
    argv = words; /* argv[1..3] are the triple's terms from here on */
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgArena *arena = kg_arena_new(1024);
    if (!arena) return REPL_FAIL;
    KgError err = {0};
    KgTermId ids[3];
    KgStatus s = KG_OK;
    for (int k = 0; k < 3 && s == KG_OK; k++) {
        KgTerm t;
        s = kg_term_parse(store, argv[1 + k], arena, &t, &err);
        if (s == KG_OK) s = kg_dict_lookup(store, &t, &ids[k], &err);
    }
    int status = REPL_OK;
    if (s == KG_ERR_NOT_FOUND) {
        fprintf(r->out, "%s %s %s is neither asserted nor derived (a term of it is not in the store)\n",
                argv[1], argv[2], argv[3]);
        status = REPL_FAIL;
    } else if (s != KG_OK) {
        repl_error(r, &err);
        status = repl_status_of(s);
    } else if (fused) {
        if (repl_explain_fused(r, store, ids, rules, set, &err) < 0) {
            repl_error(r, &err);
            status = repl_status_of(err.status);
        }
    } else {
        KgQuad q = {ids[0], ids[1], ids[2], KG_DEFAULT_GRAPH}, any = {ids[0], ids[1], ids[2], KG_ANY_GRAPH}, got;
        KgIter *it = NULL;
        unsigned mark = 0;
        s = kg_match_new(store, &any, KG_ASSERTED | KG_INFERRED, &it, &err);
        if (s == KG_OK) s = kg_iter_next(it, &got, &mark, &err);
        kg_iter_free(it);
        if (s == KG_DONE && rules && !dot) {
            int got_it = repl_explain_predicted(r, store, ids, rules, &err);
            if (got_it < 0) repl_error(r, &err);
            status = got_it == 0 ? REPL_OK : got_it > 0 ? REPL_FAIL : repl_status_of(err.status);
        } else if (s == KG_DONE) {
            fprintf(r->out, "%s %s %s is neither asserted nor derived\n", argv[1], argv[2], argv[3]);
            status = REPL_FAIL;
        } else if (s != KG_OK) {
            repl_error(r, &err);
            status = repl_status_of(s);
        } else {
            KgQuad *seen = NULL;
            size_t n_seen = 0;
            if (mark & KG_ASSERTED) q = got; /* asserted (in whichever graph): say so */
            /* SVG: the DOT graph goes to a temporary file first, then through dot */
            FILE *out = r->out, *graph = svg ? tmpfile() : NULL;
            if (svg && !graph) {
                kg_error_set(&err, KG_ERR_IO, "cannot make a temporary file: %s", strerror(errno));
                repl_error(r, &err);
                status = REPL_FAIL;
            } else {
                if (graph) r->out = graph;
                if (dot) fputs("digraph proof {\n  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n", r->out);
                s = explain_quad(r, store, &q, 0, dot, &seen, &n_seen, &err);
                if (dot && s == KG_OK) fputs("}\n", r->out);
                r->out = out;
                if (s != KG_OK) {
                    repl_error(r, &err);
                    status = repl_status_of(s);
                } else if (graph && dot_to_svg(r, graph) != 0) {
                    status = REPL_FAIL;
                }
                if (graph) fclose(graph);
            }
            kg_free(seen);
        }
    }
    kg_arena_free(arena);
    return status;
}
