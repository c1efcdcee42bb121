/* kg/kg.h: the kg module's contract: status and errors, memory, the store (one SQLite file),
 * the term dictionary, quads, prefixes, statistics, loading RDF and TSV files, and export.
 * Other modules include only this header. Each function is documented once, here: what it
 * does, who owns what, and how it fails ("on error no operation is performed"). */
#ifndef NOUS_KG_H
#define NOUS_KG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- status and errors */

typedef enum {
    KG_OK = 0,
    KG_DONE,          /* an iterator is exhausted; not an error */
    KG_ERR_NOMEM,
    KG_ERR_IO,
    KG_ERR_ARG,       /* a bad argument from the user (a term, an option) */
    KG_ERR_NOT_FOUND,
    KG_ERR_SYNTAX,    /* bad input text: the error has file, line and column */
    KG_ERR_DB,        /* SQLite refused: msg holds sqlite3_errmsg() */
    KG_ERR_VERSION,   /* the store file was made by an incompatible version */
    KG_ERR_INTERRUPTED,
    KG_ERR_INTERNAL,
    KG_ERR_LIMIT,     /* a documented limit was reached (reasoning's --max-derived, --timeout) */
} KgStatus;

/* An error: where it happened and what. `file` is borrowed (it must outlive the error's
 * use); line and col are 1-based, 0 when unknown. Reporting never allocates. */
typedef struct {
    KgStatus status;
    const char *file;
    unsigned long line, col;
    char msg[256];
} KgError;

/* Records `st` with a printf-style message and no position; returns `st`. `err` may be NULL. */
KgStatus kg_error_set(KgError *err, KgStatus st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records `st` at file:line:col; returns `st`. */
KgStatus kg_error_at(KgError *err, KgStatus st, const char *file, unsigned long line,
                     unsigned long col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Clears `err` to KG_OK. */
void kg_error_clear(KgError *err);
/* Writes "file:line:col: message" (the parts that are known) into buf. */
void kg_error_format(const KgError *err, char *buf, size_t buf_len);
/* Writes only where: "file:line:col", "file:line", "file", or "" when nothing is known. */
void kg_error_where(const KgError *err, char *buf, size_t buf_len);
/* The message, or the status's name when there is none. */
const char *kg_error_message(const KgError *err);
/* A short English name for a status ("syntax error", "out of memory", ...). */
const char *kg_status_name(KgStatus st);

#define KG_TRY(st, expr)                                                                   \
    do {                                                                                   \
        if (((st) = (expr)) != KG_OK) goto out;                                            \
    } while (0)

/* ---------------------------------------------------------------- memory */

/* All heap memory of nous goes through these, so that tests can fail the Nth allocation. */
void *kg_malloc(size_t n);
void *kg_calloc(size_t count, size_t n);
void *kg_realloc(void *p, size_t n);
void kg_free(void *p);
char *kg_strdup(const char *s);
char *kg_strndup(const char *s, size_t n);
/* Fault injection for tests: after `n` more successful allocations every allocation fails;
 * n < 0 turns it off. kg_mem_n_allocs() counts allocations since the process started. */
void kg_mem_fail_after(long n);
unsigned long kg_mem_n_allocs(void);

/* A bump arena for small objects that die together; blocks are chained, so pointers into
 * it never move. kg_arena_alloc returns 16-byte aligned memory, NULL when out of memory. */
typedef struct KgArena KgArena;
KgArena *kg_arena_new(size_t block_size);
void *kg_arena_alloc(KgArena *a, size_t n);
char *kg_arena_strndup(KgArena *a, const char *s, size_t n);
void kg_arena_reset(KgArena *a);
void kg_arena_free(KgArena *a);

/* A growable byte string with a cap; used to build output and terms. */
typedef struct {
    char *data; /* NUL-terminated when len > 0 or after kg_buf_cstr */
    size_t len, cap;
} KgBuf;
KgStatus kg_buf_append(KgBuf *b, const char *s, size_t n);
KgStatus kg_buf_puts(KgBuf *b, const char *s);
KgStatus kg_buf_printf(KgBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *kg_buf_cstr(KgBuf *b); /* "" for an empty buffer; NULL only when out of memory */
/* Appends code point cp (at most U+10FFFF) as UTF-8. */
KgStatus kg_buf_put_utf8(KgBuf *b, uint32_t cp);
/* Writes cp as UTF-8 into out; returns the byte count (1 to 4). */
size_t kg_utf8_encode(uint32_t cp, char out[4]);
/* The value of a hexadecimal digit, -1 for any other character. */
int kg_hex_digit(int c);
void kg_buf_free(KgBuf *b);

/* A file written whole or not at all (kg/atomic_file.c): written to a temporary file next to
 * `path`, flushed to disk and renamed over `path` by commit; abort, or any failure, removes
 * the temporary file and leaves `path` as it was. (A path that is not a regular file, such as
 * /dev/stdout, is written directly.) `path` must outlive the KgAtomicFile. */
typedef struct {
    FILE *f;          /* write here between open and commit */
    char *tmp;        /* the temporary file's name; NULL when writing `path` directly */
    char *target;     /* the file a symbolic link names, or NULL */
    const char *path;
} KgAtomicFile;
KgStatus kg_atomic_file_open(KgAtomicFile *af, const char *path, KgError *err);
KgStatus kg_atomic_file_commit(KgAtomicFile *af, KgError *err);
void kg_atomic_file_abort(KgAtomicFile *af);
/* The whole of `data` as the file `path`. */
KgStatus kg_atomic_file_write(const char *path, const void *data, size_t len, KgError *err);

/* ---------------------------------------------------------------- interruption (Ctrl-C) */

/* Long operations (loads, reasoning rounds, epochs) poll kg_interrupted() and stop with
 * KG_ERR_INTERRUPTED, rolling back. kg_interrupt_install() sets a SIGINT handler that
 * requests it; a second Ctrl-C while one is pending restores the default action. */
void kg_interrupt_install(void);
void kg_interrupt_request(void);
int kg_interrupted(void);
/* Seconds on the monotonic clock, for timing work. */
double kg_now(void);
void kg_interrupt_clear(void);

/* ---------------------------------------------------------------- terms */

typedef uint64_t KgTermId; /* 0 is never a valid id */

typedef enum { KG_TERM_IRI = 1, KG_TERM_BLANK = 2, KG_TERM_LITERAL = 3 } KgTermKind;

/* A term, borrowed: the strings belong to whoever filled the struct. For a literal,
 * `datatype` is the datatype IRI or NULL, `lang` the language tag or NULL (never both).
 * A literal typed xsd:string is the same term as the plain literal. `lex` may hold NULs;
 * its length is `lex_len`. */
typedef struct {
    KgTermKind kind;
    const char *lex;
    size_t lex_len;
    const char *datatype;
    const char *lang;
} KgTerm;

#define KG_NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define KG_NS_RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define KG_NS_XSD "http://www.w3.org/2001/XMLSchema#"
#define KG_NS_OWL "http://www.w3.org/2002/07/owl#"
#define KG_RDF_TYPE KG_NS_RDF "type"

/* ---------------------------------------------------------------- the store */

typedef struct KgStore KgStore;

/* Opens or creates the store at `path` (":memory:" for a private in-memory store).
 * A file made by an incompatible schema version fails with KG_ERR_VERSION. On failure
 * *out is NULL and err says why. Close with kg_store_close(). */
KgStatus kg_store_open(const char *path, KgStore **out, KgError *err);
/* Closes the store, rolling back an open transaction. NULL does nothing. */
void kg_store_close(KgStore *store);
const char *kg_store_path(const KgStore *store);

/* One write transaction. Loads, reasoning and training run inside exactly one. */
KgStatus kg_store_begin(KgStore *store, KgError *err);
/* 1 while a kg_store_begin transaction is open: a writer that finds one joins it (the caller
 * commits or rolls back), as kg_embedding_save and rs_reason do. */
int kg_store_in_transaction(const KgStore *store);
KgStatus kg_store_commit(KgStore *store, KgError *err);
void kg_store_rollback(KgStore *store);

/* For a writer about to add many quads (relative to the store) in its transaction: drop the
 * secondary quad indexes now, and rebuild them by sorting in kg_store_bulk_end(), which must
 * come before the commit (a rollback restores them either way). */
KgStatus kg_store_bulk_begin(KgStore *store, KgError *err);
KgStatus kg_store_bulk_end(KgStore *store, KgError *err);

/* The schema version this build writes. */
int kg_schema_version(void);

/* ---------------------------------------------------------------- term dictionary */

/* The longest lexical form (an IRI, a literal's text) a term may have; a longer one is refused
 * (KG_ERR_ARG; when loading, KG_ERR_SYNTAX at its file and line). */
#define KG_MAX_TERM_BYTES ((size_t)16 << 20)

/* Finds the id of `term`; KG_ERR_NOT_FOUND (without touching err) when it is not stored. */
KgStatus kg_dict_lookup(KgStore *store, const KgTerm *term, KgTermId *out, KgError *err);
/* Finds or adds `term`; the same term always gets the same id. */
KgStatus kg_dict_intern(KgStore *store, const KgTerm *term, KgTermId *out, KgError *err);
/* Reads the term with id `id` into *out; the strings stay valid until the next call to
 * kg_dict_get on this store. KG_ERR_NOT_FOUND for an unknown id. */
KgStatus kg_dict_get(KgStore *store, KgTermId id, KgTerm *out, KgError *err);
/* Looks up (never adds) an IRI; KG_ERR_NOT_FOUND when absent. */
KgStatus kg_dict_lookup_iri(KgStore *store, const char *iri, KgTermId *out, KgError *err);

/* ---------------------------------------------------------------- quads */

typedef struct {
    KgTermId s, p, o, g; /* g == KG_DEFAULT_GRAPH for the default graph */
} KgQuad;

#define KG_DEFAULT_GRAPH ((KgTermId)0)
#define KG_ANY ((KgTermId)0)            /* wildcard for s, p, o in a pattern */
#define KG_ANY_GRAPH ((KgTermId)UINT64_MAX) /* wildcard for g in a pattern */

/* How a quad is held: asserted (loaded or added), inferred (derived), or both. */
enum { KG_ASSERTED = 1, KG_INFERRED = 2 };

/* Adds a quad with the given mark (KG_ASSERTED or KG_INFERRED). A quad already stored
 * only gains the mark. *is_new (may be NULL) tells whether the quad was not stored before. */
KgStatus kg_quad_add(KgStore *store, const KgQuad *q, unsigned mark, int *is_new, KgError *err);
/* Takes `mark` off a quad, inside a transaction: a quad left with no mark is deleted, and one
 * that loses KG_INFERRED loses its recorded derivation. *had (may be NULL) tells whether the
 * quad carried the mark. */
KgStatus kg_quad_unmark(KgStore *store, const KgQuad *q, unsigned mark, int *had, KgError *err);
/* The marks the quads matching q carry, or-ed together (0: none stored); q may use KG_ANY_GRAPH. */
KgStatus kg_quad_marks(KgStore *store, const KgQuad *q, unsigned *marks, KgError *err);

/* An iterator over the quads matching a pattern, in an index order that fits it. */
typedef struct KgIter KgIter;
/* Matches `pattern` (KG_ANY in s/p/o, KG_ANY_GRAPH in g are wildcards) among the quads
 * whose mark intersects `marks` (KG_ASSERTED, KG_INFERRED or both). Caller frees with
 * kg_iter_free(). */
KgStatus kg_match_new(KgStore *store, const KgQuad *pattern, unsigned marks, KgIter **out,
                      KgError *err);
/* KG_OK with the next quad (and its mark in *mark, may be NULL), KG_DONE at the end. */
KgStatus kg_iter_next(KgIter *it, KgQuad *q, unsigned *mark, KgError *err);
void kg_iter_free(KgIter *it);

/* ---------------------------------------------------------------- prefixes */

/* Remembers prefix -> namespace (a later declaration of the same prefix replaces it). */
KgStatus kg_prefix_set(KgStore *store, const char *prefix, const char *ns, KgError *err);
/* Expands "prefix:local" into buf (rdf, rdfs, xsd, owl, kg are always known). KG_ERR_NOT_FOUND
 * when the prefix is unknown (err names it). */
KgStatus kg_prefix_expand(KgStore *store, const char *curie, KgBuf *buf, KgError *err);
/* Calls fn for each stored prefix in alphabetical order. */
KgStatus kg_prefix_each(KgStore *store, void (*fn)(void *ctx, const char *prefix, const char *ns),
                        void *ctx, KgError *err);

/* ---------------------------------------------------------------- IRIs */

/* Whether s (n bytes) starts with a scheme ("http:"), i.e. is an absolute IRI. */
int kg_iri_has_scheme(const char *s, size_t n);
/* Resolves the reference `ref` (ref_len bytes) against the absolute IRI `base` (RFC 3986
 * section 5.2, dot segments removed) and appends the result to out. */
KgStatus kg_iri_resolve(const char *base, const char *ref, size_t ref_len, KgBuf *out);

/* ---------------------------------------------------------------- writing and reading terms */

/* Appends the term in N-Triples syntax (escaped) to buf. */
KgStatus kg_term_write_nt(const KgTerm *t, KgBuf *buf);
/* Appends the term as a CURIE when a known prefix gives a valid one, else as N-Triples. */
KgStatus kg_term_write_short(KgStore *store, const KgTerm *t, KgBuf *buf);
/* Appends the term with id `id` (N-Triples form, or short form when `shorten`). */
KgStatus kg_term_write_id(KgStore *store, KgTermId id, int shorten, KgBuf *buf, KgError *err);

/* Parses a term as a user writes it on the command line: <iri>, prefix:local, "lit",
 * "lit"@en, "lit"^^<dt> or ^^prefix:local, a bare number (xsd:integer/decimal/double),
 * true/false, _:label, or `a` (rdf:type). Strings go into `arena`. */
KgStatus kg_term_parse(KgStore *store, const char *text, KgArena *arena, KgTerm *out,
                       KgError *err);

/* ---------------------------------------------------------------- statistics */

typedef struct {
    uint64_t n_quads, n_asserted, n_inferred, n_terms, n_graphs, n_predicates;
} KgStats;
KgStatus kg_stats_get(KgStore *store, KgStats *out, KgError *err);

typedef struct {
    KgTermId p;
    uint64_t n_triples, n_subjects, n_objects;
} KgPredStats;
/* Per-predicate statistics, kept up to date by every load; most frequent first. Calls fn
 * for each until it returns non-zero. */
KgStatus kg_pred_stats_each(KgStore *store, int (*fn)(void *ctx, const KgPredStats *ps),
                            void *ctx, KgError *err);

/* ---------------------------------------------------------------- loading */

typedef enum {
    KG_FMT_UNKNOWN = 0,
    KG_FMT_NTRIPLES,
    KG_FMT_TURTLE,
    KG_FMT_NQUADS,
    KG_FMT_TRIG,
    KG_FMT_RDFXML,
    KG_FMT_TSV,
} KgFormat;

/* Format from a name ("nt", "ntriples", "ttl", "turtle", "nq", "trig", "rdfxml", "xml",
 * "owl", "rdf", "tsv", "txt"), KG_FMT_UNKNOWN when not recognised. */
KgFormat kg_format_from_name(const char *name);
/* Format from a file name's extension, a trailing ".gz" ignored. */
KgFormat kg_format_from_path(const char *path);
const char *kg_format_name(KgFormat f);

typedef struct {
    uint64_t n_read;  /* triples (or quads) read from the input */
    uint64_t n_new;   /* of those, how many were not stored before */
    double seconds;
} KgLoadStats;

typedef struct {
    KgFormat format;       /* KG_FMT_UNKNOWN: from the extension */
    const char *base_iri;  /* base for relative IRIs, and the TSV namespace; NULL: default */
    const char *graph_iri; /* NULL: the file's own graphs (default graph for triples) */
    /* Called now and then during a long load; may be NULL. */
    void (*progress)(void *ctx, const KgLoadStats *so_far);
    void *progress_ctx;
    /* When set, the quads read are handed to `collect` (each once) instead of being stored:
     * their terms are in the dictionary, and the caller decides (incremental updates). */
    KgStatus (*collect)(void *ctx, const KgQuad *q, KgError *err);
    void *collect_ctx;
} KgLoadOptions;

/* The namespace TSV names go under when no base is given. */
#define KG_TSV_DEFAULT_NS "http://nous.local/kg/"
/* Appends to iri the local part a TSV name of n bytes becomes (after the namespace): the name
 * with the bytes an IRI cannot hold (and '%') percent-encoded, so names and IRIs map one to
 * one. */
KgStatus kg_tsv_iri(const char *name, size_t n, KgBuf *iri);

/* Loads one file ("-" for standard input; ".gz" is decompressed on the fly) in one
 * transaction: on any error nothing of it stays, and err carries FILE:LINE:COLUMN. Inside a
 * transaction the caller opened it joins that one, and the caller commits or rolls back. */
KgStatus kg_load_file(KgStore *store, const char *path, const KgLoadOptions *opt,
                      KgLoadStats *stats, KgError *err);
/* Loads `len` bytes as if they were the file `name` (used by tests and fuzzers). */
KgStatus kg_load_memory(KgStore *store, const char *name, const char *data, size_t len,
                        const KgLoadOptions *opt, KgLoadStats *stats, KgError *err);

/* ---------------------------------------------------------------- export */

/* Writes the quads whose mark intersects `marks` to `out`: N-Triples and Turtle hold the
 * triples of every graph (each once), N-Quads keeps the graphs. The output loads back to the
 * same set of triples (up to blank-node names). */
KgStatus kg_export(KgStore *store, FILE *out, KgFormat format, unsigned marks, KgError *err);

/* ---------------------------------------------------------------- derivations */

/* How an inferred quad was derived: the rule (its label, e.g. "rules.dl:12"), the confidence
 * of the derivation (the rule's weight times its premises' confidences) and the premises. */
typedef struct {
    const char *rule;
    double confidence;
    const KgQuad *premises;
    size_t n_premises;
} KgDerivation;

/* Records (or replaces) the derivation of quad q, inside a transaction. */
KgStatus kg_derivation_put(KgStore *store, const KgQuad *q, const KgDerivation *d, KgError *err);
/* Reads the derivation of q into *out (its strings and premises valid until the next call);
 * KG_ERR_NOT_FOUND when none is recorded (an asserted quad, or one not in the store). */
KgStatus kg_derivation_get(KgStore *store, const KgQuad *q, KgDerivation *out, KgError *err);
/* Calls fn for each recorded derivation of a quad with this subject (d as kg_derivation_get
 * gives it, valid during the call); fn must not read derivations itself; its status other
 * than KG_OK stops it. */
KgStatus kg_derivation_each_of_subject(KgStore *store, KgTermId subject,
                                       KgStatus (*fn)(void *ctx, const KgQuad *q, const KgDerivation *d),
                                       void *ctx, KgError *err);
/* Calls fn for each inferred quad whose recorded confidence is below 1 (so that reasoning
 * again starts from what weighted rules concluded); fn's status other than KG_OK stops it. */
KgStatus kg_derivation_each_uncertain(KgStore *store,
                                      KgStatus (*fn)(void *ctx, const KgQuad *q, double confidence),
                                      void *ctx, KgError *err);

/* ---------------------------------------------------------------- rule sources (rule_sources.c) */

/* The rule sources the store's inferred triples were derived with, so that later updates
 * keep them closed under the same rules: a built-in profile (kind "profile", its name) or a
 * rule file (kind "file", its name and its text then). */
/* Records a source inside a transaction, replacing one of the same kind and name. */
KgStatus kg_rule_source_put(KgStore *store, const char *kind, const char *name, const char *text, size_t len,
                            KgError *err);
/* Forgets a source (inside a transaction); *had (may be NULL) tells whether it was recorded. */
KgStatus kg_rule_source_delete(KgStore *store, const char *kind, const char *name, int *had, KgError *err);
/* Calls fn for each recorded source in the order first recorded; fn's status other than KG_OK
 * stops it and is returned. None recorded: fn is never called. */
KgStatus kg_rule_source_each(KgStore *store,
                             KgStatus (*fn)(void *ctx, const char *kind, const char *name, const char *text, size_t len),
                             void *ctx, KgError *err);

/* ---------------------------------------------------------------- expressions (rules) */

/* A SPARQL expression (FILTER and BIND syntax, the same functions and semantics as queries)
 * over variables given by position: the reasoner's FILTER and BIND. */
typedef struct KgExpr KgExpr;

/* Compiles `len` bytes of expression text found at name:line:col. `prefixes` ("p", "ns", ...,
 * NULL; may be NULL) come before the store's. `vars` names the variables (without '?') the
 * caller will bind by position; others are unbound. Errors carry the file position.
 * as_boolean: evaluate with kg_expr_test (FILTER), else kg_expr_value (BIND). */
KgStatus kg_expr_new(KgStore *store, const char *text, size_t len, const char *name,
                     unsigned long line, unsigned long col, const char *const *prefixes,
                     const char *const *vars, size_t n_vars, int as_boolean, KgExpr **out,
                     KgError *err);
/* Whether the expression mentions vars[i]. */
int kg_expr_uses(const KgExpr *e, size_t i);
/* FILTER: *truth is 1 when the effective boolean value is true, 0 when false or an error.
 * vals[i] is the id bound to vars[i], 0 when unbound. */
KgStatus kg_expr_test(KgExpr *e, const KgTermId *vals, int *truth, KgError *err);
/* BIND: the value's id (a new term is added: inside a transaction), 0 on an error. */
KgStatus kg_expr_value(KgExpr *e, const KgTermId *vals, KgTermId *out, KgError *err);
void kg_expr_free(KgExpr *e);

/* ---------------------------------------------------------------- SPARQL queries */

/* A SPARQL 1.1 query compiled to one SQL statement over the quads (asserted and inferred
 * together; the default graph is graph 0, GRAPH ranges over the named graphs). */
typedef struct KgQuery KgQuery;
typedef enum { KG_QUERY_SELECT = 1, KG_QUERY_ASK, KG_QUERY_CONSTRUCT } KgQueryForm;

/* Parses `len` bytes of query text, compiles and prepares it. `name` (a file name, or
 * "query") is used in error positions. Syntax errors, and constructs outside the subset
 * nous answers, fail with KG_ERR_SYNTAX at name:line:col, the message naming the
 * construct. On failure *out is NULL. Free with kg_query_free(). */
KgStatus kg_query_prepare(KgStore *store, const char *text, size_t len, const char *name,
                          KgQuery **out, KgError *err);
KgQueryForm kg_query_form(const KgQuery *q);
/* The chosen join order and the SQL, as text for `nous query --explain`. */
const char *kg_query_explain(const KgQuery *q);
/* Result columns: the SELECT variables (names without '?'), in order; for CONSTRUCT the
 * three columns "subject", "predicate", "object"; none for ASK. */
size_t kg_query_n_columns(const KgQuery *q);
const char *kg_query_column(const KgQuery *q, size_t i);
/* Moves to the next result row: KG_OK with a row, KG_DONE after the last. CONSTRUCT rows
 * are the distinct triples of the instantiated template. For ASK the first call returns
 * KG_OK when the answer is true and KG_DONE when it is false. Stops with
 * KG_ERR_INTERRUPTED on Ctrl-C. */
KgStatus kg_query_next(KgQuery *q, KgError *err);
/* The value of column i of the current row: 1 with *out filled (its strings valid until
 * the next kg_query_next or kg_query_free), 0 when the variable is unbound. */
int kg_query_value(KgQuery *q, size_t i, KgTerm *out);
void kg_query_free(KgQuery *q);

/* ---------------------------------------------------------------- regular expressions (regex.c) */

/* A PCRE2 pattern (UTF-8, Unicode properties), as SPARQL's REGEX compiles it, for matching
 * outside queries (the label search). Matching runs under PCRE2 match and depth limits. */
typedef struct KgRegex KgRegex;
/* flags: XPath's "i", "s", "m", "x", "q" (NULL: none). A bad pattern or flag is KG_ERR_ARG
 * naming it and the offset of the error. On failure *out is NULL. */
KgStatus kg_regex_new(const char *pattern, size_t len, const char *flags, KgRegex **out, KgError *err);
/* *matched: whether the pattern matches somewhere in text (len bytes). A text that is not
 * UTF-8 or a pattern hitting a limit is KG_ERR_ARG. */
KgStatus kg_regex_match(KgRegex *re, const char *text, size_t len, int *matched, KgError *err);
void kg_regex_free(KgRegex *re);

/* ---------------------------------------------------------------- embeddings (kg/vectors.c) */

/* A named set of trained vectors: one row per entity term and per relation term (a relation
 * may have a second row for its reciprocal, direction 1). */
typedef struct {
    const char *name;      /* e.g. "complex"; unique in the store */
    const char *model;     /* "transe", "distmult", "complex", "rotate" */
    size_t dim;            /* the model's dimension as the user gave it */
    size_t entity_width, relation_width; /* floats per row, 1 to KG_EMBEDDING_MAX_WIDTH */
    const char *settings;  /* JSON text: the training settings and results, opaque to kg */
} KgEmbeddingInfo;

#define KG_EMBEDDING_MAX_WIDTH ((size_t)1 << 20)

typedef struct KgEmbedding KgEmbedding; /* loaded vectors; accessors below */

/* Saves the set info->name, replacing one of the same name, in one transaction: inside an
 * open kg_store_begin transaction it joins it (and on failure undoes only its own writes),
 * else it begins and commits its own. entity_vecs holds n_entities rows of entity_width
 * floats, entity_terms their term ids; relation_vecs holds n_relations rows of
 * relation_width floats for direction 0 and, when relation_vecs_inverse is not NULL, as many
 * for direction 1. The term ids are not checked against the dictionary; a term given twice
 * fails with KG_ERR_DB. A NULL name or model, a width of 0 or above KG_EMBEDDING_MAX_WIDTH,
 * or NULL arrays for rows are KG_ERR_ARG; settings NULL is stored as "{}". The floats are
 * stored bit for bit. On error nothing is saved. */
KgStatus kg_embedding_save(KgStore *store, const KgEmbeddingInfo *info, size_t n_entities,
                           const KgTermId *entity_terms, const float *entity_vecs,
                           size_t n_relations, const KgTermId *relation_terms,
                           const float *relation_vecs, const float *relation_vecs_inverse,
                           KgError *err);
/* Loads the set called name (KG_ERR_NOT_FOUND, err naming it, when there is none; KG_ERR_DB
 * when its rows are damaged). On failure *out is NULL. Caller frees with kg_embedding_free(). */
KgStatus kg_embedding_load(KgStore *store, const char *name, KgEmbedding **out, KgError *err);
void kg_embedding_free(KgEmbedding *e);
/* The set's description; its strings belong to e. */
const KgEmbeddingInfo *kg_embedding_info(const KgEmbedding *e);
size_t kg_embedding_n_entities(const KgEmbedding *e);
/* Entity i's term id and vector (entity_width floats), in ascending term id order. The rows
 * are one row-major matrix, 64-byte aligned: row i + 1 follows row i. */
KgTermId kg_embedding_entity(const KgEmbedding *e, size_t i, const float **vec);
/* The row of entity term t, NULL when t has none (binary search). */
const float *kg_embedding_entity_vec(const KgEmbedding *e, KgTermId t);
size_t kg_embedding_n_relations(const KgEmbedding *e);
/* Relation i's term id and its vectors for both directions (inverse NULL when not saved), in
 * ascending term id order; the direction-0 rows are one matrix, as for entities. */
KgTermId kg_embedding_relation(const KgEmbedding *e, size_t i, const float **vec,
                               const float **inverse);
/* The row of relation term t for direction 0, or 1 when `inverse`; NULL when it has none. */
const float *kg_embedding_relation_vec(const KgEmbedding *e, KgTermId t, int inverse);
/* Calls fn for each set in the store in name order (info valid during the call), stopping
 * at the first status other than KG_OK that fn returns, which it returns. */
KgStatus kg_embedding_each(KgStore *store,
                           KgStatus (*fn)(void *ctx, const KgEmbeddingInfo *info), void *ctx,
                           KgError *err);
/* Deletes a set, in one transaction as kg_embedding_save; KG_ERR_NOT_FOUND (err naming it)
 * when there is none. */
KgStatus kg_embedding_delete(KgStore *store, const char *name, KgError *err);

#endif
