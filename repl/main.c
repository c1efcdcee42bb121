/* repl/main.c: the process entry point. First OpenBLAS's kernel is settled (neural/blas.c);
 * everything else (options, the store, the command table, the shell) lives in
 * repl/session.c and its neighbours, so tests can link them. */
#include "neural/nn.h"
#include "repl/repl.h"

int main(int argc, char **argv)
{
    nn_blas_prepare(argv); /* may execute nous again, with OpenBLAS's fast kernel */
    return repl_main(argc, argv);
}
