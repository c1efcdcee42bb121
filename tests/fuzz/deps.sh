#!/bin/sh
# tests/fuzz/deps.sh: make sure clang can build libFuzzer harnesses, for `make fuzz` only (the
# normal build needs gcc alone). When the compiler named by $1 (default clang) cannot link a
# trivial fuzzer, install Debian's clang and libclang-rt-14-dev (apt-get, as root or by sudo).
set -eu
cc=${1:-clang}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
probe() {
    printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/probe.c"
    command -v "$cc" >/dev/null 2>&1 &&
        "$cc" -fsanitize=fuzzer,address,undefined "$tmp/probe.c" -o "$tmp/probe" >/dev/null 2>&1
}
probe && exit 0
missing="clang libclang-rt-14-dev"
echo "fuzz deps: $cc cannot build a libFuzzer harness; installing Debian packages: $missing" >&2
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "fuzz deps: not root and no sudo; install as root: apt-get install $missing" >&2
        exit 1
    }
    SUDO=sudo
else
    SUDO=
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
probe || { echo "fuzz deps: $cc still cannot build a libFuzzer harness" >&2; exit 1; }
