#!/usr/bin/env bash
# Instructions per request of two builds side by side, counted by valgrind's callgrind: each
# build serves N and then 50 replayed signed requests of each scenario on one keep-alive
# connection (SQLite, an IAM user's keys, the change-log poller and the cache's re-reads
# slowed to once an hour so that nothing but requests runs), and the difference of the two
# totals over N-50 is the cost of one request. Unlike CPU time, the count does not move with
# the machine's other load: the figure for "within 5% of the previous build".
#
#   bash bench/instructions-per-request.sh OLD_BINARY NEW_BINARY
#   (N=950 ROUNDS=2 SCENARIOS="sts_get_caller_identity sts_assume_role" by default)
#   OLD_ARGS / NEW_ARGS: further `serve` flags for each (one binary with and without a flag:
#   OLD_ARGS=--audit-trail=false counts the audit trail's cost)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2
N=${N:-950} ROUNDS=${ROUNDS:-2} PORT=${PORT:-17495}
SCENARIOS=${SCENARIOS:-"sts_get_caller_identity sts_assume_role"}
HARNESS=${HARNESS:-../shared/bench}
AK=AKIABENCHROOTKEY0001 SK=bench/secret/bench/secret/bench/secret/00

count() { # binary scenario requests [serve flags] → total instructions
  local d; d=$(mktemp -d)
  ROLEGATE_ROOT_ACCESS_KEY_ID=$AK ROLEGATE_ROOT_SECRET_ACCESS_KEY=$SK ROLEGATE_LOG=warn \
    valgrind --tool=callgrind --callgrind-out-file="$d/cg.out" "$1" serve \
    --listen 127.0.0.1:$PORT --data-dir "$d/data" --account-id 123456789012 \
    --sync-interval-seconds 3600 --max-staleness-seconds 3600 ${4:-} >"$d/log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  read -r uak usk < <(python3 bench/bench_user.py "http://127.0.0.1:$PORT" $AK $SK)
  python3 "$HARNESS/sign_requests.py" --endpoint "http://127.0.0.1:$PORT" --access-key "$uak" \
    --secret-key "$usk" --out-dir "$d" --setup >/dev/null 2>&1
  python3 - "$PORT" "$d/$2.http" "$3" <<'PY'
import socket, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
req = open(path, "rb").read()
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
for _ in range(n):
    s.sendall(req)
    status, length = f.readline(), 0
    while (line := f.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    f.read(length)
    assert b" 200 " in status, status
PY
  kill -TERM $pid; wait $pid 2>/dev/null || true
  grep -m1 '^summary:' "$d/cg.out" | awk '{print $2}'
  rm -rf "$d"
}

for sc in $SCENARIOS; do
  for r in $(seq 1 "$ROUNDS"); do
    for label in old new; do
      bin=$OLD args=${OLD_ARGS:-}; [ $label = new ] && bin=$NEW args=${NEW_ARGS:-}
      hi=$(count "$bin" "$sc" "$N" "$args"); lo=$(count "$bin" "$sc" 50 "$args")
      echo "scenario=$sc build=$label round=$r instructions_per_request=$(( (hi - lo) / (N - 50) ))"
    done
  done
done
