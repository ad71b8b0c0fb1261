#!/usr/bin/env bash
# The whole test suite: installs the system programs the integration tests start
# (redis-server, chromium, zstd) when missing and possible, then runs node's test runner.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
# `run` caches model replies in the user's cache folder by default: tests must not share
# replies across runs of the suite (tests of the cache name their own folder with --cache).
export WEBSCALE_RL_CACHE=off
files=$(find test -name '*.test.ts' | sort)
# shellcheck disable=SC2086
exec npx tsx --test --test-reporter=spec $files
