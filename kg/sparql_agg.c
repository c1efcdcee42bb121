/* kg/sparql_agg.c: the SPARQL aggregates as SQL aggregate functions (SPARQL 1.1 §18.5.1):
 * SUM, AVG, MIN, MAX, SAMPLE and GROUP_CONCAT. COUNT is SQL's own count() turned into a
 * value by sp_int. SQLite applies DISTINCT itself (sp_sum(DISTINCT x)), except for the
 * two-argument GROUP_CONCAT, which has its own distinct form. State lives in SQLite's
 * aggregate context; what it points to is freed by the final call, which SQLite always
 * makes, also when a statement is reset part way. */
#include "sparql.h"

#include <string.h>

/* ------------------------------------------------------------ SUM and AVG */

/* SUM and AVG follow the spec's ListEval: an unbound or erroneous input is an error
 * element, and op:numeric-add over an error is an error, so one such input (or one that
 * is not a number) makes the whole result an error (NULL). */
typedef struct {
    int64_t n;
    int error;
    SpType type; /* the promoted type so far; SP_T_NONE before the first input */
    int inexact; /* the sum left the exact range of integers and decimals */
    SpDec dec;   /* the exact sum while type is integer or decimal */
    double d;    /* the sum as a double, for floats, doubles and inexact decimals */
} NumAcc;

/* SQLite's aggregate context is only 8-byte aligned and an SpDec needs 16: the state is
 * copied in and out. Returns 0 when there is none (no row at all, or out of memory). */
static int acc_load(sqlite3_context *ctx, int make, NumAcc *acc) {
    void *mem = sqlite3_aggregate_context(ctx, make ? (int)sizeof *acc : 0);
    if (!mem) return 0;
    memcpy(acc, mem, sizeof *acc);
    return 1;
}

static void acc_store(sqlite3_context *ctx, const NumAcc *acc) {
    memcpy(sqlite3_aggregate_context(ctx, (int)sizeof *acc), acc, sizeof *acc);
}

static void sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    NumAcc acc;
    if (!acc_load(ctx, 1, &acc)) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (acc.error) return;
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v) || !SP_IS_NUMERIC(v.type) || !v.valid) {
        acc.error = 1;
    } else {
        SpType t = v.type > acc.type ? v.type : acc.type;
        acc.d += v.num;
        if (t > SP_T_DECIMAL || !v.has_dec || !sp_dec_add(&acc.dec, &v.dec, &acc.dec))
            acc.inexact = 1;
        if (t == SP_T_INTEGER && acc.inexact) acc.error = 1; // integers are exact or errors
        acc.type = t;
        acc.n++;
    }
    acc_store(ctx, &acc);
}

static void sum_final(sqlite3_context *ctx) {
    NumAcc state, *acc = acc_load(ctx, 0, &state) ? &state : NULL;
    SpRuntime *rt = sp_call(ctx);
    if (acc && acc->error) return;
    if (!acc || acc->n == 0) { // the sum of nothing is "0"^^xsd:integer
        SpDec zero = {0, 0};
        sp_result_exact(rt, ctx, SP_T_INTEGER, &zero);
    } else if (acc->type <= SP_T_DECIMAL && !acc->inexact) {
        sp_result_exact(rt, ctx, acc->type, &acc->dec);
    } else {
        sp_result_number(rt, ctx, acc->type, acc->d);
    }
}

static void avg_final(sqlite3_context *ctx) {
    NumAcc state, *acc = acc_load(ctx, 0, &state) ? &state : NULL;
    SpRuntime *rt = sp_call(ctx);
    if (acc && acc->error) return;
    if (!acc || acc->n == 0) { // AVG of nothing is "0"^^xsd:integer (§18.5.1.4)
        SpDec zero = {0, 0};
        sp_result_exact(rt, ctx, SP_T_INTEGER, &zero);
        return;
    }
    // op:numeric-divide by the count: an integer sum gives a decimal.
    SpType t = acc->type == SP_T_INTEGER ? SP_T_DECIMAL : acc->type;
    SpDec count = {acc->n, 0}, q;
    if (t == SP_T_DECIMAL && !acc->inexact && sp_dec_div(&acc->dec, &count, &q))
        sp_result_exact(rt, ctx, t, &q);
    else
        sp_result_number(rt, ctx, t, acc->d / (double)acc->n);
}

/* ------------------------------------------------------------ MIN, MAX and SAMPLE */

/* The value kept as it came (an id or an encoded term, both canonical already), with its
 * ORDER BY key for MIN and MAX. Unbound and erroneous inputs are skipped. */
typedef struct {
    int has;
    int is_id;
    sqlite3_int64 id;
    KgBuf text;
    KgBuf key;
} Kept;

static int keep(Kept *k, sqlite3_value *v) {
    k->has = 1;
    k->is_id = sqlite3_value_type(v) == SQLITE_INTEGER;
    k->text.len = 0;
    if (k->is_id) {
        k->id = sqlite3_value_int64(v);
        return 1;
    }
    const char *s = (const char *)sqlite3_value_text(v);
    return s && kg_buf_append(&k->text, s, (size_t)sqlite3_value_bytes(v)) == KG_OK &&
           kg_buf_cstr(&k->text);
}

static void kept_final(sqlite3_context *ctx) {
    Kept *k = sqlite3_aggregate_context(ctx, 0);
    if (!k) return;
    if (k->has && k->is_id)
        sqlite3_result_int64(ctx, k->id);
    else if (k->has)
        sqlite3_result_text(ctx, k->text.data, (int)k->text.len, SQLITE_TRANSIENT);
    kg_buf_free(&k->text);
    kg_buf_free(&k->key);
}

static void extreme_step(sqlite3_context *ctx, sqlite3_value **argv, int want_max) {
    Kept *k = sqlite3_aggregate_context(ctx, (int)sizeof *k);
    if (!k) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v)) return;
    KgBuf *key = sp_scratch(rt, 1);
    if (sp_sortkey_append(&v, key) != KG_OK) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (k->has) {
        size_t n = key->len < k->key.len ? key->len : k->key.len;
        int c = memcmp(key->data, k->key.data, n);
        if (c == 0) c = (key->len > k->key.len) - (key->len < k->key.len);
        if (want_max ? c <= 0 : c >= 0) return;
    }
    k->key.len = 0;
    if (kg_buf_append(&k->key, key->data, key->len) != KG_OK || !keep(k, argv[0])) {
        k->has = 0;
        sqlite3_result_error_nomem(ctx);
    }
}

static void min_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    extreme_step(ctx, argv, 0);
}
static void max_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    extreme_step(ctx, argv, 1);
}

static void sample_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    Kept *k = sqlite3_aggregate_context(ctx, (int)sizeof *k);
    if (!k) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int type = sqlite3_value_type(argv[0]);
    if (k->has || (type != SQLITE_INTEGER && type != SQLITE_TEXT)) return;
    if (!keep(k, argv[0])) {
        k->has = 0;
        sqlite3_result_error_nomem(ctx);
    }
}

/* ------------------------------------------------------------ GROUP_CONCAT */

/* The lexical forms of the (non-skipped) inputs joined by the separator, as a simple
 * literal. Like fn:concat over atomic values, any literal counts with its lexical form;
 * an IRI or a blank node makes the result an error. Unbound inputs are skipped. The
 * distinct form remembers the SQL values it has seen, which are canonical terms. */
typedef struct {
    int started, error;
    KgBuf out;
    /* sp_group_concat_distinct: seen values, open addressing over offsets into `keys` */
    KgBuf keys;      /* per value: its type, 8 bytes of length, the bytes */
    uint64_t *slots; /* offset + 1, 0 for empty */
    size_t n_slots, n_used;
} Concat;

/* Remembers an SQL value; 1 when it is new, 0 when seen before, -1 out of memory. */
static int seen_add(Concat *c, sqlite3_value *v) {
    char head[9];
    const char *data;
    uint64_t len;
    sqlite3_int64 id;
    head[0] = (char)sqlite3_value_type(v);
    if (head[0] == SQLITE_INTEGER) {
        id = sqlite3_value_int64(v);
        data = (const char *)&id;
        len = sizeof id;
    } else {
        data = (const char *)sqlite3_value_text(v);
        len = (uint64_t)sqlite3_value_bytes(v);
        if (!data) return -1;
    }
    memcpy(head + 1, &len, 8);
    uint64_t h = kg_hash_bytes(kg_hash_bytes(KG_HASH_SEED, head, 9), data, len);
    if ((c->n_used + 1) * 4 > c->n_slots * 3) {
        size_t n = c->n_slots ? c->n_slots * 2 : 64;
        uint64_t *slots = kg_calloc(n, sizeof *slots);
        if (!slots) return -1;
        for (size_t j = 0; j < c->n_slots; j++) {
            if (!c->slots[j]) continue;
            const char *k = c->keys.data + c->slots[j] - 1;
            uint64_t k_len;
            memcpy(&k_len, k + 1, 8);
            size_t i = kg_hash_bytes(kg_hash_bytes(KG_HASH_SEED, k, 9), k + 9, k_len) & (n - 1);
            while (slots[i])
                i = (i + 1) & (n - 1);
            slots[i] = c->slots[j];
        }
        kg_free(c->slots);
        c->slots = slots;
        c->n_slots = n;
    }
    size_t mask = c->n_slots - 1, i = h & mask;
    for (; c->slots[i]; i = (i + 1) & mask) {
        const char *k = c->keys.data + c->slots[i] - 1;
        if (memcmp(k, head, 9) == 0 && memcmp(k + 9, data, len) == 0) return 0;
    }
    size_t off = c->keys.len;
    if (kg_buf_append(&c->keys, head, 9) != KG_OK || kg_buf_append(&c->keys, data, len) != KG_OK)
        return -1;
    c->slots[i] = off + 1;
    c->n_used++;
    return 1;
}

static void concat_add(sqlite3_context *ctx, int argc, sqlite3_value **argv, int distinct) {
    Concat *c = sqlite3_aggregate_context(ctx, (int)sizeof *c);
    if (!c) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (c->error || sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v)) return;
    if (v.kind != KG_TERM_LITERAL) {
        c->error = 1;
        return;
    }
    const char *sep = " ";
    size_t sep_len = 1;
    if (argc == 2 && !sp_arg_plain_string(rt, ctx, argv[1], &sep, &sep_len)) {
        c->error = 1;
        return;
    }
    if (distinct) {
        int r = seen_add(c, argv[0]);
        if (r == 0) return;
        if (r < 0) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    KgStatus s = c->started ? kg_buf_append(&c->out, sep, sep_len) : KG_OK;
    if (s == KG_OK) s = kg_buf_append(&c->out, v.lex, v.lex_len);
    if (s != KG_OK) sqlite3_result_error_nomem(ctx);
    c->started = 1;
}

static void concat_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    concat_add(ctx, argc, argv, 0);
}
static void concat_distinct_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    concat_add(ctx, argc, argv, 1);
}

static void concat_final(sqlite3_context *ctx) {
    Concat *c = sqlite3_aggregate_context(ctx, 0);
    SpRuntime *rt = sp_call(ctx);
    if (!c) {
        sp_result_string(rt, ctx, "", 0, "", 0);
        return;
    }
    if (!c->error) sp_result_string(rt, ctx, c->out.len ? c->out.data : "", c->out.len, "", 0);
    kg_buf_free(&c->out);
    kg_buf_free(&c->keys);
    kg_free(c->slots);
}

/* ------------------------------------------------------------ the table */

const SpFunctionDef sp_aggregates[] = {
    {"sp_sum", 1, NULL, sum_step, sum_final},
    {"sp_avg", 1, NULL, sum_step, avg_final},
    {"sp_min", 1, NULL, min_step, kept_final},
    {"sp_max", 1, NULL, max_step, kept_final},
    {"sp_sample", 1, NULL, sample_step, kept_final},
    {"sp_group_concat", 1, NULL, concat_step, concat_final},
    {"sp_group_concat", 2, NULL, concat_step, concat_final},
    {"sp_group_concat_distinct", 2, NULL, concat_distinct_step, concat_final},
    {NULL, 0, NULL, NULL, NULL},
};
