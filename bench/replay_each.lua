-- wrk script: send the requests of one file (written back to back by bench/saml.py) each
-- once, in turn across connections, then stop; prints one summary line as replay.lua does.
--   wrk -t1 -c16 -d60s -s bench/replay_each.lua http://127.0.0.1:7470 -- requests.http
local requests = {}
local next_one = 1

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local all = f:read("*a")
  f:close()
  local at = 1
  while at <= #all do
    local head_end = all:find("\r\n\r\n", at, true)
    local length = tonumber(all:sub(at, head_end):match("Content%-Length: (%d+)"))
    local stop = head_end + 3 + length
    requests[#requests + 1] = all:sub(at, stop)
    at = stop + 1
  end
end

function request()
  local r = requests[next_one]
  if r == nil then
    wrk.thread:stop()
    return requests[1]
  end
  next_one = next_one + 1
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d non2xx=%d sock_err=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
