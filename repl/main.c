/* repl/main.c: the process entry point. Everything else (options, the store, the command
 * table, the shell) lives in repl/session.c and its neighbours, so tests can link them. */
#include "repl/repl.h"

int main(int argc, char **argv) { return repl_main(argc, argv); }
