-- wrk script: the read path, one page of 50 projects with relations.
--
--   wrk -t2 -c8 -d10s -s bench/wrk/page.lua http://127.0.0.1:8000/graphql -- TOKEN ORGANIZATION_SLUG
--
-- A request counts as served when it is a 200 whose body has no "errors";
-- done() prints "BENCH {json}" like create.lua.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "counting.lua")

function init(args)
  local query = '{"query":"query($slug: String!) { organization(slug: $slug) { projects(first: 50) { nodes { id slug name organization { slug } createdBy { email } environments } } } }","variables":{"slug":"' .. args[2] .. '"}}'
  wrk.method = "POST"
  wrk.body = query
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

function response(status, headers, body)
  local served = status == 200 and not body:find('"errors"', 1, true)
    and body:find('"nodes"', 1, true)
  count(served, status, body)
end
