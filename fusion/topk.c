/* fusion/topk.c: the best k entries of a score row, kept as a min-heap of entity ids (the
 * worst of the k on top), so a row of N scores is reduced in O(N log k), never sorted whole.
 * A source ranks its own scores with it, and the fit picks each source's best candidates. */
#include "internal.h"

void fu_topk_push(const float *row, uint32_t e, size_t k, uint32_t *heap, size_t *h)
{
    float x = row[e];
    size_t i;
    if (*h < k) {
        i = (*h)++;
        while (i > 0 && row[heap[(i - 1) / 2]] > x) heap[i] = heap[(i - 1) / 2], i = (i - 1) / 2;
    } else {
        if (!(x > row[heap[0]])) return;
        i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= *h) break;
            if (c + 1 < *h && row[heap[c + 1]] < row[heap[c]]) c++;
            if (row[heap[c]] >= x) break;
            heap[i] = heap[c], i = c;
        }
    }
    heap[i] = e;
}

uint32_t fu_topk_pop(const float *row, uint32_t *heap, size_t *h)
{
    uint32_t top = heap[0], last = heap[--*h];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *h) break;
        if (c + 1 < *h && row[heap[c + 1]] < row[heap[c]]) c++;
        if (row[heap[c]] >= row[last]) break;
        heap[i] = heap[c], i = c;
    }
    if (*h > 0) heap[i] = last;
    return top;
}
