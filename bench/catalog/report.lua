-- wrk reporter: one JSON line with p50/p95/p99 latency (ms), requests per second and errors.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"p50": %.2f, "p95": %.2f, "p99": %.2f, "rps": %.1f, "requests": %d, "errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / seconds, summary.requests, errors))
end

-- With WRK_PATHS naming a file of request paths (one a line), each request takes the next path of the file (each
-- wrk thread walks the list from its own start), so a run can spread over many different rows.
local paths = nil
local file = os.getenv("WRK_PATHS")
if file and file ~= "" then
  paths = {}
  for line in io.lines(file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
end
local counter = math.random(1, 100000)
request = function()
  if not paths then return wrk.request() end
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end
