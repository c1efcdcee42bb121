#!/bin/sh
# tests/valgrind/nous.sh: ./nous under valgrind's memcheck, for tests/cli/run.sh (NOUS=this);
# each run logs to $VALGRIND_LOGS/PID.log (tests/valgrind/run.sh reads them).
here=$(cd "$(dirname "$0")" && pwd)
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --suppressions="$here/nous.supp" --log-file="${VALGRIND_LOGS:-/tmp}/%p.log" "$here/../../nous" "$@"
