/* tests/kg/test_vectors.c: trained embeddings in the store (kg/vectors.c): a save and load
 * keep every float bit, replacing and deleting by name, listing, lookups by term, relations
 * with and without their inverse, the transaction a save joins, a damaged row that must give
 * an error, failed allocations, and the upgrade of a version-2 store file. */
#include "helpers.h"

#include <float.h>
#include <math.h>
#include <sqlite3.h>

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

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* A small set: 3 entities of width 4 given out of term order, 2 relations of width 2. */
static const KgTermId ent_terms[] = {30, 10, 20};
static float ent_vecs[3 * 4];
static const KgTermId rel_terms[] = {7, 5};
static const float rel_vecs[] = {1.5f, -2.5f, 3.25f, 0.125f};
static const float rel_inv[] = {-1.5f, 2.5f, -3.25f, -0.125f};

static void fill_entities(void)
{
    const float v[] = {-0.0f, 0.0f, FLT_MIN / 4, -FLT_MIN / 1024, /* term 30: zeros, denormals */
                       1.0f,  -1.0f, FLT_MAX, -FLT_MAX,           /* term 10 */
                       INFINITY, -INFINITY, 1e-45f, 3.14159274f}; /* term 20 */
    memcpy(ent_vecs, v, sizeof v);
}

static KgEmbeddingInfo info_of(const char *name, const char *model)
{
    return (KgEmbeddingInfo){name, model, 4, 4, 2, "{\"epochs\": 3, \"mrr\": 0.25}"};
}

static void save_ok(KgStore *st, const char *name, const char *model, int with_inverse)
{
    fill_entities();
    KgEmbeddingInfo info = info_of(name, model);
    KgError err = {0};
    KgStatus s = kg_embedding_save(st, &info, 3, ent_terms, ent_vecs, 2, rel_terms, rel_vecs,
                                   with_inverse ? rel_inv : NULL, &err);
    cr_assert_eq(s, KG_OK, "save: %s: %s", kg_status_name(s), err.msg);
}

static KgEmbedding *load_ok_vecs(KgStore *st, const char *name)
{
    KgEmbedding *e = NULL;
    KgError err = {0};
    KgStatus s = kg_embedding_load(st, name, &e, &err);
    cr_assert_eq(s, KG_OK, "load %s: %s: %s", name, kg_status_name(s), err.msg);
    cr_assert_not_null(e);
    return e;
}

static void assert_not_found(KgStore *st, const char *name)
{
    KgEmbedding *e = (KgEmbedding *)1;
    KgError err = {0};
    cr_assert_eq(kg_embedding_load(st, name, &e, &err), KG_ERR_NOT_FOUND);
    cr_assert_null(e, "*out is not NULL after a failed load");
    cr_assert(strstr(err.msg, name), "the message does not name the set: %s", err.msg);
}

Test(vectors, a_saved_set_loads_back_with_every_float_bit)
{
    KgStore *st = open_store(":memory:");
    save_ok(st, "complex", "complex", 1);
    KgEmbedding *e = load_ok_vecs(st, "complex");

    const KgEmbeddingInfo *info = kg_embedding_info(e);
    cr_assert_str_eq(info->name, "complex");
    cr_assert_str_eq(info->model, "complex");
    cr_assert_eq(info->dim, 4);
    cr_assert_eq(info->entity_width, 4);
    cr_assert_eq(info->relation_width, 2);
    cr_assert_str_eq(info->settings, "{\"epochs\": 3, \"mrr\": 0.25}");

    cr_assert_eq(kg_embedding_n_entities(e), 3);
    const KgTermId want_order[] = {10, 20, 30};
    const size_t given_at[] = {1, 2, 0};
    for (size_t i = 0; i < 3; i++) {
        const float *v = NULL;
        cr_assert_eq(kg_embedding_entity(e, i, &v), want_order[i], "entities not in term order");
        cr_assert(same_bits(v, ent_vecs + 4 * given_at[i], 4), "entity %zu changed", i);
    }
    const float *row0 = NULL;
    kg_embedding_entity(e, 0, &row0);
    cr_assert_eq((uintptr_t)row0 % 64, 0, "the matrix is not 64-byte aligned");
    const float *row2 = NULL;
    kg_embedding_entity(e, 2, &row2);
    cr_assert_eq(row2, row0 + 8, "the rows are not one matrix");
    cr_assert(signbit(row2[0]) && row2[0] == 0.0f, "negative zero was lost");

    cr_assert_eq(kg_embedding_n_relations(e), 2);
    const float *v = NULL, *inv = NULL;
    cr_assert_eq(kg_embedding_relation(e, 0, &v, &inv), 5);
    cr_assert(same_bits(v, rel_vecs + 2, 2));
    cr_assert(same_bits(inv, rel_inv + 2, 2));
    cr_assert_eq(kg_embedding_relation(e, 1, &v, &inv), 7);
    cr_assert(same_bits(v, rel_vecs, 2));
    cr_assert(same_bits(inv, rel_inv, 2));
    kg_embedding_free(e);
    kg_store_close(st);
}

Test(vectors, the_blob_is_little_endian_float32)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "v.db");
    KgStore *st = open_store(path);
    save_ok(st, "e", "transe", 0);
    kg_store_close(st);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT hex(vec) FROM embedding_rows WHERE name = 'e' "
                                        "AND kind = 1 AND term = 5", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    // 3.25f is 0x40500000 and 0.125f is 0x3E000000, least significant byte first.
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "000050400000003E");
    sqlite3_finalize(q);
    sqlite3_close(db);
    temp_dir_remove(dir);
}

Test(vectors, lookup_by_term_finds_saved_rows_only)
{
    KgStore *st = open_store(":memory:");
    save_ok(st, "d", "distmult", 0);
    KgEmbedding *e = load_ok_vecs(st, "d");
    const float *v = kg_embedding_entity_vec(e, 20);
    cr_assert_not_null(v);
    cr_assert(same_bits(v, ent_vecs + 8, 4));
    cr_assert(same_bits(kg_embedding_entity_vec(e, 30), ent_vecs, 4));
    cr_assert(same_bits(kg_embedding_entity_vec(e, 10), ent_vecs + 4, 4));
    cr_assert_null(kg_embedding_entity_vec(e, 0));
    cr_assert_null(kg_embedding_entity_vec(e, 15));
    cr_assert_null(kg_embedding_entity_vec(e, 31));
    cr_assert_null(kg_embedding_entity_vec(e, 5), "a relation's term is not an entity's");

    cr_assert(same_bits(kg_embedding_relation_vec(e, 7, 0), rel_vecs, 2));
    cr_assert_null(kg_embedding_relation_vec(e, 7, 1), "an inverse that was never saved");
    cr_assert_null(kg_embedding_relation_vec(e, 6, 0));
    cr_assert_null(kg_embedding_relation_vec(e, 10, 0), "an entity's term is not a relation's");
    const float *vec = NULL, *inv = (const float *)1;
    kg_embedding_relation(e, 0, &vec, &inv);
    cr_assert_null(inv);
    kg_embedding_free(e);

    save_ok(st, "d2", "distmult", 1);
    e = load_ok_vecs(st, "d2");
    cr_assert(same_bits(kg_embedding_relation_vec(e, 7, 1), rel_inv, 2));
    cr_assert(same_bits(kg_embedding_relation_vec(e, 5, 1), rel_inv + 2, 2));
    cr_assert_null(kg_embedding_relation_vec(e, 6, 1));
    kg_embedding_free(e);
    kg_store_close(st);
}

Test(vectors, an_empty_set_loads_with_no_rows)
{
    KgStore *st = open_store(":memory:");
    KgEmbeddingInfo info = {"none", "rotate", 8, 16, 8, NULL};
    KgError err = {0};
    cr_assert_eq(kg_embedding_save(st, &info, 0, NULL, NULL, 0, NULL, NULL, NULL, &err), KG_OK,
                 "%s", err.msg);
    KgEmbedding *e = load_ok_vecs(st, "none");
    cr_assert_eq(kg_embedding_n_entities(e), 0);
    cr_assert_eq(kg_embedding_n_relations(e), 0);
    cr_assert_null(kg_embedding_entity_vec(e, 1));
    cr_assert_null(kg_embedding_relation_vec(e, 1, 0));
    cr_assert_str_eq(kg_embedding_info(e)->settings, "{}");
    kg_embedding_free(e);
    kg_store_close(st);
}

Test(vectors, saving_under_a_used_name_replaces_the_set)
{
    KgStore *st = open_store(":memory:");
    save_ok(st, "m", "transe", 1);
    KgEmbeddingInfo info = {"m", "rotate", 1, 2, 1, "{}"};
    const KgTermId ents[] = {99};
    const float ev[] = {0.5f, -0.5f};
    const KgTermId rels[] = {5};
    const float rv[] = {0.25f};
    KgError err = {0};
    cr_assert_eq(kg_embedding_save(st, &info, 1, ents, ev, 1, rels, rv, NULL, &err), KG_OK, "%s",
                 err.msg);
    KgEmbedding *e = load_ok_vecs(st, "m");
    cr_assert_str_eq(kg_embedding_info(e)->model, "rotate");
    cr_assert_eq(kg_embedding_info(e)->entity_width, 2);
    cr_assert_eq(kg_embedding_n_entities(e), 1);
    cr_assert_eq(kg_embedding_n_relations(e), 1);
    cr_assert(same_bits(kg_embedding_entity_vec(e, 99), ev, 2));
    cr_assert_null(kg_embedding_entity_vec(e, 10), "a row of the old set is left");
    cr_assert_null(kg_embedding_relation_vec(e, 5, 1), "the old inverse is left");
    kg_embedding_free(e);
    kg_store_close(st);
}

struct listing {
    char names[8][32];
    size_t n;
    size_t stop_after;
};

static KgStatus list_one(void *ctx, const KgEmbeddingInfo *info)
{
    struct listing *l = ctx;
    cr_assert_lt(l->n, 8);
    snprintf(l->names[l->n++], sizeof l->names[0], "%s:%s:%zu", info->name, info->model,
             info->entity_width);
    return l->n == l->stop_after ? KG_DONE : KG_OK;
}

Test(vectors, each_lists_the_sets_by_name_and_delete_removes_one)
{
    KgStore *st = open_store(":memory:");
    save_ok(st, "rotate", "rotate", 0);
    save_ok(st, "complex", "complex", 1);
    save_ok(st, "transe", "transe", 0);
    struct listing l = {0};
    KgError err = {0};
    cr_assert_eq(kg_embedding_each(st, list_one, &l, &err), KG_OK, "%s", err.msg);
    cr_assert_eq(l.n, 3);
    cr_assert_str_eq(l.names[0], "complex:complex:4");
    cr_assert_str_eq(l.names[1], "rotate:rotate:4");
    cr_assert_str_eq(l.names[2], "transe:transe:4");

    struct listing stop = {.stop_after = 2};
    cr_assert_eq(kg_embedding_each(st, list_one, &stop, &err), KG_DONE,
                 "the callback's status is not returned");
    cr_assert_eq(stop.n, 2);

    cr_assert_eq(kg_embedding_delete(st, "rotate", &err), KG_OK, "%s", err.msg);
    assert_not_found(st, "rotate");
    err = (KgError){0};
    cr_assert_eq(kg_embedding_delete(st, "rotate", &err), KG_ERR_NOT_FOUND);
    cr_assert(strstr(err.msg, "rotate"), "%s", err.msg);
    l = (struct listing){0};
    cr_assert_eq(kg_embedding_each(st, list_one, &l, &err), KG_OK);
    cr_assert_eq(l.n, 2);
    cr_assert_str_eq(l.names[0], "complex:complex:4");
    cr_assert_str_eq(l.names[1], "transe:transe:4");
    KgEmbedding *e = load_ok_vecs(st, "complex"); // the others keep their rows
    cr_assert_eq(kg_embedding_n_entities(e), 3);
    kg_embedding_free(e);
    kg_store_close(st);
}

Test(vectors, a_set_never_saved_is_not_found)
{
    KgStore *st = open_store(":memory:");
    assert_not_found(st, "nothing");
    kg_store_close(st);
}

Test(vectors, bad_arguments_are_refused_and_save_nothing)
{
    KgStore *st = open_store(":memory:");
    fill_entities();
    KgError err = {0};
    KgEmbeddingInfo info = info_of(NULL, "transe");
    cr_assert_eq(kg_embedding_save(st, &info, 3, ent_terms, ent_vecs, 0, NULL, NULL, NULL, &err),
                 KG_ERR_ARG);
    info = info_of("w0", "transe");
    info.entity_width = 0;
    cr_assert_eq(kg_embedding_save(st, &info, 0, NULL, NULL, 0, NULL, NULL, NULL, &err),
                 KG_ERR_ARG);
    info = info_of("w0", "transe");
    info.relation_width = 0;
    cr_assert_eq(kg_embedding_save(st, &info, 0, NULL, NULL, 0, NULL, NULL, NULL, &err),
                 KG_ERR_ARG);
    info = info_of("w0", NULL);
    cr_assert_eq(kg_embedding_save(st, &info, 0, NULL, NULL, 0, NULL, NULL, NULL, &err),
                 KG_ERR_ARG);
    info = info_of("w0", "transe");
    cr_assert_eq(kg_embedding_save(st, &info, 3, ent_terms, NULL, 0, NULL, NULL, NULL, &err),
                 KG_ERR_ARG);
    assert_not_found(st, "w0");
    KgEmbedding *e = (KgEmbedding *)1;
    cr_assert_eq(kg_embedding_load(st, NULL, &e, &err), KG_ERR_ARG);
    cr_assert_null(e);
    cr_assert_eq(kg_embedding_delete(st, NULL, &err), KG_ERR_ARG);
    kg_store_close(st);
}

Test(vectors, a_term_given_twice_fails_and_saves_nothing)
{
    KgStore *st = open_store(":memory:");
    save_ok(st, "dup", "transe", 0);
    fill_entities();
    const KgTermId twice[] = {10, 20, 10};
    KgEmbeddingInfo info = info_of("dup", "rotate");
    KgError err = {0};
    cr_assert_eq(kg_embedding_save(st, &info, 3, twice, ent_vecs, 0, NULL, NULL, NULL, &err),
                 KG_ERR_DB);
    cr_assert(strstr(err.msg, "dup") && strstr(err.msg, "10"), "%s", err.msg);
    KgEmbedding *e = load_ok_vecs(st, "dup"); // the old set is untouched
    cr_assert_str_eq(kg_embedding_info(e)->model, "transe");
    cr_assert_eq(kg_embedding_n_relations(e), 2);
    kg_embedding_free(e);
    kg_store_close(st);
}

Test(vectors, a_save_inside_a_transaction_is_undone_by_its_rollback)
{
    KgStore *st = open_store(":memory:");
    KgError err = {0};
    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    save_ok(st, "t", "transe", 1);
    KgEmbedding *e = load_ok_vecs(st, "t"); // visible inside the transaction
    kg_embedding_free(e);
    kg_store_rollback(st);
    assert_not_found(st, "t");

    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    save_ok(st, "t", "transe", 1);
    cr_assert_eq(kg_store_commit(st, &err), KG_OK, "%s", err.msg);
    e = load_ok_vecs(st, "t");
    kg_embedding_free(e);

    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    cr_assert_eq(kg_embedding_delete(st, "t", &err), KG_OK, "%s", err.msg);
    kg_store_rollback(st);
    e = load_ok_vecs(st, "t");
    kg_embedding_free(e);
    kg_store_close(st);
}

Test(vectors, a_failed_save_inside_a_transaction_keeps_the_callers_writes)
{
    KgStore *st = open_store(":memory:");
    KgError err = {0};
    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    save_ok(st, "first", "transe", 0);
    fill_entities();
    const KgTermId twice[] = {1, 1, 2};
    KgEmbeddingInfo info = info_of("second", "transe");
    cr_assert_eq(kg_embedding_save(st, &info, 3, twice, ent_vecs, 0, NULL, NULL, NULL, &err),
                 KG_ERR_DB);
    cr_assert_eq(kg_store_commit(st, &err), KG_OK, "the transaction is not usable: %s", err.msg);
    KgEmbedding *e = load_ok_vecs(st, "first");
    kg_embedding_free(e);
    assert_not_found(st, "second");
    kg_store_close(st);
}

/* Saves the small set into a file store, lets `sql` damage it, and expects a KG_ERR_DB whose
 * message holds `expect`. */
static void damaged_load_fails(const char *sql, const char *expect)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "v.db");
    KgStore *st = open_store(path);
    save_ok(st, "c", "complex", 1);
    sqlite_exec(path, sql); // a second connection, while the store is open
    KgEmbedding *e = (KgEmbedding *)1;
    KgError err = {0};
    cr_assert_eq(kg_embedding_load(st, "c", &e, &err), KG_ERR_DB, "%s", err.msg);
    cr_assert_null(e);
    cr_assert(strstr(err.msg, expect), "message: %s", err.msg);
    // The store is still usable: another set saves and loads.
    save_ok(st, "ok", "transe", 1);
    e = load_ok_vecs(st, "ok");
    kg_embedding_free(e);
    kg_store_close(st);
    temp_dir_remove(dir);
}

Test(vectors, a_vector_of_the_wrong_size_is_an_error_not_a_crash)
{
    damaged_load_fails("UPDATE embedding_rows SET vec = x'0000803f' WHERE kind = 0 AND term = 20",
                       "the entity vector of term 20 has 4 bytes, not 16");
    damaged_load_fails("UPDATE embedding_rows SET vec = zeroblob(4000) WHERE kind = 2 AND term = 7",
                       "the inverse relation vector of term 7 has 4000 bytes, not 8");
    damaged_load_fails("UPDATE embedding_rows SET vec = '' WHERE kind = 1 AND term = 5",
                       "has 0 bytes");
}

Test(vectors, other_damage_is_an_error_not_a_crash)
{
    damaged_load_fails("DELETE FROM embedding_rows WHERE (kind = 1 AND term = 7) OR "
                       "(kind = 2 AND term = 5)",
                       "an inverse vector for term 7, which has no relation vector");
    damaged_load_fails("DELETE FROM embedding_rows WHERE kind = 1 AND term = 7",
                       "2 inverse or unknown rows for 1 relations");
    damaged_load_fails("UPDATE embedding_rows SET kind = 9 WHERE kind = 2 AND term = 7",
                       "a row of unknown kind 9");
    damaged_load_fails("UPDATE embeddings SET entity_width = 0", "the store is damaged");
    damaged_load_fails("UPDATE embeddings SET relation_width = -3", "the store is damaged");
    damaged_load_fails("UPDATE embedding_rows SET term = 'x' WHERE kind = 0 AND term = 10",
                       "out of term order");
}

Test(vectors, a_failed_allocation_fails_cleanly_at_every_point)
{
    KgStore *st = open_store(":memory:");
    save_ok(st, "c", "complex", 1);
    int saw_ok = 0;
    for (long n = 0; n < 50 && !saw_ok; n++) {
        KgEmbedding *e = NULL;
        KgError err = {0};
        kg_mem_fail_after(n);
        KgStatus s = kg_embedding_load(st, "c", &e, &err);
        kg_mem_fail_after(-1);
        if (s == KG_OK) {
            saw_ok = 1;
            cr_assert(same_bits(kg_embedding_entity_vec(e, 30), ent_vecs, 4));
        } else {
            cr_assert_eq(s, KG_ERR_NOMEM, "after %ld allocations: %s", n, err.msg);
            cr_assert_null(e);
        }
        kg_embedding_free(e);
    }
    cr_assert(saw_ok);
    saw_ok = 0;
    for (long n = 0; n < 50 && !saw_ok; n++) {
        fill_entities();
        KgEmbeddingInfo info = info_of("new", "transe");
        KgError err = {0};
        kg_mem_fail_after(n);
        KgStatus s = kg_embedding_save(st, &info, 3, ent_terms, ent_vecs, 2, rel_terms, rel_vecs,
                                       NULL, &err);
        kg_mem_fail_after(-1);
        if (s == KG_OK) saw_ok = 1;
        else {
            cr_assert_eq(s, KG_ERR_NOMEM, "after %ld allocations: %s", n, err.msg);
            assert_not_found(st, "new");
        }
    }
    cr_assert(saw_ok);
    kg_store_close(st);
}

Test(vectors, a_version_2_store_is_upgraded_to_hold_embeddings)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "v2.db");
    KgStore *st = open_store(path);
    load_ok(st, "d.ttl", "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n",
            NULL);
    KgStats before = stats_of(st);
    kg_store_close(st);
    // Make it what version 2 wrote: no embedding tables.
    sqlite_exec(path, "DROP TABLE embedding_rows; DROP TABLE embeddings; DROP TABLE rule_sources; "
                      "UPDATE meta SET value = 2 WHERE key = 'schema_version';");

    st = open_store(path);
    assert_stats_eq(stats_of(st), before);
    assert_not_found(st, "c");
    save_ok(st, "c", "complex", 1);
    kg_store_close(st);

    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'",
                                    -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(q, 0), kg_schema_version());
    cr_assert_eq(kg_schema_version(), 4);
    sqlite3_finalize(q);
    sqlite3_close(db);

    st = open_store(path);
    KgEmbedding *e = load_ok_vecs(st, "c");
    cr_assert_eq(kg_embedding_n_entities(e), 3);
    kg_embedding_free(e);
    kg_store_close(st);
    temp_dir_remove(dir);
}

Test(vectors, a_version_1_store_gets_derivations_and_embeddings)
{
    char *dir = temp_dir();
    char path[512];
    path_in(path, sizeof path, dir, "v1.db");
    kg_store_close(open_store(path));
    sqlite_exec(path, "DROP TABLE embedding_rows; DROP TABLE embeddings; DROP TABLE derivations; DROP TABLE rule_sources; "
                      "UPDATE meta SET value = 1 WHERE key = 'schema_version';");
    KgStore *st = open_store(path);
    save_ok(st, "c", "complex", 0);
    KgQuad q = {1, 2, 3, KG_DEFAULT_GRAPH};
    KgDerivation d;
    KgError err = {0};
    cr_assert_eq(kg_derivation_get(st, &q, &d, &err), KG_ERR_NOT_FOUND, "%s", err.msg);
    kg_store_close(st);
    temp_dir_remove(dir);
}
