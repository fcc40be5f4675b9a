-- wrk script: the read path, one page of 50 projects with relations.
--
--   wrk -t2 -c8 -d10s -s bench/wrk/page.lua http://127.0.0.1:8000/graphql -- TOKEN ORGANIZATION_SLUG
--
-- A request counts as served when it is a 200 whose body has no "errors";
-- done() prints "BENCH {json}" like create.lua.

local threads = {}
-- Globals, so that done() can read them from each thread.
created, refused = 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local query = '{"query":"query($slug: String!) { organization(slug: $slug) { projects(first: 50) { nodes { id slug name organization { slug } createdBy { email } environments } } } }","variables":{"slug":"' .. args[2] .. '"}}'
  wrk.method = "POST"
  wrk.body = query
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

function response(status, headers, body)
  if status == 200 and not body:find('"errors"', 1, true) and body:find('"nodes"', 1, true) then
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
