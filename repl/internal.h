/* repl/internal.h: what the files of repl/ share: the session (store, output streams, shell
 * settings), the command tables (one serving both `nous CMD ARGS` and `.cmd ARGS`, and the
 * shell's own), query results in each output format, and the shell's input rules. */
#ifndef NOUS_REPL_INTERNAL_H
#define NOUS_REPL_INTERNAL_H

#include "kg/kg.h"
#include "kg/linkpred.h"
#include "neural/nn.h"
#include "reasoner/rs.h"
#include "repl/repl.h"

#include <stdio.h>

#define NOUS_VERSION "0.1.0"

/* Exit statuses: 0 success, 1 failure (bad input, a load that failed), 2 usage error,
 * 130 stopped by Ctrl-C (the shell convention, 128 + SIGINT). */
enum { REPL_OK = 0, REPL_FAIL = 1, REPL_USAGE = 2, REPL_INTERRUPTED = 130 };

typedef struct ReplCompletion ReplCompletion;

typedef struct {
    const char *db_path;
    KgStore *store; /* opened on first use */
    FILE *out, *err;
    int err_is_tty;
    int in_shell;
    int keep_going;        /* --keep-going: a script goes on after a failing line */
    /* Shell settings */
    const char *mode;      /* .mode: result format of queries; NULL: chosen by the output */
    int timer;             /* .timer on: run time after each command */
    int quit;              /* .quit was given */
    int read_depth;        /* nesting of .read */
    FILE *out_file;        /* .output FILE: the open file (r->out points to it), or NULL */
    unsigned long n_writes; /* bumped by commands that change the store (completion cache) */
    ReplCompletion *completion;
} Repl;

typedef int (*ReplHandler)(Repl *r, int argc, char **argv); /* argv[0]: the command name */

typedef struct {
    const char *name;
    const char *usage;   /* arguments, shown by help and on a usage error */
    const char *summary; /* one line for help */
    ReplHandler run;
} ReplCommand;

extern const ReplCommand repl_commands[];       /* commands.c: `nous CMD` and `.cmd` */
extern const ReplCommand repl_shell_commands[]; /* shell_commands.c: only `.cmd` */

/* Finds a command of repl_commands (and, in the shell, of repl_shell_commands). */
const ReplCommand *repl_command_find(const Repl *r, const char *name);
/* Runs argv[0] with its arguments; returns an exit status. */
int repl_command_run(Repl *r, int argc, char **argv);

/* Option parsing shared by the handlers: the value of argv[*i] when it is "--name VALUE" or
 * "--name=VALUE" (advancing *i past VALUE), else NULL. */
const char *repl_opt_value(int argc, char **argv, int *i, const char *name);
/* "-x" or "--xyz", but not "-" (standard input) */
int repl_is_option(const char *arg);

/* The store, opened on first use; NULL after printing why it could not be opened. */
KgStore *repl_store(Repl *r);

/* Prints an error GNU-style: "file:line:col: error: message", or "nous: error: message". */
void repl_error(Repl *r, const KgError *err);
/* Prints "nous: error: <message>" for argument problems; returns REPL_USAGE. */
int repl_usage_error(Repl *r, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A count option's value v, 1 to max, into *out; REPL_OK, or a usage error naming it. */
int repl_parse_count(Repl *r, const char *cmd, const char *name, const char *v, size_t max, size_t *out);
/* The exit status for a failed operation's status: 130 when interrupted, else 1. */
int repl_status_of(KgStatus st);

/* ---------------------------------------------------------------- queries (query.c) */

/* Prepares and runs `len` bytes of SPARQL, writing the results to r->out in `format` (NULL:
 * r->mode, else table on a terminal, N-Triples for CONSTRUCT and TSV otherwise). Error
 * positions say `name`:LINE:COL, the text's first line being line `first_line` (a query
 * read from a script keeps the script's line numbers). With `explain` the plan is printed
 * and the query not run. */
int repl_query_run(Repl *r, const char *text, size_t len, const char *name,
                   unsigned long first_line, const char *format, int explain);
/* Reads all of `path` ("-": standard input) into buf; KG_ERR_IO naming the file. */
KgStatus repl_read_file(const char *path, KgBuf *buf, KgError *err);
/* The handler of `query` (a row of repl_commands). */
int repl_cmd_query(Repl *r, int argc, char **argv);
/* reason.c: `reason` and `explain` */
int repl_cmd_reason(Repl *r, int argc, char **argv);
int repl_cmd_explain(Repl *r, int argc, char **argv);
void repl_write_quad(Repl *r, KgStore *store, const KgQuad *q);
/* Appends "s p o" with CURIEs to b. */
void repl_quad_text(KgStore *store, const KgQuad *q, KgBuf *b);
/* The proof of q as `explain` prints it (text), indented by depth; `seen` collects the triples
 * shown (free it with kg_free). */
KgStatus repl_explain_quad(Repl *r, KgStore *store, const KgQuad *q, int depth, KgQuad **seen, size_t *n_seen,
                           KgError *err);
/* The store's id of a term written as on the command line (prefixed name, <IRI>, literal);
 * KG_ERR_NOT_FOUND names the word when the store does not hold it (predict_rules.c). */
KgStatus repl_term_id(KgStore *store, const char *word, KgArena *arena, KgTermId *id, KgError *err);
/* predict_rules.c: `predict ... --rules FILE`, and `explain S P O --rules FILE` for a triple
 * the store does not hold (0 explained, 1 no rule predicts it, -1 an error in err) */
int repl_predict_rules(Repl *r, int argc, char **argv);
int repl_explain_predicted(Repl *r, KgStore *store, const KgTermId ids[3], const char *path, KgError *err);
/* Rule i of p as written, on one line; then, when rule i has a grounding with head (sub,
 * obj), "INDENTbecause premise ; premise" */
void repl_write_rule(Repl *r, const RsProgram *p, size_t i);
KgStatus repl_write_rule_grounding(Repl *r, KgStore *store, const RsProgram *p, RsQuerier *q, size_t rule, KgTermId sub,
                                   KgTermId obj, const char *indent, KgError *err);
/* Each rule of candidate c (of p, grounded through q) with head (sub, obj): its label and
 * text, then a grounding's triples explained down to asserted ones. */
KgStatus repl_explain_rules(Repl *r, KgStore *store, const RsProgram *p, RsQuerier *q, const RsCandidate *c, KgTermId sub,
                            KgTermId obj, KgError *err);
/* predict_fused.c: `predict ... --fused`, `explain --fused S P O`, `reason --with-embeddings` */
int repl_predict_fused(Repl *r, int argc, char **argv);
int repl_explain_fused(Repl *r, KgStore *store, const KgTermId ids[3], const char *rules_path, const char *set,
                       KgError *err);
/* Adds the fused candidates of probability >= threshold (the best k per query) as inferred
 * triples, inside the caller's transaction; *n_added counts them. */
KgStatus repl_add_fused(Repl *r, KgStore *store, const char *rules_path, const char *set, double threshold, size_t k,
                        size_t *n_added, KgError *err);
/* embed.c: the embedding set to use: `given`, or the store's only one (an error names them
 * when there are several, or says to train when there is none); *name to kg_free */
KgStatus repl_embedding_set(KgStore *store, const char *given, char **name, KgError *err);
int repl_cmd_kgc(Repl *r, int argc, char **argv);
/* embed.c: one training option at argv[*i] (*consumed: whether it was one), and the
 * progress of training epochs on r->err (ctx: the Repl) */
int repl_parse_train_option(Repl *r, const char *cmd, int argc, char **argv, int *i, NnTrainOptions *o,
                            int *consumed);
void repl_on_epoch(void *repl, const NnEpoch *e);
/* search.c: `similar`, `analogy` and `search` in the stored embedding space */
int repl_cmd_similar(Repl *r, int argc, char **argv);
int repl_cmd_analogy(Repl *r, int argc, char **argv);
int repl_cmd_search(Repl *r, int argc, char **argv);
/* The row of entity term t in set e, -1 when it has none. */
long repl_embedding_row(const KgEmbedding *e, KgTermId t);
/* A --metric value into *out: REPL_OK, or a usage error naming the metrics. */
int repl_parse_metric(Repl *r, const char *cmd, const char *v, NnMetric *out);
/* update.c: `add`, `retract`; the rule sources `reason` records for them */
int repl_cmd_add(Repl *r, int argc, char **argv);
int repl_cmd_retract(Repl *r, int argc, char **argv);
int repl_cmd_unload(Repl *r, int argc, char **argv);
/* Whether the store was reasoned over (rule sources are recorded). */
KgStatus repl_store_reasoned(KgStore *store, int *yes, KgError *err);
/* Loads (or, with unload, retracts the asserted quads of) one file and updates the inferred
 * triples under the recorded rule sources, in one transaction: its own, or the caller's when
 * one is open (the caller then commits or rolls back). */
KgStatus repl_load_update(KgStore *store, const char *path, const KgLoadOptions *opt, int unload, KgLoadStats *st,
                          RsUpdateStats *us, KgError *err);
void repl_print_update(Repl *r, const RsUpdateStats *us);
/* `reason` on a store reasoned over: the given sources join the recorded ones (a file whose
 * text changed replaces its old rules), those of `drop` (file names or profile names) leave,
 * and the inferred triples follow incrementally (rs_update_program), in the open transaction.
 * limits (may be NULL) bound it (RsOptions.max_derived, timeout). *n_rules gets the rules of the
 * program now in force. */
KgStatus repl_reason_update(KgStore *store, const char *const *kinds, const char *const *names, size_t n,
                            const char *const *drop, size_t n_drop, const RsOptions *limits, RsUpdateStats *us,
                            size_t *n_rules, KgError *err);
/* Records, in the open transaction, the rule sources of a reasoning: profile names and rule
 * files (read again for their text); kinds[i] is "profile" or "file". */
KgStatus repl_record_rule_sources(KgStore *store, const char *const *kinds, const char *const *names, size_t n,
                                  KgError *err);
/* eval_search.c */
int repl_cmd_eval_search(Repl *r, int argc, char **argv);
/* plot_embeddings.c: `plot-embeddings`, a set's entities on their first two principal components */
int repl_cmd_plot_embeddings(Repl *r, int argc, char **argv);
/* fusion.c: `kgc DIR --method fusion` */
int repl_kgc_fusion(Repl *r, int argc, char **argv);
int repl_cmd_blas(Repl *r, int argc, char **argv);
int repl_cmd_train(Repl *r, int argc, char **argv);
int repl_cmd_predict(Repl *r, int argc, char **argv);
/* predict's pattern: S P ? or ? P O (*head: the subject is asked); a usage error otherwise */
int repl_predict_pattern(Repl *r, size_t n_words, const char *const *words, int *head);
/* "asserted", "inferred" or "" for (s, p, o) in the store */
const char *repl_known_mark(KgStore *store, KgTermId s, KgTermId p, KgTermId o);
int repl_cmd_mine(Repl *r, int argc, char **argv);
/* `kgc DIR --method rules ...` (mine.c) */
int repl_kgc_rules(Repl *r, int argc, char **argv);
/* The rules side of kgc, which --method fusion shares: the settings of ranking by rules and
 * which of them are picked on valid; mining options; -o FILE.dl keeps the rules. */
typedef struct {
    size_t max_length;
    double unseen;
    RsAggregation agg;
    int pick_length, pick_unseen, pick_agg;
} ReplRankSettings;
typedef struct {
    RsMineOptions mine;
    ReplRankSettings x;
    const char *keep;
} ReplKgcRulesSetup;
/* What the rules side made: the benchmark read (its terms those of the store in memory that
 * holds train.txt), the mined rules as a program, and a ranker tuned on valid. */
typedef struct {
    KgLinkDataset *d;
    KgStore *mem;
    RsMined *mined;
    RsProgram *prog;
    RsRanker *ranker;
    ReplRankSettings x; /* as picked */
    double load_seconds, mine_seconds;
} ReplKgcRules;
void repl_kgc_rules_defaults(ReplKgcRulesSetup *setup);
/* One option of the rules side at argv[*i]: *consumed says whether it was one. */
int repl_kgc_rules_option(Repl *r, int argc, char **argv, int *i, ReplKgcRulesSetup *setup, int *consumed);
/* Reads DIR, loads its train.txt into a store in memory, mines and tunes (reporting as it
 * goes unless json); release k even on failure. */
KgStatus repl_kgc_rules_prepare(Repl *r, int json, const char *dir, ReplKgcRulesSetup *setup, ReplKgcRules *k,
                                KgError *err);
void repl_kgc_rules_release(ReplKgcRules *k);

/* ---------------------------------------------------------------- result formats (results.c) */

/* Rows of terms to write in a result format: a query's results, or a table a command built
 * (rows.c). next gives KG_OK with a row and KG_DONE after the last (for ASK: KG_OK when
 * true); value fills column i of the current row, 0 when it is unbound. */
typedef struct ReplRows ReplRows;
struct ReplRows {
    KgQueryForm form;
    size_t n_columns;
    const char *(*column)(ReplRows *rows, size_t i);
    KgStatus (*next)(ReplRows *rows, KgError *err);
    int (*value)(ReplRows *rows, size_t i, KgTerm *out);
    void *ctx;
};

/* Writes every remaining row to `out` (the writer calls next). On failure (including
 * KG_ERR_INTERRUPTED) the output may hold the rows written so far. */
typedef KgStatus (*ReplResultWriter)(KgStore *store, ReplRows *q, FILE *out, KgError *err);

enum { REPL_FOR_SELECT = 1, REPL_FOR_ASK = 2, REPL_FOR_CONSTRUCT = 4 };

typedef struct {
    const char *name;
    unsigned forms; /* REPL_FOR_* bits: the query forms it writes */
    ReplResultWriter write;
    const char *summary;
} ReplResultFormat;

extern const ReplResultFormat repl_result_formats[];
const ReplResultFormat *repl_result_format_find(const char *name);
/* The REPL_FOR_* bit of a query form. */
unsigned repl_form_bit(KgQueryForm form);

/* ---------------------------------------------------------------- rows to write (rows.c) */

/* A query's results as rows. */
ReplRows repl_rows_of_query(KgQuery *q);

/* A table a command fills (SELECT form): fixed columns, rows of terms. */
typedef struct ReplTable ReplTable;
/* columns: n_columns names (without '?'), copied. NULL when out of memory. */
ReplTable *repl_table_new(const char *const *columns, size_t n_columns);
void repl_table_free(ReplTable *t);
/* Starts a row; its cells are then added in column order (missing ones stay unbound). */
KgStatus repl_table_row(ReplTable *t);
/* The cell: the store's term `id`; an xsd:decimal of 4 places
 * (xsd:double INF, -INF or NaN when not finite); an xsd:integer; an xsd:boolean. */
KgStatus repl_table_term_id(ReplTable *t, KgStore *store, KgTermId id, KgError *err);
KgStatus repl_table_decimal(ReplTable *t, double value);
KgStatus repl_table_integer(ReplTable *t, long long value);
KgStatus repl_table_boolean(ReplTable *t, int value);
/* Leaves the current cell unbound. */
KgStatus repl_table_skip(ReplTable *t);
/* The table's rows from the first (the table must outlive them). */
ReplRows repl_table_rows(ReplTable *t);

/* Writes rows to r->out in `format` (NULL: r->mode when it fits the rows' form, else a table
 * at a terminal, N-Triples for CONSTRUCT and SPARQL TSV otherwise); `cmd` names the command
 * in a usage error when format does not fit. An exit status; errors are printed. */
int repl_write_rows(Repl *r, const char *cmd, KgStore *store, ReplRows *rows, const char *format);
/* A --format value: REPL_OK, or a usage error naming the known formats. */
int repl_check_format(Repl *r, const char *cmd, const char *format);

/* ---------------------------------------------------------------- the shell */

/* The interactive shell (or a script read from standard input). */
int repl_shell(Repl *r);
/* Runs the lines of `in` as a shell script (`.read`); `name` is used in error positions.
 * Stops at the first failing line unless --keep-going; returns its status. */
int repl_shell_run_file(Repl *r, FILE *in, const char *name);

/* Splits a shell line into words: blanks separate, '...' quotes (and is removed), "..." is
 * kept with its quotes (it is an RDF literal), <...> is one word. Caller frees with
 * repl_words_free(). Returns KG_ERR_ARG for an unterminated quote. */
KgStatus repl_split_words(const char *line, int *argc, char ***argv, KgError *err);
void repl_words_free(int argc, char **argv);

/* How SPARQL typed into the shell is recognised and ended (sparql_input.c). */
/* 1 when the line's first word is a SPARQL keyword that starts a query (PREFIX, BASE,
 * SELECT, ASK, CONSTRUCT, DESCRIBE; any case). */
int repl_starts_query(const char *line);
/* Whether `len` bytes of query text are complete: 1 when the braces outside strings, IRIs
 * and comments balance and the text ends with ';' (then *end is the offset of that ';')
 * or `blank_line` is set (then *end = len). 0 means more lines are needed. */
int repl_query_complete(const char *text, size_t len, int blank_line, size_t *end);

/* Tab completion (complete.c): dot-commands, prefixes, and CURIEs of the store's predicates
 * and classes, cached per session and rebuilt after a change to the store. */
void repl_completion_install(Repl *r);
void repl_completion_free(Repl *r);

#endif
