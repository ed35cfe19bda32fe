#!/usr/bin/env bash
# Load benchmark: Rolegate (release build, SQLite) and moto_server side by side, with the shared
# replayed-SigV4 harness (../shared/bench), signed with an IAM user's keys (so every request
# is authorized by policy evaluation, and AssumeRole is allowed: root may not assume roles);
# then Rolegate again after that run has issued its sessions (tens of thousands), and again
# after seeding 100,000 roles, users and keys. Prints the harness's comparison table.
# Needs wrk, bc, python3 + boto3, moto.
#
#   bash bench/run.sh            # DURATION=10 CONNS="1 16 64" by default
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
OUT=${OUT:-target/bench}
PORT=${PORT:-17480} MOTO_PORT=${MOTO_PORT:-17481}
export SCENARIOS=${SCENARIOS:-"sts_get_caller_identity sts_assume_role iam_get_role iam_list_roles"}
export DURATION=${DURATION:-10} CONNS=${CONNS:-"1 16 64"}
AK=AKIABENCHROOTKEY0001 SK=bench/secret/bench/secret/bench/secret/00
ACCOUNT=123456789012
mkdir -p "$OUT"
cargo build --release -p rolegate-server >/dev/null
BIN=target/release/rolegate

start_rolegate() {
  ROLEGATE_ROOT_ACCESS_KEY_ID=$AK ROLEGATE_ROOT_SECRET_ACCESS_KEY=$SK ROLEGATE_LOG=warn \
    "$BIN" serve --listen 127.0.0.1:$PORT --data-dir "$OUT/data" --account-id $ACCOUNT >"$OUT/rolegate.log" 2>&1 &
  RG=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return; sleep 0.1; done
  echo "rolegate did not start"; cat "$OUT/rolegate.log"; exit 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

rm -rf "$OUT/data"
moto_server -H 127.0.0.1 -p $MOTO_PORT >"$OUT/moto.log" 2>&1 &
MOTO=$!
MOTO_PID=$(pgrep -f "moto_server.*$MOTO_PORT" | tail -n1 || true)
sleep 2
start_rolegate
SERVER_PID=$MOTO_PID LABEL=moto bash "$HARNESS/run.sh" "http://127.0.0.1:$MOTO_PORT" testing testing | tee "$OUT/moto.txt"
read -r UAK USK < <(python3 bench/bench_user.py "http://127.0.0.1:$PORT" $AK $SK)
SERVER_PID=$RG LABEL=rolegate bash "$HARNESS/run.sh" "http://127.0.0.1:$PORT" "$UAK" "$USK" | tee "$OUT/rolegate.txt"
SERVER_PID=$RG LABEL=rolegate-after-sessions bash "$HARNESS/run.sh" "http://127.0.0.1:$PORT" "$UAK" "$USK" | tee "$OUT/rolegate-sessions.txt"
stop $MOTO
stop $RG

python3 bench/seed_roles.py "$OUT/data/rolegate.db" $ACCOUNT 100000
start_rolegate
SERVER_PID=$RG LABEL=rolegate-100k bash "$HARNESS/run.sh" "http://127.0.0.1:$PORT" "$UAK" "$USK" | tee "$OUT/rolegate-100k.txt"
stop $RG

python3 "$HARNESS/compare.py" "$OUT/moto.txt" "$OUT/rolegate.txt" "$OUT/rolegate-sessions.txt" "$OUT/rolegate-100k.txt" | tee "$OUT/compare.txt"
