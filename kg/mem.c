/* kg/mem.c: the one door to the heap. Every allocation of nous passes here so that tests
 * can make the Nth allocation fail (as SQLite's sqlite3Malloc and serd's failing allocator
 * do) and check that each failure path returns KG_ERR_NOMEM and leaves the store intact. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* GLOBAL: fault-injection counters, set only by tests through kg_mem_fail_after(). */
static long fail_countdown = -1;
static unsigned long n_allocs;

void kg_mem_fail_after(long n) { fail_countdown = n; }

unsigned long kg_mem_n_allocs(void) { return n_allocs; }

static int should_fail(void)
{
    n_allocs++;
    if (fail_countdown < 0) return 0;
    if (fail_countdown == 0) return 1;
    fail_countdown--;
    return 0;
}

void *kg_malloc(size_t n)
{
    if (should_fail()) return NULL;
    return malloc(n ? n : 1);
}

void *kg_calloc(size_t count, size_t n)
{
    if (should_fail()) return NULL;
    return calloc(count ? count : 1, n ? n : 1);
}

void *kg_realloc(void *p, size_t n)
{
    if (should_fail()) return NULL;
    return realloc(p, n ? n : 1);
}

void kg_free(void *p) { free(p); }

char *kg_strndup(const char *s, size_t n)
{
    char *d = kg_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *kg_strdup(const char *s) { return kg_strndup(s, strlen(s)); }
