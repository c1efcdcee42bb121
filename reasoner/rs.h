/* reasoner/rs.h: the reasoner's contract. A program is a set of Datalog rules over triples
 * in RDFox's syntax (from files, from text, or from the built-in profiles, themselves rule
 * files); rs_reason() applies them to a store to a fixpoint, semi-naively, in memory over term
 * ids, and writes the derived triples back as inferred, with one recorded derivation each, in
 * one transaction. Other modules include only this header and kg/kg.h. */
#ifndef NOUS_RS_H
#define NOUS_RS_H

#include "kg/kg.h"
#include "kg/linkpred.h"

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
/* Rule i's weight (1 for a rule written without one), and a new one for it. */
double rs_rule_weight(const RsProgram *p, size_t i);
void rs_rule_set_weight(RsProgram *p, size_t i, double weight);

typedef struct {
    /* Called after each round on a terminal; may be NULL. */
    void (*progress)(void *ctx, unsigned round, uint64_t n_derived);
    void *progress_ctx;
    /* Apply the OWL 2 RL profile's equality rules (eq-sym, eq-trans, eq-rep-*) as rules instead
     * of merging owl:sameAs terms into representatives (the default; see README). */
    int equality_rules;
    /* Incremental updates (rs_update): how many quads and derivations read from the store they
     * may keep in memory (0: 512k, about 20 MB), and how many quads a subject may have for all
     * of them to be read at once (0: 1024); past either, the store is asked each time. */
    size_t update_view_rows, update_subject_quads;
    /* Limits of reasoning and of incremental updates: past max_derived new triples (0:
     * RS_DEFAULT_MAX_DERIVED) or after timeout seconds (0: none) they stop with KG_ERR_LIMIT,
     * the store left as it was. Rules that make new terms in a recursion (a BIND in a cycle)
     * derive without end; these stop them. */
    uint64_t max_derived;
    double timeout;
} RsOptions;

/* About 2 GB of memory for the engine's tables. */
#define RS_DEFAULT_MAX_DERIVED 20000000ULL

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
 * the store is left as it was. Inside a transaction the caller opened (kg_store_begin) it
 * joins that one, and the caller commits or rolls back. stats (may be NULL) is filled; free its per_rule with
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

/* ---------------------------------------------------------------- incremental maintenance (update.c) */

typedef struct {
    uint64_t n_asserted;      /* quads that gained the asserted mark */
    uint64_t n_retracted;     /* quads that lost it */
    uint64_t n_overdeleted;   /* triples that lost a derivation through a change (DRed) */
    uint64_t n_rederived;     /* of those, still derivable another way */
    uint64_t n_inserted;      /* inferred triples added */
    uint64_t n_deleted;       /* inferred triples removed */
    uint64_t n_reconfidenced; /* inferred triples kept with another confidence */
    double seconds;
} RsUpdateStats;

/* Changes the asserted quads of a store that rs_reason (or rs_update) closed under program p,
 * and keeps it closed: the quads of `add` gain the asserted mark, those of `retract` lose it,
 * and the inferred quads become, triple for triple and confidence for confidence, what
 * rs_reason would give from scratch over the new asserted quads, each with a recorded
 * derivation that `explain` can follow. New consequences are derived from the change alone
 * (semi-naive from the delta); on retraction the consequences that lost a derivation are
 * deleted and those still derivable another way put back (delete/rederive, DRed), stratum by
 * stratum for negation. owl:sameAs is handled by the profile's equality rules. One
 * transaction (joining one the caller opened); on any error (KG_ERR_INTERRUPTED on Ctrl-C) the
 * store is as it was. A retracted quad that is not asserted is KG_ERR_ARG naming it. */
KgStatus rs_update(KgStore *store, RsProgram *p, const KgQuad *add, size_t n_add, const KgQuad *retract,
                   size_t n_retract, const RsOptions *opt, RsUpdateStats *stats, KgError *err);

/* A change of program: the store is closed under the program it had, which was `p` without
 * its rules marked in new_rules (per rule of p, NULL: none) and with the rules of `dropped`
 * (a program of their own, NULL: none). */
typedef struct {
    const uint8_t *new_rules;
    const RsProgram *dropped;
} RsProgramChange;
/* Brings the inferred quads to what rs_reason would give from scratch under p, as rs_update
 * does for a change of data: what the dropped rules derived is deleted unless derivable
 * otherwise, the new rules are applied over the store and their consequences derived on. */
KgStatus rs_update_program(KgStore *store, RsProgram *p, const RsProgramChange *change, const RsOptions *opt,
                           RsUpdateStats *stats, KgError *err);

/* ---------------------------------------------------------------- goal-directed answers */

/* The program's rules over the store's triples, answering one query at a time with the same
 * joins as rs_reason but from a bound head position, deriving nothing (engine.c): what rule
 * i concludes about x, without computing the closure. Rules with one triple head and only
 * triple atoms in the body answer; others give nothing. Rules are applied to the store's
 * triples as they are (once, not to a fixpoint). */
typedef struct RsQuerier RsQuerier;
KgStatus rs_querier_open(KgStore *store, RsProgram *p, RsQuerier **out, KgError *err);
void rs_querier_free(RsQuerier *q);
/* Calls fn with the other head position's value for every match of rule i's body once its
 * head subject (bound_object 0) or object (1) is x; a value may come more than once. */
KgStatus rs_querier_answers(RsQuerier *q, size_t rule, int bound_object, KgTermId x,
                            void (*fn)(void *ctx, KgTermId value), void *ctx, KgError *err);
/* The id of rule i's head predicate as compiled: 0 when it is a variable, absent from the
 * store, or the rule cannot answer. */
KgTermId rs_querier_predicate(const RsQuerier *q, size_t rule);
/* One grounding of rule i's body whose head is (s, p, o): *found, and its body triples in
 * body[0 .. *n) (at most cap). */
KgStatus rs_querier_grounding(RsQuerier *q, size_t rule, KgTermId s, KgTermId o, KgTermId (*body)[3],
                              size_t cap, size_t *n, int *found, KgError *err);
/* 1 when (s, p, o) is one of the triples the rules are applied to. */
int rs_querier_holds(const RsQuerier *q, KgTermId s, KgTermId p, KgTermId o);

/* ---------------------------------------------------------------- link prediction by rules (rank.c) */

/* How the rules that predict a candidate combine: AnyBURL's maximum aggregation (the best
 * weight, ties broken by the next best ones) or noisy-or (1 - prod (1 - weight)). */
typedef enum { RS_AGG_MAX, RS_AGG_NOISY_OR } RsAggregation;

/* Ranks candidates for queries by the program's rules applied to the store's triples. d (may
 * be NULL) is the dataset whose queries rs_ranker_score answers; its entity_terms and
 * relation_terms must be the store's terms. */
typedef struct RsRanker RsRanker;
KgStatus rs_ranker_new(KgStore *store, RsProgram *p, const KgLinkDataset *d, RsAggregation agg,
                       RsRanker **out, KgError *err);
void rs_ranker_free(RsRanker *k);
/* Orders each predicate's rules by weight again, after the program's weights changed. */
KgStatus rs_ranker_reorder(RsRanker *k, KgError *err);

/* One query: the candidates for (x, predicate, ?), or (?, predicate, x) when bound_object,
 * best first; then read them with rs_ranker_candidate (valid until the next query). */
KgStatus rs_ranker_query(RsRanker *k, KgTermId x, KgTermId predicate, int bound_object, KgError *err);
size_t rs_ranker_n_candidates(const RsRanker *k);
#define RS_RANK_KEPT 32 /* weights (and rules) kept per candidate */
typedef struct {
    KgTermId term;
    int known;            /* the triple is already one the rules are applied to */
    double score;         /* max: the best weight; noisy-or: 1 - prod (1 - weight) */
    size_t place;         /* 1 + the candidates with strictly better evidence */
    size_t n_rules;       /* the rules that predict it (the best RS_RANK_KEPT), best first */
    const size_t *rules;  /* program rule indices */
    const double *weights;
} RsCandidate;
void rs_ranker_candidate(const RsRanker *k, size_t i, RsCandidate *out);
/* The dense entity of term t in the ranker's dataset: 1 and *entity, or 0 (no dataset, or
 * not one of its entities). */
int rs_ranker_entity(const RsRanker *k, KgTermId t, uint32_t *entity);
/* The ranker's querier, to ground a candidate's rules (rs_querier_grounding). */
RsQuerier *rs_ranker_querier(RsRanker *k);
/* Under maximum aggregation a query stops applying rules once the order of its best `window`
 * candidates that are not already known triples can no longer change (the rules left are
 * weaker than what separates them); the candidates below keep the order their rules so far
 * give. 0 applies every rule; the default is RS_RANK_WINDOW. */
void rs_ranker_set_window(RsRanker *k, size_t window);
/* Applies only the rules with at most max_body body atoms (0: all, the default). */
void rs_ranker_set_max_body(RsRanker *k, size_t max_body);
void rs_ranker_set_aggregation(RsRanker *k, RsAggregation agg);
#define RS_RANK_WINDOW 20
/* A KgLinkScoreFn (ctx: an RsRanker): for each query, every entity's score, higher is better;
 * entities no rule predicts score 0. */
KgStatus rs_ranker_score(void *ranker, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                         KgError *err);

/* ---------------------------------------------------------------- rule mining (mine.c) */

/* The shapes of rule mining learns, in the query view: a query (X, q, ?) asks for Y, q a
 * relation or (q >= n_relations) its inverse.
 *   RS_MINED_PATH      q(X, Y) :- p1(X, A1), ..., pn(A_{n-1}, Y)    (closed path, n <= 3)
 *   RS_MINED_CONSTANT  q(X, c) :- p1(X, d)                           (both ends constants)
 *   RS_MINED_DANGLING  q(X, c) :- p1(X, A)                           (A unbound elsewhere)
 * A body label p >= n_relations walks relation p - n_relations backwards. Path rules are kept
 * with a forward head (a path rule for q's inverse is the same rule read backwards). */
typedef enum { RS_MINED_PATH, RS_MINED_CONSTANT, RS_MINED_DANGLING } RsMinedKind;

typedef struct {
    RsMinedKind kind;
    uint32_t head;            /* query label */
    uint32_t body[3];         /* labels */
    uint32_t length;          /* body atoms */
    uint32_t head_constant;   /* c (CONSTANT, DANGLING) */
    uint32_t body_constant;   /* d (CONSTANT) */
    /* Measured on the training triples (on a sample of the body's groundings when there are
     * many; then the counts are scaled to the whole): */
    double support;           /* body groundings (X, Y) whose head is a training triple */
    double body_size;         /* body groundings */
    double pca_body_size;     /* those whose X has some q-triple (partial completeness) */
    double head_coverage;     /* support / triples of the head relation */
    double confidence;        /* support / body_size */
    double pca_confidence;    /* support / pca_body_size */
    double weight;            /* support / (body_size + unseen): what is written */
} RsMinedRule;

/* The weight corrects confidence for small support as AnyBURL does: as if every rule had also
 * been wrong `unseen` more times (AnyBURL's "unseen negative examples", default 5), so 2 of 2
 * (0.29) ranks below 90 of 100 (0.86). `nous kgc --method rules` picks it on valid. A
 * dangling rule's weight is then scaled by RS_MINE_DANGLING_FACTOR: its body says only that X
 * has some l-edge, weak evidence that AnyBURL scales the same way (its RULE_AC2_WEIGHT). */
#define RS_MINE_UNSEEN 5.0
#define RS_MINE_DANGLING_FACTOR 0.1
double rs_mined_weight(const RsMinedRule *r, double unseen);

typedef struct {
    size_t max_length;          /* path rules: body atoms, 1..3 (default 3); paths of 1 and 2
                                   atoms are sampled first, until they saturate or half the time
                                   is spent (see mine.c) */
    size_t max_length_constant; /* rules with constants: 0 (none) or 1 (default 1) */
    double min_support;         /* default 2 */
    double min_confidence;      /* of the weight, default 0.0001 */
    double unseen;              /* the weight's correction, default RS_MINE_UNSEEN */
    double seconds;             /* sampling time; 0: the default, 10 s */
    uint64_t seed;
    /* Called about every second on a terminal; may be NULL. */
    void (*progress)(void *ctx, double seconds, size_t n_rules, uint64_t n_samples);
    void *progress_ctx;
} RsMineOptions;

typedef struct {
    RsMinedRule *rules;      /* kept rules, by weight, best first */
    size_t n_rules;
    uint64_t n_samples;      /* triples sampled */
    size_t n_candidates;     /* distinct rules seen (kept or not) */
    double seconds;
} RsMined;

void rs_mine_defaults(RsMineOptions *opt);
/* Learns rules from d's training triples for `opt->seconds`: each round samples a triple
 * and walks paths from its subject (or object), generalising them into rules whose
 * statistics are then measured on the whole training graph. Ctrl-C stops sampling and keeps
 * what was learnt. */
KgStatus rs_mine(const KgLinkDataset *d, const RsMineOptions *opt, RsMined **out, KgError *err);
void rs_mined_free(RsMined *m);
/* Sets every rule's weight to support / (body_size + unseen) and sorts the rules again, best
 * first. */
void rs_mined_reweigh(RsMined *m, double unseen);
/* Drops the path rules of more than max_length atoms (the order of the rest is kept). */
void rs_mined_keep_paths(RsMined *m, size_t max_length);
/* The rules as a rule file in the reasoner's syntax, each a weighted rule preceded by a
 * comment with its statistics; names of entities and relations come from name(ctx, is_relation,
 * id), which returns rule-syntax text (an IRI in <>, a prefixed name) or NULL. `preamble`
 * (may be NULL) goes first (e.g. @prefix lines). */
typedef const char *(*RsNameFn)(void *ctx, int is_relation, uint32_t id);
KgStatus rs_mined_write(const RsMined *m, const KgLinkDataset *d, RsNameFn name, void *ctx,
                        const char *preamble, KgBuf *out, KgError *err);

#endif
