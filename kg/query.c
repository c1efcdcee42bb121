/* kg/query.c: a SPARQL query as the rest of nous sees it (kg_query_* in kg.h): parse,
 * compile to one SQL statement, bind its parameters, step through its rows and turn the
 * SQL values back into terms. CONSTRUCT instantiates its template here, row by row, and
 * drops the triples it has already given. Ctrl-C reaches a long statement through
 * SQLite's progress handler. */
#include "sparql.h"

#include <string.h>

typedef struct {
    int decoded, bound;
    KgTerm term;
    KgBuf lex, dt, lang, scratch;
} Cell;

/* The CONSTRUCT triples already given, as N-Triples lines. */
typedef struct {
    char **slots;
    size_t n, cap;
} SeenSet;

struct KgQuery {
    KgStore *store;
    KgArena *arena;
    SpQuery *ast;
    SpSql sql;
    sqlite3_stmt *stmt;
    KgBuf explain;
    KgQueryForm form;
    int done;
    Cell *cells; /* one per result column (3 for CONSTRUCT) */
    size_t n_cells;
    /* CONSTRUCT */
    int have_row;
    size_t next_tmpl;
    uint64_t row_no;
    int *tmpl_cols; /* per template position: its variable's result column, -1 for a term */
    SeenSet seen;
    KgBuf key, label;
    struct DatatypeName {
        KgTermId id;
        const char *iri;
    } *datatypes;
    size_t n_datatypes;
};

static const char *const construct_columns[] = {"subject", "predicate", "object"};

/* ---------------------------------------------------------------- terms out of SQL values */

static KgStatus copy_term(Cell *c, const KgTerm *t)
{
    c->lex.len = c->dt.len = c->lang.len = 0;
    if (kg_buf_append(&c->lex, t->lex ? t->lex : "", t->lex_len) != KG_OK ||
        !kg_buf_cstr(&c->lex))
        return KG_ERR_NOMEM;
    if (t->datatype && (kg_buf_puts(&c->dt, t->datatype) != KG_OK)) return KG_ERR_NOMEM;
    if (t->lang && (kg_buf_puts(&c->lang, t->lang) != KG_OK)) return KG_ERR_NOMEM;
    c->term = (KgTerm){t->kind, c->lex.data ? c->lex.data : "", t->lex_len,
                       t->datatype ? c->dt.data : NULL, t->lang ? c->lang.data : NULL};
    return KG_OK;
}

/* The IRI of a datatype (there are few: each is read from the dictionary once). */
static const char *datatype_iri(KgQuery *q, KgTermId id)
{
    for (size_t i = 0; i < q->n_datatypes; i++)
        if (q->datatypes[i].id == id) return q->datatypes[i].iri;
    KgTerm t;
    if (kg_dict_get(q->store, id, &t, NULL) != KG_OK || t.kind != KG_TERM_IRI) return NULL;
    void *nd = kg_realloc(q->datatypes, (q->n_datatypes + 1) * sizeof *q->datatypes);
    if (!nd) return NULL;
    q->datatypes = nd;
    char *iri = kg_arena_strndup(q->arena, t.lex, t.lex_len);
    if (!iri) return NULL;
    q->datatypes[q->n_datatypes++] = (struct DatatypeName){id, iri};
    return iri;
}

/* Decodes SQL column `col` of the current row into the cell; 0 when unbound. */
static int decode_value(KgQuery *q, int col, Cell *c)
{
    c->decoded = 1;
    c->bound = 0;
    int type = sqlite3_column_type(q->stmt, col);
    if (type == SQLITE_INTEGER && q->sql.term_columns) {
        /* the statement read the term itself: point into its row (valid until the next step) */
        int base = (int)(q->sql.n_columns + 4 * (size_t)col);
        if (sqlite3_column_type(q->stmt, base) == SQLITE_INTEGER) {
            const char *lex = (const char *)sqlite3_column_text(q->stmt, base + 1);
            KgTermId dt = (KgTermId)sqlite3_column_int64(q->stmt, base + 3);
            c->term = (KgTerm){(KgTermKind)sqlite3_column_int(q->stmt, base), lex ? lex : "",
                               (size_t)sqlite3_column_bytes(q->stmt, base + 1), NULL,
                               (const char *)sqlite3_column_text(q->stmt, base + 2)};
            if (dt && !(c->term.datatype = datatype_iri(q, dt))) return 0;
            return c->bound = 1;
        }
    }
    if (type == SQLITE_INTEGER) {
        KgTerm t;
        KgTermId id = (KgTermId)sqlite3_column_int64(q->stmt, col);
        if (kg_dict_get(q->store, id, &t, NULL) != KG_OK || copy_term(c, &t) != KG_OK) return 0;
        c->bound = 1;
    } else if (type == SQLITE_TEXT) {
        KgTerm t;
        const char *s = (const char *)sqlite3_column_text(q->stmt, col);
        size_t n = (size_t)sqlite3_column_bytes(q->stmt, col);
        if (!s || sp_term_decode(s, n, &t, &c->scratch) != KG_OK || copy_term(c, &t) != KG_OK)
            return 0;
        c->bound = 1;
    }
    return c->bound;
}

/* ---------------------------------------------------------------- prepare */

static KgStatus build_explain(KgQuery *q)
{
    KgBuf *b = &q->explain;
    KgStatus s = kg_buf_puts(b, "join order (estimated rows after each step):\n");
    if (s == KG_OK) s = kg_buf_puts(b, kg_buf_cstr(&q->sql.plan));
    if (s == KG_OK) s = kg_buf_printf(b, "SQL:\n  %s\n", kg_buf_cstr(&q->sql.sql));
    if (s == KG_OK && q->sql.n_params) s = kg_buf_puts(b, "parameters:\n");
    for (size_t i = 0; s == KG_OK && i < q->sql.n_params; i++) {
        const struct SpParam *p = &q->sql.params[i];
        if (p->is_text)
            s = kg_buf_printf(b, "  ?%zu = %s (not in the store)\n", i + 1, p->label ? p->label : "");
        else if (p->i < 0)
            s = kg_buf_printf(b, "  ?%zu = %s (not in the store: matches nothing)\n", i + 1,
                              p->label ? p->label : "");
        else
            s = kg_buf_printf(b, "  ?%zu = %s (%lld)\n", i + 1, p->label ? p->label : "",
                              (long long)p->i);
    }
    if (s == KG_OK && !kg_buf_cstr(b)) s = KG_ERR_NOMEM;
    return s;
}

KgStatus kg_query_prepare(KgStore *store, const char *text, size_t len, const char *name,
                          KgQuery **out, KgError *err)
{
    *out = NULL;
    KgStatus s = KG_OK;
    KgQuery *q = kg_calloc(1, sizeof *q);
    if (!q || !(q->arena = kg_arena_new(16384))) {
        kg_free(q);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory preparing a query");
    }
    q->store = store;
    if (!name) name = "query";
    KG_TRY(s, sp_funcs_register(store, err));
    sp_funcs_reset(store);
    KG_TRY(s, sp_parse(store, text, len, name, q->arena, &q->ast, err));
    KG_TRY(s, sp_compile(store, q->ast, name, q->arena, &q->sql, err));
    q->form = (KgQueryForm)q->ast->form;
    KG_TRY(s, sp_sql_prepare(store, &q->sql, 0, &q->stmt, err));
    q->n_cells = q->form == KG_QUERY_CONSTRUCT ? 3 : q->form == KG_QUERY_SELECT ? q->sql.n_columns : 0;
    q->cells = kg_calloc(q->n_cells ? q->n_cells : 1, sizeof *q->cells);
    if (!q->cells) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory preparing a query");
        goto out;
    }
    if (q->form == KG_QUERY_CONSTRUCT) {
        const SpQuery *a = q->ast;
        q->tmpl_cols = kg_arena_alloc(q->arena, (3 * a->n_tmpl + 1) * sizeof *q->tmpl_cols);
        if (!q->tmpl_cols) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory preparing a query");
            goto out;
        }
        for (size_t i = 0; i < a->n_tmpl; i++) {
            const SpNode *nodes[3] = {&a->tmpl[i].s, &a->tmpl[i].p, &a->tmpl[i].o};
            for (int k = 0; k < 3; k++) {
                int col = -1;
                for (size_t j = 0; nodes[k]->is_var && j < q->sql.n_columns; j++)
                    if (strcmp(q->sql.columns[j], nodes[k]->var) == 0) col = (int)j;
                q->tmpl_cols[3 * i + (size_t)k] = col;
            }
        }
    }
    if (build_explain(q) != KG_OK) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
out:
    if (s != KG_OK) {
        kg_query_free(q);
        return s;
    }
    *out = q;
    return KG_OK;
}

KgQueryForm kg_query_form(const KgQuery *q) { return q->form; }
const char *kg_query_explain(const KgQuery *q) { return q->explain.data ? q->explain.data : ""; }
size_t kg_query_n_columns(const KgQuery *q) { return q->n_cells; }

const char *kg_query_column(const KgQuery *q, size_t i)
{
    if (i >= q->n_cells) return NULL;
    return q->form == KG_QUERY_CONSTRUCT ? construct_columns[i] : q->sql.columns[i];
}

/* ---------------------------------------------------------------- stepping */

static int interrupt_check(void *ctx)
{
    (void)ctx;
    return kg_interrupted();
}

static KgStatus step(KgQuery *q, int *has_row, KgError *err)
{
    sqlite3_progress_handler(q->store->db, 10000, interrupt_check, NULL);
    int rc = sqlite3_step(q->stmt);
    sqlite3_progress_handler(q->store->db, 0, NULL, NULL);
    *has_row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return KG_OK;
    q->done = 1;
    if (rc == SQLITE_INTERRUPT || kg_interrupted())
        return kg_error_set(err, KG_ERR_INTERRUPTED, "query interrupted");
    return kg_error_set(err, KG_ERR_ARG, "query failed: %s", sqlite3_errmsg(q->store->db));
}

static uint64_t hash_str(const char *s, size_t n) { return kg_hash_bytes(KG_HASH_SEED, s, n); }

/* Adds the key; 1 when it was new, 0 when seen before, -1 when out of memory. */
static int seen_add(SeenSet *ss, const char *key, size_t n)
{
    if (2 * (ss->n + 1) > ss->cap) {
        size_t cap = ss->cap ? ss->cap * 2 : 1024;
        char **slots = kg_calloc(cap, sizeof *slots);
        if (!slots) return -1;
        for (size_t i = 0; i < ss->cap; i++) {
            if (!ss->slots[i]) continue;
            size_t j = hash_str(ss->slots[i], strlen(ss->slots[i])) & (cap - 1);
            while (slots[j]) j = (j + 1) & (cap - 1);
            slots[j] = ss->slots[i];
        }
        kg_free(ss->slots);
        ss->slots = slots;
        ss->cap = cap;
    }
    size_t j = hash_str(key, n) & (ss->cap - 1);
    while (ss->slots[j]) {
        if (strlen(ss->slots[j]) == n && memcmp(ss->slots[j], key, n) == 0) return 0;
        j = (j + 1) & (ss->cap - 1);
    }
    if (!(ss->slots[j] = kg_strndup(key, n))) return -1;
    ss->n++;
    return 1;
}

/* Fills cell `c` from one position of a CONSTRUCT template; 0 when it gives no term. */
static int instantiate(KgQuery *q, const SpNode *nd, int col, Cell *c)
{
    c->decoded = 1;
    if (nd->is_var) return col >= 0 ? decode_value(q, col, c) : (c->bound = 0);
    if (nd->term.kind == KG_TERM_BLANK) {
        /* a template blank node is a fresh node for each solution */
        q->label.len = 0;
        if (kg_buf_printf(&q->label, "c%llu_%s", (unsigned long long)q->row_no, nd->term.lex) != KG_OK)
            return c->bound = 0;
        KgTerm t = {KG_TERM_BLANK, q->label.data, q->label.len, NULL, NULL};
        return c->bound = copy_term(c, &t) == KG_OK;
    }
    return c->bound = copy_term(c, &nd->term) == KG_OK;
}

static KgStatus construct_next(KgQuery *q, KgError *err)
{
    const SpQuery *a = q->ast;
    for (;;) {
        if (q->have_row && q->next_tmpl < a->n_tmpl) {
            const int *col = q->tmpl_cols + 3 * q->next_tmpl;
            const SpTriple *t = &a->tmpl[q->next_tmpl++];
            if (!instantiate(q, &t->s, col[0], &q->cells[0]) ||
                !instantiate(q, &t->p, col[1], &q->cells[1]) ||
                !instantiate(q, &t->o, col[2], &q->cells[2]))
                continue;
            if (q->cells[0].term.kind == KG_TERM_LITERAL || q->cells[1].term.kind != KG_TERM_IRI)
                continue; /* not a valid RDF triple: left out, as SPARQL says */
            q->key.len = 0;
            for (int i = 0; i < 3; i++)
                if (kg_term_write_nt(&q->cells[i].term, &q->key) != KG_OK ||
                    kg_buf_append(&q->key, " ", 1) != KG_OK)
                    return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
            int is_new = seen_add(&q->seen, q->key.data, q->key.len);
            if (is_new < 0) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
            if (is_new) return KG_OK;
            continue;
        }
        int has_row;
        KgStatus s = step(q, &has_row, err);
        if (s != KG_OK) return s;
        if (!has_row) {
            q->done = 1;
            return KG_DONE;
        }
        q->have_row = 1;
        q->next_tmpl = 0;
        q->row_no++;
    }
}

KgStatus kg_query_next(KgQuery *q, KgError *err)
{
    if (q->done) return KG_DONE;
    if (kg_interrupted()) {
        q->done = 1;
        return kg_error_set(err, KG_ERR_INTERRUPTED, "query interrupted");
    }
    if (q->form == KG_QUERY_CONSTRUCT) return construct_next(q, err);
    int has_row;
    KgStatus s = step(q, &has_row, err);
    if (s != KG_OK) return s;
    if (!has_row || q->form == KG_QUERY_ASK) q->done = 1;
    if (!has_row) return KG_DONE;
    for (size_t i = 0; i < q->n_cells; i++) q->cells[i].decoded = 0;
    return KG_OK;
}

int kg_query_value(KgQuery *q, size_t i, KgTerm *out)
{
    if (i >= q->n_cells) return 0;
    Cell *c = &q->cells[i];
    if (!c->decoded) decode_value(q, (int)i, c);
    if (c->bound && out) *out = c->term;
    return c->bound;
}

void kg_query_free(KgQuery *q)
{
    if (!q) return;
    sqlite3_finalize(q->stmt);
    for (size_t i = 0; q->cells && i < q->n_cells; i++) {
        kg_buf_free(&q->cells[i].lex);
        kg_buf_free(&q->cells[i].dt);
        kg_buf_free(&q->cells[i].lang);
        kg_buf_free(&q->cells[i].scratch);
    }
    kg_free(q->cells);
    kg_free(q->datatypes);
    for (size_t i = 0; i < q->seen.cap; i++) kg_free(q->seen.slots[i]);
    kg_free(q->seen.slots);
    kg_buf_free(&q->key);
    kg_buf_free(&q->label);
    kg_buf_free(&q->explain);
    sp_sql_free(&q->sql);
    kg_arena_free(q->arena);
    kg_free(q);
}
