/* reasoner/stratify.c: checking that rules are safe, and ordering them into strata. The
 * dependency graph has a node per predicate key (a constant predicate; for rdf:type, the class
 * when it is constant; "any" for a variable predicate) and a node per rule, with edges from
 * every key a body atom may read (negative through NOT) to the rule, and from the rule to its
 * heads' keys. Tarjan's strongly connected components (iterative, so no recursion however
 * large the program) find cycles through negation; the longest path, counting negative edges,
 * gives each rule the lowest stratum it can have. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

enum { KEY_ANY, KEY_PRED, KEY_TYPE_ANY, KEY_TYPE };
enum { MAX_EDGES = 1 << 28 };
static const uint32_t NONE = UINT32_MAX;
static const uint32_t END = UINT32_MAX - 1; /* no variable left in an expression */

/* What an atom may read or write: KEY_PRED (iri = the predicate), KEY_TYPE (iri = the class of
 * an rdf:type atom), KEY_TYPE_ANY (rdf:type, a variable class) or KEY_ANY (a variable
 * predicate). Keying rdf:type atoms by class keeps "C[?x] :- D[?x], NOT E[?x]" stratifiable. */
typedef struct {
    int kind;
    const char *iri;
    size_t len;
} Key;

typedef struct {
    Key *keys;
    uint32_t n_keys;
    uint32_t *slots; /* open addressing: key index + 1, 0 for an empty slot */
    size_t n_slots;  /* a power of two */
    uint32_t any, type_any;     /* the keys KEY_ANY and KEY_TYPE_ANY, or NONE */
    uint32_t hub_any, hub_type; /* nodes after the keys: every key, every rdf:type key */
    uint32_t first_rule;        /* rule r is node first_rule + r */
    uint32_t *src, *dst, *atom; /* edges; atom: the body atom of an edge into a rule */
    uint8_t *neg;
    size_t n_edges, cap_edges;
} Graph;

/* ---------------------------------------------------------------- messages */

/* The file part of the rule's label "FILE:LINE", in the program's arena so that it outlives
 * the error; NULL when out of memory (the error then has no file). */
static const char *rule_file(RsProgram *p, const RsRule *r)
{
    const char *colon = strrchr(r->label, ':');
    if (!colon) return r->label;
    return kg_arena_strndup(p->arena, r->label, (size_t)(colon - r->label));
}

/* The rule's text, cut to fit a message. */
static const char *shown(const RsRule *r, char *buf, size_t n)
{
    size_t len = strlen(r->text);
    if (len < n) return r->text;
    size_t m = n - 4;
    while (m > 0 && ((unsigned char)r->text[m] & 0xC0) == 0x80) m--;
    memcpy(buf, r->text, m);
    memcpy(buf + m, "...", 4);
    return buf;
}

static KgStatus unsafe(RsProgram *p, const RsRule *r, const char *before, const char *name,
                       size_t name_len, const char *after, KgError *err)
{
    char buf[140];
    return kg_error_at(err, KG_ERR_SYNTAX, rule_file(p, r), r->line, r->col, "%s ?%.*s %s in: %s",
                       before, (int)name_len, name, after, shown(r, buf, sizeof buf));
}

/* ---------------------------------------------------------------- safety */

static int is_rdf_type(const RsTerm *t)
{
    return !t->is_var && t->term.kind == KG_TERM_IRI &&
           t->term.lex_len == sizeof KG_RDF_TYPE - 1 &&
           memcmp(t->term.lex, KG_RDF_TYPE, sizeof KG_RDF_TYPE - 1) == 0;
}

static uint32_t var_named(const RsRule *r, const char *name, size_t n)
{
    for (uint32_t i = 0; i < r->n_vars; i++)
        if (strlen(r->var_names[i]) == n && memcmp(r->var_names[i], name, n) == 0) return i;
    return NONE;
}

enum { IN_POSITIVE = 1, IN_SOME_BIND = 2, BOUND = 4 };

/* Per variable of the rule being checked: flags, and in how many atoms it occurs (`last`
 * remembers the atom that counted it last, so an atom counts once). */
typedef struct {
    uint8_t *flags;
    uint32_t *n_atoms, *last;
} Scratch;

static void count_var(Scratch *w, uint32_t v, uint32_t atom)
{
    if (w->last[v] == atom) return;
    w->last[v] = atom;
    w->n_atoms[v]++;
}

/* Each variable of an expression, by index (NONE for a name the rule does not know). */
static uint32_t next_expr_var(const RsRule *r, const RsAtom *a, size_t *pos, const char **name,
                              size_t *n)
{
    if (!rs_expr_next_var(a->expr, a->expr_len, pos, name, n)) return END;
    return var_named(r, *name, *n);
}

/* Every variable of an expression must be bound where the expression is. */
static KgStatus check_expr(RsProgram *p, const RsRule *r, const RsAtom *a, const uint8_t *flags,
                           KgError *err)
{
    size_t pos = 0, n;
    const char *name;
    uint32_t v;
    while ((v = next_expr_var(r, a, &pos, &name, &n)) != END)
        if (v == NONE || !(flags[v] & BOUND))
            return unsafe(p, r, "variable", name, n,
                          a->kind == RS_ATOM_BIND
                              ? "of a BIND expression is not bound by a positive atom or an "
                                "earlier BIND"
                              : "of FILTER is not bound by a positive atom or an earlier BIND",
                          err);
    return KG_OK;
}

/* Safety. A variable of a NOT atom that occurs nowhere else in the rule is existential there
 * ("NOT ex:parent[?x, ?y]": ?x has no parent at all); any other must be bound before. */
static KgStatus check_rule(RsProgram *p, const RsRule *r, Scratch *w, KgError *err)
{
    uint8_t *flags = w->flags;
    memset(flags, 0, r->n_vars);
    memset(w->n_atoms, 0, r->n_vars * sizeof *w->n_atoms);
    for (uint32_t v = 0; v < r->n_vars; v++) w->last[v] = NONE;
    uint32_t atom = 0;
    for (size_t h = 0; h < r->n_heads; h++, atom++)
        for (int k = 0; k < 3; k++)
            if (r->heads[h][k].is_var) count_var(w, r->heads[h][k].var, atom);
    for (size_t i = 0; i < r->n_body; i++, atom++) {
        const RsAtom *a = &r->body[i];
        if (a->kind == RS_ATOM_TRIPLE || a->kind == RS_ATOM_NOT) {
            for (int k = 0; k < 3; k++) {
                if (!a->t[k].is_var) continue;
                count_var(w, a->t[k].var, atom);
                if (a->kind == RS_ATOM_TRIPLE) flags[a->t[k].var] |= IN_POSITIVE | BOUND;
            }
            continue;
        }
        size_t pos = 0, n;
        const char *name;
        uint32_t v;
        while ((v = next_expr_var(r, a, &pos, &name, &n)) != END)
            if (v != NONE) count_var(w, v, atom);
        if (a->kind == RS_ATOM_BIND) {
            count_var(w, a->bind_var, atom);
            flags[a->bind_var] |= IN_SOME_BIND;
        }
    }
    for (size_t h = 0; h < r->n_heads; h++)
        for (int k = 0; k < 3; k++) {
            const RsTerm *t = &r->heads[h][k];
            if (t->is_var && !(flags[t->var] & (IN_POSITIVE | IN_SOME_BIND))) {
                const char *v = r->var_names[t->var];
                return unsafe(p, r, "head variable", v, strlen(v), "is not bound by the body",
                              err);
            }
        }
    KgStatus s;
    for (size_t i = 0; i < r->n_body; i++) {
        const RsAtom *a = &r->body[i];
        switch (a->kind) {
        case RS_ATOM_TRIPLE: break;
        case RS_ATOM_NOT:
            for (int k = 0; k < 3; k++) {
                uint32_t v = a->t[k].var;
                if (a->t[k].is_var && !(flags[v] & BOUND) && w->n_atoms[v] > 1)
                    return unsafe(p, r, "variable", r->var_names[v], strlen(r->var_names[v]),
                                  "of a NOT atom occurs outside it but is not bound by a "
                                  "positive atom or an earlier BIND",
                                  err);
            }
            break;
        case RS_ATOM_FILTER:
            if ((s = check_expr(p, r, a, flags, err)) != KG_OK) return s;
            break;
        case RS_ATOM_BIND:
            if ((s = check_expr(p, r, a, flags, err)) != KG_OK) return s;
            if (flags[a->bind_var] & BOUND) {
                const char *v = r->var_names[a->bind_var];
                return unsafe(p, r, "BIND variable", v, strlen(v), "is already bound", err);
            }
            flags[a->bind_var] |= BOUND;
            break;
        }
    }
    return KG_OK;
}

/* Every variable index of the rule is below n_vars (the parser's invariant, checked once so
 * that the flags array is never indexed out of bounds whoever built the rule). */
static int vars_in_range(const RsRule *r)
{
    for (size_t h = 0; h < r->n_heads; h++)
        for (int k = 0; k < 3; k++)
            if (r->heads[h][k].is_var && r->heads[h][k].var >= r->n_vars) return 0;
    for (size_t i = 0; i < r->n_body; i++) {
        const RsAtom *a = &r->body[i];
        if (a->kind == RS_ATOM_BIND && a->bind_var >= r->n_vars) return 0;
        for (int k = 0; k < 3; k++)
            if (a->t[k].is_var && a->t[k].var >= r->n_vars) return 0;
    }
    return 1;
}

static KgStatus check_safety(RsProgram *p, size_t first, KgError *err)
{
    size_t max_vars = 1;
    for (size_t i = first; i < p->n_rules; i++)
        if (p->rules[i].n_vars > max_vars) max_vars = p->rules[i].n_vars;
    Scratch w = {kg_malloc(max_vars), kg_malloc(max_vars * sizeof *w.n_atoms),
                 kg_malloc(max_vars * sizeof *w.last)};
    KgStatus s = KG_OK;
    if (!w.flags || !w.n_atoms || !w.last)
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory checking rules");
    for (size_t i = first; i < p->n_rules && s == KG_OK; i++) {
        if (!vars_in_range(&p->rules[i]))
            s = kg_error_set(err, KG_ERR_INTERNAL, "rule %s has a bad variable index",
                             p->rules[i].label);
        else
            s = check_rule(p, &p->rules[i], &w, err);
    }
    kg_free(w.flags);
    kg_free(w.n_atoms);
    kg_free(w.last);
    return s;
}

/* ---------------------------------------------------------------- the graph */

static Key atom_key(const RsTerm t[3])
{
    Key k = {KEY_ANY, NULL, 0};
    if (t[1].is_var) return k;
    if (!is_rdf_type(&t[1])) return (Key){KEY_PRED, t[1].term.lex, t[1].term.lex_len};
    if (t[2].is_var) return (Key){KEY_TYPE_ANY, NULL, 0};
    /* a literal class shares its key with the IRI of the same text: an extra edge, no harm */
    return (Key){KEY_TYPE, t[2].term.lex, t[2].term.lex_len};
}

static size_t key_hash(const Key *k)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)k->kind;
    for (size_t i = 0; i < k->len; i++) h = (h ^ (unsigned char)k->iri[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

static int key_eq(const Key *a, const Key *b)
{
    return a->kind == b->kind && a->len == b->len && (!a->len || !memcmp(a->iri, b->iri, a->len));
}

/* The key's index, adding it when `add`; NONE when absent. The table never fills: it has
 * twice as many slots as there are atoms. */
static uint32_t key_id(Graph *g, const Key *k, int add)
{
    size_t i = key_hash(k) & (g->n_slots - 1);
    while (g->slots[i]) {
        uint32_t id = g->slots[i] - 1;
        if (key_eq(&g->keys[id], k)) return id;
        i = (i + 1) & (g->n_slots - 1);
    }
    if (!add) return NONE;
    g->keys[g->n_keys] = *k;
    g->slots[i] = ++g->n_keys;
    return g->n_keys - 1;
}

static KgStatus add_edge(Graph *g, uint32_t src, uint32_t dst, int neg, uint32_t atom)
{
    if (g->n_edges == g->cap_edges) {
        if (g->cap_edges >= MAX_EDGES) return KG_ERR_NOMEM;
        size_t cap = g->cap_edges ? g->cap_edges * 2 : 256;
        uint32_t *s = kg_realloc(g->src, cap * sizeof *s);
        if (s) g->src = s;
        uint32_t *d = kg_realloc(g->dst, cap * sizeof *d);
        if (d) g->dst = d;
        uint32_t *a = kg_realloc(g->atom, cap * sizeof *a);
        if (a) g->atom = a;
        uint8_t *n = kg_realloc(g->neg, cap * sizeof *n);
        if (n) g->neg = n;
        if (!s || !d || !a || !n) return KG_ERR_NOMEM;
        g->cap_edges = cap;
    }
    g->src[g->n_edges] = src;
    g->dst[g->n_edges] = dst;
    g->neg[g->n_edges] = (uint8_t)neg;
    g->atom[g->n_edges] = atom;
    g->n_edges++;
    return KG_OK;
}

/* Edges to a rule's node from every key that may overlap k, the key of its body atom `atom`.
 * Heads link to their own key only: overlap counted on one side, so that a wildcard key never
 * joins two keys that do not overlap (ex:A -> rdf:type ?c -> ex:C). An atom that reads every
 * key, or every rdf:type key, reads it through a hub node that those keys all feed, so that
 * the graph stays linear in the program's size. */
static KgStatus link_body(Graph *g, uint32_t k, uint32_t rule_node, int neg, uint32_t atom)
{
    int kind = g->keys[k].kind;
    if (kind == KEY_ANY) return add_edge(g, g->hub_any, rule_node, neg, atom);
    if (kind == KEY_TYPE_ANY) return add_edge(g, g->hub_type, rule_node, neg, atom);
    uint32_t cand[3] = {k, g->any, kind == KEY_TYPE ? g->type_any : NONE};
    for (int i = 0; i < 3; i++) {
        KgStatus s = cand[i] == NONE ? KG_OK : add_edge(g, cand[i], rule_node, neg, atom);
        if (s != KG_OK) return s;
    }
    return KG_OK;
}

static KgStatus build_graph(const RsProgram *p, Graph *g)
{
    size_t n_atoms = 0;
    for (size_t r = 0; r < p->n_rules; r++) n_atoms += p->rules[r].n_heads + p->rules[r].n_body;
    if (n_atoms + p->n_rules >= NONE / 2) return KG_ERR_NOMEM;
    g->n_slots = 16;
    while (g->n_slots < 2 * n_atoms + 2) g->n_slots *= 2;
    g->slots = kg_calloc(g->n_slots, sizeof *g->slots);
    g->keys = kg_malloc((n_atoms + 1) * sizeof *g->keys);
    if (!g->slots || !g->keys) return KG_ERR_NOMEM;
    for (size_t r = 0; r < p->n_rules; r++) {
        const RsRule *rule = &p->rules[r];
        for (size_t h = 0; h < rule->n_heads; h++) {
            Key k = atom_key(rule->heads[h]);
            key_id(g, &k, 1);
        }
        for (size_t i = 0; i < rule->n_body; i++)
            if (rule->body[i].kind == RS_ATOM_TRIPLE || rule->body[i].kind == RS_ATOM_NOT) {
                Key k = atom_key(rule->body[i].t);
                key_id(g, &k, 1);
            }
    }
    g->any = key_id(g, &(Key){KEY_ANY, NULL, 0}, 0);
    g->type_any = key_id(g, &(Key){KEY_TYPE_ANY, NULL, 0}, 0);
    g->hub_any = g->n_keys;
    g->hub_type = g->n_keys + 1;
    g->first_rule = g->n_keys + 2;
    KgStatus s = KG_OK;
    for (uint32_t x = 0; x < g->n_keys && s == KG_OK; x++) {
        s = add_edge(g, x, g->hub_any, 0, NONE);
        if (s == KG_OK && g->keys[x].kind != KEY_PRED) s = add_edge(g, x, g->hub_type, 0, NONE);
    }
    for (size_t r = 0; r < p->n_rules && s == KG_OK; r++) {
        const RsRule *rule = &p->rules[r];
        uint32_t node = g->first_rule + (uint32_t)r;
        for (size_t h = 0; h < rule->n_heads && s == KG_OK; h++) {
            Key k = atom_key(rule->heads[h]);
            s = add_edge(g, node, key_id(g, &k, 0), 0, NONE);
        }
        for (size_t i = 0; i < rule->n_body && s == KG_OK; i++) {
            const RsAtom *a = &rule->body[i];
            if (a->kind != RS_ATOM_TRIPLE && a->kind != RS_ATOM_NOT) continue;
            Key k = atom_key(a->t);
            s = link_body(g, key_id(g, &k, 0), node, a->kind == RS_ATOM_NOT, (uint32_t)i);
        }
    }
    return s;
}

static void free_graph(Graph *g)
{
    kg_free(g->keys);
    kg_free(g->slots);
    kg_free(g->src);
    kg_free(g->dst);
    kg_free(g->atom);
    kg_free(g->neg);
}

/* ---------------------------------------------------------------- components and strata */

typedef struct {
    uint32_t n;         /* nodes */
    uint32_t *off;      /* n + 1: each node's first out-edge in `out` */
    uint32_t *out;      /* edge indexes grouped by source */
    uint32_t *comp;     /* per node: its component, numbered sinks first */
    uint32_t n_comps;
} Sccs;

/* Tarjan's algorithm with an explicit call stack. A component is numbered when its root
 * finishes, after every component it reaches: edges go from higher numbers to lower or equal. */
static KgStatus find_sccs(const Graph *g, uint32_t n, Sccs *c)
{
    c->n = n;
    c->off = kg_calloc((size_t)n + 1, sizeof *c->off);
    c->out = kg_malloc((g->n_edges + 1) * sizeof *c->out);
    c->comp = kg_malloc(((size_t)n + 1) * sizeof *c->comp);
    uint32_t *index = kg_malloc(((size_t)n + 1) * sizeof *index);
    uint32_t *low = kg_malloc(((size_t)n + 1) * sizeof *low);
    uint32_t *stack = kg_malloc(((size_t)n + 1) * sizeof *stack);
    uint32_t *calls = kg_malloc(((size_t)n + 1) * sizeof *calls);
    uint32_t *next = kg_malloc(((size_t)n + 1) * sizeof *next);
    uint8_t *on_stack = kg_calloc((size_t)n + 1, 1);
    KgStatus s = KG_ERR_NOMEM;
    if (!c->off || !c->out || !c->comp || !index || !low || !stack || !calls || !next ||
        !on_stack)
        goto out;
    for (size_t e = 0; e < g->n_edges; e++) c->off[g->src[e] + 1]++;
    for (uint32_t v = 0; v < n; v++) c->off[v + 1] += c->off[v];
    for (uint32_t v = 0; v < n; v++) next[v] = c->off[v];
    for (size_t e = 0; e < g->n_edges; e++) c->out[next[g->src[e]]++] = (uint32_t)e;
    for (uint32_t v = 0; v < n; v++) index[v] = NONE;
    uint32_t counter = 0, n_stack = 0, n_calls = 0;
    c->n_comps = 0;
    for (uint32_t root = 0; root < n; root++) {
        if (index[root] != NONE) continue;
        calls[n_calls++] = root;
        next[root] = c->off[root];
        index[root] = low[root] = counter++;
        stack[n_stack++] = root;
        on_stack[root] = 1;
        while (n_calls) {
            uint32_t u = calls[n_calls - 1];
            if (next[u] < c->off[u + 1]) {
                uint32_t w = g->dst[c->out[next[u]++]];
                if (index[w] == NONE) {
                    index[w] = low[w] = counter++;
                    stack[n_stack++] = w;
                    on_stack[w] = 1;
                    next[w] = c->off[w];
                    calls[n_calls++] = w;
                } else if (on_stack[w] && index[w] < low[u]) {
                    low[u] = index[w];
                }
                continue;
            }
            n_calls--;
            if (n_calls && low[u] < low[calls[n_calls - 1]]) low[calls[n_calls - 1]] = low[u];
            if (low[u] == index[u]) {
                uint32_t w;
                do {
                    w = stack[--n_stack];
                    on_stack[w] = 0;
                    c->comp[w] = c->n_comps;
                } while (w != u);
                c->n_comps++;
            }
        }
    }
    s = KG_OK;
out:
    kg_free(index);
    kg_free(low);
    kg_free(stack);
    kg_free(calls);
    kg_free(next);
    kg_free(on_stack);
    return s;
}

static void free_sccs(Sccs *c)
{
    kg_free(c->off);
    kg_free(c->out);
    kg_free(c->comp);
}

/* What the NOT atom negates, for the message: a CURIE when a prefix fits. */
static void write_negated(RsProgram *p, const RsRule *r, const RsAtom *a, KgBuf *b)
{
    if (a->t[1].is_var) {
        kg_buf_printf(b, "?%s (any predicate)", r->var_names[a->t[1].var]);
    } else if (is_rdf_type(&a->t[1]) && a->t[2].is_var) {
        kg_buf_printf(b, "rdf:type ?%s (any class)", r->var_names[a->t[2].var]);
    } else {
        const KgTerm *t = is_rdf_type(&a->t[1]) ? &a->t[2].term : &a->t[1].term;
        if (kg_term_write_short(p->store, t, b) != KG_OK) kg_buf_printf(b, "<%s>", t->lex);
    }
}

static KgStatus not_stratifiable(RsProgram *p, size_t rule, uint32_t atom, KgError *err)
{
    const RsRule *r = &p->rules[rule];
    KgBuf b = {0};
    write_negated(p, r, &r->body[atom], &b);
    const char *what = kg_buf_cstr(&b);
    char buf[140];
    kg_error_at(err, KG_ERR_SYNTAX, rule_file(p, r), r->line, r->col,
                "the program cannot be stratified: %s negates %s, which depends on its own head",
                shown(r, buf, sizeof buf), what ? what : "a predicate");
    kg_buf_free(&b);
    return KG_ERR_SYNTAX;
}

/* Levels by longest path over the components, sources first: a negative edge adds one. Then
 * the rules' levels, renumbered 0, 1, ... without gaps, are their strata. */
static KgStatus assign_strata(RsProgram *p, const Graph *g, const Sccs *c, KgError *err)
{
    uint32_t *level = kg_calloc((size_t)c->n_comps + 1, sizeof *level);
    uint32_t *start = kg_calloc((size_t)c->n_comps + 2, sizeof *start);
    uint32_t *members = kg_malloc(((size_t)c->n + 1) * sizeof *members);
    uint32_t *fill = kg_malloc(((size_t)c->n_comps + 1) * sizeof *fill);
    int32_t *renum = NULL;
    KgStatus s = KG_ERR_NOMEM;
    if (!level || !start || !members || !fill) goto out;
    for (uint32_t v = 0; v < c->n; v++) start[c->comp[v] + 1]++;
    for (uint32_t k = 0; k < c->n_comps; k++) start[k + 1] += start[k];
    for (uint32_t k = 0; k < c->n_comps; k++) fill[k] = start[k];
    for (uint32_t v = 0; v < c->n; v++) members[fill[c->comp[v]]++] = v;
    uint32_t max_level = 0;
    for (uint32_t k = c->n_comps; k-- > 0;) {
        if (level[k] > max_level) max_level = level[k];
        for (uint32_t m = start[k]; m < start[k + 1]; m++) {
            uint32_t u = members[m];
            for (uint32_t j = c->off[u]; j < c->off[u + 1]; j++) {
                uint32_t e = c->out[j], w = c->comp[g->dst[e]];
                if (w != k && level[k] + g->neg[e] > level[w]) level[w] = level[k] + g->neg[e];
            }
        }
    }
    renum = kg_malloc(((size_t)max_level + 1) * sizeof *renum);
    if (!renum) goto out;
    for (uint32_t l = 0; l <= max_level; l++) renum[l] = -1;
    for (size_t r = 0; r < p->n_rules; r++) renum[level[c->comp[g->first_rule + r]]] = 0;
    int n_strata = 0;
    for (uint32_t l = 0; l <= max_level; l++)
        if (renum[l] == 0) renum[l] = n_strata++;
    for (size_t r = 0; r < p->n_rules; r++)
        p->rules[r].stratum = renum[level[c->comp[g->first_rule + r]]];
    p->n_strata = n_strata;
    s = KG_OK;
out:
    if (s != KG_OK) kg_error_set(err, s, "out of memory stratifying the rules");
    kg_free(level);
    kg_free(start);
    kg_free(members);
    kg_free(fill);
    kg_free(renum);
    return s;
}

KgStatus rs_stratify(RsProgram *p, size_t first, KgError *err)
{
    if (first > p->n_rules) first = p->n_rules;
    KgStatus s = check_safety(p, first, err);
    if (s != KG_OK) return s;
    if (p->n_rules == 0) {
        p->n_strata = 0;
        return KG_OK;
    }
    Graph g;
    Sccs c;
    memset(&g, 0, sizeof g);
    memset(&c, 0, sizeof c);
    s = build_graph(p, &g);
    if (s == KG_OK) s = find_sccs(&g, g.first_rule + (uint32_t)p->n_rules, &c);
    if (s != KG_OK) {
        kg_error_set(err, s, "out of memory stratifying the rules");
        goto out;
    }
    /* a negative edge inside a component is a cycle through negation: report the first rule */
    size_t bad_rule = p->n_rules;
    uint32_t bad_atom = 0;
    for (size_t e = 0; e < g.n_edges; e++)
        if (g.neg[e] && c.comp[g.src[e]] == c.comp[g.dst[e]] &&
            g.dst[e] - g.first_rule < bad_rule) {
            bad_rule = g.dst[e] - g.first_rule;
            bad_atom = g.atom[e];
        }
    if (bad_rule < p->n_rules)
        s = not_stratifiable(p, bad_rule, bad_atom, err);
    else
        s = assign_strata(p, &g, &c, err);
out:
    free_sccs(&c);
    free_graph(&g);
    return s;
}
