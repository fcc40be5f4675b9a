-- wrk script: one realistic createProject per request.
--
--   wrk -t2 -c8 -d10s -s bench/wrk/create.lua http://127.0.0.1:8000/graphql -- PAIRS RUN
--
-- PAIRS is a file of "token organization-id" lines (one per benchmark
-- organization); requests rotate over them. RUN prefixes every slug so that
-- runs on the same database never collide. A request counts as created only
-- when it is a 200 whose body has no "errors"; done() prints one line
-- "BENCH {json}" with the counts and latency percentiles (microseconds).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "counting.lua")

local pairs_file, run = nil, "run"

local template = [[{"query":"mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id slug } } }","variables":{"input":{"organizationId":"%s","name":"Service %s","slug":"%s","description":"A service created by the load test.","settings":{"defaultLocale":"en-US","supportedLocales":["en-US","de-DE"],"defaultPlatform":"DESKTOP","supportedPlatforms":["DESKTOP","MOBILE"]},"environments":["development","production"],"changeRequestEnvironments":[{"name":"production","requiredApprovals":2}],"metadata":{"team":"platform","tier":1}}}}]]

local tokens, orgs = {}, {}
local n = 0

function init(args)
  pairs_file = args[1]
  run = args[2] or run
  for line in io.lines(pairs_file) do
    local token, org = line:match("^(%S+)%s+(%S+)$")
    if token then
      table.insert(tokens, token)
      table.insert(orgs, org)
    end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local i = (n + thread_id) % #tokens + 1
  local slug = string.format("%s-t%d-%d", run, thread_id, n)
  local body = string.format(template, orgs[i], slug, slug)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[i],
  }
  return wrk.format(nil, nil, headers, body)
end

function response(status, headers, body)
  count(status == 200 and not body:find('"errors"', 1, true), status, body)
end
