-- wrk script for scripts/load-test.sh: binary tensor data requests over K fixed inputs, each answer checked
-- against the expected output bytes of its own input (the request id names the input; the server echoes it).
local dir = os.getenv("LOAD_DIR")
local count = tonumber(os.getenv("LOAD_INPUTS"))
local model = os.getenv("LOAD_MODEL")

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

local requests, expected = {}, {}

-- Built in each thread's init: wrk.format takes the Host header from wrk.headers, which is empty at load time.
function init(args)
  for k = 0, count - 1 do
    local header = read(dir .. "/header_" .. k .. ".json")
    requests[k] = wrk.format("POST", "/v2/models/" .. model .. "/infer",
      { ["Content-Type"] = "application/octet-stream", ["Inference-Header-Content-Length"] = tostring(#header) },
      header .. read(dir .. "/input_" .. k .. ".bin"))
    expected[k] = read(dir .. "/expected_" .. k .. ".bin")
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local next_input = 0
ok, wrong, rejected, other = 0, 0, 0, 0

function request()
  local r = requests[next_input]
  next_input = (next_input + 1) % count
  return r
end

function response(status, headers, body)
  if status == 503 then
    rejected = rejected + 1
  elseif status ~= 200 then
    other = other + 1
  else
    local id = tonumber(string.match(body, '"id":"(%d+)"'))
    local length = tonumber(headers["Inference-Header-Content-Length"])
    if id ~= nil and length ~= nil and expected[id] ~= nil and string.sub(body, length + 1) == expected[id] then
      ok = ok + 1
    else
      wrong = wrong + 1
    end
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, wrong = 0, rejected = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do
      t[name] = t[name] + thread:get(name)
    end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.1f throughput=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f ok=%d wrong=%d rejected=%d other=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    t.ok, t.wrong, t.rejected, t.other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
