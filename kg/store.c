/* kg/store.c: the store is one SQLite file. This file creates and checks its schema, opens
 * it in WAL mode, holds the table of prepared statements (each compiled once, always bound,
 * never pasted together) and runs the one-transaction-per-command discipline. */
#include "internal.h"
#include "sparql.h"

#include <string.h>
#include <time.h>

#define SCHEMA_VERSION 4

/* Term ids are dense (1, 2, 3, ...), so embeddings and in-memory reasoning can index arrays
 * by them; the hash column finds a term without a string index (see README, "Term ids"). */
/* Version 2 added how each inferred quad was derived (kg/derivation.c). */
#define DERIVATIONS_SQL                                                                       \
    "CREATE TABLE derivations("                                                               \
    "  s INTEGER NOT NULL, p INTEGER NOT NULL, o INTEGER NOT NULL, g INTEGER NOT NULL,"       \
    "  rule TEXT NOT NULL,"        /* the rule's label, FILE:LINE */                          \
    "  confidence REAL NOT NULL,"                                                             \
    "  premises BLOB NOT NULL,"    /* (s, p, o, g) of each premise, 4 x 8 bytes little-endian */ \
    "  PRIMARY KEY(s, p, o, g)) WITHOUT ROWID;"

/* Version 4 added the rule sources a store was reasoned with (kg/rule_sources.c), which
 * incremental updates keep it closed under. */
#define RULE_SOURCES_SQL                                                                      \
    "CREATE TABLE IF NOT EXISTS rule_sources("                                                \
    "  seq INTEGER PRIMARY KEY,"                                                              \
    "  kind TEXT NOT NULL,"        /* "profile" (name: rdfs, owl-rl) or "file" */             \
    "  name TEXT NOT NULL,"                                                                   \
    "  text BLOB NOT NULL,"        /* a file's rules as they were when reasoned with */       \
    "  UNIQUE(kind, name));"

/* Version 3 added trained embeddings (kg/vectors.c): one row per set, one per vector.
 * embedding_rows keeps its rowid: a 1600-byte vector (400 floats) overflows a 4 KiB page of
 * a WITHOUT ROWID table (an index B-tree keeps under 1 KiB of a row in place), which took
 * 2.3 times the space (192 MB against 85 MB for 41k rows). IF NOT EXISTS: an upgrade from
 * version 1 adds them too, and a file someone rolled back by hand may still have them. */
#define EMBEDDINGS_SQL                                                                        \
    "CREATE TABLE IF NOT EXISTS embeddings("                                                  \
    "  name TEXT PRIMARY KEY, model TEXT NOT NULL, dim INTEGER NOT NULL,"                     \
    "  entity_width INTEGER NOT NULL, relation_width INTEGER NOT NULL,"                       \
    "  settings TEXT NOT NULL) WITHOUT ROWID;"  /* JSON, opaque to kg */                      \
    "CREATE TABLE IF NOT EXISTS embedding_rows("                                              \
    "  name TEXT NOT NULL,"                                                                   \
    "  kind INTEGER NOT NULL,"     /* 0 entity, 1 relation, 2 the relation's inverse */       \
    "  term INTEGER NOT NULL,"                                                                \
    "  vec BLOB NOT NULL,"         /* width float32, IEEE-754 little-endian */                \
    "  PRIMARY KEY(name, kind, term));"

static const char *const schema_sql =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE terms("
    "  id INTEGER PRIMARY KEY,"
    "  hash INTEGER NOT NULL,"      /* kg_hash of (kind, lex, datatype, lang) */
    "  kind INTEGER NOT NULL,"      /* 1 IRI, 2 blank node, 3 literal */
    "  lex TEXT NOT NULL,"
    "  datatype INTEGER,"           /* term id of the datatype IRI, NULL if none */
    "  lang TEXT,"
    "  num REAL);"                  /* numeric value of numeric and date literals */
    "CREATE TABLE quads("
    "  s INTEGER NOT NULL, p INTEGER NOT NULL, o INTEGER NOT NULL, g INTEGER NOT NULL,"
    "  mark INTEGER NOT NULL,"      /* 1 asserted, 2 inferred, 3 both */
    "  PRIMARY KEY(s, p, o, g)) WITHOUT ROWID;"
    "CREATE TABLE prefixes(prefix TEXT PRIMARY KEY, ns TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE pred_stats("
    "  p INTEGER PRIMARY KEY, n_triples INTEGER NOT NULL,"
    "  n_subjects INTEGER NOT NULL, n_objects INTEGER NOT NULL);"
    DERIVATIONS_SQL
    EMBEDDINGS_SQL
    RULE_SOURCES_SQL;

static const char *const stmt_sql[N_STMTS] = {
    [STMT_TERM_BY_HASH] = "SELECT t.id, t.kind, t.lex, d.lex, t.lang FROM terms t "
                          "LEFT JOIN terms d ON d.id = t.datatype WHERE t.hash = ?1",
    [STMT_TERM_INSERT] = "INSERT INTO terms(id, hash, kind, lex, datatype, lang, num) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STMT_TERM_GET] = "SELECT t.kind, t.lex, d.lex, t.lang FROM terms t "
                      "LEFT JOIN terms d ON d.id = t.datatype WHERE t.id = ?1",
    [STMT_QUAD_INSERT] = "INSERT OR IGNORE INTO quads(s, p, o, g, mark) VALUES(?1, ?2, ?3, ?4, ?5)",
    [STMT_QUAD_MARK] = "UPDATE quads SET mark = mark | ?5 "
                       "WHERE s = ?1 AND p = ?2 AND o = ?3 AND g = ?4 AND (mark & ?5) = 0",
    [STMT_QUAD_UNMARK] = "UPDATE quads SET mark = mark & ~?5 "
                         "WHERE s = ?1 AND p = ?2 AND o = ?3 AND g = ?4 AND (mark & ?5) != 0",
    [STMT_QUAD_DELETE_MARKED] = "DELETE FROM quads WHERE s = ?1 AND p = ?2 AND o = ?3 AND g = ?4 "
                                "AND (mark & ~?5) = 0",
    [STMT_DERIVATION_DELETE] = "DELETE FROM derivations WHERE s = ?1 AND p = ?2 AND o = ?3 AND g = ?4",
    [STMT_RULE_SOURCE_PUT] = "INSERT OR REPLACE INTO rule_sources(seq, kind, name, text) VALUES("
                             "(SELECT seq FROM rule_sources WHERE kind = ?1 AND name = ?2), ?1, ?2, ?3)",
    [STMT_RULE_SOURCE_ALL] = "SELECT kind, name, text FROM rule_sources ORDER BY seq",
    [STMT_RULE_SOURCE_DELETE] = "DELETE FROM rule_sources WHERE kind = ?1 AND name = ?2",
    [STMT_PREFIX_SET] = "INSERT OR REPLACE INTO prefixes(prefix, ns) VALUES(?1, ?2)",
    [STMT_PREFIX_GET] = "SELECT ns FROM prefixes WHERE prefix = ?1",
    [STMT_PREFIX_ALL] = "SELECT prefix, ns FROM prefixes ORDER BY prefix",
    [STMT_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [STMT_META_SET] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
    [STMT_PRED_STATS_REFRESH] =
        "INSERT OR REPLACE INTO pred_stats(p, n_triples, n_subjects, n_objects) "
        "SELECT ?1, count(*), count(DISTINCT s), count(DISTINCT o) FROM quads WHERE p = ?1",
    [STMT_PRED_STATS_PUT] = "INSERT OR REPLACE INTO pred_stats(p, n_triples, n_subjects, n_objects) "
                            "VALUES(?1, ?2, ?3, ?4)",
    [STMT_PRED_STATS_ALL] = "SELECT p, n_triples, n_subjects, n_objects FROM pred_stats "
                            "WHERE n_triples > 0 ORDER BY n_triples DESC, p",
    [STMT_COUNT_QUADS] = "SELECT count(*), coalesce(sum(mark & 1), 0), "
                         "coalesce(sum((mark & 2) >> 1), 0) FROM quads",
    [STMT_COUNT_ASSERTED_EST] = "SELECT coalesce(sum(n_triples), 0) FROM pred_stats",
    [STMT_MAX_TERM_ID] = "SELECT coalesce(max(id), 0) FROM terms",
    [STMT_COUNT_TERMS] = "SELECT count(*) FROM terms",
    [STMT_COUNT_GRAPHS] = "SELECT count(*) FROM (SELECT DISTINCT g FROM quads WHERE g != 0)",
    /* the query planner's statistics: per predicate, and exact counts (capped at ?3 or ?2)
     * for a pattern with constants, which an index range answers */
    [STMT_PRED_STATS_GET] = "SELECT n_triples, n_subjects, n_objects FROM pred_stats WHERE p = ?1",
    [STMT_PROBE_PO] = "SELECT count(*) FROM (SELECT 1 FROM quads WHERE p = ?1 AND o = ?2 LIMIT ?3)",
    [STMT_PROBE_SP] = "SELECT count(*) FROM (SELECT 1 FROM quads WHERE s = ?1 AND p = ?2 LIMIT ?3)",
    [STMT_PROBE_S] = "SELECT count(*) FROM (SELECT 1 FROM quads WHERE s = ?1 LIMIT ?2)",
    [STMT_PROBE_O] = "SELECT count(*) FROM (SELECT 1 FROM quads WHERE o = ?1 LIMIT ?2)",
    [STMT_DERIVATION_PUT] = "INSERT OR REPLACE INTO derivations(s, p, o, g, rule, confidence, "
                            "premises) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STMT_DERIVATION_GET] = "SELECT rule, confidence, premises FROM derivations "
                            "WHERE s = ?1 AND p = ?2 AND o = ?3 AND g = ?4",
    [STMT_DERIVATION_OF_SUBJECT] = "SELECT p, o, g, rule, confidence, premises FROM derivations WHERE s = ?1",
    [STMT_DERIVATION_UNCERTAIN] = "SELECT s, p, o, g, confidence FROM derivations WHERE confidence < 1",
    [STMT_EMBEDDING_PUT] = "INSERT OR REPLACE INTO embeddings(name, model, dim, entity_width, "
                           "relation_width, settings) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [STMT_EMBEDDING_ROW_PUT] = "INSERT INTO embedding_rows(name, kind, term, vec) "
                               "VALUES(?1, ?2, ?3, ?4)",
    [STMT_EMBEDDING_DELETE] = "DELETE FROM embeddings WHERE name = ?1",
    [STMT_EMBEDDING_ROWS_DELETE] = "DELETE FROM embedding_rows WHERE name = ?1",
    /* the set and its row counts; kept active while the rows are read, so both see one
     * snapshot of the file */
    [STMT_EMBEDDING_GET] =
        "SELECT model, dim, entity_width, relation_width, settings,"
        " (SELECT count(*) FROM embedding_rows r WHERE r.name = e.name AND r.kind = 0),"
        " (SELECT count(*) FROM embedding_rows r WHERE r.name = e.name AND r.kind = 1),"
        " (SELECT count(*) FROM embedding_rows r WHERE r.name = e.name AND r.kind NOT IN (0, 1))"
        " FROM embeddings e WHERE e.name = ?1",
    [STMT_EMBEDDING_ROWS_GET] = "SELECT kind, term, vec FROM embedding_rows WHERE name = ?1 "
                                "ORDER BY kind, term",
    [STMT_EMBEDDING_ALL] = "SELECT name, model, dim, entity_width, relation_width, settings "
                           "FROM embeddings ORDER BY name",
    [STMT_SAVEPOINT] = "SAVEPOINT kg_nested",
    [STMT_SAVEPOINT_RELEASE] = "RELEASE kg_nested",
    [STMT_SAVEPOINT_ROLLBACK] = "ROLLBACK TO kg_nested",
    [STMT_BEGIN] = "BEGIN IMMEDIATE",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
};

/* The secondary indexes of quads, all covering. GSPO holds only named-graph quads: the
 * default graph, where most data lives, is served by the others with g = 0 in their key.
 * A big load drops them and builds them again by sorting, which is far faster than
 * inserting into four B-trees at random places. */
static const char *const quad_index_sql[] = {
    "CREATE INDEX quads_pos ON quads(p, o, s, g, mark)",
    "CREATE INDEX quads_osp ON quads(o, s, p, g, mark)",
    "CREATE INDEX quads_gspo ON quads(g, s, p, o, mark) WHERE g != 0",
    NULL,
};
static const char *const quad_index_drop_sql[] = {
    "DROP INDEX quads_pos",
    "DROP INDEX quads_osp",
    "DROP INDEX quads_gspo",
    NULL,
};

static KgStatus exec(KgStore *store, const char *sql, KgError *err, const char *what);

KgStatus kg_store_drop_quad_indexes(KgStore *store, KgError *err)
{
    KgStatus s = KG_OK;
    for (int i = 0; s == KG_OK && quad_index_drop_sql[i]; i++)
        s = exec(store, quad_index_drop_sql[i], err, "dropping an index for a bulk load");
    return s;
}

KgStatus kg_store_create_quad_indexes(KgStore *store, KgError *err)
{
    KgStatus s = KG_OK;
    for (int i = 0; s == KG_OK && quad_index_sql[i]; i++)
        s = exec(store, quad_index_sql[i], err, "building an index");
    return s;
}

KgStatus kg_store_bulk_begin(KgStore *store, KgError *err)
{
    if (!store->in_txn) return kg_error_set(err, KG_ERR_INTERNAL, "a bulk write outside a transaction");
    return kg_store_drop_quad_indexes(store, err);
}

KgStatus kg_store_bulk_end(KgStore *store, KgError *err)
{
    return kg_store_create_quad_indexes(store, err);
}

#define TERMS_INDEX_SQL "CREATE INDEX terms_by_hash ON terms(hash)"

KgStatus kg_store_drop_terms_index(KgStore *store, KgError *err)
{
    KgStatus s = exec(store, "DROP INDEX terms_by_hash", err, "dropping an index for a bulk load");
    if (s == KG_OK) store->terms_index_dropped = 1;
    return s;
}

KgStatus kg_store_create_terms_index(KgStore *store, KgError *err)
{
    KgStatus s = exec(store, TERMS_INDEX_SQL, err, "building an index");
    if (s == KG_OK) store->terms_index_dropped = 0;
    return s;
}

int kg_schema_version(void) { return SCHEMA_VERSION; }

KgStatus kg_db_error(KgStore *store, KgError *err, const char *what)
{
    return kg_error_set(err, KG_ERR_DB, "%s: %s", what, sqlite3_errmsg(store->db));
}

sqlite3_stmt *kg_stmt(KgStore *store, StmtId id, KgError *err)
{
    if (store->stmts[id]) return store->stmts[id];
    int rc = sqlite3_prepare_v3(store->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                &store->stmts[id], NULL);
    if (rc != SQLITE_OK) {
        kg_db_error(store, err, "preparing a statement");
        store->stmts[id] = NULL;
        return NULL;
    }
    return store->stmts[id];
}

double kg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs one statement to completion and resets it. */
static KgStatus step_done(KgStore *store, sqlite3_stmt *st, KgError *err, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return kg_db_error(store, err, what);
    return KG_OK;
}

KgStatus kg_meta_get_int(KgStore *store, const char *key, int64_t *out, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_META_GET, err);
    *out = 0;
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    KgStatus s = KG_OK;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        s = KG_ERR_NOT_FOUND;
    else
        s = kg_db_error(store, err, "reading the store's metadata");
    sqlite3_reset(st);
    return s;
}

KgStatus kg_meta_set_int(KgStore *store, const char *key, int64_t value, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_META_SET, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    return step_done(store, st, err, "writing the store's metadata");
}

static KgStatus exec(KgStore *store, const char *sql, KgError *err, const char *what)
{
    if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return kg_db_error(store, err, what);
    return KG_OK;
}

/* Counts the tables of the file and whether one is our `meta`. */
static KgStatus count_tables(KgStore *store, int *n_tables, int *has_meta, KgError *err)
{
    sqlite3_stmt *st = NULL;
    *n_tables = 0, *has_meta = 0;
    if (sqlite3_prepare_v2(store->db, "SELECT name FROM sqlite_schema WHERE type = 'table'", -1,
                           &st, NULL) != SQLITE_OK)
        return kg_error_set(err, KG_ERR_DB, "%s: not a nous store (%s)", store->path,
                            sqlite3_errmsg(store->db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        (*n_tables)++;
        if (strcmp((const char *)sqlite3_column_text(st, 0), "meta") == 0) *has_meta = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return kg_error_set(err, KG_ERR_DB, "%s: not a nous store (%s)", store->path,
                            sqlite3_errmsg(store->db));
    return KG_OK;
}

/* A new file gets the schema; an existing one must carry our schema version. */
static KgStatus check_or_create_schema(KgStore *store, KgError *err)
{
    int n_tables, has_meta;
    KgStatus s = count_tables(store, &n_tables, &has_meta, err);
    if (s != KG_OK) return s;
    if (n_tables == 0) {
        if ((s = exec(store, "BEGIN IMMEDIATE", err, "creating the store")) != KG_OK) return s;
        // Counted again under the write lock: another nous opening the same new file at
        // the same moment may have created the schema while we waited for the lock.
        s = count_tables(store, &n_tables, &has_meta, err);
        if (s == KG_OK && n_tables == 0) {
            s = exec(store, schema_sql, err, "creating the store");
            if (s == KG_OK) s = kg_store_create_quad_indexes(store, err);
            if (s == KG_OK) s = exec(store, TERMS_INDEX_SQL, err, "creating the store");
            if (s == KG_OK) s = kg_meta_set_int(store, "schema_version", SCHEMA_VERSION, err);
            if (s == KG_OK) s = exec(store, "COMMIT", err, "creating the store");
            if (s != KG_OK) sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
            return s;
        }
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
        if (s != KG_OK) return s;
    }
    if (!has_meta)
        return kg_error_set(err, KG_ERR_VERSION,
                            "%s: an SQLite database, but not a nous store (no meta table)",
                            store->path);
    int64_t version = 0;
    s = kg_meta_get_int(store, "schema_version", &version, err);
    if (s == KG_ERR_DB)
        return kg_error_set(err, KG_ERR_VERSION,
                            "%s: an SQLite database, but not a nous store (its meta table is "
                            "not ours)", store->path);
    if (s == KG_ERR_NOT_FOUND)
        return kg_error_set(err, KG_ERR_VERSION, "%s: not a nous store (no schema version)",
                            store->path);
    if (s != KG_OK) return s;
    if (version >= 1 && version <= 3) {
        /* version 1 lacked the derivations table, versions 1 and 2 the embeddings, versions 1
         * to 3 the rule sources: add them */
        if ((s = exec(store, "BEGIN IMMEDIATE", err, "upgrading the store")) != KG_OK) return s;
        // Read again under the write lock: another nous may have upgraded it meanwhile.
        s = kg_meta_get_int(store, "schema_version", &version, err);
        if (s == KG_OK && version == SCHEMA_VERSION) {
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
            return KG_OK;
        }
        if (s == KG_OK && version == 1) s = exec(store, DERIVATIONS_SQL, err, "upgrading the store");
        if (s == KG_OK && version <= 2) s = exec(store, EMBEDDINGS_SQL, err, "upgrading the store");
        if (s == KG_OK) s = exec(store, RULE_SOURCES_SQL, err, "upgrading the store");
        if (s == KG_OK) s = kg_meta_set_int(store, "schema_version", SCHEMA_VERSION, err);
        if (s == KG_OK) s = exec(store, "COMMIT", err, "upgrading the store");
        if (s != KG_OK) sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
        return s;
    }
    if (version != SCHEMA_VERSION)
        return kg_error_set(err, KG_ERR_VERSION,
                            "%s: store schema version %lld, but this nous reads version %d; "
                            "export it with the nous that made it and load it here",
                            store->path, (long long)version, SCHEMA_VERSION);
    return KG_OK;
}

KgStatus kg_store_open(const char *path, KgStore **out, KgError *err)
{
    *out = NULL;
    KgStore *store = kg_calloc(1, sizeof *store);
    if (!store) return kg_error_set(err, KG_ERR_NOMEM, "out of memory opening %s", path);
    store->path = kg_strdup(path);
    KgStatus s = KG_OK;
    if (!store->path) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory opening %s", path);
        goto fail;
    }
    /* NOMUTEX: a store is used by one thread at a time, so SQLite need not lock each call */
    int rc = sqlite3_open_v2(path, &store->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        s = kg_error_set(err, KG_ERR_IO, "%s: cannot open: %s", path,
                         store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(store->db, 1);
    // A second writer waits for the first rather than failing at once.
    sqlite3_busy_timeout(store->db, 10000);
    // WAL: readers go on while a writer works. NORMAL sync is durable across crashes of
    // the program (not of the machine's power) and much faster than FULL in WAL mode.
    const char *pragmas = "PRAGMA synchronous = NORMAL;"
                          "PRAGMA foreign_keys = OFF;"
                          "PRAGMA cache_size = -262144;" /* 256 MiB of page cache */
                          "PRAGMA temp_store = MEMORY;";
    if (sqlite3_exec(store->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        s = kg_error_set(err, KG_ERR_DB, "%s: not a usable store: %s", path,
                         sqlite3_errmsg(store->db));
        goto fail;
    }
    // The schema is checked before WAL is switched on: a file we refuse stays as it was.
    if ((s = check_or_create_schema(store, err)) != KG_OK) goto fail;
    if (sqlite3_exec(store->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK) {
        s = kg_error_set(err, KG_ERR_DB, "%s: not a usable store: %s", path,
                         sqlite3_errmsg(store->db));
        goto fail;
    }
    if (kg_dict_cache_init(store) != KG_OK) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory opening %s", path);
        goto fail;
    }
    *out = store;
    return KG_OK;
fail:
    kg_store_close(store);
    return s;
}

void kg_store_close(KgStore *store)
{
    if (!store) return;
    if (store->in_txn) kg_store_rollback(store);
    for (int i = 0; i < N_STMTS; i++) sqlite3_finalize(store->stmts[i]);
    for (int i = 0; i < 32; i++)
        for (int k = 0; k < KG_MATCH_POOL; k++) sqlite3_finalize(store->match_stmts[i][k]);
    sp_funcs_free(store);
    if (store->db) sqlite3_close(store->db);
    kg_dict_cache_free(store);
    kg_prefix_cache_free(store);
    kg_buf_free(&store->get_lex);
    kg_buf_free(&store->get_dt);
    kg_buf_free(&store->get_lang);
    kg_buf_free(&store->deriv_rule);
    kg_free(store->deriv_premises);
    kg_free(store->dirty_preds);
    kg_free(store->stats_changes);
    kg_free(store->path);
    kg_free(store);
}

const char *kg_store_path(const KgStore *store) { return store->path; }

int kg_store_in_transaction(const KgStore *store) { return store->in_txn; }

KgStatus kg_store_begin(KgStore *store, KgError *err)
{
    if (store->in_txn)
        return kg_error_set(err, KG_ERR_INTERNAL, "a transaction is already open");
    sqlite3_stmt *st = kg_stmt(store, STMT_BEGIN, err);
    if (!st) return KG_ERR_DB;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        if ((rc & 0xff) == SQLITE_BUSY)
            return kg_error_set(err, KG_ERR_DB,
                                "%s: another nous is writing to this store; try again when it "
                                "has finished",
                                store->path);
        return kg_db_error(store, err, "starting a transaction");
    }
    store->in_txn = 1;
    kg_stats_forget(store);
    // The next id is read inside the transaction, so no other writer can take it. max(id)
    // is one step down the rowid B-tree, unlike count(*).
    sqlite3_stmt *c = kg_stmt(store, STMT_MAX_TERM_ID, err);
    if (!c) goto fail;
    if (sqlite3_step(c) != SQLITE_ROW) {
        sqlite3_reset(c);
        kg_db_error(store, err, "reading the largest term id");
        goto fail;
    }
    KgTermId max_id = (KgTermId)sqlite3_column_int64(c, 0);
    sqlite3_reset(c);
    if (max_id + 1 != store->next_term_id) {
        // Another process added terms since our cache was filled.
        kg_dict_cache_clear(store);
        store->next_term_id = max_id + 1;
    }
    if (max_id == 0) kg_dict_cache_set_complete(store);
    return KG_OK;
fail:
    kg_store_rollback(store);
    return KG_ERR_DB;
}

KgStatus kg_store_commit(KgStore *store, KgError *err)
{
    if (!store->in_txn)
        return kg_error_set(err, KG_ERR_INTERNAL, "commit without a transaction");
    KgStatus s = KG_OK;
    if (store->terms_index_dropped) s = kg_store_create_terms_index(store, err);
    if (s == KG_OK) s = kg_stats_refresh(store, err);
    if (s != KG_OK) {
        kg_store_rollback(store);
        return s;
    }
    sqlite3_stmt *st = kg_stmt(store, STMT_COMMIT, err);
    if (!st) {
        kg_store_rollback(store);
        return KG_ERR_DB;
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        s = kg_db_error(store, err, "committing");
        kg_store_rollback(store);
        return s;
    }
    store->in_txn = 0;
    return KG_OK;
}

void kg_store_rollback(KgStore *store)
{
    if (!store->in_txn) return;
    // Reset every statement first: an active read would keep the transaction open.
    for (int i = 0; i < N_STMTS; i++)
        if (store->stmts[i]) sqlite3_reset(store->stmts[i]);
    if (sqlite3_get_autocommit(store->db) == 0)
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    store->in_txn = 0;
    kg_stats_forget(store);
    store->terms_index_dropped = 0;
    // Ids handed out inside the transaction are gone; so is anything cached about them.
    kg_dict_cache_clear(store);
    kg_prefix_cache_free(store);
    sp_funcs_reset(store);
    store->next_term_id = 0;
}
