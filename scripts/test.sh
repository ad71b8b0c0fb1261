#!/usr/bin/env bash
# The whole test suite: installs the system programs the integration tests start
# (redis-server, chromium, zstd) when missing and possible, then runs node's test runner.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
# `run` caches model replies in the user's cache folder by default: tests must not share
# replies across runs of the suite (tests of the cache name their own folder with --cache).
export WEBSCALE_RL_CACHE=off
# Tests start the command from the build (test/support/cli-command.ts): plain JavaScript starts
# in half the time tsx needs, over hundreds of processes. Build it fresh from these sources.
npm run build --silent || { echo "test: the TypeScript build failed (above); fix it and rerun" >&2; exit 1; }
# The tests and benchmarks are type-checked too (tsconfig.check.json): a wrong field name in a
# test is an assertion that can never fail.
npm run typecheck --silent || { echo "test: type errors in the tests or benchmarks (above); fix them and rerun" >&2; exit 1; }
export WEBSCALE_RL_TEST_CLI=dist/cli/main.js
files=$(find test -name '*.test.ts' | sort)
# Test files run in parallel, each in its own process: most of a file's time is spent waiting on
# the processes and servers it starts, and node's default (cores - 1) is one file at a time on a
# 2-core machine. Each file starts its own servers on free ports in its own temp folders.
concurrency=${WEBSCALE_RL_TEST_CONCURRENCY:-4}
# shellcheck disable=SC2086
exec npx tsx --test --test-concurrency="$concurrency" --test-reporter=spec $files
