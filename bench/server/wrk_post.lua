-- wrk script: POST one pre-encoded body on every request, then print one JSON line of results.
--
-- Environment:
--   WRK_BODY_FILE    file holding the request body, sent byte for byte (JSON or binary)
--   WRK_JSON_HEADER  optional: value of Inference-Header-Content-Length (binary tensor extension)
--   WRK_CONTENT_TYPE optional: Content-Type (default application/json)
--
-- The last line wrk prints is `WRKJSON {...}` with requests, duration, errors, req/s and the
-- 50/90/99th latency percentiles in microseconds (wrk's own histogram, the one --latency shows).

local path = os.getenv("WRK_BODY_FILE")
if path == nil then
  error("WRK_BODY_FILE is not set")
end
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
local json_header = os.getenv("WRK_JSON_HEADER")
if json_header ~= nil and json_header ~= "" then
  wrk.headers["Inference-Header-Content-Length"] = json_header
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_s": %.6f, "req_per_s": %.1f, ' ..
    '"p50_us": %.1f, "p90_us": %.1f, "p99_us": %.1f, "mean_us": %.1f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
