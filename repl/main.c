/* repl/main.c: the process entry point, the only place that exits. It reads the global
 * options (--db, --version, --help), picks the store (--db, then NOUS_DB, then ./nous.db)
 * and runs one command, or the shell when no command is given. */
#include "repl/internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) { return repl_main(argc, argv); }
