--- A tiny test runner for a real headless Neovim. Tests run inside one coroutine that
--- yields to the main loop (sleep / wait_for), so typed keys, autocommands, timers and
--- LSP messages are processed exactly as in an interactive session. Results go to the
--- JSON file named by $GHOST_LS_TEST_OUT after every test, so a hang still reports.
local H = {}

local uv = vim.uv or vim.loop

-- `defined`: every name given to H.test, run or not (checked against the names
-- tests/nvim/nvim_harness.py reads from the script).
H.results = { tests = {}, defined = {}, notifications = {}, fatal = nil, timeout = false }
H.out = os.getenv("GHOST_LS_TEST_OUT") or "ghost_ls_test_results.json"

-- Record every vim.notify (the plugin's way to talk to the user).
vim.notify = function(msg, level)
  table.insert(H.results.notifications, { msg = tostring(msg), level = level or vim.log.levels.INFO })
end

local finished = false

function H.write()
  local ok, messages = pcall(vim.api.nvim_exec2, "messages", { output = true })
  H.results.messages = ok and messages.output or ""
  local f = assert(io.open(H.out, "w"))
  f:write(vim.json.encode(H.results))
  f:close()
end

function H.finish()
  if finished then
    return
  end
  finished = true
  H.write()
  vim.cmd("qall!")
end

--- Yield to the main loop for `ms` milliseconds.
function H.sleep(ms)
  local co = coroutine.running()
  vim.defer_fn(function()
    local ok, err = coroutine.resume(co)
    if not ok then
      H.results.fatal = "coroutine: " .. tostring(err)
      H.finish()
    end
  end, ms)
  coroutine.yield()
end

--- Poll `cond` until it returns a truthy value (returned) or `timeout` ms pass (nil).
function H.wait_for(cond, timeout, interval)
  local deadline = uv.now() + timeout
  while true do
    local ok, value = pcall(cond)
    if ok and value then
      return value
    end
    if uv.now() >= deadline then
      return nil
    end
    H.sleep(interval or 25)
  end
end

--- Send keys as a user would type them (key notation), then let Neovim process them.
function H.input(keys, settle)
  vim.api.nvim_input(keys)
  H.sleep(settle or 40)
end

--- Type literal `text` one character at a time.
function H.type(text, delay)
  for ch in text:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    vim.api.nvim_input(ch == "<" and "<lt>" or ch)
    H.sleep(delay or 15)
  end
  H.sleep(40)
end

function H.buf_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr or 0, 0, -1, false), "\n")
end

function H.mode()
  return vim.api.nvim_get_mode().mode
end

--- Fail the current test unless `actual` equals `expected`.
function H.eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(("%s: expected %s, got %s"):format(what or "value", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function H.truthy(value, what)
  if not value then
    error((what or "condition") .. " is false", 2)
  end
  return value
end

--- Notifications recorded since index `from` whose text contains `needle`.
function H.notifications_since(from, needle)
  local found = {}
  for i = from + 1, #H.results.notifications do
    local n = H.results.notifications[i]
    if not needle or n.msg:find(needle, 1, true) then
      found[#found + 1] = n
    end
  end
  return found
end

--- Run one named test ($GHOST_LS_TEST_ONLY: a comma-separated list of names to run). `fn(details)` may yield; `details` is saved in the results.
local only = os.getenv("GHOST_LS_TEST_ONLY")

function H.test(name, fn)
  table.insert(H.results.defined, name)
  if only and only ~= "" and not vim.tbl_contains(vim.split(only, ",", { plain = true }), name) then
    return
  end
  local t = { name = name, ok = false, details = {} }
  table.insert(H.results.tests, t)
  local start = uv.hrtime()
  local ok, err = xpcall(fn, debug.traceback, t.details)
  t.ok = ok
  t.error = (not ok) and tostring(err) or nil
  t.ms = math.floor((uv.hrtime() - start) / 1e6)
  -- Leave insert mode and clear state between tests.
  if H.mode():sub(1, 1) == "i" then
    vim.api.nvim_input("<Esc>")
    H.sleep(30)
  end
  H.write()
end

--- Run `main` in a coroutine; quit after `timeout_ms` whatever happens.
function H.run(main, timeout_ms)
  vim.defer_fn(function()
    H.results.timeout = true
    H.finish()
  end, timeout_ms)
  local co = coroutine.create(function()
    local ok, err = xpcall(main, debug.traceback)
    if not ok then
      H.results.fatal = tostring(err)
    end
    H.finish()
  end)
  vim.schedule(function()
    local ok, err = coroutine.resume(co)
    if not ok then
      H.results.fatal = "coroutine: " .. tostring(err)
      H.finish()
    end
  end)
end

return H
