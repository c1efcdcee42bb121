/* reasoner/rs.h: the reasoner's contract. A program is a set of Datalog rules over triples
 * in RDFox's syntax (from files, from text, or from the built-in profiles, themselves rule
 * files); rs_reason() applies them to a store to a fixpoint, semi-naively, in memory over term
 * ids, and writes the derived triples back as inferred, with one recorded derivation each, in
 * one transaction. Other modules include only this header and kg/kg.h. */
#ifndef NOUS_RS_H
#define NOUS_RS_H

#include "kg/kg.h"

typedef struct RsProgram RsProgram;

/* The predicate of the triples rules derive for an inconsistency (OWL 2 RL's "false"): the
 * subject is the offending resource, the object names the rule. */
#define RS_INCONSISTENT "http://nous.local/reasoner#inconsistent"

/* An empty program whose constants are interned in `store`. Free with rs_program_free(). */
KgStatus rs_program_new(KgStore *store, RsProgram **out, KgError *err);
void rs_program_free(RsProgram *p);

/* Adds the rules of a rule file. Syntax errors, a head variable the body does not bind and
 * a program that cannot be stratified fail with KG_ERR_SYNTAX at FILE:LINE:COL, the message
 * showing the rule; on failure the program is as it was. */
KgStatus rs_program_add_file(RsProgram *p, const char *path, KgError *err);
/* The same for `len` bytes of rule text, errors named after `name`. */
KgStatus rs_program_add_text(RsProgram *p, const char *name, const char *text, size_t len,
                             KgError *err);
/* Adds a built-in rule set by name ("rdfs"); KG_ERR_ARG for an unknown name. */
KgStatus rs_program_add_profile(RsProgram *p, const char *profile, KgError *err);
/* The names of the built-in profiles, NULL-terminated. */
const char *const *rs_profile_names(void);
size_t rs_program_n_rules(const RsProgram *p);

typedef struct {
    /* Called after each round on a terminal; may be NULL. */
    void (*progress)(void *ctx, unsigned round, uint64_t n_derived);
    void *progress_ctx;
    /* Apply the OWL 2 RL profile's equality rules (eq-sym, eq-trans, eq-rep-*) as rules instead
     * of merging owl:sameAs terms into representatives (the default; see README). */
    int equality_rules;
} RsOptions;

typedef struct {
    unsigned n_rounds;
    uint64_t n_facts;         /* triples loaded from the store */
    uint64_t n_derived;       /* new triples derived (not already in the store) */
    uint64_t n_written;       /* triples written as inferred: the RDF ones (not a literal
                                 subject) of those, and with equality what it implies */
    /* owl:sameAs by representatives: terms in classes of two or more, those classes, and the
     * facts rewritten to representatives in memory */
    uint64_t n_same_terms, n_same_classes, n_rewritten;
    double seconds_load, seconds_reason, seconds_write;
    /* inconsistencies the rules found: triples [x, nous:inconsistent, "rule"] (RS_INCONSISTENT),
     * how many, and the first few */
    uint64_t n_inconsistent;
    KgQuad inconsistent[10];
    /* per rule, in program order: how many new triples it derived first */
    uint64_t *per_rule;
    size_t n_rules;
} RsStats;

/* Applies the program to the store's triples (asserted and inferred, every graph's triples
 * taken as one default-graph dataset) to a fixpoint and writes the new triples into the
 * default graph as inferred, in one transaction: on any error (KG_ERR_INTERRUPTED on Ctrl-C)
 * the store is left as it was. stats (may be NULL) is filled; free its per_rule with
 * rs_stats_free(). */
KgStatus rs_reason(KgStore *store, RsProgram *p, const RsOptions *opt, RsStats *stats,
                   KgError *err);
void rs_stats_free(RsStats *stats);
/* Checks, without the engine (one SPARQL query per rule head), that the store holds every
 * triple the program's rules derive from it; report (may be NULL) is called for each rule
 * with missing triples: how many (distinct) and one of them as text. *n_missing gets the
 * total: 0 when the store is closed under the program. */
typedef void (*RsCheckReport)(void *ctx, size_t rule, uint64_t n_missing, const char *example);
KgStatus rs_check(KgStore *store, RsProgram *p, RsCheckReport report, void *ctx, uint64_t *n_missing,
                  KgError *err);
/* The label of rule i ("FILE:LINE" or "rdfs:LINE") and its text as written. */
const char *rs_rule_label(const RsProgram *p, size_t i);
const char *rs_rule_text(const RsProgram *p, size_t i);

#endif
