/* tests/fuzz/bound.c: the CPU-time bound on one fuzz input (see bound.h). The signal handler
 * only calls kg_interrupt_request(), which sets nous's interruption flag, as Ctrl-C does. */
#define _POSIX_C_SOURCE 200809L
#include "tests/fuzz/bound.h"

#include "kg/kg.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>

static void on_timer(int sig)
{
    (void)sig;
    kg_interrupt_request();
}

static void arm(long ms)
{
    struct itimerval t;
    memset(&t, 0, sizeof t);
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_usec = (ms % 1000) * 1000;
    t.it_interval = t.it_value; // again and again: the shell clears it after each command
    setitimer(ITIMER_VIRTUAL, &t, NULL);
}

void fuzz_bound_start(long ms)
{
    static int installed;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_timer;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGVTALRM, &sa, NULL);
        installed = 1;
    }
    kg_interrupt_clear();
    arm(ms);
}

void fuzz_bound_stop(void)
{
    arm(0);
    kg_interrupt_clear();
}
