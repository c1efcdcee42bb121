/* tests/kg/test_store.c: the store file (kg/store.c): creating, closing and reopening it,
 * WAL behaviour seen from two handles, the transaction discipline, and the files it must
 * refuse (another schema version, someone else's SQLite database, not SQLite at all). */
#include "helpers.h"

#include <sqlite3.h>
#include <sys/stat.h>

static const char *const doc = "@prefix ex: <http://example.org/> .\n"
                               "ex:a ex:p ex:b .\n"
                               "ex:b ex:p ex:c .\n"
                               "ex:c ex:q \"lit\" .\n";

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Runs SQL on a file with plain SQLite, as another program would. */
static void sqlite_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s", msg ? msg : "");
    sqlite3_close(db);
}

/* Opens `path`, which must be refused; returns the error. */
static KgError open_refused(const char *path, KgStatus expect)
{
    KgStore *store = (KgStore *)1;
    KgError err = {0};
    KgStatus s = kg_store_open(path, &store, &err);
    cr_assert_neq(s, KG_OK, "%s was opened as a store", path);
    cr_assert_null(store, "*out is not NULL after a failed open");
    cr_assert_eq(err.status, s);
    if (expect != KG_OK) cr_assert_eq(s, expect, "status %s", kg_status_name(s));
    return err;
}

Test(kg_store, file_store_opens_closes_and_keeps_its_data)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "s.db");
    KgStore *store = open_store(path);
    cr_assert_str_eq(kg_store_path(store), path);
    cr_assert(file_exists(path));
    load_ok(store, "d.ttl", doc, NULL);
    KgStats before = stats_of(store);
    cr_assert_eq(before.n_quads, 3);
    kg_store_close(store);

    store = open_store(path);
    assert_stats_eq(stats_of(store), before);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_store, a_new_file_records_this_builds_schema_version)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "s.db");
    kg_store_close(open_store(path));
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'",
                                    -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), kg_schema_version());
    sqlite3_finalize(st);
    sqlite3_close(db);
    temp_dir_remove(dir);
}

Test(kg_store, open_in_a_missing_directory_fails_and_names_the_file)
{
    KgError err = open_refused("/nonexistent-nous-dir/x/s.db", KG_OK);
    cr_assert(strstr(err.msg, "/nonexistent-nous-dir/x/s.db"), "message: %s", err.msg);
}

Test(kg_store, file_store_uses_a_write_ahead_log)
{
    char *dir = temp_dir();
    char path[512], wal[600];
    path_in(path, sizeof path, dir, "s.db");
    snprintf(wal, sizeof wal, "%s-wal", path);
    KgStore *store = open_store(path);
    load_ok(store, "d.ttl", doc, NULL);
    cr_assert(file_exists(wal), "no %s after a committed load", wal);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_store, a_reader_does_not_block_a_writer_and_keeps_its_snapshot)
{
    // With a write-ahead log a commit does not wait for a reader mid-iteration (in rollback
    // journal mode it would wait for the 10 s busy timeout and fail).
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "s.db");
    KgStore *writer = open_store(path);
    load_ok(writer, "d.ttl", doc, NULL);
    KgStore *reader = open_store(path);

    KgQuad pat = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    KgError err = {0};
    cr_assert_eq(kg_match_new(reader, &pat, KG_ASSERTED, &it, &err), KG_OK);
    cr_assert_eq(kg_iter_next(it, &q, NULL, &err), KG_OK);

    load_ok(writer, "more.ttl", "<http://example.org/x> <http://example.org/p> 1 .\n", NULL);

    unsigned long n = 1;
    while (kg_iter_next(it, &q, NULL, &err) == KG_OK) n++;
    kg_iter_free(it);
    cr_assert_eq(n, 3, "the reader saw %lu quads, not its snapshot of 3", n);
    cr_assert_eq(stats_of(reader).n_quads, 4, "a new read sees the commit");
    kg_store_close(reader);
    kg_store_close(writer);
    temp_dir_remove(dir);
}

Test(kg_store, a_reader_does_not_see_an_open_transaction)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "s.db");
    KgStore *writer = open_store(path);
    KgStore *reader = open_store(path);
    KgError err = {0};
    cr_assert_eq(kg_store_begin(writer, &err), KG_OK, "%s", err.msg);
    KgTerm t = {KG_TERM_IRI, "http://example.org/a", 20, NULL, NULL};
    KgTermId id;
    cr_assert_eq(kg_dict_intern(writer, &t, &id, &err), KG_OK);
    KgQuad quad = {id, id, id, KG_DEFAULT_GRAPH};
    cr_assert_eq(kg_quad_add(writer, &quad, KG_ASSERTED, NULL, &err), KG_OK);
    KgStats seen = stats_of(reader);
    cr_assert_eq(seen.n_quads, 0);
    cr_assert_eq(seen.n_terms, 0);
    cr_assert_eq(kg_store_commit(writer, &err), KG_OK, "%s", err.msg);
    cr_assert_eq(stats_of(reader).n_quads, 1);
    cr_assert_eq(iri_id(reader, "http://example.org/a"), id);
    kg_store_close(reader);
    kg_store_close(writer);
    temp_dir_remove(dir);
}

Test(kg_store, terms_added_by_another_handle_get_fresh_ids)
{
    // Each handle caches the next id; a commit by the other must not make them collide.
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "s.db");
    KgStore *a = open_store(path);
    KgStore *b = open_store(path);
    load_ok(a, "a.ttl", "<http://example.org/a1> <http://example.org/p> <http://example.org/a2> .\n",
            NULL);
    load_ok(b, "b.ttl", "<http://example.org/b1> <http://example.org/p> <http://example.org/b2> .\n",
            NULL);
    load_ok(a, "c.ttl", "<http://example.org/c1> <http://example.org/p> <http://example.org/c2> .\n",
            NULL);
    KgStats st = stats_of(a);
    cr_assert_eq(st.n_quads, 3);
    cr_assert_eq(st.n_terms, 7);
    const char *names[] = {"a1", "a2", "b1", "b2", "c1", "c2", "p"};
    KgTermId seen[7];
    for (int i = 0; i < 7; i++) {
        char iri[64];
        snprintf(iri, sizeof iri, "http://example.org/%s", names[i]);
        seen[i] = iri_id(b, iri);
        cr_assert_eq(iri_id(a, iri), seen[i]);
        for (int j = 0; j < i; j++) cr_assert_neq(seen[i], seen[j]);
        KgTerm t;
        KgError err = {0};
        cr_assert_eq(kg_dict_get(a, seen[i], &t, &err), KG_OK);
        cr_assert_str_eq(t.lex, iri);
    }
    kg_store_close(a);
    kg_store_close(b);
    temp_dir_remove(dir);
}

Test(kg_store, closing_with_an_open_transaction_rolls_it_back)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "s.db");
    KgStore *store = open_store(path);
    KgError err = {0};
    cr_assert_eq(kg_store_begin(store, &err), KG_OK);
    KgTerm t = {KG_TERM_IRI, "http://example.org/a", 20, NULL, NULL};
    KgTermId id;
    cr_assert_eq(kg_dict_intern(store, &t, &id, &err), KG_OK);
    kg_store_close(store);
    store = open_store(path);
    cr_assert_eq(stats_of(store).n_terms, 0);
    kg_store_close(store);
    temp_dir_remove(dir);
}

Test(kg_store, begin_twice_and_commit_without_begin_are_errors)
{
    KgStore *store = open_store(":memory:");
    KgError err = {0};
    cr_assert_neq(kg_store_commit(store, &err), KG_OK);
    cr_assert_eq(kg_store_begin(store, &err), KG_OK);
    cr_assert_neq(kg_store_begin(store, &err), KG_OK);
    kg_store_rollback(store);
    kg_store_rollback(store); // a second rollback does nothing
    cr_assert_eq(kg_store_begin(store, &err), KG_OK, "the store is usable after both");
    cr_assert_eq(kg_store_commit(store, &err), KG_OK);
    kg_store_close(store);
}

Test(kg_store, another_schema_version_is_refused_with_the_file_named)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "old.db");
    sqlite_exec(path, "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                      "INSERT INTO meta VALUES('schema_version', 999);");
    KgError err = open_refused(path, KG_ERR_VERSION);
    cr_assert(strstr(err.msg, path), "the message does not name the file: %s", err.msg);
    cr_assert(strstr(err.msg, "999"), "the message does not give the version: %s", err.msg);
    temp_dir_remove(dir);
}

Test(kg_store, a_database_of_another_program_is_refused)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "app.db");
    sqlite_exec(path, "CREATE TABLE people(name TEXT); INSERT INTO people VALUES('ada');");
    KgError err = open_refused(path, KG_OK);
    cr_assert(strstr(err.msg, path), "the message does not name the file: %s", err.msg);
    cr_assert(strstr(err.msg, "not a nous store"), "message: %s", err.msg);
    temp_dir_remove(dir);
}

Test(kg_store, a_database_with_a_foreign_meta_table_is_refused_with_the_file_named)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "app.db");
    sqlite_exec(path, "CREATE TABLE meta(name TEXT, val TEXT);"
                      "INSERT INTO meta VALUES('owner', 'someone else');");
    KgError err = open_refused(path, KG_OK);
    cr_assert(strstr(err.msg, path), "the message does not name the file: %s", err.msg);
    temp_dir_remove(dir);
}

Test(kg_store, refusing_a_database_leaves_the_file_as_it_was)
{
    // "On error no operation is performed": someone's database given by mistake (--db) must
    // not come back changed, e.g. switched to WAL mode.
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "app.db");
    sqlite_exec(path, "CREATE TABLE people(name TEXT); INSERT INTO people VALUES('ada');");
    size_t n_before, n_after;
    char *before = read_file(path, &n_before);
    open_refused(path, KG_OK);
    char *after = read_file(path, &n_after);
    cr_assert_eq(n_after, n_before);
    cr_assert(memcmp(before, after, n_before) == 0,
              "kg_store_open changed a database it refused (journal mode byte 18: %d -> %d)",
              n_before > 18 ? before[18] : -1, n_after > 18 ? after[18] : -1);
    free(before);
    free(after);
    temp_dir_remove(dir);
}

Test(kg_store, a_file_that_is_not_sqlite_is_refused_without_harm)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "garbage.db");
    char junk[8192];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)("not a database\n"[i % 15] ^ (i >> 7));
    write_file(path, junk, sizeof junk);
    KgError err = open_refused(path, KG_OK);
    cr_assert(strstr(err.msg, path), "the message does not name the file: %s", err.msg);
    size_t n;
    char *after = read_file(path, &n);
    cr_assert_eq(n, sizeof junk);
    cr_assert(memcmp(after, junk, n) == 0, "the refused file was changed");
    free(after);
    temp_dir_remove(dir);
}

Test(kg_store, a_text_file_is_refused_without_harm)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "notes.ttl");
    write_file(path, doc, strlen(doc));
    KgError err = open_refused(path, KG_OK);
    cr_assert(strstr(err.msg, path), "the message does not name the file: %s", err.msg);
    temp_dir_remove(dir);
}

Test(kg_store, a_version_1_store_is_upgraded_to_hold_derivations)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "v1.db");
    KgStore *st = open_store(path);
    kg_store_close(st);
    /* make it a version 1 store: no derivations table */
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "DROP TABLE derivations; UPDATE meta SET value = 1 "
                                  "WHERE key = 'schema_version';", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    st = open_store(path);
    KgQuad q = {1, 2, 3, KG_DEFAULT_GRAPH};
    KgDerivation d;
    KgError err = {0};
    cr_assert_eq(kg_derivation_get(st, &q, &d, &err), KG_ERR_NOT_FOUND, "%s", err.msg);
    kg_store_close(st);
    temp_dir_remove(dir);
}
