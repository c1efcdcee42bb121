/* kg/interrupt.c: Ctrl-C. The SIGINT handler only sets a flag; loads, reasoning rounds and
 * epochs poll kg_interrupted() between units of work, roll back and return
 * KG_ERR_INTERRUPTED, so a store is never left half-written (SQLite's progress check). */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <signal.h>
#include <string.h>

/* GLOBAL: set from the signal handler, read by long operations. */
static volatile sig_atomic_t interrupt_pending;

static void on_sigint(int sig)
{
    (void)sig;
    if (interrupt_pending) {
        // A second Ctrl-C while the first is still pending: the user insists.
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
        return;
    }
    interrupt_pending = 1;
}

void kg_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

void kg_interrupt_request(void) { interrupt_pending = 1; }
int kg_interrupted(void) { return interrupt_pending != 0; }
void kg_interrupt_clear(void) { interrupt_pending = 0; }
