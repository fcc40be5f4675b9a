-- Shared by the harness's wrk scripts (loaded with dofile): threads
-- numbered in setup() (each thread sees its own as `thread_id`), a count of
-- served and refused answers per thread, and done() printing one line
-- "BENCH {json}": the counts and latency percentiles (microseconds).

local threads = {}
-- Globals, so that done() can read them from each thread.
created, refused = 0, 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

-- Counts one answer; the first few refusals are shown on stderr.
function count(served, status, body)
  if served then
    created = created + 1
  else
    refused = refused + 1
    if refused <= 3 then
      io.stderr:write(string.format("refused: %d %s\n", status, body:sub(1, 300)))
    end
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("created")
    bad = bad + thread:get("refused")
  end
  local socket_errors = summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'BENCH {"created":%d,"refused":%d,"socket_errors":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d}\n',
    ok, bad, socket_errors, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
