/* kg/internal.h: what the files of kg/ share and no other module sees: the store handle,
 * its prepared statements, the dictionary cache and the loader's hooks. sqlite3.h is
 * included here only because every file of kg/ that touches the database needs it. */
#ifndef NOUS_KG_INTERNAL_H
#define NOUS_KG_INTERNAL_H

#include "kg.h"

#include <sqlite3.h>

/* Prepared statements, each compiled once per store and reset after use. */
typedef enum {
    STMT_TERM_BY_HASH,
    STMT_TERM_INSERT,
    STMT_TERM_GET,
    STMT_QUAD_INSERT,
    STMT_QUAD_MARK,
    STMT_QUAD_UNMARK,
    STMT_RULE_SOURCE_PUT,
    STMT_RULE_SOURCE_ALL,
    STMT_RULE_SOURCE_DELETE,
    STMT_QUAD_DELETE_MARKED, /* a quad that carries no mark but ?5 */
    STMT_DERIVATION_DELETE,
    STMT_PREFIX_SET,
    STMT_PREFIX_GET,
    STMT_PREFIX_ALL,
    STMT_META_GET,
    STMT_META_SET,
    STMT_PRED_STATS_REFRESH,
    STMT_PRED_STATS_PUT,
    STMT_PRED_STATS_ALL,
    STMT_COUNT_QUADS,
    STMT_COUNT_TERMS,
    STMT_MAX_TERM_ID,
    STMT_COUNT_ASSERTED_EST,
    STMT_COUNT_GRAPHS,
    STMT_PRED_STATS_GET,
    STMT_PROBE_PO,
    STMT_PROBE_SP,
    STMT_PROBE_S,
    STMT_PROBE_O,
    STMT_DERIVATION_PUT,
    STMT_DERIVATION_GET,
    STMT_DERIVATION_OF_SUBJECT,
    STMT_DERIVATION_UNCERTAIN,
    STMT_EMBEDDING_PUT,
    STMT_EMBEDDING_ROW_PUT,
    STMT_EMBEDDING_DELETE,
    STMT_EMBEDDING_ROWS_DELETE,
    STMT_EMBEDDING_GET,
    STMT_EMBEDDING_ROWS_GET,
    STMT_EMBEDDING_ALL,
    STMT_SAVEPOINT, /* a write joining an open transaction, undone alone on failure */
    STMT_SAVEPOINT_RELEASE,
    STMT_SAVEPOINT_ROLLBACK,
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    N_STMTS
} StmtId;

typedef struct DictCache DictCache;

#define KG_MATCH_POOL 8

struct KgStore {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmts[N_STMTS];
    int in_txn;
    int terms_index_dropped; /* during a bulk load into an empty dictionary */
    DictCache *cache;      /* term -> id, in front of the terms table */
    KgTermId next_term_id; /* ids are dense: 1, 2, 3, ... */
    /* dictionary read buffer for kg_dict_get */
    KgBuf get_lex, get_dt, get_lang;
    /* prefixes in memory, for printing CURIEs; dropped when a prefix changes */
    struct PrefixCache *prefix_cache;
    /* the SPARQL functions' state (kg/sparql_funcs.c), made when they are registered */
    struct SpRuntime *sparql;
    /* kg_derivation_get's read buffers */
    KgBuf deriv_rule;
    KgQuad *deriv_premises;
    size_t cap_deriv_premises;
    /* predicates whose statistics a commit must refresh, and the quads the transaction added
     * and deleted (stats.c), unless there were too many (stats_changes_overflow) */
    KgTermId *dirty_preds;
    size_t n_dirty_preds, cap_dirty_preds;
    struct KgStatsChange *stats_changes;
    size_t n_stats_changes, cap_stats_changes;
    int stats_changes_overflow;
    /* kg_match_new's idle statements, a few per shape of pattern (quads.c): preparing one costs
     * more than a lookup by an index, and joins nest iterators of one shape */
    sqlite3_stmt *match_stmts[32][KG_MATCH_POOL];
};

/* Returns the prepared statement `id`, compiling it on first use. */
sqlite3_stmt *kg_stmt(KgStore *store, StmtId id, KgError *err);
/* Records the database's error message and returns KG_ERR_DB. */
KgStatus kg_db_error(KgStore *store, KgError *err, const char *what);

/* Finds the longest known namespace that `iri` starts with and whose rest is a valid local
 * name; on success *prefix is borrowed (valid until the prefixes change) and *local_off is
 * where the local part starts. Returns 0 when none fits. */
int kg_prefix_shorten(KgStore *store, const char *iri, const char **prefix, size_t *local_off);
void kg_prefix_cache_free(KgStore *store);

/* Bulk loads: drop the secondary quad indexes, then build them again (inside the load's
 * transaction, so a rollback restores them). */
KgStatus kg_store_drop_quad_indexes(KgStore *store, KgError *err);
KgStatus kg_store_create_quad_indexes(KgStore *store, KgError *err);
/* The terms' hash index, likewise; only dropped while the dictionary cache is complete. */
KgStatus kg_store_drop_terms_index(KgStore *store, KgError *err);
KgStatus kg_store_create_terms_index(KgStore *store, KgError *err);

/* Meta values (schema version, blank-node scope counter). */
KgStatus kg_meta_get_int(KgStore *store, const char *key, int64_t *out, KgError *err);
KgStatus kg_meta_set_int(KgStore *store, const char *key, int64_t value, KgError *err);

/* Dictionary cache lifetime: dropped on rollback, since its ids may no longer exist. */
KgStatus kg_dict_cache_init(KgStore *store);
void kg_dict_cache_clear(KgStore *store);
void kg_dict_cache_free(KgStore *store);
void kg_dict_cache_set_complete(KgStore *store);
int kg_dict_cache_is_complete(const KgStore *store);

/* Statistics: remember a predicate touched by this transaction; refresh on commit. */
/* Quad q was added (delta +1) or deleted (-1) in the open transaction. */
KgStatus kg_stats_touch(KgStore *store, const KgQuad *q, int delta);
/* Forgets the transaction's changes (at its start, and when it is rolled back). */
void kg_stats_forget(KgStore *store);
KgStatus kg_stats_refresh(KgStore *store, KgError *err);

/* The value of a numeric (xsd:integer, decimal, double, ...) or date/dateTime literal as a
 * double (dates: seconds since 1970-01-01T00:00:00Z), for typed comparisons in queries.
 * Returns 0 when the datatype has no numeric value or the lexical form is not valid. */
int kg_literal_number(const char *datatype, const char *lex, size_t lex_len, double *out);

/* Decodes the UTF-8 sequence at s (len > 0 bytes left): returns its length and the code
 * point in *cp, or 0 when it is not valid UTF-8 (truncated, overlong, above U+10FFFF, or a
 * UTF-16 surrogate, which is what raptor2 makes of a \\uD800 escape). For a surrogate *cp
 * holds it; otherwise it is UINT32_MAX. */
size_t kg_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* 64-bit hash of a byte string (FNV-1a, then a final mix). */
uint64_t kg_hash_bytes(uint64_t h, const void *data, size_t n);
#define KG_HASH_SEED 0xcbf29ce484222325ULL

/* The loaders: raptor2 for RDF syntaxes, our own reader for TSV. `name` is the file name
 * used in errors. Each reads everything from `read` and adds quads; no transaction here. */
typedef struct {
    /* Fills buf with up to cap bytes; returns the count, 0 at end, -1 on error. */
    long (*read)(void *ctx, char *buf, size_t cap);
    void *ctx;
} KgReader;

typedef struct {
    KgStore *store;
    const char *name;
    KgFormat format;
    const KgLoadOptions *opt;
    KgTermId graph_id;     /* from --graph, or KG_DEFAULT_GRAPH */
    int64_t blank_scope;   /* blank-node labels are local to one load */
    KgLoadStats stats;
    KgQuad *batch; /* quads read but not yet inserted, sorted before insertion */
    size_t n_batch, cap_batch;
    double t_start;
    uint64_t next_progress;
} KgLoadCtx;

KgStatus kg_load_add(KgLoadCtx *lc, const KgQuad *q, KgError *err);
KgStatus kg_load_flush(KgLoadCtx *lc, KgError *err);
KgStatus kg_load_raptor(KgLoadCtx *lc, KgReader *rd, KgError *err);
KgStatus kg_load_tsv(KgLoadCtx *lc, KgReader *rd, KgError *err);
/* Splits a TSV line of n bytes (no line end, not empty) into its three fields: exactly three,
 * none empty, no NUL byte; else KG_ERR_SYNTAX at file:line_no:column (tsv.c; `file` is kept
 * by the error, so it must outlive it). Shared by `load` and the benchmark folder reader. */
KgStatus kg_tsv_fields(const char *line, size_t n, const char *file, unsigned long line_no,
                       const char **field, size_t *len, KgError *err);

/* Interns a blank node whose label is local to this load. */
KgStatus kg_load_blank(KgLoadCtx *lc, const char *label, size_t len, KgTermId *out,
                       KgError *err);

/* The column of a syntax error that raptor2 placed only on `line` (Turtle, TriG): data is the
 * whole input; 0 when it cannot tell. */
unsigned long kg_locate_column(const char *parser_name, const char *base, const char *data,
                               size_t len, unsigned long line);
#define KG_LOCATE_MAX_INPUT ((size_t)64 << 20)

/* Strict checks of what raptor2 lets through (kg/validate.c). Each returns KG_OK or a
 * KG_ERR_SYNTAX with the position. */
KgStatus kg_validate_iri(const char *iri, size_t len, const char *file, unsigned long line,
                         unsigned long col, KgError *err);
KgStatus kg_validate_lang(const char *lang, size_t len, const char *file, unsigned long line,
                          unsigned long col, KgError *err);
/* `what` ("a literal", ...) names the string in the message; surrogates count as invalid. */
KgStatus kg_validate_utf8(const char *s, size_t len, const char *what, const char *file,
                          unsigned long line, unsigned long col, KgError *err);
/* BLANK_NODE_LABEL of Turtle and N-Triples (without the leading "_:"). */
KgStatus kg_validate_blank(const char *label, size_t len, const char *file, unsigned long line,
                           unsigned long col, KgError *err);
/* A scan of raw N-Triples or N-Quads text, chunk by chunk, for what raptor2 lets through and
 * its terms do not show: a line whose statement does not end with '.'. Start it zeroed. */
typedef struct {
    unsigned long line, col;      /* position of the next byte, 1-based once started */
    unsigned long last_col;       /* column of the last significant byte of this line */
    int state;                    /* in text, an IRI, a string, an escape or a comment */
    char last;                    /* that byte, 0 when the line has none yet */
} KgNtScan;
/* Scans `n` bytes; `at_end` after the last chunk. KG_ERR_SYNTAX with the position. */
KgStatus kg_validate_nt_chunk(KgNtScan *sc, const char *buf, size_t n, int at_end,
                              const char *file, KgError *err);
/* The longest language tag raptor2 can hold, in bytes: it keeps the length in a byte, and
 * writes a longer tag past the end of the copy it allocates for it. */
#define KG_MAX_LANG_TAG 255
/* A scan of raw N-Triples, N-Quads, Turtle or TriG text, chunk by chunk, for what raptor2
 * mishandles before nous sees a term:
 *  - the NUL character, as a byte or an escape (\u0000, \U00000000): raptor2 silently cuts
 *    the string short there, so nous refuses it rather than store another literal than the file
 *    holds. An escaped backslash (\\u0000) is text; an escape in a comment is refused too.
 *  - an '@' followed by more than KG_MAX_LANG_TAG bytes raptor2 could take into a language tag
 *    (kg/validate.c says which). The scan does not follow strings, IRIs or comments: raptor2's
 *    readers, on some errors, go on from inside a string, so such a run is refused there too.
 * Start it zeroed and set `ntriples`. */
typedef struct {
    unsigned long line, col;         /* position of the next byte, 1-based once started */
    unsigned long esc_line, esc_col; /* where the escape being read starts */
    size_t esc_at;                   /* and its offset in this chunk (0: an earlier chunk) */
    unsigned backslashes;            /* backslashes just before the next byte */
    int hex_left;                    /* hex digits of \u or \U still to come */
    char esc_letter;                 /* that escape's letter */
    uint32_t value;
    int ntriples;                    /* N-Triples or N-Quads (else Turtle or TriG): set it */
    int line_started;                /* N-Triples: this line has had a non-blank byte */
    int comment_line;                /* and it was '#': the line is a comment */
    /* A run of bytes after '@' that raptor2 could take into a language tag. */
    int in_tag;
    size_t tag_run;                  /* its length so far, in bytes */
    unsigned long tag_line, tag_col; /* where its '@' is */
    size_t tag_at;                   /* and its offset in this chunk (0: an earlier chunk) */
    unsigned tag_swallow;            /* bytes still to take whatever they are */
    int tag_escape;                  /* the last byte was a backslash in the tag */
} KgRawScan;
/* Scans `n` bytes (0 at the end of the input). On KG_ERR_SYNTAX, *bad_at is the offset in this
 * chunk where the refused text starts: raptor2 may be given the bytes before it. */
KgStatus kg_validate_raw_chunk(KgRawScan *sc, const char *buf, size_t n, size_t *bad_at,
                               const char *file, KgError *err);
/* How many of s[0..n), the bytes after an '@', the scan above would count as a language tag,
 * by N-Triples' rules (which take in all Turtle's do); it stops counting past KG_MAX_LANG_TAG. */
size_t kg_lang_run_length(const char *s, size_t n);
/* A message of raptor2's as nous prints it: copied into out (cut to cap), without the newline
 * or space it may end with (kg/raptor.c). */
void kg_raptor_message(char *out, size_t cap, const char *text);
/* RDF/XML's xml:lang values, checked by raptor2's XML layer one chunk ahead of its RDF/XML
 * parser (kg/xml_lang_guard.c). NULL when out of memory. */
typedef struct KgXmlLangGuard KgXmlLangGuard;
KgXmlLangGuard *kg_xml_lang_guard_new(const char *file, const char *base_iri);
/* Reads the next chunk (`n` 0 and `is_end` at the end): KG_ERR_SYNTAX, with the line, when an
 * element in it has an xml:lang longer than KG_MAX_LANG_TAG; the chunk must then not be given
 * to the RDF/XML parser. */
KgStatus kg_xml_lang_guard_chunk(KgXmlLangGuard *g, const char *buf, size_t n, int is_end,
                                 KgError *err);
void kg_xml_lang_guard_free(KgXmlLangGuard *g);

#endif
