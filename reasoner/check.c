/* reasoner/check.c: whether a store is closed under a program, checked without the engine.
 * Each head of each rule becomes one SPARQL query (kg's compiler turns it into SQL, so none
 * of the engine's joins, indexes or equality handling is involved) asking for the distinct
 * head triples that a match of the body implies and the store lacks:
 *
 *     SELECT DISTINCT ?x ?z WHERE { ?x ex:parent ?y . ?y ex:ancestor ?z .
 *                                   FILTER NOT EXISTS { ?x ex:ancestor ?z } }
 *
 * FILTER and BIND atoms keep their text (they are SPARQL already), NOT atoms become FILTER NOT
 * EXISTS. A head that would not be RDF (a literal subject, a predicate that is not an IRI) is
 * not looked for: the engine does not write those. `nous reason --check` runs it after
 * reasoning; the tests run it on real ontologies. */
#include "internal.h"

#include <string.h>

/* Appends term t of rule r: ?name for a variable, N-Triples syntax for a constant. */
static KgStatus put_term(KgBuf *b, const RsRule *r, const RsTerm *t)
{
    if (t->is_var) return kg_buf_printf(b, "?%s", r->var_names[t->var]);
    return kg_term_write_nt(&t->term, b);
}

static KgStatus put_triple(KgBuf *b, const RsRule *r, const RsTerm t[3])
{
    KgStatus s = KG_OK;
    for (int k = 0; k < 3 && s == KG_OK; k++) {
        s = put_term(b, r, &t[k]);
        if (s == KG_OK) s = kg_buf_puts(b, k < 2 ? " " : " .");
    }
    return s;
}

/* The query for head h of rule r, into b; *n_vars gets how many head variables it selects. */
static KgStatus build_query(KgBuf *b, const RsRule *r, size_t h, size_t *n_vars)
{
    KgStatus s = KG_OK;
    const RsTerm *head = r->heads[h];
    /* the prefixes the FILTER and BIND texts may use (the file's, the same for all of them) */
    for (size_t i = 0; i < r->n_body && s == KG_OK; i++) {
        const char *const *pre = r->body[i].prefixes;
        if (r->body[i].kind != RS_ATOM_FILTER && r->body[i].kind != RS_ATOM_BIND) continue;
        for (size_t k = 0; pre && pre[k] && pre[k + 1] && s == KG_OK; k += 2)
            s = kg_buf_printf(b, "PREFIX %s: <%s>\n", pre[k], pre[k + 1]);
        break;
    }
    *n_vars = 0;
    if (s == KG_OK) s = kg_buf_puts(b, "SELECT DISTINCT");
    for (int k = 0; k < 3 && s == KG_OK; k++) {
        int seen = 0;
        for (int j = 0; j < k; j++) seen |= head[j].is_var && head[k].is_var && head[j].var == head[k].var;
        if (!head[k].is_var || seen) continue;
        s = kg_buf_printf(b, " ?%s", r->var_names[head[k].var]);
        ++*n_vars;
    }
    if (s == KG_OK && !*n_vars) s = kg_buf_puts(b, " *");
    if (s == KG_OK) s = kg_buf_puts(b, " WHERE {\n");
    /* the triple patterns first, then BIND, FILTER and NOT in body order: a BIND reads only
     * what the triples and earlier BINDs bind */
    for (int pass = 0; pass < 2 && s == KG_OK; pass++)
        for (size_t i = 0; i < r->n_body && s == KG_OK; i++) {
            const RsAtom *a = &r->body[i];
            if ((a->kind == RS_ATOM_TRIPLE) != (pass == 0)) continue;
            s = kg_buf_puts(b, "  ");
            if (s != KG_OK) break;
            switch (a->kind) {
            case RS_ATOM_TRIPLE: s = put_triple(b, r, a->t); break;
            case RS_ATOM_NOT:
                s = kg_buf_puts(b, "FILTER NOT EXISTS { ");
                if (s == KG_OK) s = put_triple(b, r, a->t);
                if (s == KG_OK) s = kg_buf_puts(b, " }");
                break;
            case RS_ATOM_FILTER: s = kg_buf_printf(b, "FILTER(%.*s)", (int)a->expr_len, a->expr); break;
            case RS_ATOM_BIND:
                s = kg_buf_printf(b, "BIND((%.*s) AS ?%s)", (int)a->expr_len, a->expr,
                                  r->var_names[a->bind_var]);
                break;
            }
            if (s == KG_OK) s = kg_buf_puts(b, "\n");
        }
    if (s == KG_OK) s = kg_buf_puts(b, "  FILTER NOT EXISTS { ");
    if (s == KG_OK) s = put_triple(b, r, head);
    if (s == KG_OK) s = kg_buf_puts(b, " }\n");
    /* only RDF triples are written */
    if (s == KG_OK && head[0].is_var) s = kg_buf_printf(b, "  FILTER(!isLiteral(?%s))\n", r->var_names[head[0].var]);
    if (s == KG_OK && head[1].is_var) s = kg_buf_printf(b, "  FILTER(isIRI(?%s))\n", r->var_names[head[1].var]);
    if (s == KG_OK) s = kg_buf_puts(b, "}\n");
    return s;
}

/* The missing head triple of the current row, as text. */
static KgStatus describe_row(KgStore *store, KgQuery *q, const RsRule *r, size_t h, KgBuf *out)
{
    const RsTerm *head = r->heads[h];
    KgStatus s = KG_OK;
    for (int k = 0; k < 3 && s == KG_OK; k++) {
        KgTerm t = head[k].term;
        if (head[k].is_var) {
            for (size_t c = 0; c < kg_query_n_columns(q); c++)
                if (strcmp(kg_query_column(q, c), r->var_names[head[k].var]) == 0) kg_query_value(q, c, &t);
        }
        s = kg_term_write_short(store, &t, out);
        if (s == KG_OK) s = kg_buf_puts(out, k < 2 ? " " : "");
    }
    return s;
}

KgStatus rs_check(KgStore *store, RsProgram *p, RsCheckReport report, void *ctx, uint64_t *n_missing,
                  KgError *err)
{
    KgStatus s = KG_OK;
    *n_missing = 0;
    for (size_t i = 0; i < p->n_rules && s == KG_OK; i++) {
        const RsRule *r = &p->rules[i];
        for (size_t h = 0; h < r->n_heads && s == KG_OK; h++) {
            KgBuf text = {0}, example = {0};
            size_t n_vars;
            KgQuery *q = NULL;
            s = build_query(&text, r, h, &n_vars);
            if (s != KG_OK) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory checking the rules");
            else s = kg_query_prepare(store, text.data, text.len, r->label, &q, err);
            uint64_t n = 0;
            while (s == KG_OK && (s = kg_query_next(q, err)) == KG_OK) {
                if (!n++ && describe_row(store, q, r, h, &example) != KG_OK)
                    s = kg_error_set(err, KG_ERR_NOMEM, "out of memory checking the rules");
                if (!n_vars) break; /* a ground head: missing or not */
            }
            if (s == KG_DONE || (s == KG_OK && !n_vars)) s = KG_OK;
            kg_query_free(q);
            if (s == KG_OK && n) {
                *n_missing += n;
                if (report) report(ctx, i, n, kg_buf_cstr(&example));
            }
            kg_buf_free(&text);
            kg_buf_free(&example);
        }
    }
    return s;
}
