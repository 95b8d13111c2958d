--- End-to-end: the plugin driving the real `ghost-ls serve` with the default code model (Qwen2.5-Coder-1.5B-Instruct),
--- in a real headless Neovim, typing as a user would. Model output varies, so the
--- tests check relations (buffer = old text + the accepted part of what was shown),
--- not exact suggestions. Run by tests/nvim/test_nvim_e2e.py.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/harness.lua")

vim.o.showmode = false
local workdir = assert(os.getenv("GHOST_LS_TEST_DIR"), "GHOST_LS_TEST_DIR not set")
local server = os.getenv("GHOST_LS_SERVER")
local SUGGESTION_TIMEOUT = tonumber(os.getenv("GHOST_LS_SUGGESTION_TIMEOUT_MS") or "") or 90000

local ghost = require("ghost_ls")
local suggestion = require("ghost_ls.suggestion")
local state = require("ghost_ls.state")
local render = require("ghost_ls.render")
local accept = require("ghost_ls.accept")
local lsp = require("ghost_ls.lsp")
local requests = require("ghost_ls.requests")

local statuses = {}
vim.api.nvim_create_autocmd("User", {
  pattern = "GhostLsStatus",
  callback = function()
    table.insert(statuses, ghost.status().kind)
  end,
})

local partials = 0
local on_partial = suggestion.on_partial
suggestion.on_partial = function(...)
  partials = partials + 1
  return on_partial(...)
end

local function write_file(name, lines)
  local path = workdir .. "/" .. name
  vim.fn.writefile(lines, path)
  return path
end

local buf

--- Reset the Python buffer to `lines`, cursor on the last line, Normal mode.
local function fresh(lines)
  if H.mode():sub(1, 1) == "i" then
    H.input("<Esc>")
  end
  vim.api.nvim_set_current_buf(buf)
  suggestion.dismiss(buf)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.api.nvim_win_set_cursor(0, { #lines, 0 })
  H.sleep(50)
end

local function wait_suggestion(min_len)
  local view = H.wait_for(function()
    local v = suggestion.visible(buf)
    return v and #v.text >= (min_len or 1) and render.get(buf) and v
  end, SUGGESTION_TIMEOUT)
  if not view then
    error(("no suggestion within %d ms; stats %s, last error %s, status %s, line %q"):format(
      SUGGESTION_TIMEOUT, vim.inspect(suggestion.stats, { newline = " " }), tostring(suggestion.last_error()),
      vim.inspect(ghost.status()), vim.api.nvim_get_current_line()), 2)
  end
  return view
end

--- Wait until the plugin has nothing on its way to `bufnr` (no debounce running, no
--- answer awaited): what it would show without a keystroke is then on screen.
local function settle(bufnr)
  H.truthy(H.wait_for(function()
    return requests.idle(bufnr)
  end, SUGGESTION_TIMEOUT), ("the plugin settles within %d ms"):format(SUGGESTION_TIMEOUT))
end

--- The buffer text after inserting `text` at (row, col), replacing `n` bytes.
local function splice(lines, row, col, text, n)
  local line = lines[row + 1]
  local out = { unpack(lines, 1, row) }
  local new = line:sub(1, col) .. text .. line:sub(col + 1 + n)
  vim.list_extend(out, vim.split(new, "\n", { plain = true }))
  vim.list_extend(out, { unpack(lines, row + 2) })
  return table.concat(out, "\n")
end

--- Snapshot before an accept: lines, cursor and what is shown.
local function snapshot(view)
  return {
    lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false),
    row = view.row,
    col = view.col,
    text = view.text,
    covered = view.covered,
  }
end

local function covered_len(snap)
  local line = snap.lines[snap.row + 1]
  if snap.covered ~= "" and line:sub(snap.col + 1, snap.col + #snap.covered) == snap.covered then
    return #snap.covered
  end
  return 0
end

local IS_EVEN = {
  "def is_even(n):",
  '    """Return True if n is even, else False."""',
  "    return",
}

local FIZZ = {
  "def fizzbuzz(n):",
  '    """Print the numbers 1..n, Fizz for multiples of 3, Buzz for 5."""',
  "    for i in range(1, n + 1):",
}

-- Open-ended: sampled candidates differ from the greedy one (FizzBuzz is so canonical
-- that samples at the alternatives' temperature often repeat it word for word).
local GREETING = {
  "import random",
  "",
  "",
  "def make_greeting(name):",
  '    """Build a friendly, varied greeting for name."""',
}

-- The default model (what a user gets), with time to finish a suggestion on a slow
-- shared CPU; every setup() below names both, since a setup() that leaves a server
-- setting out restores its default.
local MODEL = "qwen2.5-coder-1.5b-instruct"
local TIMEOUT_MS = 30000

H.run(function()
  local cmd = server and { server, "serve" } or nil
  ghost.setup({
    cmd = cmd,
    disabled_filetypes = { "markdown", "help" },
    debounce_ms = 100,
    server_settings = { model = MODEL, timeoutMs = TIMEOUT_MS },
  })
  vim.cmd("edit " .. vim.fn.fnameescape(write_file("sample.py", IS_EVEN)))
  buf = vim.api.nvim_get_current_buf()

  H.test("server_starts_and_is_ready", function(d)
    d.cmd = require("ghost_ls.config").server_cmd()
    local attached = H.wait_for(function()
      return lsp.client_for(buf)
    end, 10000)
    H.truthy(attached, "client attached to the Python buffer")
    local ready = H.wait_for(function()
      return ghost.status().kind == "ready"
    end, 120000, 100)
    d.status = ghost.status()
    d.statuses = vim.deepcopy(statuses)
    H.truthy(ready, "status ready")
    H.eq(vim.api.nvim_buf_call(buf, ghost.statusline), "ghost-ls: ready", "statusline")
    local client = lsp.get_client()
    d.inline = client.server_capabilities.inlineCompletionProvider
    H.truthy(d.inline, "server advertises inlineCompletionProvider")
    H.eq(client.server_capabilities.completionProvider, nil, "completion menus are not fed (lsp_completion = false)")
    H.truthy(vim.bo[buf].omnifunc ~= "v:lua.vim.lsp.omnifunc", "omnifunc not taken over")
  end)

  H.test("ghost_text_appears_and_accept_all", function(d)
    fresh(IS_EVEN)
    H.input("A")
    H.type(" n")
    local view = wait_suggestion()
    H.truthy(view, "a suggestion within the timeout")
    local snap = snapshot(view)
    d.shown = render.get(buf)
    d.suggestion = snap.text
    H.eq(d.shown.row, snap.row, "extmark on the cursor row")
    H.eq(d.shown.col, snap.col, "extmark at the cursor column")
    H.input("<Tab>", 60)
    d.text = H.buf_text(buf)
    H.eq(d.text, splice(snap.lines, snap.row, snap.col, snap.text, covered_len(snap)), "buffer after accept")
    local lines = vim.split(snap.text, "\n", { plain = true })
    local want_row = snap.row + #lines
    local want_col = (#lines == 1 and snap.col or 0) + #lines[#lines]
    H.eq(vim.api.nvim_win_get_cursor(0), { want_row, want_col }, "cursor at the end of the inserted text")
    H.eq(H.mode(), "i", "still in Insert mode")
  end)

  H.test("accept_word_keeps_rest", function(d)
    fresh(IS_EVEN)
    H.input("A")
    H.type(" n")
    local view = wait_suggestion(2)
    H.truthy(view, "a suggestion within the timeout")
    local snap = snapshot(view)
    d.suggestion = snap.text
    local word = accept.next_word(snap.text)
    d.word = word
    H.input("<M-Right>", 30)
    d.text = H.buf_text(buf)
    local n = #word >= #snap.text and covered_len(snap) or 0
    H.eq(d.text, splice(snap.lines, snap.row, snap.col, word, n), "buffer after accepting a word")
    H.truthy(#word < #snap.text, "the suggestion has more than one word (else there is no rest to keep)")
    local rest = suggestion.visible(buf)
    d.rest = rest and rest.text
    H.eq(d.rest, snap.text:sub(#word + 1), "the rest of the suggestion is still shown")
  end)

  H.test("accept_line", function(d)
    fresh(FIZZ)
    H.input("o")
    local view = wait_suggestion()
    H.truthy(view, "a suggestion within the timeout")
    local snap = snapshot(view)
    d.suggestion = snap.text
    local part = accept.next_line(snap.text)
    d.line = part
    H.input("<M-l>", 30)
    d.text = H.buf_text(buf)
    local n = #part >= #snap.text and covered_len(snap) or 0
    H.eq(d.text, splice(snap.lines, snap.row, snap.col, part, n), "buffer after accepting a line")
    H.truthy(#part < #snap.text, "the suggestion has more than one line (else there is no rest to keep)")
    local rest = suggestion.visible(buf)
    d.rest = rest and rest.text
    H.eq(d.rest, snap.text:sub(#part + 1), "the following lines are still shown")
  end)

  H.test("accept_replaces_closing_chars", function(d)
    fresh({
      "def longest(words):",
      '    """Return the longest of the words."""',
      "    return max(words, key=)",
    })
    vim.api.nvim_win_set_cursor(0, { 3, 26 }) -- on ")"
    H.input("i")
    H.type("l")
    local view = wait_suggestion()
    local snap = snapshot(view)
    d.suggestion, d.covered = snap.text, snap.covered
    H.input("<Tab>", 60)
    d.line = vim.api.nvim_get_current_line()
    H.eq(H.buf_text(buf), splice(snap.lines, snap.row, snap.col, snap.text, covered_len(snap)), "buffer after accept")
    local _, opened = d.line:gsub("%(", "")
    local _, closed = d.line:gsub("%)", "")
    H.eq(closed, opened, "parentheses balanced: the closing ')' was replaced, not doubled")
  end)

  H.test("typing_through_keeps_rest", function(d)
    fresh(IS_EVEN)
    H.input("A")
    H.type(" n")
    local view = wait_suggestion(2)
    H.truthy(view, "a suggestion within the timeout")
    d.suggestion = view.text
    local ch = vim.fn.strcharpart(view.text, 0, 1)
    d.typed = ch
    vim.api.nvim_input(ch == "<" and "<lt>" or ch)
    H.sleep(30) -- shorter than the debounce: this is the local trim, not a new answer
    local rest = suggestion.visible(buf)
    d.rest = rest and rest.text
    H.truthy(#ch < #view.text, "the suggestion is longer than one character")
    H.eq(d.rest, view.text:sub(#ch + 1), "rest shown after typing its first character")
  end)

  H.test("dismiss", function(d)
    fresh(IS_EVEN)
    H.input("A")
    H.type(" n")
    H.truthy(wait_suggestion(), "a suggestion within the timeout")
    local before = H.buf_text(buf)
    H.input("<C-]>", 60)
    H.eq(render.get(buf), nil, "ghost text gone")
    H.eq(H.buf_text(buf), before, "buffer unchanged")
    settle(buf)
    d.after_wait = render.get(buf)
    H.eq(d.after_wait, nil, "no new suggestion without a keystroke")
  end)

  H.test("tab_without_suggestion_indents", function(d)
    fresh({ "x = 1" })
    H.input("o<Tab>", 30) -- Tab arrives before the debounce could fire a request
    d.line = vim.api.nvim_get_current_line()
    H.truthy(d.line:match("^%s+$"), "Tab inserted indentation")
  end)

  H.test("stale_answers_dropped", function(d)
    fresh(IS_EVEN)
    H.input("A")
    H.type(" n")
    local before = vim.deepcopy(suggestion.stats)
    require("ghost_ls.requests").request(buf, suggestion.INVOKED)
    H.type("  ", 5) -- changes the buffer while the answer is being computed
    H.wait_for(function()
      return not (state.peek(buf) or {}).req
    end, SUGGESTION_TIMEOUT)
    d.before = before
    d.after = vim.deepcopy(suggestion.stats)
    H.truthy(d.after.stale + d.after.cancelled > before.stale + before.cancelled,
      "the old request was cancelled or its answer dropped")
    -- Whatever is shown now (an answer to a later request, or nothing) belongs to the
    -- current text; one anchored in the old text would be the stale answer.
    local sugg = suggestion.visible(buf) and state.peek(buf).sugg
    local line = vim.api.nvim_get_current_line()
    d.anchor = sugg and { sugg.row, sugg.col, line } or "nothing shown"
    H.truthy(not sugg or line:sub(sugg.col + 1) == sugg.right, "no suggestion anchored in the old text")
  end)

  H.test("next_candidate_fetches_candidates", function(d)
    fresh(GREETING)
    H.input("o")
    H.truthy(wait_suggestion(), "a suggestion within the timeout")
    local before = suggestion.stats.requests
    H.input("<M-]>", 30)
    local fetched = H.wait_for(function()
      local s = state.peek(buf)
      return s and s.sugg and s.sugg.fetched and suggestion.visible(buf)
    end, SUGGESTION_TIMEOUT)
    d.requests = suggestion.stats.requests - before
    H.truthy(fetched, "candidates from an Invoked request are shown")
    local sugg = state.peek(buf).sugg
    d.count = #sugg.items
    d.index = sugg.index
    d.candidates = vim.tbl_map(function(i) return i.text end, sugg.items)
    H.truthy(#sugg.items > 1, "an Invoked request offers more than one candidate here")
    H.eq(sugg.index, 2, "next moved to the second candidate")
    H.input("<M-[>", 30)
    H.eq(state.peek(buf).sugg.index, 1, "prev moved back")
  end)

  H.test("manual_trigger", function(d)
    ghost.setup({ cmd = cmd, disabled_filetypes = { "markdown", "help" }, auto_trigger = false,
      server_settings = { model = MODEL, timeoutMs = TIMEOUT_MS } })
    fresh(IS_EVEN)
    local before = suggestion.stats.requests
    H.input("A")
    H.type(" n")
    settle(buf)
    d.before_trigger = render.get(buf)
    H.eq(d.before_trigger, nil, "nothing without auto_trigger")
    H.eq(suggestion.stats.requests - before, 0, "no request without auto_trigger")
    H.input("<M-\\>", 30)
    H.truthy(wait_suggestion(), "a suggestion after <M-\\>")
    ghost.setup({ cmd = cmd, disabled_filetypes = { "markdown", "help" }, debounce_ms = 100,
      server_settings = { model = MODEL, timeoutMs = TIMEOUT_MS } })
  end)

  H.test("disabled_filetype_gets_nothing", function(d)
    H.input("<Esc>")
    vim.cmd("edit " .. vim.fn.fnameescape(write_file("notes.md", { "# Notes", "" })))
    local md = vim.api.nvim_get_current_buf()
    local before = suggestion.stats.requests
    H.input("Go")
    H.type("def add(a, b):")
    settle(md)
    d.requests = suggestion.stats.requests - before
    d.attached = vim.b[md].ghost_ls_attached
    d.clients = #vim.lsp.get_clients({ bufnr = md, name = "ghost_ls" })
    H.eq(render.get(md), nil, "no ghost text")
    H.eq(d.requests, 0, "no request sent")
    H.eq(d.clients, 0, "server not attached")
    H.eq(vim.api.nvim_buf_call(md, ghost.statusline), "", "empty statusline")
    H.input("<Esc>")
    vim.api.nvim_set_current_buf(buf)
  end)

  H.test("streaming_partial_updates", function(d)
    H.truthy(lsp.get_client(), "client")
    -- setup() again with other server settings sends workspace/didChangeConfiguration.
    ghost.setup({ cmd = cmd, disabled_filetypes = { "markdown", "help" }, debounce_ms = 100,
      server_settings = { model = MODEL, timeoutMs = TIMEOUT_MS, streaming = true } })
    H.sleep(200)
    partials = 0
    -- A context not asked before: a cached answer is not streamed.
    fresh({
      "class Stack:",
      '    """A last-in, first-out stack of items."""',
      "",
      "    def __init__(self):",
    })
    H.input("o")
    local view = wait_suggestion()
    H.truthy(view, "a suggestion within the timeout")
    H.wait_for(function()
      return not (state.peek(buf) or {}).req
    end, SUGGESTION_TIMEOUT)
    d.partials = partials
    d.suggestion = view.text
    ghost.setup({ cmd = cmd, disabled_filetypes = { "markdown", "help" }, debounce_ms = 100,
      server_settings = { model = MODEL, timeoutMs = TIMEOUT_MS } })
    H.truthy(partials > 0, "ghost/partialCompletion notifications arrived")
    local resp = lsp.get_client():request_sync("ghost/status", vim.empty_dict(), 5000)
    d.streaming_after = resp and resp.result and resp.result.settings.streaming
    H.eq(d.streaming_after, false, "leaving the key out of server_settings restored the default")
  end)

  H.test("status_command_and_health", function(d)
    H.input("<Esc>")
    vim.cmd("GhostLs status")
    local got = H.wait_for(function()
      for _, n in ipairs(H.results.notifications) do
        if n.msg:find("model:", 1, true) then
          return n.msg
        end
      end
    end, 5000)
    d.status = got
    H.truthy(got, ":GhostLs status shows the model")
    -- The server counted what the plugin reported (didShow, partial accepts, command).
    local resp = lsp.get_client():request_sync("ghost/status", vim.empty_dict(), 5000)
    local result = resp and resp.result or {}
    d.server_counts = { shown = result.shown, accepted = result.accepted, partial = result.partiallyAccepted }
    H.truthy((result.shown or 0) >= 1, "didShowCompletion reached the server")
    H.truthy((result.accepted or 0) >= 1, "ghost.accepted ran on a full accept")
    H.truthy((result.partiallyAccepted or 0) >= 1, "didPartiallyAcceptCompletion reached the server")
    vim.cmd("checkhealth ghost_ls")
    H.sleep(100)
    local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
    d.health = text
    vim.cmd("bwipeout")
    vim.api.nvim_set_current_buf(buf)
    H.truthy(text:find("server running", 1, true), "health sees the running server")
    H.truthy(not text:find("ERROR", 1, true), "health has no errors")
  end)

  H.test("server_crash_gives_message_and_restarts", function(d)
    local client = lsp.get_client()
    H.truthy(client, "client")
    local pid
    d.children = {}
    for _, child in ipairs(vim.api.nvim_get_proc_children(vim.fn.getpid())) do
      local name = tostring((vim.api.nvim_get_proc(child) or {}).name)
      table.insert(d.children, name)
      if name:find("ghost", 1, true) or name:find("python", 1, true) then
        pid = child
      end
    end
    d.pid = pid
    H.truthy(pid, "server process found")
    local before = #H.results.notifications
    vim.uv.kill(pid, "sigkill")
    local msg = H.wait_for(function()
      return H.notifications_since(before, "server exited")[1]
    end, 10000)
    d.notifications = H.notifications_since(before)
    H.truthy(msg, "a message says the server exited")
    H.eq(ghost.status().kind, "error", "status error")
    fresh(IS_EVEN)
    H.input("A") -- entering Insert mode restarts the server
    H.type(" n")
    local ready = H.wait_for(function()
      return ghost.status().kind == "ready"
    end, 120000, 100)
    H.truthy(ready, "the server restarted")
    -- No keystroke needed: the plugin asks again when the model becomes ready.
    d.after_restart = wait_suggestion().text
    local messages = vim.api.nvim_exec2("messages", { output = true }).output
    H.truthy(not messages:find("E5108", 1, true), "no Lua error")
  end)

  H.results.statuses = statuses
end, tonumber(os.getenv("GHOST_LS_E2E_TIMEOUT_MS") or "") or 400000)
