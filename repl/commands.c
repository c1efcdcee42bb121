/* repl/commands.c: the command table (Redis style): one row per command serves both
 * `nous CMD ARGS` and `.cmd ARGS` in the shell, and the handlers for the store's commands:
 * load, stats, match, export, prefix(es), help and shell. `query` lives in query.c and the
 * shell-only commands in shell_commands.c. */
#include "repl/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_load(Repl *r, int argc, char **argv);
static int cmd_stats(Repl *r, int argc, char **argv);
static int cmd_match(Repl *r, int argc, char **argv);
static int cmd_export(Repl *r, int argc, char **argv);
static int cmd_prefixes(Repl *r, int argc, char **argv);
static int cmd_prefix(Repl *r, int argc, char **argv);
static int cmd_help(Repl *r, int argc, char **argv);
static int cmd_shell(Repl *r, int argc, char **argv);

const ReplCommand repl_commands[] = {
    {"load", "[--format F] [--base IRI] [--graph IRI] FILE...",
     "load RDF or TSV files (one transaction each); a store reasoned over keeps its inferred triples up to date",
     cmd_load},
    {"stats", "", "counts of triples, terms, graphs and predicates", cmd_stats},
    {"match", "[--limit N] [--graph G] S P O", "triples matching a pattern (? = any)", cmd_match},
    {"query", "[--format table|tsv|csv|json|ntriples|turtle] [--explain] [-f FILE | SPARQL]",
     "run a SPARQL query (SELECT, ASK, CONSTRUCT)", repl_cmd_query},
    {"add", "S P O [--graph IRI]",
     "assert one triple; a store reasoned over keeps its inferred triples up to date (incrementally)",
     repl_cmd_add},
    {"retract", "S P O [--graph IRI]",
     "retract one asserted triple and exactly the inferred triples that lose all support", repl_cmd_retract},
    {"unload", "[--format F] [--base IRI] [--graph IRI] FILE...",
     "retract the triples files hold (read again), keeping the inferred triples up to date", repl_cmd_unload},
    {"reason", "[--profile rdfs|owl-rl]... [--rules FILE.dl]... [--drop FILE.dl|PROFILE]... [--equality merge|rules] [--check] "
               "[--max-derived N] [--timeout SECONDS] [--with-embeddings --evidence FILE.dl --threshold P [--model NAME] [-k N]]",
     "derive what the rules entail, store it as inferred (one transaction); on a store reasoned before, rules added or --drop-ped update it incrementally; --check: is it all there; "
     "--max-derived (default 20000000) and --timeout stop it, the store as it was; "
     "--with-embeddings: also the candidates whose fused probability reaches P",
     repl_cmd_reason},
    {"explain", "[--format text|dot|svg] [--rules FILE.dl] [--fused [--model NAME]] S P O",
     "the proof of a triple, down to asserted triples (dot: Graphviz, svg: drawn by dot); with --rules, "
     "of a triple those rules predict; with --fused, its fused probability and all its evidence",
     repl_cmd_explain},
    {"kgc", "DIR [--method embed] [--model transe|distmult|complex|rotate] [--dim N] [--epochs N] [--lr X] "
            "[--batch N] [--reg X] [--negatives N] [--gamma X] [--temperature X] [--init X] [--seed N] "
            "[--threads N] [--eval-every N] [--patience N] [--plot FILE.svg] [--json] | "
            "DIR --method rules [--time S] [--max-length N] [--unseen N] [--aggregation max|noisy-or] [--no-tune] "
            "[-o FILE.dl] [--json] | DIR --method fusion [--model M] [training and mining options] [--json]",
     "link prediction on a benchmark folder: train (or mine rules, or both and fuse them), early-stop (or "
     "tune, or fit the fusion) on valid, filtered MRR and Hits@k on test",
     repl_cmd_kgc},
    {"train", "[--model transe|distmult|complex|rotate] [--name NAME] [--valid-share X] [--dim N] [--epochs N] "
              "[--lr X] [--batch N] [--reg X] [--seed N] [--threads N] [--plot FILE.svg] ...",
     "learn embeddings of the store's asserted links and keep them in the store", repl_cmd_train},
    {"predict", "S P ? | ? P O [-k N] [--model NAME | --rules FILE.dl [--aggregation max|noisy-or] | "
                "--fused --rules FILE.dl [--model NAME]]",
     "the k most likely subjects or objects by the stored embeddings, by rules with the groundings "
     "behind each, or by both fused into one probability with their evidence, marking known ones",
     repl_cmd_predict},
    {"similar", "ENTITY [-k N] [--model NAME] [--metric cosine|dot|l2 | --relation R [--inverse]] [--format F]",
     "the k entities nearest to ENTITY in the stored embedding space (exact search); with --relation, "
     "the entities X the model scores best for ENTITY R X",
     repl_cmd_similar},
    {"analogy", "A B C [-k N] [--model NAME] [--metric cosine|dot|l2] [--format F]",
     "entities X with A : B :: C : X, by the vector offset B - A + C", repl_cmd_analogy},
    {"search", "[--label REGEX] [--type CLASS] [--where 'PATTERN over ?x'] [--near ENTITY] [-k N] [--model NAME] "
               "[--metric M] [--format F]",
     "entities whose label or local name matches REGEX, of a class, matching a SPARQL pattern, ranked by "
     "similarity to --near",
     repl_cmd_search},
    {"eval-search", "[--relation P] [-k N] [--model NAME] [--metric cosine|dot|l2] [--json]",
     "how well each embedding set serves search: precision@k and MAP@k of neighbours sharing an object "
     "by P (rdf:type by default)",
     repl_cmd_eval_search},
    {"plot-embeddings", "[--model NAME] [--type-colors] -o FILE.svg",
     "the entity vectors on their first two principal components, as a standalone SVG scatter "
     "(entity names on hover); --type-colors: coloured by class (rdf:type)",
     repl_cmd_plot_embeddings},
    {"mine", "[--max-length 1|2|3] [--min-support N] [--min-confidence X] [--unseen N] [--time S] [--seed N] "
             "[--no-constants] -o FILE.dl",
     "learn weighted rules from the store's asserted links and write them as a rule file", repl_cmd_mine},
    {"blas", "[--size N] [--threads N]", "the OpenBLAS kernel in use and its measured sgemm GFLOP/s",
     repl_cmd_blas},
    {"export", "[--format nt|ttl|nq] [--asserted|--inferred] [-o FILE]",
     "write the store as RDF", cmd_export},
    {"prefixes", "", "the known prefixes", cmd_prefixes},
    {"prefix", "[P: <IRI>]", "remember a prefix in the store (no arguments: list them)",
     cmd_prefix},
    {"help", "[COMMAND]", "this list, or one command's usage", cmd_help},
    {"shell", "", "the interactive shell", cmd_shell},
    {NULL, NULL, NULL, NULL},
};

const ReplCommand *repl_command_find(const Repl *r, const char *name)
{
    for (const ReplCommand *c = repl_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    if (r->in_shell)
        for (const ReplCommand *c = repl_shell_commands; c->name; c++)
            if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

int repl_command_run(Repl *r, int argc, char **argv)
{
    const ReplCommand *c = repl_command_find(r, argv[0]);
    if (!c) return repl_usage_error(r, NULL, "unknown command '%s' (try help)", argv[0]);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fprintf(r->out, "usage: %s%s %s\n  %s\n", r->in_shell ? "." : "nous ", c->name,
                    c->usage, c->summary);
            return REPL_OK;
        }
    return c->run(r, argc, argv);
}

const char *repl_opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc) return NULL;
    return argv[++*i];
}

int repl_is_option(const char *a) { return a[0] == '-' && a[1] != '\0'; }

/* ------------------------------------------------------------ load */

typedef struct {
    Repl *r;
    const char *name;
} Progress;

static void show_progress(void *ctx, const KgLoadStats *s)
{
    Progress *p = ctx;
    fprintf(p->r->err, "\r  %s: %llu triples, %.0f triples/s   ", p->name,
            (unsigned long long)s->n_read, s->seconds > 0 ? (double)s->n_read / s->seconds : 0.0);
    fflush(p->r->err);
}

static int cmd_load(Repl *r, int argc, char **argv)
{
    KgLoadOptions opt = {0};
    const char *v;
    int only_files = 0, n_files = 0, n_ok = 0, status = REPL_FAIL;
    char **files = kg_calloc((size_t)argc, sizeof *files);
    char *failed = kg_calloc((size_t)argc, 1);
    if (!files || !failed) goto out;
    for (int i = 1; i < argc; i++) {
        if (!repl_is_option(argv[i]) || only_files) {
            files[n_files++] = argv[i];
        } else if (strcmp(argv[i], "--") == 0) {
            only_files = 1;
        } else if ((v = repl_opt_value(argc, argv, &i, "--format"))) {
            if (!(opt.format = kg_format_from_name(v))) {
                status = repl_usage_error(r, "load", "unknown format '%s' (nt, ttl, nq, trig, "
                                          "rdfxml, tsv)", v);
                goto out;
            }
        } else if ((v = repl_opt_value(argc, argv, &i, "--base"))) {
            opt.base_iri = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--graph"))) {
            opt.graph_iri = v;
        } else {
            status = repl_usage_error(r, "load", "unknown or incomplete option '%s'", argv[i]);
            goto out;
        }
    }
    if (n_files == 0) {
        status = repl_usage_error(r, "load", "no file to load");
        goto out;
    }
    KgStore *store = repl_store(r);
    if (!store) goto out;
    uint64_t total_read = 0, total_new = 0;
    double total_secs = 0;
    kg_interrupt_install(); // the shell's line editor may have taken SIGINT meanwhile
    for (int i = 0; i < n_files; i++) {
        Progress p = {r, files[i]};
        opt.progress = r->err_is_tty ? show_progress : NULL;
        opt.progress_ctx = &p;
        KgLoadStats st = {0};
        RsUpdateStats us = {0};
        KgError err = {0};
        /* a store reasoned over keeps its inferred triples up to date: the file is read, then
         * added with rs_update. Whether it is reasoned over is read inside the load's
         * transaction, under the write lock, so that a `reason` running meanwhile in another
         * process cannot make it stale. */
        int reasoned = 0;
        double t0 = kg_now();
        KgStatus s = kg_store_begin(store, &err);
        if (s == KG_OK) s = repl_store_reasoned(store, &reasoned, &err);
        if (s == KG_OK)
            s = reasoned ? repl_load_update(store, files[i], &opt, 0, &st, &us, &err)
                         : kg_load_file(store, files[i], &opt, &st, &err);
        if (s == KG_OK) s = kg_store_commit(store, &err);
        else if (kg_store_in_transaction(store)) kg_store_rollback(store);
        st.seconds = kg_now() - t0;
        if (reasoned) st.n_new = us.n_asserted;
        if (r->err_is_tty && st.n_read >= 100000) fprintf(r->err, "\r\033[K");
        if (s != KG_OK) {
            repl_error(r, &err);
            fprintf(r->err, "not loaded: %s (nothing of it was kept)\n", files[i]);
            failed[i] = 1;
            if (s == KG_ERR_INTERRUPTED) {
                for (int j = i + 1; j < n_files; j++) failed[j] = 1;
                break;
            }
            continue;
        }
        n_ok++;
        total_read += st.n_read;
        total_new += st.n_new;
        total_secs += st.seconds;
        fprintf(r->out, "loaded %s: %llu triples read, %llu new, %.3f s", files[i],
                (unsigned long long)st.n_read, (unsigned long long)st.n_new, st.seconds);
        if (st.seconds >= 0.05) fprintf(r->out, " (%.0f triples/s)", (double)st.n_read / st.seconds);
        fputc('\n', r->out);
        if (reasoned) repl_print_update(r, &us);
    }
    if (n_files > 1)
        fprintf(r->out, "%d of %d files loaded: %llu triples read, %llu new, %.3f s\n", n_ok,
                n_files, (unsigned long long)total_read, (unsigned long long)total_new,
                total_secs);
    if (n_ok < n_files && n_files > 1) {
        fprintf(r->err, "not loaded:");
        for (int i = 0; i < n_files; i++)
            if (failed[i]) fprintf(r->err, " %s", files[i]);
        fputc('\n', r->err);
    }
    if (n_ok) r->n_writes++;
    status = n_ok == n_files ? REPL_OK : kg_interrupted() ? REPL_INTERRUPTED : REPL_FAIL;
out:
    kg_free(files);
    kg_free(failed);
    return status;
}

/* ------------------------------------------------------------ stats */

typedef struct {
    Repl *r;
    KgBuf name;
    KgStatus status;
    KgError *err;
} StatsCtx;

static int print_pred(void *ctx, const KgPredStats *ps)
{
    StatsCtx *c = ctx;
    c->name.len = 0;
    c->status = kg_term_write_id(c->r->store, ps->p, 1, &c->name, c->err);
    if (c->status != KG_OK) return 1;
    fprintf(c->r->out, "  %-40s %10llu %10llu %10llu\n", kg_buf_cstr(&c->name),
            (unsigned long long)ps->n_triples, (unsigned long long)ps->n_subjects,
            (unsigned long long)ps->n_objects);
    return 0;
}

static int cmd_stats(Repl *r, int argc, char **argv)
{
    if (argc > 1) return repl_usage_error(r, "stats", "stats takes no arguments");
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgStats st;
    KgError err = {0};
    if (kg_stats_get(store, &st, &err) != KG_OK) {
        repl_error(r, &err);
        return REPL_FAIL;
    }
    fprintf(r->out, "store       %s\n", kg_store_path(store));
    fprintf(r->out, "quads       %llu (asserted %llu, inferred %llu)\n",
            (unsigned long long)st.n_quads, (unsigned long long)st.n_asserted,
            (unsigned long long)st.n_inferred);
    fprintf(r->out, "terms       %llu\n", (unsigned long long)st.n_terms);
    fprintf(r->out, "graphs      %llu named (and the default graph)\n",
            (unsigned long long)st.n_graphs);
    fprintf(r->out, "predicates  %llu\n", (unsigned long long)st.n_predicates);
    if (!st.n_predicates) return REPL_OK;
    fprintf(r->out, "  %-40s %10s %10s %10s\n", "predicate", "triples", "subjects", "objects");
    StatsCtx c = {r, {0}, KG_OK, &err};
    KgStatus s = kg_pred_stats_each(store, print_pred, &c, &err);
    kg_buf_free(&c.name);
    if (s == KG_OK) s = c.status;
    if (s != KG_OK) {
        repl_error(r, &err);
        return REPL_FAIL;
    }
    return REPL_OK;
}

/* ------------------------------------------------------------ match */

/* Reads one pattern position: '?' or '?name' is any; anything else a term that must exist
 * (*absent = 1 when it does not, so nothing can match). */
static KgStatus pattern_term(KgStore *store, const char *text, KgArena *arena, KgTermId *out,
                             int *absent, KgError *err)
{
    *out = KG_ANY;
    if (text[0] == '?') return KG_OK;
    KgTerm t;
    KgStatus s = kg_term_parse(store, text, arena, &t, err);
    if (s != KG_OK) return s;
    s = kg_dict_lookup(store, &t, out, err);
    if (s == KG_ERR_NOT_FOUND) {
        *absent = 1;
        return KG_OK;
    }
    return s;
}

static int cmd_match(Repl *r, int argc, char **argv)
{
    const char *pos[3];
    int n_pos = 0;
    long limit = -1;
    const char *graph = NULL, *v;
    for (int i = 1; i < argc; i++) {
        if ((v = repl_opt_value(argc, argv, &i, "--limit"))) {
            char *end;
            limit = strtol(v, &end, 10);
            if (*end || limit < 0)
                return repl_usage_error(r, "match", "--limit needs a number, not '%s'", v);
        } else if ((v = repl_opt_value(argc, argv, &i, "--graph"))) {
            graph = v;
        } else if (n_pos < 3 && (!repl_is_option(argv[i]) || argv[i][1] == '?')) {
            pos[n_pos++] = argv[i];
        } else {
            return repl_usage_error(r, "match", "unexpected argument '%s'", argv[i]);
        }
    }
    if (n_pos != 3) return repl_usage_error(r, "match", "match needs a subject, predicate and object");
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgArena *arena = kg_arena_new(1024);
    KgError err = {0};
    KgQuad pat = {0, 0, 0, KG_ANY_GRAPH};
    KgTermId *slot[3] = {&pat.s, &pat.p, &pat.o};
    int absent = 0, status = REPL_OK;
    KgStatus s = arena ? KG_OK : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    for (int i = 0; i < 3 && s == KG_OK; i++) s = pattern_term(store, pos[i], arena, slot[i], &absent, &err);
    if (s == KG_OK && graph) {
        if (strcmp(graph, "default") == 0)
            pat.g = KG_DEFAULT_GRAPH;
        else
            s = pattern_term(store, graph, arena, &pat.g, &absent, &err);
    }
    KgIter *it = NULL;
    KgBuf line = {0};
    unsigned long n = 0;
    if (s == KG_OK && !absent) s = kg_match_new(store, &pat, KG_ASSERTED | KG_INFERRED, &it, &err);
    while (s == KG_OK && it && (limit < 0 || (long)n < limit)) {
        KgQuad q;
        s = kg_iter_next(it, &q, NULL, &err);
        if (s != KG_OK) break;
        line.len = 0;
        KgTermId ids[4] = {q.s, q.p, q.o, q.g};
        for (int i = 0; i < 4 && s == KG_OK; i++) {
            if (i == 3 && q.g == KG_DEFAULT_GRAPH) break;
            if (i) s = kg_buf_puts(&line, " ");
            if (s == KG_OK) s = kg_term_write_id(store, ids[i], 1, &line, &err);
        }
        if (s == KG_OK) {
            fprintf(r->out, "%s .\n", kg_buf_cstr(&line));
            n++;
        }
    }
    if (s == KG_DONE) s = KG_OK;
    if (s != KG_OK) {
        repl_error(r, &err);
        status = s == KG_ERR_ARG || s == KG_ERR_NOT_FOUND ? REPL_USAGE : REPL_FAIL;
    } else if (r->err_is_tty || r->in_shell) {
        fprintf(r->err, "%lu match%s\n", n, n == 1 ? "" : "es");
    }
    kg_iter_free(it);
    kg_buf_free(&line);
    kg_arena_free(arena);
    return status;
}

/* ------------------------------------------------------------ export */

static int cmd_export(Repl *r, int argc, char **argv)
{
    KgFormat fmt = KG_FMT_NTRIPLES;
    unsigned marks = KG_ASSERTED | KG_INFERRED;
    const char *path = NULL, *v;
    for (int i = 1; i < argc; i++) {
        if ((v = repl_opt_value(argc, argv, &i, "--format"))) {
            fmt = kg_format_from_name(v);
            if (fmt != KG_FMT_NTRIPLES && fmt != KG_FMT_TURTLE && fmt != KG_FMT_NQUADS)
                return repl_usage_error(r, "export", "export writes nt, ttl or nq, not '%s'", v);
        } else if (strcmp(argv[i], "--asserted") == 0) {
            marks = KG_ASSERTED;
        } else if (strcmp(argv[i], "--inferred") == 0) {
            marks = KG_INFERRED;
        } else if ((v = repl_opt_value(argc, argv, &i, "-o"))) {
            path = v;
        } else {
            return repl_usage_error(r, "export", "unexpected argument '%s'", argv[i]);
        }
    }
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    // -o FILE is written whole or not at all: a failed or interrupted export leaves it as it was.
    FILE *out = r->out;
    KgAtomicFile file;
    KgError err = {0};
    if (path) {
        if (kg_atomic_file_open(&file, path, &err) != KG_OK) {
            repl_error(r, &err);
            return REPL_FAIL;
        }
        out = file.f;
    }
    KgStatus s = kg_export(store, out, fmt, marks, &err);
    if (path) {
        if (s == KG_OK) s = kg_atomic_file_commit(&file, &err);
        else kg_atomic_file_abort(&file);
    }
    if (s != KG_OK) {
        repl_error(r, &err);
        return REPL_FAIL;
    }
    return REPL_OK;
}

/* ------------------------------------------------------------ prefixes, help, shell */

static void print_prefix(void *ctx, const char *prefix, const char *ns)
{
    Repl *r = ctx;
    fprintf(r->out, "%s: <%s>\n", prefix, ns);
}

static int cmd_prefixes(Repl *r, int argc, char **argv)
{
    if (argc > 1) return repl_usage_error(r, "prefixes", "prefixes takes no arguments");
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    if (kg_prefix_each(store, print_prefix, r, &err) != KG_OK) {
        repl_error(r, &err);
        return REPL_FAIL;
    }
    return REPL_OK;
}

/* A prefix name as Turtle and SPARQL write it (PN_PREFIX, ASCII part): a letter, then
 * letters, digits, '_', '-' or '.', not ending in '.'. */
static int valid_prefix_name(const char *p, size_t n)
{
    if (n == 0 || !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z'))) return 0;
    if (p[n - 1] == '.') return 0;
    for (size_t i = 1; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", p[i]))
            return 0;
    return 1;
}

static int cmd_prefix(Repl *r, int argc, char **argv)
{
    if (argc == 1) return cmd_prefixes(r, argc, argv);
    if (argc != 3) return repl_usage_error(r, "prefix", "prefix needs a name and an IRI");
    size_t n = strlen(argv[1]);
    if (n && argv[1][n - 1] == ':') n--;
    if (!valid_prefix_name(argv[1], n))
        return repl_usage_error(r, "prefix", "'%s' is not a prefix name", argv[1]);
    const char *iri = argv[2];
    size_t iri_len = strlen(iri);
    if (iri[0] == '<') {
        if (iri_len < 2 || iri[iri_len - 1] != '>')
            return repl_usage_error(r, "prefix", "unterminated IRI '%s'", iri);
        iri++;
        iri_len -= 2;
    }
    if (iri_len == 0 || memchr(iri, ':', iri_len) == NULL)
        return repl_usage_error(r, "prefix", "'%s' is not an absolute IRI", argv[2]);
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    char *name = kg_strndup(argv[1], n), *ns = kg_strndup(iri, iri_len);
    KgError err = {0};
    KgStatus s = name && ns ? kg_store_begin(store, &err)
                            : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) {
        if ((s = kg_prefix_set(store, name, ns, &err)) == KG_OK)
            s = kg_store_commit(store, &err);
        else
            kg_store_rollback(store);
    }
    kg_free(name);
    kg_free(ns);
    if (s != KG_OK) {
        repl_error(r, &err);
        return repl_status_of(s);
    }
    r->n_writes++;
    return REPL_OK;
}

/* One line per command, "  .name usage   summary", the summary on a line of its own when
 * the usage is long. */
static void print_command(Repl *r, const ReplCommand *c)
{
    const char *dot = r->in_shell ? "." : "";
    int n = fprintf(r->out, "  %s%s%s%s", dot, c->name, c->usage[0] ? " " : "", c->usage);
    if (n > 34) n = fprintf(r->out, "\n") - 1;
    fprintf(r->out, "%*s%s\n", 36 - n, "", c->summary);
}

static int cmd_help(Repl *r, int argc, char **argv)
{
    const char *lead = r->in_shell ? "." : "nous ";
    if (argc > 2) return repl_usage_error(r, "help", "help takes one command name at most");
    if (argc == 2) {
        const char *name = argv[1][0] == '.' ? argv[1] + 1 : argv[1];
        const ReplCommand *c = repl_command_find(r, name);
        if (!c) return repl_usage_error(r, NULL, "no command '%s'", argv[1]);
        fprintf(r->out, "usage: %s%s %s\n  %s\n", lead, c->name, c->usage, c->summary);
        return REPL_OK;
    }
    if (!r->in_shell)
        fprintf(r->out, "usage: nous [--db PATH] [--keep-going] COMMAND [ARGS...]"
                        "   (no command: the shell)\n"
                        "The store is --db PATH, else $NOUS_DB, else ./nous.db.\n\n");
    fprintf(r->out, "commands:\n");
    for (const ReplCommand *c = repl_commands; c->name; c++) print_command(r, c);
    if (!r->in_shell) return REPL_OK;
    fprintf(r->out, "shell:\n");
    for (const ReplCommand *c = repl_shell_commands; c->name; c++) print_command(r, c);
    fprintf(r->out,
            "SPARQL: a line starting with PREFIX, BASE, SELECT, ASK, CONSTRUCT or DESCRIBE\n"
            "starts a query; it runs at a ';' ending a line, or at an empty line, once its\n"
            "braces balance. Ctrl-C stops a command or clears the line; Ctrl-D leaves.\n");
    return REPL_OK;
}

static int cmd_shell(Repl *r, int argc, char **argv)
{
    if (argc > 1) return repl_usage_error(r, "shell", "shell takes no arguments");
    if (r->in_shell) return REPL_OK;
    return repl_shell(r);
}
