#!/bin/sh
# scripts/check-deps.sh: the module rules of ../shared/ARCHITECTURE.md, checked on includes.
# kg is the base; reasoner and neural include only kg; fusion includes kg, reasoner, neural;
# repl includes everything; nobody includes repl or another module's internal.h.
# sqlite3.h and raptor2.h appear only in kg/, cblas.h and lapacke.h only in neural/.
set -u
fail=0
check() { # file pattern message
    if grep -Hn "$2" "$1" >/dev/null 2>&1; then
        grep -Hn "$2" "$1" | sed "s/\$/  <- $3/"
        fail=1
    fi
}
for f in kg/*.c kg/*.h; do
    [ -e "$f" ] || continue
    check "$f" '#include "\(reasoner\|neural\|fusion\|repl\)/' "kg includes no other module"
done
for m in reasoner neural; do
    for f in $m/*.c $m/*.h; do
        [ -e "$f" ] || continue
        check "$f" '#include "\(reasoner\|neural\|fusion\|repl\)/' "$m includes only kg"
        check "$f" '#include "kg/internal.h"' "kg/internal.h is private to kg"
    done
done
for f in fusion/*.c fusion/*.h; do
    [ -e "$f" ] || continue
    check "$f" '#include "repl/' "fusion does not include repl"
    check "$f" '#include "[a-z]*/internal.h"' "other modules' internal.h are private"
done
for f in repl/*.c repl/*.h; do
    [ -e "$f" ] || continue
    check "$f" '#include "\(kg\|reasoner\|neural\|fusion\)/internal.h"' "internal.h is private"
    check "$f" '#include <sqlite3.h>' "SQLite is kg's business"
    check "$f" '#include <raptor2.h>' "raptor2 is kg's business"
done
for f in reasoner/*.c neural/*.c fusion/*.c; do
    [ -e "$f" ] || continue
    check "$f" '#include <\(sqlite3\|raptor2\).h>' "SQLite and raptor2 are kg's business"
done
for f in kg/*.c kg/*.h reasoner/*.c reasoner/*.h fusion/*.c fusion/*.h repl/*.c repl/*.h; do
    [ -e "$f" ] || continue
    check "$f" '#include <\(cblas\|lapacke\).h>' "OpenBLAS and LAPACKE are neural's business"
done
# Printing belongs to repl/.
for f in kg/*.c reasoner/*.c neural/*.c fusion/*.c; do
    [ -e "$f" ] || continue
    check "$f" '\bprintf(\|\bputs(\|fprintf(stderr' "only repl/ prints"
done
if [ $fail = 0 ]; then echo "check-deps: module rules hold"; fi
exit $fail
