-- wrk script: POST a new delivery record per request (a different worker name each time, so no two records of one
-- worker overlap), then report like bench/catalog/report.lua. WRK_POST_PATH is the API path, WRK_POST_DATE the
-- visit date, WRK_TOKEN the provider's API token and WRK_RUN a mark of this run (the names differ from the records of
-- earlier runs on a kept database).
local path = os.getenv("WRK_POST_PATH")
local date = os.getenv("WRK_POST_DATE")
local token = os.getenv("WRK_TOKEN")
local run = os.getenv("WRK_RUN") or ""
local counter = 0
local thread_id = 0

setup = function(thread)
  thread_id = thread_id + 1
  thread:set("prefix", "Pracownik " .. run .. "-" .. thread_id)
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"date": "%s", "start_time": "%02d:%02d", "minutes": 30, "worker_name": "%s-%d", "status": "delivered"}',
    date, 6 + (counter % 12), (counter * 7) % 60, prefix, counter)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"p50": %.2f, "p95": %.2f, "p99": %.2f, "rps": %.1f, "requests": %d, "errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / seconds, summary.requests, errors))
end
