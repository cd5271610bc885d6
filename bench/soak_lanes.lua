-- The soak's load client for wrk (bench/soak.py writes the SOAK table in front of this file).
--
-- Run as `wrk -tN -cN`: every wrk thread has exactly one connection and plays one lane of
-- virtual users, so a lane's requests never overlap and each answer can feed the next request
-- (the token of a login, the step of a journey screen). A lane repeats SOAK.cycle: it signs a
-- user in with a fresh code, uses the token it got for the journey, and reads a card holder's
-- card and contributions. Lanes start at different points of the cycle, so the mix is the same
-- at every moment. With SOAK.rate > 0 each lane sends on a fixed timetable (open loop: a late
-- answer delays the lane's next request, and that wait counts in its latency, measured from the
-- timetable); with 0 it sends as soon as the answer is in (closed loop, for the capacity).
--
-- Pacing is wrk's delay(): it runs once the answered connection is closed (a sync worker waits
-- for the client to close before it takes the next one, so a lane must never sit on an answered
-- connection) and the next one is open; the app server defers accept() until a request's first
-- bytes arrive (bench/soak_server.py), as nginx in front of it would.
--
-- Lane data (written by bench/soak.py), SOAK.dir/lane-<n>.txt, one item a line:
--   U <client address>                  a user of this lane (sent as X-Forwarded-For)
--   H <token> <year> <client address>   a card holder's session and a year of contributions
--   C <user number> <login code>        the codes to sign in with, in order of use
-- done() prints one line `SOAK_JSON {...}`: counts per kind, latency histograms per kind (from the
-- timetable and from sending), and wrk's own summary.

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
int clock_gettime(int clk_id, soak_timespec *tp);
unsigned long pthread_self(void);
]]
local clock = ffi.new("soak_timespec")
local CLOCK_MONOTONIC = 1

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local KINDS = {"login", "journey", "answer", "card", "contributions"}
local JSON_HEADERS = "application/json"
local NAME_ANSWER = '{"step":"name","action":"continue","answers":{"passport_name":"MUELLER HANS PETER"}}'
local BACK_ANSWER = '{"step":"identifier_type","action":"back","answers":{}}'

-- Latency buckets: 100 µs wide below 100 ms, 5 ms wide above (bench/soak.py reads them back).
local function bucket(us)
  if us < 100000 then return math.floor(us / 100) end
  return 1000 + math.floor((us - 100000) / 5000)
end

-- main state: hand each thread its lane number; gather the lanes' figures at the end ------------

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("lane", #threads)
end

local function json_object(tbl)
  local parts = {}
  for key, value in pairs(tbl) do
    table.insert(parts, string.format('"%s": %d', tostring(key), value))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function add_into(total, part)
  for key, value in pairs(part or {}) do
    total[key] = (total[key] or 0) + value
  end
end

function done(summary, latency, requests)
  local stats, hists, sends = {}, {}, {}
  for _, kind in ipairs(KINDS) do hists[kind], sends[kind] = {}, {} end
  for _, thread in ipairs(threads) do
    add_into(stats, thread:get("stats"))
    for _, kind in ipairs(KINDS) do
      add_into(hists[kind], thread:get("hist_" .. kind))
      add_into(sends[kind], thread:get("send_" .. kind))
    end
  end
  local hist_parts, send_parts = {}, {}
  for _, kind in ipairs(KINDS) do
    table.insert(hist_parts, string.format('"%s": %s', kind, json_object(hists[kind])))
    table.insert(send_parts, string.format('"%s": %s', kind, json_object(sends[kind])))
  end
  local e = summary.errors
  io.write(string.format(
    'SOAK_JSON {"duration_us": %d, "requests": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, ' ..
    '"max": %d, "mean": %.1f}, "stats": %s, "hist": {%s}, "send": {%s}}\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, json_object(stats), table.concat(hist_parts, ", "),
    table.concat(send_parts, ", ")))
end

-- a lane (one per thread) ------------------------------------------------------------------------

local cycle = {}
local users, holders, codes = {}, {}, {}
local position = 0        -- the last request sent, in the cycle
local cycles = 0          -- cycles started (one login each)
local sent = 0            -- requests sent by this lane
local origin = nil        -- the lane's timetable starts here (µs)
local interval = 0        -- µs between two requests of this lane on the timetable
local pending = nil       -- the kind of the request waiting for its answer
local started = 0         -- when that request counts as started (µs)
local sent_at = 0         -- when it was handed to wrk to send (µs)
local user = nil          -- the user signed in by the last login of this lane
local token = nil
local step = nil
local holder_index = 0
local setup_thread = nil  -- the OS thread that ran init (wrk's main thread)

stats = {}
for _, kind in ipairs(KINDS) do
  _G["hist_" .. kind] = {}
  _G["send_" .. kind] = {}
  stats["sent_" .. kind] = 0
  stats["ok_" .. kind] = 0
  stats["bad_" .. kind] = 0
end
stats.unanswered = 0
stats.no_code = 0
stats.unparsed = 0

local function count(key) stats[key] = (stats[key] or 0) + 1 end

function init(args)
  setup_thread = ffi.C.pthread_self()
  for kind in string.gmatch(SOAK.cycle, "[^,]+") do table.insert(cycle, kind) end
  local file = assert(io.open(string.format("%s/lane-%d.txt", SOAK.dir, lane), "r"))
  for line in file:lines() do
    local tag, a, b, c = line:match("^(%S+) (%S+) ?(%S*) ?(%S*)$")
    if tag == "U" then
      table.insert(users, {ip = a})
    elseif tag == "H" then
      table.insert(holders, {token = a, year = b, ip = c})
    elseif tag == "C" then
      table.insert(codes, {user = tonumber(a), code = b})
    end
  end
  file:close()
  holder_index = lane % math.max(#holders, 1)
  -- Lane n starts at point n of the cycle: started at the same point, all lanes would sign in
  -- at once, then all read cards at once, for the whole run.
  position = (lane - 1) % #cycle
  if SOAK.rate > 0 then
    interval = 1000000 / SOAK.rate
  end
end

-- When the lane's next request is due; the lanes' timetables are spread evenly over one interval.
local function due_time(now)
  if origin == nil then
    origin = now + interval * (lane - 1) / SOAK.lanes
  end
  return origin + sent * interval
end

if SOAK.rate > 0 then
  function delay()
    local now = now_us()
    local wait = due_time(now) - now
    if wait <= 0 then return 0 end
    return math.ceil(wait / 1000)
  end
end

local function auth_headers(bearer, ip)
  local headers = {["Accept"] = JSON_HEADERS, ["X-Forwarded-For"] = ip}
  if bearer then headers["Authorization"] = "Bearer " .. bearer end
  return headers
end

local function next_holder()
  holder_index = holder_index % #holders + 1
  return holders[holder_index]
end

local function build(kind)
  if kind == "login" then
    cycles = cycles + 1
    local entry = codes[cycles]
    token, step = nil, nil
    if entry == nil then
      count("no_code")
      user = users[1]
      return wrk.format("POST", "/api/v1/auth/login",
        {["Content-Type"] = JSON_HEADERS, ["X-Forwarded-For"] = user.ip}, '{"code":"none-left"}')
    end
    user = users[entry.user]
    return wrk.format("POST", "/api/v1/auth/login",
      {["Content-Type"] = JSON_HEADERS, ["Accept"] = JSON_HEADERS, ["X-Forwarded-For"] = user.ip},
      string.format('{"code":"%s"}', entry.code))
  elseif kind == "journey" then
    return wrk.format("GET", "/api/v1/flows/verify", auth_headers(token, user.ip))
  elseif kind == "answer" then
    local headers = auth_headers(token, user.ip)
    headers["Content-Type"] = JSON_HEADERS
    return wrk.format("POST", "/api/v1/flows/verify", headers,
      step == "identifier_type" and BACK_ANSWER or NAME_ANSWER)
  elseif kind == "card" then
    local holder = next_holder()
    return wrk.format("GET", "/api/v1/card", auth_headers(holder.token, holder.ip))
  else
    local holder = next_holder()
    return wrk.format("GET", "/api/v1/card/contributions?year=" .. holder.year,
      auth_headers(holder.token, holder.ip))
  end
end

function request()
  if ffi.C.pthread_self() == setup_thread then
    -- wrk builds one request on the main thread to check the script; it is never sent.
    return wrk.format("GET", "/healthz")
  end
  local now = now_us()
  if pending ~= nil then
    count("unanswered")  -- the connection failed before the answer came (wrk counts the socket error)
    count("unanswered_" .. pending)
  end
  local due = now
  if SOAK.rate > 0 then due = due_time(now) end
  position = position % #cycle + 1
  local kind = cycle[position]
  if user == nil and (kind == "journey" or kind == "answer") then
    kind = "card"  -- a lane that starts after the sign-in of its cycle reads a card until its first one
  end
  sent = sent + 1
  pending = kind
  -- Latency counts from the timetable when the lane is late (the wait is part of it), else from now.
  started = math.min(due, now)
  sent_at = now
  count("sent_" .. kind)
  return build(kind)
end

local function record(kind, status, body)
  local now = now_us()
  local hist, send = _G["hist_" .. kind], _G["send_" .. kind]
  local b = bucket(now - started)
  hist[b] = (hist[b] or 0) + 1
  b = bucket(now - sent_at)
  send[b] = (send[b] or 0) + 1
  if status < 200 or status > 299 then
    count("bad_" .. kind)
    count(string.format("status_%s_%d", kind, status))
    if kind == "login" then token = nil end
    return
  end
  count("ok_" .. kind)
  if kind == "login" then
    token = body:match('"token"%s*:%s*"([^"]+)"')
    if token == nil then count("unparsed") end
  elseif kind == "journey" then
    step = body:match('"step"%s*:%s*"([%w_]+)"')
    if step == nil then count("unparsed") end
  end
end

function response(status, headers, body)
  local kind = pending
  if kind == nil then return end
  pending = nil
  record(kind, status, body)
end
