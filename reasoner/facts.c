/* reasoner/facts.c: the engine's triple table and its hash indexes (see facts.h). */
#include "facts.h"

#include <string.h>

/* The hash of a fact's positions in `mask`: a multiply per position, then one round of
 * mixing; the high 32 bits (tag and home slot, see facts.h) are the well-mixed ones. */
static inline uint64_t key_hash(unsigned mask, const RsFact *f)
{
    uint64_t h = mask;
    if (mask & 1) h = (h + f->s) * 0x9e3779b97f4a7c15ULL;
    if (mask & 2) h = (h + f->p) * 0xc4ceb9fe1a85ec53ULL;
    if (mask & 4) h = (h + f->o) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
    return h * 0xbf58476d1ce4e5b9ULL;
}

static int key_equal(unsigned mask, const RsFact *a, const RsFact *b)
{
    return (!(mask & 1) || a->s == b->s) && (!(mask & 2) || a->p == b->p) &&
           (!(mask & 4) || a->o == b->o);
}

void rs_facts_free(RsFacts *db)
{
    if (!db) return;
    for (int m = 1; m < 8; m++) {
        kg_free(db->index[m].table);
        kg_free(db->index[m].next);
    }
    kg_free(db->facts);
    kg_free(db->dead);
    memset(db, 0, sizeof *db);
}

/* The slot of key (hash h) in index m: where its chain head is, or the empty slot to put it in. */
static size_t slot_of(const RsFacts *db, unsigned m, const RsFact *key, uint64_t h)
{
    const RsIndex *ix = &db->index[m];
    uint64_t tag = h >> 32;
    size_t mask = ix->cap - 1, i = (size_t)tag & mask;
    for (uint64_t e; (e = ix->table[i]) != RS_EMPTY_SLOT; i = (i + 1) & mask)
        if (e >> 32 == tag && key_equal(m, &db->facts[(uint32_t)e], key)) break;
    return i;
}

/* Doubles index m's table (or makes its first), re-inserting the chain heads. */
static KgStatus grow_table(RsFacts *db, unsigned m)
{
    RsIndex *ix = &db->index[m];
    size_t cap = ix->cap ? ix->cap * 2 : 1024;
    uint64_t *old = ix->table;
    size_t old_cap = ix->cap;
    ix->table = kg_malloc(cap * sizeof *ix->table);
    if (!ix->table) {
        ix->table = old;
        return KG_ERR_NOMEM;
    }
    memset(ix->table, 0xff, cap * sizeof *ix->table);
    ix->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] != RS_EMPTY_SLOT) {
            /* the keys are distinct: the first empty slot from the home slot, which the
             * stored hash gives without reading the fact */
            size_t j = (size_t)(old[i] >> 32) & (cap - 1);
            while (ix->table[j] != RS_EMPTY_SLOT) j = (j + 1) & (cap - 1);
            ix->table[j] = old[i];
        }
    kg_free(old);
    return KG_OK;
}

/* Links fact id into index m (its table at most half full after). */
static KgStatus link_fact(RsFacts *db, unsigned m, uint32_t id)
{
    RsIndex *ix = &db->index[m];
    const RsFact *f = &db->facts[id];
    uint64_t h = key_hash(m, f);
    if (!ix->cap && grow_table(db, m) != KG_OK) return KG_ERR_NOMEM;
    size_t slot = slot_of(db, m, f, h);
    if (ix->table[slot] == RS_EMPTY_SLOT) {
        if (2 * (ix->n_keys + 1) > ix->cap) {
            if (grow_table(db, m) != KG_OK) return KG_ERR_NOMEM;
            slot = slot_of(db, m, f, h);
        }
        ix->n_keys++;
        ix->next[id] = RS_NO_FACT;
    } else {
        ix->next[id] = (uint32_t)ix->table[slot]; /* the older chain */
    }
    ix->table[slot] = (h >> 32) << 32 | id;
    return KG_OK;
}

/* Takes fact id (the newest) back out of index m. */
static void unlink_fact(RsFacts *db, unsigned m, uint32_t id)
{
    RsIndex *ix = &db->index[m];
    const RsFact *f = &db->facts[id];
    uint64_t h = key_hash(m, f);
    size_t slot = slot_of(db, m, f, h);
    if (ix->table[slot] == RS_EMPTY_SLOT || (uint32_t)ix->table[slot] != id) return;
    if (ix->next[id] != RS_NO_FACT) {
        ix->table[slot] = (h >> 32) << 32 | ix->next[id];
        return;
    }
    /* the key's only fact: empty the slot, moving later entries of its probe run back */
    size_t mask = ix->cap - 1, i = slot;
    ix->table[i] = RS_EMPTY_SLOT;
    ix->n_keys--;
    for (size_t j = (i + 1) & mask; ix->table[j] != RS_EMPTY_SLOT; j = (j + 1) & mask) {
        size_t home = (size_t)(ix->table[j] >> 32) & mask;
        /* entry j may move to i when its home is not in (i, j] cyclically */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            ix->table[i] = ix->table[j];
            ix->table[j] = RS_EMPTY_SLOT;
            i = j;
        }
    }
}

KgStatus rs_facts_enable(RsFacts *db, unsigned mask)
{
    if (mask < 1 || mask > 6 || (db->active & (1u << mask))) return KG_OK;
    RsIndex *ix = &db->index[mask];
    if (db->cap) {
        ix->next = kg_malloc(db->cap * sizeof *ix->next);
        if (!ix->next) return KG_ERR_NOMEM;
    }
    if (!ix->cap && grow_table(db, mask) != KG_OK) return KG_ERR_NOMEM;
    for (size_t i = 0; i < db->n; i++)
        if (link_fact(db, mask, (uint32_t)i) != KG_OK) return KG_ERR_NOMEM;
    db->active |= 1u << mask;
    return KG_OK;
}

uint32_t rs_facts_find(const RsFacts *db, const RsFact *f)
{
    return rs_facts_first_match(db, 7, f);
}

uint32_t rs_facts_first_match(const RsFacts *db, unsigned mask, const RsFact *key)
{
    if (!db->index[mask].cap) return RS_NO_FACT;
    uint64_t e = db->index[mask].table[slot_of(db, mask, key, key_hash(mask, key))];
    return e == RS_EMPTY_SLOT ? RS_NO_FACT : (uint32_t)e;
}

static KgStatus grow_facts(RsFacts *db)
{
    size_t cap = db->cap ? db->cap * 2 : 4096;
    RsFact *nf = kg_realloc(db->facts, cap * sizeof *nf);
    if (!nf) return KG_ERR_NOMEM;
    db->facts = nf;
    for (unsigned m = 1; m < 7; m++) { /* the fact set's keys are unique: it has no chains */
        if (!(db->active & (1u << m))) continue;
        uint32_t *nn = kg_realloc(db->index[m].next, cap * sizeof *nn);
        if (!nn) return KG_ERR_NOMEM;
        db->index[m].next = nn;
    }
    if (db->dead) {
        uint8_t *nd = kg_realloc(db->dead, cap);
        if (!nd) return KG_ERR_NOMEM;
        memset(nd + db->cap, 0, cap - db->cap);
        db->dead = nd;
    }
    db->cap = cap;
    return KG_OK;
}

KgStatus rs_facts_add(RsFacts *db, const RsFact *f, uint32_t *index, int *added)
{
    *added = 0;
    RsIndex *set = &db->index[7];
    if (!set->cap && grow_table(db, 7) != KG_OK) return KG_ERR_NOMEM;
    uint64_t h = key_hash(7, f);
    size_t slot = slot_of(db, 7, f, h);
    if (set->table[slot] != RS_EMPTY_SLOT) {
        *index = (uint32_t)set->table[slot];
        return KG_OK;
    }
    if (db->n >= UINT32_MAX - 1) return KG_ERR_NOMEM;
    if (db->n == db->cap && grow_facts(db) != KG_OK) return KG_ERR_NOMEM;
    uint32_t id = (uint32_t)db->n;
    db->facts[id] = *f;
    db->n++;
    unsigned m = 1;
    for (; m < 7; m++)
        if ((db->active & (1u << m)) && link_fact(db, m, id) != KG_OK) break;
    /* the fact set: the slot found above, unless the table must grow first */
    if (m == 7 && 2 * (set->n_keys + 1) > set->cap) {
        if (grow_table(db, 7) == KG_OK) slot = slot_of(db, 7, f, h);
        else m = 8;
    }
    if (m != 7) {
        /* leave no index pointing at the fact being taken back */
        for (unsigned k = 1; k < m && k < 7; k++)
            if (db->active & (1u << k)) unlink_fact(db, k, id);
        db->n--;
        return KG_ERR_NOMEM;
    }
    set->n_keys++;
    set->table[slot] = (h >> 32) << 32 | id;
    *index = id;
    *added = 1;
    return KG_OK;
}

void rs_facts_prefetch(const RsFacts *db, const RsFact *f)
{
    for (unsigned m = 1; m < 8; m++) {
        const RsIndex *ix = &db->index[m];
        if (!ix->cap || !((db->active | 0x80u) & (1u << m))) continue;
        __builtin_prefetch(&ix->table[(size_t)(key_hash(m, f) >> 32) & (ix->cap - 1)]);
    }
}

KgStatus rs_facts_kill(RsFacts *db, uint32_t f)
{
    if (!db->dead) {
        db->dead = kg_calloc(db->cap ? db->cap : 1, 1);
        if (!db->dead) return KG_ERR_NOMEM;
    }
    db->dead[f] = 1;
    return KG_OK;
}
