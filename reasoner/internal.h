/* reasoner/internal.h: what the files of reasoner/ share: the parsed form of a rule
 * (rule_parse.c builds it, stratify.c orders it, engine.c runs it) and the program. */
#ifndef NOUS_RS_INTERNAL_H
#define NOUS_RS_INTERNAL_H

#include "rs.h"

#include <stdint.h>

/* A position of an atom: a variable (an index into the rule's variables) or a constant. A
 * constant keeps its term (strings in the program's arena); the engine finds or adds its id
 * when it runs, inside its transaction. */
typedef struct {
    int is_var;
    uint32_t var;
    KgTerm term;
} RsTerm;

typedef enum {
    RS_ATOM_TRIPLE, /* [s, p, o], p[s, o] (binary) or C[s] (unary: s rdf:type C) */
    RS_ATOM_NOT,    /* NOT followed by a triple atom: stratified negation */
    RS_ATOM_FILTER, /* FILTER(expression): expr is the expression's text, SPARQL syntax */
    RS_ATOM_BIND,   /* BIND(expression AS ?v): bind_var */
} RsAtomKind;

typedef struct {
    RsAtomKind kind;
    RsTerm t[3];       /* s, p, o of a triple or NOT atom */
    const char *expr;  /* FILTER, BIND: the expression's text (in the arena, NUL-terminated) */
    size_t expr_len;
    unsigned long expr_line, expr_col; /* where that text starts */
    uint32_t bind_var; /* BIND */
    const char *const *prefixes; /* FILTER, BIND: the file's prefixes ("p", "ns", ..., NULL) */
    unsigned long line, col;
} RsAtom;

typedef struct {
    RsTerm (*heads)[3]; /* one or more head triples */
    size_t n_heads;
    RsAtom *body;
    size_t n_body;
    double weight;         /* in (0, 1]; 1 when the rule has none */
    uint32_t n_vars;
    const char **var_names; /* without '?' */
    const char *file;      /* the name given to rs_parse (the file), for error positions */
    const char *label;     /* "FILE:LINE" */
    const char *text;      /* the rule as written, whitespace collapsed */
    unsigned long line, col;
    int stratum;           /* set by rs_stratify: rules of stratum k only negate strata < k */
    int equality_axiom;    /* in a profile's "== equality ==" section: the engine may instead
                              handle owl:sameAs itself (equality.c) */
} RsRule;

struct RsProgram {
    KgStore *store;
    KgArena *arena; /* rules, terms, names: everything the program holds */
    RsRule *rules;
    size_t n_rules, cap_rules;
    int n_strata;
};

/* Parses rule text (RDFox syntax, see README) and appends its rules to the program; on error
 * (KG_ERR_SYNTAX at name:line:col) the program keeps only the rules it had. */
KgStatus rs_parse(RsProgram *p, const char *name, const char *text, size_t len, KgError *err);

/* Checks every rule is safe (each head variable, each variable of a FILTER or BIND expression
 * and each variable of a NOT atom that occurs elsewhere in the rule is bound by a positive atom
 * or an earlier BIND; a variable found only in one NOT atom is existential there:
 * NOT ex:parent[?x, ?y] holds when ?x has no parent at all) and assigns strata so that
 * a rule only negates triples whose predicates lower strata complete; KG_ERR_SYNTAX at the
 * offending rule when the program has a cycle through negation. Rules from `first` on are the
 * new ones (the others were checked before). */
KgStatus rs_stratify(RsProgram *p, size_t first, KgError *err);

/* The text of the built-in profile `name`, NULL when unknown (profiles.c). */
const char *rs_profile_text(const char *name, size_t *len);

/* The next variable (?name or $name) of FILTER or BIND expression text from *pos on, skipping
 * strings, IRIs and comments: 1 with its name (without '?') and *pos just after it, 0 when
 * none is left (rule_parse.c; the parser and rs_stratify read expressions alike). */
int rs_expr_next_var(const char *expr, size_t len, size_t *pos, const char **name,
                     size_t *name_len);

#endif
