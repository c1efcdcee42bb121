/* tests/kg/test_sparql_funcs.c: the SQL functions that evaluate SPARQL expressions
 * (kg/sparql_value.c, kg/sparql_funcs.c, kg/sparql_agg.c, kg/regex.c), called from plain
 * SQL on the store's connection: typed comparison and arithmetic, errors as NULL through
 * SQL's three-valued logic, canonical results, the string functions, REGEX, ORDER BY keys
 * and the aggregates. Arguments are written as on the command line ("9", "\"abc\"@en",
 * ex:o) and bound as the stored id when the term exists, else as the TEXT encoding;
 * "=text" binds raw SQL text and "NULL" an SQL NULL. */
#include "helpers.h"
#include "kg/sparql.h"

static const char *const data =
    "@prefix ex: <http://example.org/> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "ex:s ex:p 9, 10, 42, \"9\", \"10\", \"abc\", \"\", \"chat\"@en, \"chat\"@fr, true, false,\n"
    "  1.5, \"2.0\"^^xsd:decimal, \"1.5E0\"^^xsd:double, \"abc\"^^xsd:integer,\n"
    "  \"2024-01-02\"^^xsd:date, \"2024-10-01\"^^xsd:date,\n"
    "  \"2024-01-02T10:00:00Z\"^^xsd:dateTime, \"x\"^^ex:custom, \"5\"^^xsd:int, ex:o,\n"
    "  \"http://example.org/a\", _:b .\n";

static KgStore *store;
static KgArena *arena;
static int last_was_id; /* whether the last value came back as a stored term's id */

static void setup(void) {
    store = open_store(":memory:");
    load_ok(store, "d.ttl", data, NULL);
    KgError err = {0};
    cr_assert_eq(sp_funcs_register(store, &err), KG_OK, "%s", err.msg);
    arena = kg_arena_new(4096);
}

static void teardown(void) {
    kg_arena_free(arena);
    kg_store_close(store);
}

TestSuite(sparql_funcs, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ helpers */

static void bind_arg(sqlite3_stmt *st, int i, const char *text) {
    if (strcmp(text, "NULL") == 0) {
        cr_assert_eq(sqlite3_bind_null(st, i), SQLITE_OK);
        return;
    }
    if (text[0] == '=') {
        cr_assert_eq(sqlite3_bind_text(st, i, text + 1, -1, SQLITE_TRANSIENT), SQLITE_OK);
        return;
    }
    KgTerm t;
    KgError err = {0};
    cr_assert_eq(kg_term_parse(store, text, arena, &t, &err), KG_OK, "%s: %s", text, err.msg);
    KgTermId id;
    if (kg_dict_lookup(store, &t, &id, &err) == KG_OK) {
        cr_assert_eq(sqlite3_bind_int64(st, i, (sqlite3_int64)id), SQLITE_OK);
        return;
    }
    KgBuf enc = {0};
    cr_assert_eq(sp_term_encode(&t, &enc), KG_OK);
    cr_assert_eq(sqlite3_bind_text(st, i, enc.data, (int)enc.len, SQLITE_TRANSIENT), SQLITE_OK);
    kg_buf_free(&enc);
}

/* Prepares sql, binds args (NULL-terminated) and steps; returns the step's result code. */
static sqlite3_stmt *run(const char *sql, const char *const *args, int *rc) {
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(store->db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(store->db));
    for (int i = 0; args[i]; i++)
        bind_arg(st, i + 1, args[i]);
    *rc = sqlite3_step(st);
    return st;
}

static void render_term(const KgTerm *t, KgBuf *out) {
    switch (t->kind) {
    case KG_TERM_IRI: kg_buf_printf(out, "<%.*s>", (int)t->lex_len, t->lex); return;
    case KG_TERM_BLANK: kg_buf_printf(out, "_:%.*s", (int)t->lex_len, t->lex); return;
    default: break;
    }
    kg_buf_printf(out, "\"%.*s\"", (int)t->lex_len, t->lex);
    size_t n = strlen(KG_NS_XSD);
    if (t->lang)
        kg_buf_printf(out, "@%s", t->lang);
    else if (t->datatype && strncmp(t->datatype, KG_NS_XSD, n) == 0)
        kg_buf_printf(out, "^^xsd:%s", t->datatype + n);
    else if (t->datatype)
        kg_buf_printf(out, "^^<%s>", t->datatype);
}

/* Column 0 of the current row as a term ("NULL" when NULL). */
static const char *render(sqlite3_stmt *st, int col) {
    static char result[1024];
    KgBuf out = {0};
    KgError err = {0};
    KgTerm t;
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL: kg_buf_puts(&out, "NULL"); break;
    case SQLITE_INTEGER:
        last_was_id = 1;
        cr_assert_eq(kg_dict_get(store, (KgTermId)sqlite3_column_int64(st, col), &t, &err), KG_OK,
                     "%s", err.msg);
        render_term(&t, &out);
        break;
    case SQLITE_TEXT: {
        last_was_id = 0;
        KgBuf scratch = {0};
        cr_assert_eq(sp_term_decode((const char *)sqlite3_column_text(st, col),
                                    (size_t)sqlite3_column_bytes(st, col), &t, &scratch),
                     KG_OK, "not an encoded term");
        render_term(&t, &out);
        kg_buf_free(&scratch);
        break;
    }
    default: cr_assert_fail("column of SQL type %d", sqlite3_column_type(st, col));
    }
    snprintf(result, sizeof result, "%s", kg_buf_cstr(&out));
    kg_buf_free(&out);
    return result;
}

static const char *value_of(const char *sql, const char *const *args) {
    int rc;
    sqlite3_stmt *st = run(sql, args, &rc);
    cr_assert_eq(rc, SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(store->db));
    const char *r = render(st, 0);
    sqlite3_finalize(st);
    return r;
}

/* 1, 0, or -1 for NULL (an error). */
static int truth_of(const char *sql, const char *const *args) {
    int rc;
    sqlite3_stmt *st = run(sql, args, &rc);
    cr_assert_eq(rc, SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(store->db));
    int r = -1;
    if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
        cr_assert_eq(sqlite3_column_type(st, 0), SQLITE_INTEGER);
        r = sqlite3_column_int(st, 0);
        cr_assert(r == 0 || r == 1, "%s gave %d", sql, r);
    }
    sqlite3_finalize(st);
    return r;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define VALUE(sql, ...) value_of(sql, ARGS(__VA_ARGS__))
#define TRUTH(sql, ...) truth_of(sql, ARGS(__VA_ARGS__))
#define CALL1(f, a) VALUE("SELECT " f "(?1)", a)
#define CALL2(f, a, b) VALUE("SELECT " f "(?1, ?2)", a, b)
#define TEST1(f, a) TRUTH("SELECT " f "(?1)", a)
#define TEST2(f, a, b) TRUTH("SELECT " f "(?1, ?2)", a, b)

static KgTermId id_of(const char *text) {
    KgTerm t;
    KgError err = {0};
    KgTermId id = 0;
    cr_assert_eq(kg_term_parse(store, text, arena, &t, &err), KG_OK, "%s", err.msg);
    cr_assert_eq(kg_dict_lookup(store, &t, &id, &err), KG_OK, "%s is not stored", text);
    return id;
}

static KgTermId blank_id(void) {
    int rc;
    sqlite3_stmt *st = run("SELECT id FROM terms WHERE kind = 2", (const char *const[]){NULL}, &rc);
    cr_assert_eq(rc, SQLITE_ROW);
    KgTermId id = (KgTermId)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

/* ------------------------------------------------------------ comparison */

Test(sparql_funcs, numbers_compare_by_value_and_strings_by_code_points) {
    cr_assert_eq(TEST2("sp_lt", "9", "10"), 1);
    cr_assert_eq(TEST2("sp_gt", "9", "10"), 0);
    cr_assert_eq(TEST2("sp_lt", "\"9\"", "\"10\""), 0);
    cr_assert_eq(TEST2("sp_gt", "\"9\"", "\"10\""), 1);
    cr_assert_eq(TEST2("sp_lt", "9", "10.5"), 1); // a computed decimal
    cr_assert_eq(TEST2("sp_eq", "1", "1.0"), 1);
    cr_assert_eq(TEST2("sp_eq", "1", "1e0"), 1);
    cr_assert_eq(TEST2("sp_eq", "\"5\"^^xsd:int", "5"), 1);
    cr_assert_eq(TEST2("sp_le", "10", "10"), 1);
    cr_assert_eq(TEST2("sp_ge", "9", "10"), 0);
    cr_assert_eq(TEST2("sp_lt", "\"abc\"", "\"abd\""), 1);
    cr_assert_eq(TEST2("sp_lt", "\"abc\"^^xsd:string", "\"abd\""), 1);
    cr_assert_eq(TEST2("sp_lt", "\"z\"", "\"é\""), 1); // U+007A < U+00E9
    cr_assert_eq(TEST2("sp_eq", "\"abc\"", "\"abc\"^^xsd:string"), 1);
}

Test(sparql_funcs, numbers_beyond_double_precision_compare_exactly) {
    cr_assert_eq(TEST2("sp_lt", "9007199254740992", "9007199254740993"), 1);
    cr_assert_eq(TEST2("sp_eq", "9007199254740992", "9007199254740993"), 0);
}

Test(sparql_funcs, dates_and_booleans_compare_by_value) {
    cr_assert_eq(TEST2("sp_lt", "\"2024-01-02\"^^xsd:date", "\"2024-10-01\"^^xsd:date"), 1);
    cr_assert_eq(TEST2("sp_eq", "\"2024-01-02T10:00:00Z\"^^xsd:dateTime",
                       "\"2024-01-02T11:00:00+01:00\"^^xsd:dateTime"),
                 1);
    cr_assert_eq(TEST2("sp_lt", "\"2024-01-02T10:00:00Z\"^^xsd:dateTime",
                       "\"2024-01-02T10:00:01Z\"^^xsd:dateTime"),
                 1);
    cr_assert_eq(
        TEST2("sp_eq", "\"2024-01-02\"^^xsd:date", "\"2024-01-02T10:00:00Z\"^^xsd:dateTime"), 0);
    cr_assert_eq(
        TEST2("sp_lt", "\"2024-01-02\"^^xsd:date", "\"2024-01-02T10:00:00Z\"^^xsd:dateTime"), -1);
    cr_assert_eq(TEST2("sp_lt", "false", "true"), 1);
    cr_assert_eq(TEST2("sp_eq", "\"1\"^^xsd:boolean", "true"), 1);
    cr_assert_eq(TEST2("sp_gt", "false", "true"), 0);
}

Test(sparql_funcs, incomparable_terms_are_errors_or_unequal_as_rdfterm_equal_says) {
    cr_assert_eq(TEST2("sp_eq", "9", "\"9\""), 0); // known datatypes, different values
    cr_assert_eq(TEST2("sp_ne", "9", "\"9\""), 1);
    cr_assert_eq(TEST2("sp_lt", "9", "\"9\""), -1); // no order between them
    cr_assert_eq(TEST2("sp_eq", "ex:o", "ex:o"), 1);
    cr_assert_eq(TEST2("sp_eq", "ex:o", "<http://example.org/other>"), 0);
    cr_assert_eq(TEST2("sp_eq", "ex:o", "\"http://example.org/o\""), 0);
    cr_assert_eq(TEST2("sp_lt", "ex:o", "ex:o"), -1);
    cr_assert_eq(TEST2("sp_eq", "\"x\"^^ex:custom", "\"x\"^^ex:custom"), 1);
    cr_assert_eq(TEST2("sp_eq", "\"x\"^^ex:custom", "\"y\"^^ex:custom"), -1);
    cr_assert_eq(TEST2("sp_ne", "\"x\"^^ex:custom", "\"y\"^^ex:custom"), -1);
    cr_assert_eq(TEST2("sp_eq", "\"x\"^^ex:custom", "\"x\""), -1);
    // Ill-typed literals: errors against numbers, equal only to themselves.
    cr_assert_eq(TEST2("sp_lt", "\"abc\"^^xsd:integer", "1"), -1);
    cr_assert_eq(TEST2("sp_eq", "\"abc\"^^xsd:integer", "1"), -1);
    cr_assert_eq(TEST2("sp_eq", "\"abc\"^^xsd:integer", "\"abc\"^^xsd:integer"), 1);
    // Language-tagged literals: equality only.
    cr_assert_eq(TEST2("sp_eq", "\"chat\"@en", "\"chat\"@EN"), 1);
    cr_assert_eq(TEST2("sp_eq", "\"chat\"@en", "\"chat\"@fr"), 0);
    cr_assert_eq(TEST2("sp_eq", "\"chat\"@en", "\"chat\""), 0);
    cr_assert_eq(TEST2("sp_lt", "\"chat\"@en", "\"chat\"@en"), -1);
    // NaN equals nothing, itself included.
    cr_assert_eq(TEST2("sp_eq", "\"NaN\"^^xsd:double", "\"NaN\"^^xsd:double"), 0);
    cr_assert_eq(TEST2("sp_ne", "\"NaN\"^^xsd:double", "\"NaN\"^^xsd:double"), 1);
    cr_assert_eq(TEST2("sp_eq", "NULL", "1"), -1);
    cr_assert_eq(TEST2("sp_ne", "1", "NULL"), -1);
}

Test(sparql_funcs, errors_follow_three_valued_logic_through_sql) {
    const char *err_or = "SELECT sp_lt(?1, ?2) OR sp_eq(?3, ?4)";
    cr_assert_eq(TRUTH(err_or, "ex:o", "1", "1", "1"), 1);  // error || true
    cr_assert_eq(TRUTH(err_or, "ex:o", "1", "1", "2"), -1); // error || false
    const char *err_and = "SELECT sp_lt(?1, ?2) AND sp_eq(?3, ?4)";
    cr_assert_eq(TRUTH(err_and, "ex:o", "1", "1", "2"), 0);  // error && false
    cr_assert_eq(TRUTH(err_and, "ex:o", "1", "1", "1"), -1); // error && true
    cr_assert_eq(TRUTH("SELECT NOT sp_lt(?1, ?2)", "ex:o", "1"), -1);
    cr_assert_eq(TRUTH("SELECT NOT sp_lt(?1, ?2)", "10", "9"), 1);
    // A WHERE clause keeps only the rows whose condition is 1.
    cr_assert_eq(TRUTH("SELECT count(*) = 1 FROM (VALUES (?1), (?2), (?3)) "
                       "WHERE sp_lt(column1, ?4)",
                       "9", "ex:o", "\"9\"", "10"),
                 1);
}

Test(sparql_funcs, effective_boolean_values) {
    cr_assert_eq(TEST1("sp_ebv", "true"), 1);
    cr_assert_eq(TEST1("sp_ebv", "false"), 0);
    cr_assert_eq(TEST1("sp_ebv", "\"maybe\"^^xsd:boolean"), 0);
    cr_assert_eq(TEST1("sp_ebv", "\"abc\""), 1);
    cr_assert_eq(TEST1("sp_ebv", "\"\""), 0);
    cr_assert_eq(TEST1("sp_ebv", "\"chat\"@en"), 1);
    cr_assert_eq(TEST1("sp_ebv", "2"), 1);
    cr_assert_eq(TEST1("sp_ebv", "0"), 0);
    cr_assert_eq(TEST1("sp_ebv", "0.0"), 0);
    cr_assert_eq(TEST1("sp_ebv", "\"NaN\"^^xsd:double"), 0);
    cr_assert_eq(TEST1("sp_ebv", "\"abc\"^^xsd:integer"), 0);
    cr_assert_eq(TEST1("sp_ebv", "ex:o"), -1);
    cr_assert_eq(TEST1("sp_ebv", "\"2024-01-02\"^^xsd:date"), -1);
    cr_assert_eq(TEST1("sp_ebv", "\"x\"^^ex:custom"), -1);
    cr_assert_eq(TEST1("sp_ebv", "NULL"), -1);
}

/* ------------------------------------------------------------ arithmetic */

Test(sparql_funcs, arithmetic_promotes_and_writes_canonical_forms) {
    cr_assert_str_eq(CALL2("sp_add", "1", "2"), "\"3\"^^xsd:integer");
    cr_assert_str_eq(CALL2("sp_sub", "9", "10"), "\"-1\"^^xsd:integer");
    cr_assert_str_eq(CALL2("sp_add", "\"5\"^^xsd:int", "1"), "\"6\"^^xsd:integer");
    cr_assert_str_eq(CALL2("sp_add", "1", "1.5"), "\"2.5\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_add", "0.1", "0.2"), "\"0.3\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_div", "1", "2"), "\"0.5\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_div", "4", "2"), "\"2.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_div", "1", "3"), "\"0.333333333333333333\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_div", "2", "3"), "\"0.666666666666666667\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_div", "-2", "3"), "\"-0.666666666666666667\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_div", "1", "0.001"), "\"1000.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_div", "0.5", "4"), "\"0.125\"^^xsd:decimal");
    // Integers and decimals are exact to 38 digits, past the 53 bits of a double.
    cr_assert_str_eq(CALL2("sp_add", "9223372036854775807", "1"),
                     "\"9223372036854775808\"^^xsd:integer");
    cr_assert_str_eq(CALL2("sp_mul", "123456789012345678", "1000000000000000000"),
                     "\"123456789012345678000000000000000000\"^^xsd:integer");
    cr_assert_str_eq(CALL2("sp_add", "0.000000000000000001", "1"),
                     "\"1.000000000000000001\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_mul", "1.5", "2e0"), "\"3.0E0\"^^xsd:double");
    cr_assert_str_eq(CALL2("sp_mul", "1e0", "12345.678"), "\"1.2345678E4\"^^xsd:double");
    cr_assert_str_eq(CALL2("sp_div", "1e0", "8"), "\"1.25E-1\"^^xsd:double");
    cr_assert_str_eq(CALL2("sp_div", "1e0", "0"), "\"INF\"^^xsd:double");
    cr_assert_str_eq(CALL2("sp_div", "-1e0", "0"), "\"-INF\"^^xsd:double");
    cr_assert_str_eq(CALL2("sp_add", "\"1.5\"^^xsd:float", "1"), "\"2.5E0\"^^xsd:float");
    cr_assert_str_eq(CALL2("sp_add", "\"0.1\"^^xsd:float", "0"), "\"1.0E-1\"^^xsd:float");
    cr_assert_str_eq(CALL2("sp_mul", "1000000", "1000000.0"), "\"1000000000000.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_mul", "0.001", "0.001"), "\"0.000001\"^^xsd:decimal");
    cr_assert_str_eq(CALL1("sp_neg", "5"), "\"-5\"^^xsd:integer");
    cr_assert_str_eq(CALL1("sp_neg", "1.5"), "\"-1.5\"^^xsd:decimal");
    cr_assert_str_eq(CALL1("sp_plus", "\"5\"^^xsd:int"), "\"5\"^^xsd:int");
}

Test(sparql_funcs, the_smallest_exact_decimals_keep_every_digit) {
    // A literal's scale is at most 63 (kg_literal_number reads 64 characters), a product's
    // the sum of two: the widest form format_dec writes, 128 characters.
    char lex[64 + 18], want[128 + 20];
    snprintf(lex, sizeof lex, "\".%062d1\"^^xsd:decimal", 0);
    snprintf(want, sizeof want, "\"0.%0125d1\"^^xsd:decimal", 0);
    cr_assert_str_eq(CALL2("sp_mul", lex, lex), want);
    snprintf(want, sizeof want, "\"0.%062d1\"^^xsd:decimal", 0);
    cr_assert_str_eq(CALL2("sp_add", lex, "0"), want);
    cr_assert_str_eq(CALL1("sp_neg", "0.0500"), "\"-0.05\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_add", "12.5", "0.25"), "\"12.75\"^^xsd:decimal");
}

Test(sparql_funcs, arithmetic_errors_are_null) {
    cr_assert_str_eq(CALL2("sp_div", "1", "0"), "NULL");
    cr_assert_str_eq(CALL2("sp_div", "1.0", "0"), "NULL");
    cr_assert_str_eq(CALL2("sp_add", "1", "\"1\""), "NULL");
    cr_assert_str_eq(CALL2("sp_add", "1", "\"abc\"^^xsd:integer"), "NULL");
    cr_assert_str_eq(CALL2("sp_add", "1", "ex:o"), "NULL");
    cr_assert_str_eq(CALL2("sp_add", "1", "NULL"), "NULL");
    cr_assert_str_eq(CALL2("sp_mul", "12345678901234567890123", "12345678901234567890123"),
                     "NULL"); // beyond 38 digits
    // A decimal beyond the exact range becomes a double's 15 digits.
    cr_assert_str_eq(CALL2("sp_mul", "12345678901234567890123.0", "10000000000000000000000"),
                     "\"123456789012346000000000000000000000000000000.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL2("sp_mul", "1e300", "1e300"), "\"INF\"^^xsd:double");
    cr_assert_str_eq(CALL1("sp_neg", "\"abc\""), "NULL");
    cr_assert_str_eq(CALL1("sp_plus", "\"abc\""), "NULL");
}

Test(sparql_funcs, numeric_functions_keep_the_type) {
    cr_assert_str_eq(CALL1("sp_abs", "-5"), "\"5\"^^xsd:integer");
    cr_assert_str_eq(CALL1("sp_abs", "\"5\"^^xsd:int"), "\"5\"^^xsd:integer");
    cr_assert_str_eq(CALL1("sp_abs", "-1.5"), "\"1.5\"^^xsd:decimal");
    cr_assert_str_eq(CALL1("sp_ceil", "1.5"), "\"2.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL1("sp_ceil", "7"), "\"7\"^^xsd:integer");
    cr_assert_str_eq(CALL1("sp_floor", "-1.5"), "\"-2.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL1("sp_round", "2.5"), "\"3.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL1("sp_round", "-2.5"), "\"-2.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL1("sp_round", "2.4999"), "\"2.0\"^^xsd:decimal");
    cr_assert_str_eq(CALL1("sp_round", "\"-2.5\"^^xsd:double"), "\"-2.0E0\"^^xsd:double");
    cr_assert_str_eq(CALL1("sp_round", "\"-0.4\"^^xsd:double"), "\"-0.0E0\"^^xsd:double");
    cr_assert_str_eq(CALL1("sp_round", "\"NaN\"^^xsd:double"), "\"NaN\"^^xsd:double");
    cr_assert_str_eq(CALL1("sp_abs", "\"abc\""), "NULL");
}

/* ------------------------------------------------------------ canonical results */

Test(sparql_funcs, a_computed_value_that_is_stored_comes_back_as_its_id) {
    int rc;
    sqlite3_stmt *st = run("SELECT sp_add(?1, ?2)", ARGS("40", "2"), &rc);
    cr_assert_eq(rc, SQLITE_ROW);
    cr_assert_eq(sqlite3_column_type(st, 0), SQLITE_INTEGER);
    cr_assert_eq((KgTermId)sqlite3_column_int64(st, 0), id_of("42"));
    sqlite3_finalize(st);

    cr_assert_str_eq(CALL1("sp_str", "\"abc\"^^xsd:integer"), "\"abc\"");
    cr_assert(last_was_id);
    cr_assert_str_eq(CALL1("sp_str", "ex:o"), "\"http://example.org/o\"");
    cr_assert(!last_was_id);
    cr_assert_str_eq(CALL1("sp_str", "ex:a"), "\"http://example.org/a\"");
    cr_assert(last_was_id);
    cr_assert_str_eq(CALL1("sp_bool", "=1"), "\"true\"^^xsd:boolean");
    cr_assert(last_was_id);
    cr_assert_str_eq(VALUE("SELECT sp_bool(?1 = 2)", "=1"), "\"false\"^^xsd:boolean");
    cr_assert_str_eq(CALL1("sp_bool", "NULL"), "NULL");
    cr_assert_str_eq(VALUE("SELECT sp_int(count(*)) FROM terms WHERE kind = ?1", "=2"),
                     "\"1\"^^xsd:integer");
    cr_assert(!last_was_id);
    cr_assert_str_eq(VALUE("SELECT sp_int(9 + ?1)", "=1"), "\"10\"^^xsd:integer");
    cr_assert(last_was_id);
    // Equal computed terms are equal SQL values, whichever way they were made.
    cr_assert_eq(TRUTH("SELECT sp_add(?1, ?2) = sp_sub(?3, ?4)", "1.5", "1", "3.5", "1"), 1);
}

Test(sparql_funcs, the_text_encoding_round_trips) {
    KgBuf enc = {0}, scratch = {0};
    KgTerm t = {KG_TERM_LITERAL, "abc", 3, KG_NS_XSD "string", NULL}, back;
    cr_assert_eq(sp_term_encode(&t, &enc), KG_OK);
    cr_assert_eq(enc.len, 6);
    cr_assert_eq(memcmp(enc.data,
                        "L\x1f\x1f"
                        "abc",
                        6),
                 0);
    enc.len = 0;
    t = (KgTerm){KG_TERM_LITERAL, "a\x1fz", 3, NULL, "EN-gb"};
    cr_assert_eq(sp_term_encode(&t, &enc), KG_OK);
    cr_assert_eq(sp_term_decode(enc.data, enc.len, &back, &scratch), KG_OK);
    cr_assert_eq(back.kind, KG_TERM_LITERAL);
    cr_assert_eq(back.lex_len, 3);
    cr_assert_eq(memcmp(back.lex, "a\x1fz", 3), 0);
    cr_assert_null(back.datatype);
    cr_assert_str_eq(back.lang, "en-gb");
    enc.len = 0;
    t = (KgTerm){KG_TERM_LITERAL, "5", 1, KG_NS_XSD "int", NULL};
    cr_assert_eq(sp_term_encode(&t, &enc), KG_OK);
    cr_assert_eq(sp_term_decode(enc.data, enc.len, &back, &scratch), KG_OK);
    cr_assert_str_eq(back.datatype, KG_NS_XSD "int");
    cr_assert_null(back.lang);
    cr_assert_str_eq(back.lex, "5");
    cr_assert_eq(sp_term_decode("Ihttp://x", 9, &back, &scratch), KG_OK);
    cr_assert_eq(back.kind, KG_TERM_IRI);
    cr_assert_str_eq(back.lex, "http://x");
    cr_assert_eq(sp_term_decode("Lnosep", 6, &back, &scratch), KG_ERR_ARG);
    cr_assert_eq(sp_term_decode("Xabc", 4, &back, &scratch), KG_ERR_ARG);
    cr_assert_eq(sp_term_decode("", 0, &back, &scratch), KG_ERR_ARG);
    kg_buf_free(&enc);
    kg_buf_free(&scratch);
}

/* ------------------------------------------------------------ terms and strings */

Test(sparql_funcs, str_lang_datatype_and_the_kind_tests) {
    char blank[32];
    snprintf(blank, sizeof blank, "=%llu", (unsigned long long)blank_id());
    cr_assert_str_eq(CALL1("sp_str", "\"chat\"@en"), "\"chat\"");
    cr_assert_str_eq(CALL1("sp_str", "9"), "\"9\"");
    cr_assert_str_eq(VALUE("SELECT sp_str(CAST(?1 AS INTEGER))", blank), "NULL");
    cr_assert_str_eq(CALL1("sp_lang", "\"chat\"@en"), "\"en\"");
    cr_assert_str_eq(CALL1("sp_lang", "\"abc\""), "\"\"");
    cr_assert_str_eq(CALL1("sp_lang", "9"), "\"\"");
    cr_assert_str_eq(CALL1("sp_lang", "ex:o"), "NULL");
    cr_assert_str_eq(CALL1("sp_datatype", "\"abc\""), "<" KG_NS_XSD "string>");
    cr_assert_str_eq(CALL1("sp_datatype", "\"chat\"@en"), "<" KG_NS_RDF "langString>");
    cr_assert_str_eq(CALL1("sp_datatype", "\"5\"^^xsd:int"), "<" KG_NS_XSD "int>");
    cr_assert(last_was_id); // xsd:int is stored, as the datatype of a stored literal
    cr_assert_str_eq(CALL1("sp_datatype", "\"abc\"^^xsd:integer"), "<" KG_NS_XSD "integer>");
    cr_assert_str_eq(CALL1("sp_datatype", "ex:o"), "NULL");
    cr_assert_eq(TEST1("sp_isiri", "ex:o"), 1);
    cr_assert_eq(TEST1("sp_isiri", "\"abc\""), 0);
    cr_assert_eq(TRUTH("SELECT sp_isblank(CAST(?1 AS INTEGER))", blank), 1);
    cr_assert_eq(TEST1("sp_isblank", "=Bnew"), 1);
    cr_assert_eq(TEST1("sp_isblank", "ex:o"), 0);
    cr_assert_eq(TEST1("sp_isliteral", "9"), 1);
    cr_assert_eq(TEST1("sp_isliteral", "NULL"), -1);
    cr_assert_eq(TEST1("sp_isnumeric", "\"5\"^^xsd:int"), 1);
    cr_assert_eq(TEST1("sp_isnumeric", "1.5e0"), 1);
    cr_assert_eq(TEST1("sp_isnumeric", "\"abc\"^^xsd:integer"), 0);
    cr_assert_eq(TEST1("sp_isnumeric", "\"5\""), 0);
    cr_assert_eq(TEST2("sp_sameterm", "9", "9"), 1);
    cr_assert_eq(TEST2("sp_sameterm", "1", "1.0"), 0);
    cr_assert_eq(TEST2("sp_sameterm", "\"y\"^^ex:custom", "\"y\"^^ex:custom"), 1);
}

Test(sparql_funcs, strlen_substr_and_case_count_code_points) {
    cr_assert_str_eq(CALL1("sp_strlen", "\"chat\"@en"), "\"4\"^^xsd:integer");
    cr_assert_str_eq(CALL1("sp_strlen", "\"héllo\""), "\"5\"^^xsd:integer");
    cr_assert_str_eq(CALL1("sp_strlen", "9"), "NULL");
    const char *sub3 = "SELECT sp_substr(?1, ?2, ?3)";
    cr_assert_str_eq(VALUE(sub3, "\"héllo\"", "2", "3"), "\"éll\"");
    cr_assert_str_eq(VALUE(sub3, "\"hello\"", "0", "3"), "\"he\"");
    cr_assert_str_eq(VALUE(sub3, "\"hello\"", "1.5", "2.6"), "\"ell\"");
    cr_assert_str_eq(VALUE(sub3, "\"hello\"", "-1", "1e300"), "\"hello\"");
    cr_assert_str_eq(VALUE(sub3, "\"hello\"", "\"NaN\"^^xsd:double", "3"), "\"\"");
    cr_assert_str_eq(VALUE(sub3, "\"hello\"", "9", "3"), "\"\"");
    cr_assert_str_eq(VALUE(sub3, "\"hello\"", "\"2\"", "3"), "NULL");
    cr_assert_str_eq(VALUE("SELECT sp_substr(?1, ?2)", "\"chat\"@en", "3"), "\"at\"@en");
    cr_assert_str_eq(CALL1("sp_ucase", "\"chat\"@en"), "\"CHAT\"@en");
    cr_assert_str_eq(CALL1("sp_lcase", "\"ÉCOLE Ÿ Ā\""), "\"école ÿ ā\"");
    cr_assert_str_eq(CALL1("sp_ucase", "\"αβγ жёлтый\""), "\"ΑΒΓ ЖЁЛТЫЙ\"");
    cr_assert_str_eq(CALL1("sp_ucase", "\"straße\""), "\"STRAßE\""); // no special casing
    cr_assert_str_eq(CALL1("sp_ucase", "ex:o"), "NULL");
}

Test(sparql_funcs, string_tests_check_argument_compatibility) {
    cr_assert_eq(TEST2("sp_contains", "\"abc\"", "\"b\""), 1);
    cr_assert_eq(TEST2("sp_contains", "\"abc\"", "\"\""), 1);
    cr_assert_eq(TEST2("sp_contains", "\"abc\"", "\"bd\""), 0);
    cr_assert_eq(TEST2("sp_contains", "\"chat\"@en", "\"ha\""), 1);
    cr_assert_eq(TEST2("sp_contains", "\"chat\"@en", "\"ha\"@en"), 1);
    cr_assert_eq(TEST2("sp_contains", "\"chat\"@en", "\"ha\"@fr"), -1);
    cr_assert_eq(TEST2("sp_contains", "\"abc\"", "\"b\"@en"), -1);
    cr_assert_eq(TEST2("sp_contains", "9", "\"9\""), -1);
    cr_assert_eq(TEST2("sp_strstarts", "\"abc\"", "\"ab\""), 1);
    cr_assert_eq(TEST2("sp_strstarts", "\"abc\"", "\"bc\""), 0);
    cr_assert_eq(TEST2("sp_strstarts", "\"ab\"", "\"abc\""), 0);
    cr_assert_eq(TEST2("sp_strends", "\"abc\"", "\"bc\""), 1);
    cr_assert_eq(TEST2("sp_strends", "\"abc\"", "\"ab\""), 0);
    cr_assert_eq(TEST2("sp_strends", "\"chat\"@en", "\"at\"^^xsd:string"), 1);
}

Test(sparql_funcs, strbefore_and_strafter_keep_the_language_of_a_match) {
    cr_assert_str_eq(CALL2("sp_strbefore", "\"abc\"", "\"b\""), "\"a\"");
    cr_assert_str_eq(CALL2("sp_strbefore", "\"chat\"@en", "\"h\""), "\"c\"@en");
    cr_assert_str_eq(CALL2("sp_strbefore", "\"chat\"@en", "\"z\""), "\"\"");
    cr_assert_str_eq(CALL2("sp_strbefore", "\"chat\"@en", "\"\""), "\"\"@en");
    cr_assert_str_eq(CALL2("sp_strbefore", "\"chat\"@en", "\"h\"@fr"), "NULL");
    cr_assert_str_eq(CALL2("sp_strafter", "\"abcb\"", "\"b\""), "\"cb\"");
    cr_assert_str_eq(CALL2("sp_strafter", "\"chat\"@en", "\"\""), "\"chat\"@en");
    cr_assert(last_was_id);
    cr_assert_str_eq(CALL2("sp_strafter", "\"chat\"@en", "\"t\""), "\"\"@en");
    cr_assert_str_eq(CALL2("sp_strafter", "\"abc\"", "\"x\""), "\"\"");
    cr_assert(last_was_id); // "" is stored
}

Test(sparql_funcs, concat_keeps_only_a_common_language) {
    cr_assert_str_eq(VALUE("SELECT sp_concat(?1, ?2, ?3)", "\"a\"", "\"b\"", "\"c\""), "\"abc\"");
    cr_assert(last_was_id);
    cr_assert_str_eq(CALL2("sp_concat", "\"chat\"@en", "\"ty\"@en"), "\"chatty\"@en");
    cr_assert_str_eq(CALL2("sp_concat", "\"chat\"@en", "\"ty\""), "\"chatty\"");
    cr_assert_str_eq(CALL2("sp_concat", "\"chat\"@en", "\"ty\"@fr"), "\"chatty\"");
    cr_assert_str_eq(value_of("SELECT sp_concat()", (const char *const[]){NULL}), "\"\"");
    cr_assert_str_eq(CALL2("sp_concat", "\"a\"", "1"), "NULL");
    cr_assert_str_eq(CALL2("sp_concat", "\"a\"", "NULL"), "NULL");
}

Test(sparql_funcs, langmatches_is_basic_filtering) {
    cr_assert_eq(TEST2("sp_langmatches", "\"en-gb\"", "\"en\""), 1);
    cr_assert_eq(TEST2("sp_langmatches", "\"en\"", "\"EN\""), 1);
    cr_assert_eq(TEST2("sp_langmatches", "\"en\"", "\"en-gb\""), 0);
    cr_assert_eq(TEST2("sp_langmatches", "\"english\"", "\"en\""), 0);
    cr_assert_eq(TEST2("sp_langmatches", "\"fr\"", "\"*\""), 1);
    cr_assert_eq(TEST2("sp_langmatches", "\"\"", "\"*\""), 0);
    cr_assert_eq(TRUTH("SELECT sp_langmatches(sp_lang(?1), ?2)", "\"chat\"@en", "\"en\""), 1);
    cr_assert_eq(TEST2("sp_langmatches", "ex:o", "\"*\""), -1);
}

/* ------------------------------------------------------------ REGEX */

Test(sparql_funcs, regex_matches_with_flags) {
    cr_assert_eq(TEST2("sp_regex", "\"abc\"", "\"^a\""), 1);
    cr_assert_eq(TEST2("sp_regex", "\"ABC\"", "\"^a\""), 0);
    const char *re3 = "SELECT sp_regex(?1, ?2, ?3)";
    cr_assert_eq(TRUTH(re3, "\"ABC\"", "\"^a\"", "\"i\""), 1);
    cr_assert_eq(TRUTH(re3, "\"a\\nb\"", "\"a.b\"", "\"\""), 0);
    cr_assert_eq(TRUTH(re3, "\"a\\nb\"", "\"a.b\"", "\"s\""), 1);
    cr_assert_eq(TRUTH(re3, "\"a\\nb\"", "\"^b$\"", "\"\""), 0);
    cr_assert_eq(TRUTH(re3, "\"a\\nb\"", "\"^b$\"", "\"m\""), 1);
    cr_assert_eq(TRUTH(re3, "\"abc\"", "\"a b c\"", "\"x\""), 1);
    cr_assert_eq(TRUTH(re3, "\"a.c\"", "\"a.\"", "\"q\""), 1);  // q: no metacharacters
    cr_assert_eq(TRUTH(re3, "\"abc\"", "\"a.\"", "\"q\""), 0);
    cr_assert_eq(TRUTH(re3, "\"A.C\"", "\"a.\"", "\"qi\""), 1);
    cr_assert_eq(TRUTH(re3, "\"abc\"", "\"a\"", "\"k\""), -1); // an unknown flag
    cr_assert_eq(TEST2("sp_regex", "\"héllo\"", "\"^h.llo$\""), 1);  // UTF-8, not bytes
    cr_assert_eq(TEST2("sp_regex", "\"ÉCOLE\"", "\"^\\\\w+$\""), 1); // \w with UCP
    cr_assert_eq(TEST2("sp_regex", "\"chat\"@en", "\"^ch\""), 1);
    cr_assert_eq(TEST2("sp_regex", "ex:o", "\"o\""), -1);
    cr_assert_eq(TEST2("sp_regex", "9", "\"9\""), -1);
    cr_assert_eq(TEST2("sp_regex", "\"abc\"", "\"b\"@en"), -1);
    cr_assert_eq(TEST2("sp_regex", "\"abc\"", "=^a"), 1); // a pattern as plain SQL text
    cr_assert_eq(TEST2("sp_regex", "NULL", "\"a\""), -1);
}

Test(sparql_funcs, a_bad_pattern_fails_the_statement_naming_it) {
    int rc;
    sqlite3_stmt *st = run("SELECT sp_regex(?1, ?2)", ARGS("\"abc\"", "\"a(b\""), &rc);
    cr_assert_eq(rc, SQLITE_ERROR);
    const char *msg = sqlite3_errmsg(store->db);
    cr_assert(strstr(msg, "invalid regular expression \"a(b\"") != NULL, "message: %s", msg);
    cr_assert(strstr(msg, "missing closing parenthesis at offset 3") != NULL, "message: %s", msg);
    sqlite3_finalize(st);
}

Test(sparql_funcs, a_constant_pattern_is_compiled_once_per_statement) {
    // 300 texts against one pattern: one compilation's allocations, not one per row.
    // (The text changes per row: SQLite would call a constant expression only once.)
    const char *sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                      "WHERE i < 300) SELECT sum(sp_regex(?1 || i, ?2, ?3)) FROM n";
    unsigned long before = kg_mem_n_allocs();
    int rc;
    sqlite3_stmt *st = run(sql,
                           ARGS("=L\x1f\x1f"
                                "ABC",
                                "\"^a\"", "\"i\""),
                           &rc);
    cr_assert_eq(rc, SQLITE_ROW, "%s", sqlite3_errmsg(store->db));
    cr_assert_eq(sqlite3_column_int(st, 0), 300);
    sqlite3_finalize(st);
    unsigned long n = kg_mem_n_allocs() - before;
    cr_assert_lt(n, 30, "%lu allocations for 300 matches", n);
    // Flags that change from row to row are part of the cache key.
    st = run("SELECT group_concat(sp_regex(?1, ?2, f), ',') FROM "
             "(SELECT 1 AS k, ?3 AS f UNION ALL SELECT 2, ?4 UNION ALL SELECT 3, ?3 ORDER BY k)",
             ARGS("\"ABC\"", "\"^a\"", "\"\"", "\"i\""), &rc);
    cr_assert_eq(rc, SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "0,1,0");
    sqlite3_finalize(st);
    // Patterns that change from row to row, too.
    st = run("SELECT group_concat(sp_regex(?1, p), ',') FROM "
             "(SELECT 1 AS k, ?2 AS p UNION ALL SELECT 2, ?3 UNION ALL SELECT 3, ?2 ORDER BY k)",
             ARGS("\"abc\"", "\"^a\"", "\"^b\""), &rc);
    cr_assert_eq(rc, SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "1,0,1");
    sqlite3_finalize(st);
}

Test(sparql_funcs, a_runaway_match_is_an_error_not_a_hang) {
    cr_assert_eq(TEST2("sp_regex", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"", "\"^(a|a?)+$\""),
                 -1);
}

/* ------------------------------------------------------------ ORDER BY keys */

static int key_cmp(const char *a, const char *b) {
    int rc;
    sqlite3_stmt *st = run("SELECT sp_sortkey(?1), sp_sortkey(?2)", ARGS(a, b), &rc);
    cr_assert_eq(rc, SQLITE_ROW);
    cr_assert_eq(sqlite3_column_type(st, 0), SQLITE_BLOB);
    cr_assert_eq(sqlite3_column_type(st, 1), SQLITE_BLOB);
    const void *ka = sqlite3_column_blob(st, 0), *kb = sqlite3_column_blob(st, 1);
    int na = sqlite3_column_bytes(st, 0), nb = sqlite3_column_bytes(st, 1);
    int c = memcmp(ka, kb, (size_t)(na < nb ? na : nb));
    if (c == 0) c = (na > nb) - (na < nb);
    sqlite3_finalize(st);
    return c < 0 ? -1 : c > 0;
}

Test(sparql_funcs, sort_keys_follow_sparql_order) {
    const char *const order[] = {
        "=Ba",
        "=Bb",
        "ex:a",
        "ex:o",
        "\"-INF\"^^xsd:double",
        "-3",
        "1.5",
        "9",
        "10",
        "1e300",
        "\"2024-01-02\"^^xsd:date",
        "\"2024-01-02T10:00:00Z\"^^xsd:dateTime",
        "\"2024-10-01\"^^xsd:date",
        "\"\"",
        "\"10\"",
        "\"9\"",
        "\"abc\"",
        "\"abc\"^^xsd:integer",
        "\"chat\"",
        "\"chat\"@en",
        "\"chat\"@fr",
        "\"x\"^^ex:custom",
    };
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i + 1 < n; i++)
        cr_assert_eq(key_cmp(order[i], order[i + 1]), -1, "%s < %s", order[i], order[i + 1]);
    // Equal values, different terms: distinct keys, yet between their neighbours.
    cr_assert_neq(key_cmp("1", "1.0"), 0);
    cr_assert_neq(key_cmp("1", "1e0"), 0);
    cr_assert_neq(key_cmp("1.0", "1e0"), 0);
    cr_assert_eq(key_cmp("0", "\"-0.0\"^^xsd:double") != 0, 1);
    cr_assert_eq(key_cmp("1e0", "2"), -1);
    cr_assert_eq(key_cmp("9", "9"), 0);
    cr_assert_str_eq(CALL1("sp_sortkey", "NULL"), "NULL"); // SQLite sorts NULL first
}

Test(sparql_funcs, order_by_sort_key_in_sql) {
    int rc;
    sqlite3_stmt *st = run("SELECT column1 FROM (VALUES (?1), (?2), (?3), (?4), (?5), (NULL)) "
                           "ORDER BY sp_sortkey(column1)",
                           ARGS("\"b\"", "10", "ex:o", "9", "\"a\""), &rc);
    const char *expect[] = {
        "NULL", "<http://example.org/o>", "\"9\"^^xsd:integer", "\"10\"^^xsd:integer", "\"a\"",
        "\"b\""};
    for (size_t i = 0; i < 6; i++) {
        cr_assert_eq(rc, SQLITE_ROW);
        cr_assert_str_eq(render(st, 0), expect[i]);
        rc = sqlite3_step(st);
    }
    cr_assert_eq(rc, SQLITE_DONE);
    sqlite3_finalize(st);
}

/* ------------------------------------------------------------ aggregates */

#define OVER3(agg) "SELECT " agg " FROM (VALUES (?1), (?2), (?3))"
#define NONE(agg) "SELECT " agg " FROM (VALUES (?1)) WHERE 0"

Test(sparql_funcs, sum_and_avg_promote_and_propagate_errors) {
    cr_assert_str_eq(VALUE(OVER3("sp_sum(column1)"), "1", "2", "3"), "\"6\"^^xsd:integer");
    cr_assert_str_eq(VALUE(OVER3("sp_sum(column1)"), "1", "2", "1.5"), "\"4.5\"^^xsd:decimal");
    cr_assert_str_eq(VALUE(OVER3("sp_sum(column1)"), "1", "1.5", "1e0"), "\"3.5E0\"^^xsd:double");
    cr_assert_str_eq(VALUE(OVER3("sp_sum(column1)"), "1", "\"a\"", "3"), "NULL");
    cr_assert_str_eq(VALUE(OVER3("sp_sum(column1)"), "1", "NULL", "3"), "NULL");
    cr_assert_str_eq(VALUE(NONE("sp_sum(column1)"), "1"), "\"0\"^^xsd:integer");
    cr_assert_str_eq(VALUE(OVER3("sp_avg(column1)"), "1", "2", "3"), "\"2.0\"^^xsd:decimal");
    cr_assert_str_eq(VALUE(OVER3("sp_avg(column1)"), "1", "2", "2"),
                     "\"1.666666666666666667\"^^xsd:decimal");
    cr_assert_str_eq(VALUE(OVER3("sp_avg(column1)"), "9", "10", "30"),
                     "\"16.333333333333333333\"^^xsd:decimal");
    cr_assert_str_eq(VALUE(OVER3("sp_sum(column1)"), "0.1", "0.2", "0.3"), "\"0.6\"^^xsd:decimal");
    cr_assert_str_eq(VALUE(OVER3("sp_avg(column1)"), "1e0", "2", "3"), "\"2.0E0\"^^xsd:double");
    cr_assert_str_eq(VALUE(OVER3("sp_avg(column1)"), "1", "ex:o", "3"), "NULL");
    cr_assert_str_eq(VALUE(NONE("sp_avg(column1)"), "1"), "\"0\"^^xsd:integer");
    cr_assert_str_eq(VALUE(OVER3("sp_sum(DISTINCT column1)"), "1", "1", "2"), "\"3\"^^xsd:integer");
    cr_assert_str_eq(VALUE(OVER3("sp_avg(DISTINCT column1)"), "1", "1", "2"),
                     "\"1.5\"^^xsd:decimal");
}

Test(sparql_funcs, aggregates_work_per_group) {
    int rc;
    sqlite3_stmt *st = run("SELECT column1, sp_sum(column2), sp_max(column2) FROM "
                           "(VALUES (1, ?1), (1, ?2), (2, ?3)) GROUP BY column1 ORDER BY 1",
                           ARGS("9", "10", "1.5"), &rc);
    cr_assert_eq(rc, SQLITE_ROW);
    cr_assert_str_eq(render(st, 1), "\"19\"^^xsd:integer");
    cr_assert_str_eq(render(st, 2), "\"10\"^^xsd:integer");
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq(render(st, 1), "\"1.5\"^^xsd:decimal");
    cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

Test(sparql_funcs, min_max_and_sample_use_sparql_order_and_skip_unbound) {
    cr_assert_str_eq(VALUE(OVER3("sp_min(column1)"), "10", "9", "\"abc\""), "\"9\"^^xsd:integer");
    cr_assert_str_eq(VALUE(OVER3("sp_max(column1)"), "10", "9", "\"abc\""), "\"abc\"");
    cr_assert_str_eq(VALUE(OVER3("sp_min(column1)"), "10", "ex:o", "\"abc\""),
                     "<http://example.org/o>");
    cr_assert_str_eq(VALUE(OVER3("sp_max(column1)"), "NULL", "10.5", "NULL"),
                     "\"10.5\"^^xsd:decimal");
    cr_assert(!last_was_id);
    cr_assert_str_eq(VALUE(OVER3("sp_min(column1)"), "NULL", "NULL", "NULL"), "NULL");
    cr_assert_str_eq(VALUE(NONE("sp_max(column1)"), "1"), "NULL");
    cr_assert_str_eq(VALUE(OVER3("sp_sample(column1)"), "NULL", "\"x y\"", "NULL"), "\"x y\"");
    cr_assert_str_eq(VALUE(NONE("sp_sample(column1)"), "1"), "NULL");
}

Test(sparql_funcs, group_concat_joins_lexical_forms) {
    cr_assert_str_eq(VALUE(OVER3("sp_group_concat(column1)"), "\"a\"", "\"b\"", "\"c\""),
                     "\"a b c\"");
    cr_assert_str_eq(VALUE("SELECT sp_group_concat(column1, ?4) FROM (VALUES (?1), (?2), (?3))",
                           "\"a\"", "\"b\"@en", "9", "\", \""),
                     "\"a, b, 9\"");
    cr_assert_str_eq(VALUE("SELECT sp_group_concat(column1, ?4) FROM (VALUES (?1), (?2), (?3))",
                           "\"a\"", "NULL", "\"c\"", "=-"),
                     "\"a-c\"");
    cr_assert_str_eq(VALUE(OVER3("sp_group_concat(column1)"), "\"a\"", "ex:o", "\"c\""), "NULL");
    cr_assert_str_eq(VALUE(NONE("sp_group_concat(column1)"), "1"), "\"\"");
    cr_assert_str_eq(VALUE(OVER3("sp_group_concat(DISTINCT column1)"), "\"a\"", "\"b\"", "\"a\""),
                     "\"a b\"");
    cr_assert_str_eq(VALUE("SELECT sp_group_concat_distinct(column1, ?4) FROM "
                           "(VALUES (?1), (?2), (?3), (?1), (?3))",
                           "\"a\"", "\"b\"", "\"a\"@en", "\"|\""),
                     "\"a|b|a\"");
}

Test(sparql_funcs, group_concat_distinct_handles_many_values) {
    // Enough distinct values to grow the seen-set several times.
    int rc;
    sqlite3_stmt *st =
        run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
            "SELECT sp_group_concat_distinct('L' || char(31) || char(31) || (i % 300), ?1) FROM n",
            ARGS("\"\""), &rc);
    cr_assert_eq(rc, SQLITE_ROW, "%s", sqlite3_errmsg(store->db));
    const char *r = render(st, 0);
    cr_assert_eq(strlen(r), 2 + 10 + 90 * 2 + 200 * 3, "%s", r); // quotes, 1-3 digit numbers
    sqlite3_finalize(st);
}

/* ------------------------------------------------------------ the runtime */

Test(sparql_funcs, registering_twice_does_nothing_and_unregistered_stores_close) {
    KgError err = {0};
    cr_assert_eq(sp_funcs_register(store, &err), KG_OK);
    cr_assert_eq(TEST2("sp_lt", "9", "10"), 1);
    KgStore *other = open_store(":memory:");
    sp_funcs_reset(other);
    kg_store_close(other);
}

Test(sparql_funcs, arguments_whose_ids_share_a_cache_slot_do_not_evict_each_other) {
    // 6000 more terms, so that ids i and i + 4096 both exist.
    KgBuf doc = {0};
    kg_buf_puts(&doc, "<http://example.org/s> <http://example.org/q> ");
    for (int i = 0; i < 6000; i++)
        kg_buf_printf(&doc, "%s\"v%d\"", i ? ", " : "", i);
    kg_buf_puts(&doc, " .\n");
    load_ok(store, "big.ttl", kg_buf_cstr(&doc), NULL);
    kg_buf_free(&doc);
    KgTermId a = id_of("\"v1000\""), b = a + 4096;
    KgTerm t;
    KgError err = {0};
    cr_assert_eq(kg_dict_get(store, b, &t, &err), KG_OK);
    cr_assert_eq(t.lex_len, 5, "%s", t.lex); // same length as "v1000", after it
    cr_assert_gt(strcmp(t.lex, "v1000"), 0);
    char expect_ab[64], expect_ba[64];
    snprintf(expect_ab, sizeof expect_ab, "\"v1000%s\"", t.lex);
    snprintf(expect_ba, sizeof expect_ba, "\"%sv1000\"", t.lex);
    char sa[32], sb[32];
    snprintf(sa, sizeof sa, "=%llu", (unsigned long long)a);
    snprintf(sb, sizeof sb, "=%llu", (unsigned long long)b);
    const char *both = "SELECT sp_concat(CAST(?1 AS INTEGER), CAST(?2 AS INTEGER))";
    cr_assert_str_eq(VALUE(both, sa, sb), expect_ab);
    cr_assert_str_eq(VALUE(both, sb, sa), expect_ba);
    cr_assert_eq(TRUTH("SELECT sp_eq(CAST(?1 AS INTEGER), CAST(?2 AS INTEGER))", sa, sb), 0);
    cr_assert_eq(TRUTH("SELECT sp_lt(CAST(?1 AS INTEGER), CAST(?2 AS INTEGER))", sa, sb), 1);
    cr_assert_eq(TRUTH("SELECT sp_lt(CAST(?1 AS INTEGER), CAST(?2 AS INTEGER))", sb, sa), 0);
    cr_assert_eq(TRUTH("SELECT sp_eq(CAST(?1 AS INTEGER), CAST(?1 AS INTEGER))", sa), 1);
}

Test(sparql_funcs, a_rollback_forgets_decoded_terms) {
    KgError err = {0};
    KgTerm t = {KG_TERM_LITERAL, "first", 5, NULL, NULL};
    KgTermId id;
    cr_assert_eq(kg_store_begin(store, &err), KG_OK);
    cr_assert_eq(kg_dict_intern(store, &t, &id, &err), KG_OK);
    char arg[32];
    snprintf(arg, sizeof arg, "=%llu", (unsigned long long)id);
    cr_assert_str_eq(VALUE("SELECT sp_ucase(CAST(?1 AS INTEGER))", arg), "\"FIRST\"");
    kg_store_rollback(store);
    cr_assert_eq(kg_store_begin(store, &err), KG_OK);
    KgTerm u = {KG_TERM_LITERAL, "second", 6, NULL, NULL};
    KgTermId id2;
    cr_assert_eq(kg_dict_intern(store, &u, &id2, &err), KG_OK);
    cr_assert_eq(id2, id); // the id is handed out again
    cr_assert_str_eq(VALUE("SELECT sp_ucase(CAST(?1 AS INTEGER))", arg), "\"SECOND\"");
    cr_assert_eq(kg_store_commit(store, &err), KG_OK);
}
