#!/bin/sh
# Run broadside under valgrind's memcheck, every process, one log per pid.
# `make valgrind` points the end-to-end tests at this script.
: "${VALGRIND_LOGS:=build/valgrind}"
mkdir -p "$VALGRIND_LOGS"
exec valgrind --quiet --vgdb=no --leak-check=full \
    --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect \
    --trace-children=yes --log-file="$VALGRIND_LOGS/vg.%p.log" \
    "${BROADSIDE_REAL_BIN:-build/broadside}" "$@"
