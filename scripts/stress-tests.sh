#!/usr/bin/env bash
# Runs the README's test command (npm test) N times in a row (default 5) while busy loops
# (default 7: `node -e "while(true){}"`) load the machine, as a newcomer's busy laptop would,
# and reports pass/fail per run with the names of the failing tests.
#
#   bash scripts/stress-tests.sh [RUNS] [LOOPS]
#
# Logs go to $STRESS_LOG_DIR (default: a new temp dir, printed). The loops are killed by PID
# when the script ends, however it ends (normal exit, Ctrl-C, SIGTERM). Exit status: 0 when
# every run passed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
loops=${2:-7}
logs=${STRESS_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/wsrl-stress-XXXXXX")}
mkdir -p "$logs"

pids=()
suite=""
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  pids=()
  # The suite runs in its own process group (set -m below): end it whole, its workers included.
  if [ -n "$suite" ]; then kill -- "-$suite" 2>/dev/null; fi
  suite=""
}
trap stop_all EXIT
trap 'echo "interrupted"; exit 130' INT TERM

for ((i = 0; i < loops; i++)); do
  node -e "while(true){}" &
  pids+=($!)
done
echo "stress: $runs runs of npm test beside $loops busy loops (pids ${pids[*]}) on $(nproc) cores; logs in $logs"

passed=0
for ((run = 1; run <= runs; run++)); do
  log="$logs/run-$run.log"
  start=$(date +%s)
  # In the background with `wait`: bash runs its traps during `wait`, not during a foreground command.
  set -m
  npm test >"$log" 2>&1 &
  suite=$!
  set +m
  wait "$suite"
  code=$?
  suite=""
  secs=$(($(date +%s) - start))
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  if [ "$code" -eq 0 ]; then
    passed=$((passed + 1))
    echo "run $run: pass (${secs} s, load $load)"
  else
    echo "run $run: FAIL, exit $code (${secs} s, load $load); failing tests:"
    # The spec reporter marks each failed test with ✖; its summary repeats them, hence uniq.
    grep -E '^\s*✖ ' "$log" | grep -vE '✖ failing tests:' | sed -E 's/ \([0-9.]+ms\)$//' | sort -u | sed 's/^/    /'
  fi
done
echo "stress: $passed/$runs runs passed beside $loops busy loops (logs in $logs)"
[ "$passed" -eq "$runs" ]
