/* reasoner/facts.h: the in-memory triple table the engine reasons over (facts.c): facts are
 * appended and never removed, so a fact's index is its age, and semi-naive evaluation reads
 * "old", "delta" and "all" facts as index ranges. An access pattern (a subset of s, p, o
 * bound) has a hash index when the rules need it (rs_facts_enable); its chains run from the
 * newest fact to the oldest, so a lookup restricted to a range stops as soon as it passes the
 * range's start. The full-key index (the fact set) always exists. A fact that equality
 * rewrote into another (owl:sameAs, see engine.c) is marked dead: it stays in the table and in
 * the indexes, and the engine skips it. */
#ifndef NOUS_RS_FACTS_H
#define NOUS_RS_FACTS_H

#include "internal.h"

#define RS_NO_FACT UINT32_MAX

typedef struct {
    KgTermId s, p, o;
} RsFact;

/* One hash index: `table` maps a key (the fact's bound positions) to the newest fact with
 * that key; next[f] is the next older fact with the same key. A slot holds the fact in its
 * low 32 bits and 32 bits of the key's hash in its high 32, which also place it (its home
 * slot): a probe only reads a fact (a likely cache miss) when the hashes agree, and growing a
 * table reads none. A table is sized by the keys it holds, not by the facts. */
typedef struct {
    uint64_t *table; /* RS_EMPTY_SLOT or (hash >> 32) << 32 | fact */
    size_t cap;      /* a power of two; 0 while the index is not kept */
    size_t n_keys;
    uint32_t *next;
} RsIndex;

#define RS_EMPTY_SLOT UINT64_MAX

typedef struct {
    RsFact *facts;
    size_t n, cap;
    unsigned active;  /* bit m set: index[m] is kept */
    RsIndex index[8]; /* by mask: bit 0 s, bit 1 p, bit 2 o bound; index[7] is the fact set
                         (always kept; its keys are unique, so it has no `next`) */
    uint8_t *dead;    /* per fact, NULL until a fact dies */
} RsFacts;

void rs_facts_free(RsFacts *db);
/* Keeps index `mask` (1..6) from now on, indexing the facts already there. */
KgStatus rs_facts_enable(RsFacts *db, unsigned mask);
/* Adds a fact unless present (dead or alive); *index gets its index (new or old), *added
 * whether new. */
KgStatus rs_facts_add(RsFacts *db, const RsFact *f, uint32_t *index, int *added);
/* The index of a fact, RS_NO_FACT when absent. */
uint32_t rs_facts_find(const RsFacts *db, const RsFact *f);
/* The newest fact matching `key` on the positions of `mask` (1..6, an enabled index),
 * RS_NO_FACT when none; then rs_facts_next_match for older ones. Dead facts included. */
uint32_t rs_facts_first_match(const RsFacts *db, unsigned mask, const RsFact *key);
static inline uint32_t rs_facts_next_match(const RsFacts *db, unsigned mask, uint32_t f)
{
    return mask == 7 ? RS_NO_FACT : db->index[mask].next[f]; /* the fact set: one per key */
}
/* Asks the CPU to fetch the index slots a lookup or an insert of f will read. */
void rs_facts_prefetch(const RsFacts *db, const RsFact *f);
KgStatus rs_facts_kill(RsFacts *db, uint32_t f);
static inline int rs_facts_dead(const RsFacts *db, uint32_t f) { return db->dead && db->dead[f]; }

#endif
