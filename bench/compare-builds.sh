#!/usr/bin/env bash
# Two builds side by side in one run (no regression check): each binary is started fresh on
# SQLite, an IAM user's keys sign the requests (so every call is authorized by policy), and the
# shared replayed-SigV4 harness measures each scenario; the builds alternate ROUNDS times so the
# machine's drift falls on both. Prints the harness's comparison table, old build first.
#
#   bash bench/compare-builds.sh OLD_BINARY NEW_BINARY
#   OLD_ARGS / NEW_ARGS: further `serve` flags for each (one binary with and without a flag:
#   bash bench/compare-builds.sh target/release/rolegate target/release/rolegate with
#   NEW_ARGS=--audit-trail measures the audit trail's cost)
#   (ROUNDS=2 DURATION=5 CONNS=64 SCENARIOS="sts_get_caller_identity sts_assume_role" by default)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2
HARNESS=${HARNESS:-../shared/bench}
OUT=${OUT:-target/bench-builds}
PORT=${PORT:-17490}
export SCENARIOS=${SCENARIOS:-"sts_get_caller_identity sts_assume_role"}
export DURATION=${DURATION:-5} CONNS=${CONNS:-64} PY_SECONDS=${PY_SECONDS:-0}
ROUNDS=${ROUNDS:-2}
AK=AKIABENCHROOTKEY0001 SK=bench/secret/bench/secret/bench/secret/00
mkdir -p "$OUT"

run_one() { # label binary [serve flags]
  rm -rf "$OUT/data"
  # shellcheck disable=SC2086
  ROLEGATE_ROOT_ACCESS_KEY_ID=$AK ROLEGATE_ROOT_SECRET_ACCESS_KEY=$SK ROLEGATE_LOG=warn \
    "$2" serve --listen 127.0.0.1:$PORT --data-dir "$OUT/data" --account-id 123456789012 ${3:-} \
    >"$OUT/$1.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  read -r UAK USK < <(python3 bench/bench_user.py "http://127.0.0.1:$PORT" $AK $SK)
  SERVER_PID=$pid LABEL=$1 bash "$HARNESS/run.sh" "http://127.0.0.1:$PORT" "$UAK" "$USK"
  kill $pid; wait $pid 2>/dev/null || true
}

: >"$OUT/old.txt"; : >"$OUT/new.txt"
for r in $(seq 1 "$ROUNDS"); do
  run_one old "$OLD" "${OLD_ARGS:-}" | tee -a "$OUT/old.txt"
  run_one new "$NEW" "${NEW_ARGS:-}" | tee -a "$OUT/new.txt"
done
python3 "$HARNESS/compare.py" "$OUT/old.txt" "$OUT/new.txt" | tee "$OUT/compare.txt"
