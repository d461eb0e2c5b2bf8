-- One traffic stream of the soak (scripts/soak.mjs runs several at once
-- against one edge): the requests of a file, cycled, each line
--   METHOD <TAB> PATH <TAB> HEADER: VALUE|HEADER: VALUE <TAB> BODY
-- (a "{n}" in PATH is replaced by a counter: every request a new URL).
-- Every answer's status must be the expected one (wrk ... -- FILE STATUS);
-- done() prints one JSON line: requests, unexpected statuses, socket errors,
-- latency p50/p99 in microseconds.
-- Globals, so that done() can read each thread's counts (thread:get).
requests, expected, counter, unexpected, statuses = {}, 0, 0, 0, {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[2])
  for line in io.lines(args[1]) do
    local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local h = {}
    for pair in headers:gmatch("[^|]+") do
      local name, value = pair:match("^([^:]+):%s*(.*)$")
      h[name] = value
    end
    table.insert(requests, { method = method, path = path, headers = h, body = body ~= "" and body or nil })
  end
end

function request()
  counter = counter + 1
  local r = requests[(counter - 1) % #requests + 1]
  local path = r.path:gsub("{n}", tostring(counter))
  return wrk.format(r.method, path, r.headers, r.body)
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests_)
  local bad, seen = 0, {}
  for _, t in ipairs(threads) do
    bad = bad + t:get("unexpected")
    local s = t:get("statuses")
    for k, v in pairs(s) do seen[#seen + 1] = string.format('"%d":%d', k, v) end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"unexpected":%d,"unexpected_statuses":{%s},"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, bad, table.concat(seen, ","),
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
