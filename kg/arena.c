/* kg/arena.c: a bump arena for small objects that die together (parsed terms of a command,
 * a query's scratch space). Blocks are chained, so pointers into the arena never move. */
#include "internal.h"

#include <string.h>

typedef struct Block {
    struct Block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} Block;

struct KgArena {
    Block *head;
    size_t block_size;
};

KgArena *kg_arena_new(size_t block_size)
{
    KgArena *a = kg_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->block_size = block_size < 256 ? 256 : block_size;
    return a;
}

void *kg_arena_alloc(KgArena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    Block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > a->block_size ? n : a->block_size;
        b = kg_malloc(sizeof *b + size);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

char *kg_arena_strndup(KgArena *a, const char *s, size_t n)
{
    char *d = kg_arena_alloc(a, n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void kg_arena_reset(KgArena *a)
{
    Block *b = a->head;
    while (b) {
        Block *next = b->next;
        kg_free(b);
        b = next;
    }
    a->head = NULL;
}

void kg_arena_free(KgArena *a)
{
    if (!a) return;
    kg_arena_reset(a);
    kg_free(a);
}
