#!/usr/bin/env bash
# `xception serve` killed and restarted under load (issue 14, "load it with wrk while killing and restarting it"):
# wrk keeps 64 clients on the server for the whole run while this script sends it SIGTERM twice and starts it again
# on the same port each time. Checked: every answer that came back is its own input's single-image `predict`
# output, byte for byte (scripts/load-test.lua); no answer other than 200 and 503 (connections refused while the
# server is down are socket errors, which are expected); each stop exits 0 after finishing what it had queued; each
# new server turns ready again; and the last server's /metrics counts at least the answers it gave.
# Usage: scripts/restart-test.sh [clients=64] [seconds=60] [restarts=2]   (the mini model, or XCS_LOAD_MODEL/WEIGHTS)
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-64}; seconds=${2:-60}; restarts=${3:-2}
inputs=8; port=18182; model=${XCS_LOAD_MODEL:-mini}
weights=${XCS_LOAD_WEIGHTS:-Sample/Examples/mini_xception_w0125_top10.h5}
command -v wrk >/dev/null || { echo "error: wrk is required (apt-get install -y wrk)" >&2; exit 1; }
dotnet build Sample -c Release -nologo -v q >/dev/null
xception=Sample/bin/Release/net10.0/xception
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
scripts/load-test-expected.sh "$work" "$xception" "$weights" "$inputs"

start_server() {
  # setsid: the server runs in a session of its own, as it would on its own machine. Linux's scheduler
  # autogroups share the CPU between sessions first, so in this script's session wrk's reconnect loop (a
  # refused connect is retried at once, on both of its threads) took the server's share while it stopped,
  # and a stop that drains its queue in under 2 s took 9-19 s (Benchmarks/RESULTS.md).
  setsid "$xception" serve --weights "$weights" --urls "http://127.0.0.1:$port" --backend cpu \
    --max-batch 8 --max-delay-ms 2 --max-queue 256 >>"$work/server.log" 2>&1 &
  server=$!
  local started=$SECONDS
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && { echo "--- server $server ready after $((SECONDS - started)) s ($SECONDS s into the run)"; return 0; }
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
  done
  echo "error: the server did not turn ready; its log:" >&2; cat "$work/server.log" >&2; exit 1
}

SECONDS=0
start_server
LOAD_DIR=$work LOAD_INPUTS=$inputs LOAD_MODEL=$model \
  wrk -t2 -c"$clients" -d"${seconds}s" --timeout 10s --latency -s scripts/load-test.lua "http://127.0.0.1:$port" >"$work/wrk.txt" &
wrk_pid=$!
failed=0
# The answers the running server counts as ok (no series before its first answer).
served_now() {
  { curl -s "http://127.0.0.1:$port/metrics" || true; } | { grep -E '^xception_requests_total\{.*outcome="ok"' || true; } \
    | awk '{s += $2} END {print s + 0}'
}
for ((r = 1; r <= restarts; r++)); do
  sleep $((seconds / (restarts + 2)))
  echo "--- server $server has answered $(served_now) requests ok; stopping it ($SECONDS s into the run)"
  kill -TERM "$server"
  status=0; wait "$server" || status=$?
  echo "--- stop $r: SIGTERM under load, exit code $status ($SECONDS s into the run)"
  [ "$status" = 0 ] || failed=1
  start_server
done
# The last server's count every 2 s until wrk ends: it must keep answering, not only start.
while kill -0 "$wrk_pid" 2>/dev/null; do
  sleep 2; echo "--- server $server has answered $(served_now) requests ok ($SECONDS s into the run)"
done
wait "$wrk_pid"
metrics=$(curl -s "http://127.0.0.1:$port/metrics" || true)
kill -TERM "$server"; status=0; wait "$server" || status=$?
echo "--- final stop: exit code $status"
[ "$status" = 0 ] || failed=1
result=$(grep '^RESULT' "$work/wrk.txt")
echo "$result"
served=$({ grep -E '^xception_requests_total\{.*outcome="ok"' <<<"$metrics" || true; } | awk '{s += $2} END {print s + 0}')
grep -E "^xception_requests_total" <<<"$metrics" || true
echo "--- the last server answered $served requests ok (its /metrics; the earlier servers' counts ended with them)"
wrong=$(sed -E 's/.* wrong=([0-9]+).*/\1/' <<<"$result")
other=$(sed -E 's/.* other=([0-9]+).*/\1/' <<<"$result")
ok=$(sed -E 's/.* ok=([0-9]+).*/\1/' <<<"$result")
[ "$served" -gt 0 ] && [ "$served" -le "$ok" ] || { echo "error: the last server's ok count ($served) does not fit the client's ($ok)" >&2; failed=1; }
[ "$wrong" = 0 ] && [ "$other" = 0 ] && [ "$failed" = 0 ] || { echo "FAILED: wrong=$wrong other=$other" >&2; exit 1; }
echo "PASSED: $restarts restarts under load; every answer equal to its input's single-image predict, every stop exit 0"
