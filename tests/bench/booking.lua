-- wrk script for tests/bench/booking.sh: every request books a new 30-minute working-group
-- session through POST /api/v1/programmes/{slug}/events, with the full conflict check.
-- Each request takes its own half-hour slot (08:00-18:00 local, every day from FIRST_DAY),
-- so none of them clash: a non-201 answer is an error that the script reports.
-- Arguments (after --): TOKEN SLUG FIRST_DAY(YYYY-MM-DD) GROUP_IDS(comma) VENUE_IDS(comma)
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local function split(s)
  local out = {}
  for x in string.gmatch(s, "[^,]+") do table.insert(out, x) end
  return out
end

function init(args)
  token, slug = args[1], args[2]
  local y, m, d = string.match(args[3], "(%d+)-(%d+)-(%d+)")
  first = os.time({year = tonumber(y), month = tonumber(m), day = tonumber(d), hour = 12})
  groups, venues = split(args[4]), split(args[5])
  stride = tonumber(args[6]) or 16   -- more than wrk's thread count
  n = 0
  path = "/api/v1/programmes/" .. slug .. "/events"
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  bad = 0
end

request = function()
  local k = n * stride + id
  n = n + 1
  local slot = k % 20
  local date = os.date("%Y-%m-%d", first + math.floor(k / 20) * 86400)
  local h, mi = 8 + math.floor(slot / 2), (slot % 2) * 30
  local eh, emi = h, mi + 30
  if emi == 60 then eh, emi = h + 1, 0 end
  local body = string.format(
    '{"kind":"working_group_session","title":"Bench %d","working_group_id":"%s","venue_id":"%s",' ..
    '"start":"%sT%02d:%02d","end":"%sT%02d:%02d","status":"confirmed",' ..
    '"accept_conflicts":["members_busy","public_holiday","school_holiday","blackout","venue_capacity"]}',
    k, groups[k % #groups + 1], venues[k % #venues + 1], date, h, mi, date, eh, emi)
  return wrk.format("POST", path, headers, body)
end

response = function(status, headers, body)
  if status ~= 201 and bad < 3 then
    bad = bad + 1
    io.stderr:write("booking answered " .. status .. ": " .. string.sub(body, 1, 300) .. "\n")
  end
end
