/* repl/repl.h: the nous command line and its interactive shell. main() hands over to
 * repl_main(); nothing else includes this module. */
#ifndef NOUS_REPL_H
#define NOUS_REPL_H

/* Runs `nous [--db PATH] [CMD ARGS...]`; returns the process exit status. */
int repl_main(int argc, char **argv);

#endif
