/* reasoner/store_view.h: the store as an incremental update (update.c) found it, read once
 * and kept in memory: the quads of a pattern, and the quads and recorded derivations of a
 * subject. The store does not change while an update looks at it (it is written at the end),
 * and rules look the same things up again and again: a property's domain, a class's members,
 * every triple of an entity the change touched. A subject's quads are one range of the
 * primary key: reading them all costs about what one lookup does, and answers the lookups of
 * that subject that follow. Nothing outside reasoner/ sees this. */
#ifndef NOUS_RS_STORE_VIEW_H
#define NOUS_RS_STORE_VIEW_H

#include "facts.h"

/* A quad the store held, with its marks. */
typedef struct {
    KgQuad q;
    unsigned mark;
} SvQuad;

/* A triple's recorded derivation (its default-graph quad's). */
typedef struct {
    const char *rule;       /* the rule's label: valid as long as the view */
    double confidence;
    const KgQuad *premises; /* valid until the view reads more */
    size_t n_premises;
} SvRecorded;

typedef struct StoreView StoreView;

#define SV_MAX_ROWS (1u << 19)
#define SV_SUBJECT_MAX 1024

/* A view that keeps at most max_rows quads and derivations (0: SV_MAX_ROWS) and reads a
 * subject's quads at once when it has at most subject_max (0: SV_SUBJECT_MAX). */
KgStatus sv_new(KgStore *store, size_t max_rows, size_t subject_max, StoreView **out, KgError *err);
void sv_free(StoreView *v);

/* The quads that may match pattern key (0: any; any graph): sv_quad(v, *at) to *at + *n - 1,
 * a superset (a subject's quads of that predicate, say) that the caller tests against the
 * key. *cached = 0 when they do not fit in memory: the caller reads the store itself. */
KgStatus sv_candidates(StoreView *v, const RsFact *key, size_t *at, size_t *n, int *cached, KgError *err);
/* Quad i of the view, by value: reading more may move the view's arrays. */
SvQuad sv_quad(const StoreView *v, size_t i);

/* The recorded derivation of triple f (its default-graph quad) into *out; *found = 0 when
 * none is recorded (an asserted triple, or one the store does not hold). */
KgStatus sv_recorded(StoreView *v, const RsFact *f, SvRecorded *out, int *found, KgError *err);

#endif
