#!/usr/bin/env bash
# Installs what the integration tests need beyond npm packages. Idempotent: does nothing
# when all are present. Where it cannot install (not root, no apt), the tests that need
# a missing program skip themselves and say so.
set -u
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
{ command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; } || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: installing ${need[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || echo "install-test-deps: apt-get install ${need[*]} failed; the suites that need them will skip" >&2
else
  echo "install-test-deps: missing ${need[*]} and cannot install (need root and apt-get); the suites that need them will skip" >&2
fi
exit 0
