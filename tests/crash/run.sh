#!/bin/sh
# tests/crash/run.sh: the crash-safety and concurrency tests together: SIGKILL at random
# moments (kill.sh), Ctrl-C during each long command (sigint.sh), and several nous processes
# on one store (concurrency.sh). `make test` runs a few rounds of each; `make test-crash-long`
# (part of `make bench`) many: LONG=1. KILLS, SIGINTS, ROUNDS and SEED override the counts
# and the random sequence. Run from the repository root: NOUS=./nous sh tests/crash/run.sh
set -u
if [ "${LONG:-0}" = 1 ]; then
    : "${KILLS:=100}" "${SIGINTS:=25}" "${ROUNDS:=15}"
else
    : "${KILLS:=6}" "${SIGINTS:=3}" "${ROUNDS:=2}"
fi
export KILLS SIGINTS ROUNDS
: "${SEED:=$(date +%s)}"
export SEED
status=0
sh tests/crash/kill.sh || status=1
sh tests/crash/sigint.sh || status=1
sh tests/crash/concurrency.sh || status=1
exit $status
