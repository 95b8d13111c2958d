--- Plugin tests that need no server: config validation, rendering, typing through,
--- accepting, key fallbacks, a missing server. Run by tests/nvim/test_nvim_plugin.py.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/harness.lua")

vim.o.showmode = false
local workdir = assert(os.getenv("GHOST_LS_TEST_DIR"), "GHOST_LS_TEST_DIR not set")

local function open_python(name, lines)
  vim.cmd("edit " .. vim.fn.fnameescape(workdir .. "/" .. name))
  vim.api.nvim_buf_set_lines(0, 0, -1, false, lines)
  vim.bo.filetype = "python"
  return vim.api.nvim_get_current_buf()
end

--- Put the cursor at (row 1-based, col bytes) in insert mode.
local function insert_at(row, col)
  vim.api.nvim_win_set_cursor(0, { row, col })
  H.input(col >= #vim.api.nvim_get_current_line() and "<Cmd>startinsert!<CR>" or "<Cmd>startinsert<CR>")
  vim.api.nvim_win_set_cursor(0, { row, col })
  H.sleep(30)
end

local function pos(line, character)
  return { line = line, character = character }
end

local function item(text, row, col, end_col)
  return { insertText = text, range = { start = pos(row, col), ["end"] = pos(row, end_col or col) } }
end

H.run(function()
  local ghost = require("ghost_ls")
  local suggestion = require("ghost_ls.suggestion")
  local render = require("ghost_ls.render")
  local config = require("ghost_ls.config")

  -- Everything below runs with a server command that does not exist.
  H.test("config_wrong_type_names_key", function(d)
    local before = #H.results.notifications
    ghost.setup({
      debounce_ms = "fast",
      keys = { accept = 3, accept_word = false },
      server_settings = { maxTokens = "many", streaming = true, bogusSetting = 1 },
      bogus_option = true,
      cmd = { workdir .. "/no-such-ghost-ls", "serve" },
    })
    H.sleep(50)
    local msgs = vim.tbl_map(function(n) return n.msg end, H.notifications_since(before))
    d.messages = msgs
    local all = table.concat(msgs, "\n")
    H.truthy(all:find("debounce_ms: expected", 1, true), "message naming debounce_ms")
    H.truthy(all:find("keys.accept: expected", 1, true), "message naming keys.accept")
    H.truthy(all:find("bogus_option: unknown option", 1, true), "message naming bogus_option")
    H.truthy(not all:find("server_settings", 1, true), "server settings are the server's to check")
    H.eq(config.options.debounce_ms, 150, "debounce_ms falls back to the default")
    H.eq(config.options.keys.accept, "<Tab>", "keys.accept falls back to the default")
    H.eq(config.options.keys.accept_word, false, "keys.accept_word = false is kept")
    H.eq(config.options.server_settings, { maxTokens = "many", streaming = true, bogusSetting = 1 },
      "server settings passed on unchanged, unknown and wrong ones too")
    for _, n in ipairs(H.notifications_since(before)) do
      H.eq(n.level, vim.log.levels.WARN, "level of " .. n.msg)
    end
  end)

  H.test("config_server_settings_must_be_a_table", function(d)
    local cfg, problems = config.resolve({ server_settings = "model=x" })
    d.problems = problems
    H.eq(#problems, 1, "one problem")
    H.truthy(problems[1]:find("server_settings", 1, true), "the message names server_settings")
    H.eq(cfg.server_settings, {}, "the default: the server's own settings")
  end)

  H.test("config_not_a_table", function(d)
    local cfg, problems = config.resolve("yes")
    d.problems = problems
    H.eq(#problems, 1, "one problem")
    H.eq(cfg.debounce_ms, 150, "defaults")
  end)

  H.test("missing_server_gives_message", function(d)
    local before = #H.results.notifications
    ghost.setup({ cmd = { workdir .. "/no-such-ghost-ls", "serve" } })
    local buf = open_python("missing.py", { "x = 1" })
    H.input("A<CR>y = <Esc>", 300)
    local found = H.wait_for(function()
      return #H.notifications_since(before, "not found") > 0
    end, 2000)
    d.notifications = H.notifications_since(before)
    H.truthy(found, "a 'not found' message")
    H.eq(ghost.status().kind, "error", "status kind")
    H.eq(vim.api.nvim_buf_call(buf, ghost.statusline), "ghost-ls: error", "statusline")
    H.eq(H.buf_text(buf), "x = 1\ny = ", "typing still works")
    local messages = vim.api.nvim_exec2("messages", { output = true }).output
    d.messages = messages
    H.truthy(not messages:find("E5108", 1, true) and not messages:find("stack traceback", 1, true), "no Lua error")
  end)

  -- From here on: no server (the command is missing); suggestions are injected with
  -- suggestion.show_items(), the same path a server answer takes.
  local lsp = require("ghost_ls.lsp")
  lsp.attach = function(bufnr)
    vim.b[bufnr].ghost_ls_attached = true
    return -1
  end
  lsp.client_for = function()
    return nil
  end
  local buf = open_python("render.py", { "def add(a, b):", "    " })

  H.test("render_inline_and_virt_lines", function(d)
    insert_at(2, 4)
    local view = suggestion.show_items(buf, { item("return a + b\n\nprint(add(1, 2))", 1, 4) })
    H.truthy(view, "view")
    local shown = render.get(buf)
    d.shown = shown
    H.eq(shown and shown.lines, { "return a + b", "", "print(add(1, 2))" }, "ghost text")
    H.eq({ shown.row, shown.col }, { 1, 4 }, "extmark position")
    local mark = vim.api.nvim_buf_get_extmarks(buf, render.ns, 0, -1, { details = true })[1]
    H.eq(mark[4].virt_text_pos, "inline", "first line inline")
    H.eq(mark[4].virt_text[1][2], "GhostLsSuggestion", "highlight group")
    H.eq(H.buf_text(buf), "def add(a, b):\n    ", "buffer untouched")
    local hl = vim.api.nvim_get_hl(0, { name = "GhostLsSuggestion" })
    H.eq(hl.link, "Comment", "GhostLsSuggestion links to Comment")
  end)

  H.test("accept_all_multiline_and_undo", function(d)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    " })
    insert_at(2, 4)
    suggestion.show_items(buf, { item("return a + b\n\nprint(add(1, 2))", 1, 4) })
    H.type("re")
    H.input("<Tab>", 80)
    d.text = H.buf_text(buf)
    H.eq(d.text, "def add(a, b):\n    return a + b\n\nprint(add(1, 2))", "buffer after accept")
    H.eq(vim.api.nvim_win_get_cursor(0), { 4, 16 }, "cursor at the end of the inserted text")
    H.eq(render.get(buf), nil, "ghost text gone")
    H.eq(H.mode(), "i", "still in insert mode")
    H.input("<Esc>u", 80)
    d.after_undo = H.buf_text(buf)
    H.eq(d.after_undo, "def add(a, b):\n    re", "undo removes the accepted text, not what was typed")
  end)

  H.test("accept_word_then_line_keeps_rest", function(d)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    " })
    insert_at(2, 4)
    suggestion.show_items(buf, { item("return a + b\nprint(1)", 1, 4) })
    H.input("<M-Right>", 80)
    d.after_word = H.buf_text(buf)
    H.eq(d.after_word, "def add(a, b):\n    return ", "first word accepted")
    d.shown_after_word = render.get(buf)
    H.eq(d.shown_after_word and d.shown_after_word.lines, { "a + b", "print(1)" }, "rest still shown")
    H.input("<M-l>", 80)
    d.after_line = H.buf_text(buf)
    H.eq(d.after_line, "def add(a, b):\n    return a + b", "rest of the line accepted")
    d.shown_after_line = render.get(buf)
    H.eq(d.shown_after_line and d.shown_after_line.lines, { "", "print(1)" }, "next line still shown")
    H.input("<M-l>", 80)
    H.eq(H.buf_text(buf), "def add(a, b):\n    return a + b\nprint(1)", "second line accepted")
    H.eq(render.get(buf), nil, "nothing left")
    H.eq(vim.api.nvim_win_get_cursor(0), { 3, 8 }, "cursor at the end")
    H.input("<Esc>")
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    " })
  end)

  H.test("typing_through_trims", function(d)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    " })
    insert_at(2, 4)
    suggestion.show_items(buf, { item("return a + b", 1, 4) })
    H.type("ret")
    d.shown = render.get(buf)
    H.eq(d.shown and d.shown.lines, { "urn a + b" }, "rest shown after typing a matching prefix")
    H.type("x")
    d.shown_after_mismatch = render.get(buf)
    H.eq(d.shown_after_mismatch, nil, "hidden after a character that does not match")
    H.input("<Esc>")
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    " })
  end)

  H.test("hidden_on_leave_insert_and_cursor_move", function(d)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    " })
    insert_at(2, 4)
    suggestion.show_items(buf, { item("return a + b", 1, 4) })
    H.truthy(render.get(buf), "shown")
    H.input("<Left>", 60)
    d.after_move = render.get(buf)
    H.eq(d.after_move, nil, "hidden after moving the cursor")
    insert_at(2, 4)
    suggestion.show_items(buf, { item("return a + b", 1, 4) })
    H.input("<Esc>", 60)
    H.eq(render.get(buf), nil, "hidden after leaving insert mode")
  end)

  H.test("range_covers_closing_chars", function(d)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { 'print("é", )' })
    -- cursor before ")" : byte 12, UTF-16 column 11 ("é" is 2 bytes, 1 unit)
    insert_at(1, 12)
    suggestion.show_items(buf, { item("sep='')", 0, 11, 12) })
    d.shown = render.get(buf)
    H.eq(d.shown and d.shown.lines, { "sep=''" }, "closing paren not drawn twice")
    H.input("<Tab>", 60)
    d.text = H.buf_text(buf)
    H.eq(d.text, "print(\"é\", sep='')", "the covered ')' is replaced")
    H.eq(vim.api.nvim_win_get_cursor(0), { 1, 19 }, "cursor after the inserted text")
  end)

  H.test("dismiss", function(d)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    " })
    insert_at(2, 4)
    suggestion.show_items(buf, { item("return a + b", 1, 4) })
    H.input("<C-]>", 60)
    d.shown = render.get(buf)
    H.eq(d.shown, nil, "dismissed")
    H.eq(H.buf_text(buf), "def add(a, b):\n    ", "buffer untouched")
    H.input("<C-]>x", 60) -- nothing shown: <C-]> falls through (abbreviation key)
    H.eq(H.buf_text(buf), "def add(a, b):\n    x", "typing continues")
  end)

  H.test("tab_falls_through_literal", function(d)
    vim.bo[buf].expandtab = false
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "x" })
    insert_at(1, 1)
    H.input("<Tab>y", 60)
    d.text = H.buf_text(buf)
    H.eq(d.text, "x\ty", "Tab inserted a tab")
    vim.bo[buf].expandtab = true
    vim.bo[buf].shiftwidth = 4
    vim.bo[buf].softtabstop = 4
    H.input("<Esc>")
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "" })
    insert_at(1, 0)
    H.input("<Tab>z", 60)
    H.eq(H.buf_text(buf), "    z", "Tab inserted spaces with expandtab")
  end)

  H.test("tab_falls_through_to_previous_mapping", function(d)
    vim.cmd([[inoremap <expr> <Tab> pumvisible() ? "\<C-n>" : "[tab]"]])
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "" })
    insert_at(1, 0)
    H.input("<Tab>", 60)
    d.text = H.buf_text(buf)
    H.eq(d.text, "[tab]", "the global <expr> mapping ran")
    suggestion.show_items(buf, { item("ok", 0, 5) })
    H.input("<Tab>", 60)
    H.eq(H.buf_text(buf), "[tab]ok", "with a suggestion shown, Tab accepts")
    vim.cmd("iunmap <Tab>")
    vim.keymap.set("i", "<M-Right>", function() vim.api.nvim_put({ "[lua]" }, "c", false, true) end)
    H.input("<M-Right>", 60)
    H.eq(H.buf_text(buf), "[tab]ok[lua]", "a Lua callback mapping ran for accept_word")
    vim.keymap.del("i", "<M-Right>")
  end)

  H.test("cycle_candidates_locally", function(d)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "" })
    insert_at(1, 0)
    suggestion.show_items(buf, { item("one", 0, 0), item("two", 0, 0) })
    H.input("<M-]>", 60)
    d.shown = render.get(buf)
    H.eq(d.shown and d.shown.lines, { "two" }, "next candidate")
    H.input("<M-[>", 60)
    H.eq(render.get(buf).lines, { "one" }, "previous candidate")
  end)

  H.test("next_word_and_line_rules", function(d)
    local accept = require("ghost_ls.accept")
    local w, l = accept.next_word, accept.next_line
    d.cases = {
      w("foo(bar)"), w("(bar)"), w("  x = 1"), w("\n    return x"), w("été = 1"),
      l("a = 1\nb"), l("\n    b = 2\nc"),
    }
    H.eq(d.cases, { "foo", "(", "  x ", "\n    return ", "été ", "a = 1", "\n    b = 2" }, "words and lines")
  end)

  H.test("filetype_rules", function(d)
    config.options.disabled_filetypes = { "markdown" }
    config.options.filetypes = { "*" }
    local md = vim.api.nvim_create_buf(true, false)
    vim.api.nvim_buf_set_name(md, workdir .. "/notes.md")
    vim.bo[md].filetype = "markdown"
    local py = vim.api.nvim_create_buf(true, false)
    vim.api.nvim_buf_set_name(py, workdir .. "/y.py")
    vim.bo[py].filetype = "python"
    local help = vim.api.nvim_create_buf(true, false)
    vim.bo[help].buftype = "nofile"
    vim.bo[help].filetype = "python"
    d.wants = { md = suggestion.wants(md), py = suggestion.wants(py), nofile = suggestion.wants(help) }
    H.eq(d.wants, { md = false, py = true, nofile = false }, "attach decisions")
    config.options.filetypes = { "lua" }
    H.eq(suggestion.wants(py), false, "python not in the allow list")
    config.options.filetypes = { "*" }
  end)

  H.test("statusline_states", function(d)
    local status = require("ghost_ls.status")
    vim.b[buf].ghost_ls_attached = true
    local seen = {}
    for _, kind in ipairs({ "loading", "ready", "generating", "error" }) do
      status.set(kind, "m")
      seen[kind] = vim.api.nvim_buf_call(buf, ghost.statusline)
    end
    ghost.disable()
    status.set("ready", "m")
    seen.disabled_plugin = vim.api.nvim_buf_call(buf, ghost.statusline)
    ghost.enable()
    d.seen = seen
    H.eq(seen, {
      loading = "ghost-ls: loading model",
      ready = "ghost-ls: ready",
      generating = "ghost-ls: generating",
      error = "ghost-ls: error",
      disabled_plugin = "ghost-ls: off",
    }, "statusline texts")
  end)

  H.test("status_engine_line_names_what_the_backend_sent", function(d)
    local commands = require("ghost_ls.commands")
    d.remote = commands.engine_line({ backend = "llama-server", endpoint = "http://127.0.0.1:8080" })
    d["local"] = commands.engine_line({ backend = "llama.cpp", gpuOffloadSupported = false, gpuLayers = 0 })
    H.eq(d.remote, "backend: llama-server at http://127.0.0.1:8080", "a remote backend: its endpoint")
    H.eq(d["local"], "backend: llama.cpp, GPU offload false, gpu layers 0", "the local engine: its GPU use")
  end)

  H.test("command_and_health_run", function(d)
    vim.cmd("GhostLs toggle")
    H.eq(ghost.is_enabled(), false, "toggled off")
    vim.cmd("GhostLs toggle")
    H.eq(ghost.is_enabled(), true, "toggled on")
    local before = #H.results.notifications
    vim.cmd("GhostLs status")
    H.truthy(H.wait_for(function()
      return H.notifications_since(before, "client: not running")[1]
    end, 2000), ":GhostLs status says the client is not running")
    vim.cmd("GhostLs bogus")
    H.sleep(20)
    H.truthy(H.notifications_since(before, 'unknown subcommand "bogus"')[1], "unknown subcommand named")
    vim.cmd("GhostLs log")
    d.log = vim.api.nvim_buf_get_name(0)
    H.eq(vim.fn.resolve(d.log), vim.fn.resolve(vim.lsp.get_log_path()), ":GhostLs log opens the LSP log")
    vim.cmd("tabclose")
    vim.cmd("checkhealth ghost_ls")
    H.sleep(100)
    local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    d.health = lines
    local text = table.concat(lines, "\n")
    H.truthy(text:find("server executable", 1, true) or text:find("not executable", 1, true)
      or text:find("server command", 1, true), "health reports the server")
    H.truthy(text:find("ghost-ls: Neovim", 1, true), "health has the Neovim section")
    vim.cmd("bwipeout")
  end)

  H.test("server_cmd_discovery", function(d)
    local saved = vim.env.PATH
    local bin = workdir .. "/bin"
    vim.fn.mkdir(bin, "p")
    vim.fn.writefile({ "#!/bin/sh", "exit 0" }, bin .. "/ghost-ls")
    vim.fn.setfperm(bin .. "/ghost-ls", "rwxr-xr-x")
    vim.env.PATH = bin .. ":/usr/bin:/bin"
    local from_path = config.server_cmd({})
    vim.env.PATH = "/usr/bin:/bin"
    local fallback, tried = config.server_cmd({})
    vim.env.PATH = saved
    d.from_path, d.fallback, d.tried = from_path, fallback, tried
    H.eq(from_path, { bin .. "/ghost-ls", "serve" }, "ghost-ls found on PATH")
    local venv = config.repo_root() .. "/.venv/bin/ghost-ls"
    H.eq(tried[#tried], venv, "the checkout's venv is the fallback")
    if vim.fn.executable(venv) == 1 then
      H.eq(fallback, { venv, "serve" }, "venv fallback used")
    else
      H.eq(fallback, nil, "nothing found")
    end
    H.eq(config.server_cmd({ cmd = { "/x/ghost-ls", "serve", "--log-file", "/tmp/l" } }),
      { "/x/ghost-ls", "serve", "--log-file", "/tmp/l" }, "explicit cmd wins")
  end)

  H.test("setup_again_changes_keys", function(d)
    ghost.setup({ cmd = { workdir .. "/no-such-ghost-ls", "serve" }, keys = { accept = "<C-l>" } })
    local lsp_mod = require("ghost_ls.lsp")
    lsp_mod.attach = function(bufnr)
      vim.b[bufnr].ghost_ls_attached = true
      return -1
    end
    vim.api.nvim_set_current_buf(buf)
    d.maps = vim.tbl_map(function(m) return m.lhs end, vim.api.nvim_buf_get_keymap(buf, "i"))
    H.truthy(vim.tbl_contains(d.maps, "<C-L>"), "new accept key mapped")
    H.truthy(not vim.tbl_contains(d.maps, "<Tab>"), "old accept key removed")
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "" })
    insert_at(1, 0)
    suggestion.show_items(buf, { item("ok", 0, 0) })
    H.input("<C-l>", 60)
    H.eq(H.buf_text(buf), "ok", "accepted with the new key")
  end)

  H.test("native_renderer_glue", function(d)
    -- Neovim 0.12's vim.lsp.inline_completion, faked: checks what the plugin calls.
    local util = require("ghost_ls.util")
    local calls = {}
    local saved_ic, saved_012 = rawget(vim.lsp, "inline_completion"), util.has_012
    util.has_012 = true
    vim.lsp.inline_completion = {
      enable = function(on, filter) table.insert(calls, { "enable", on, filter.bufnr }) end,
      get = function() table.insert(calls, { "get" }); return false end,
      select = function(o) table.insert(calls, { "select", o.count }) end,
    }
    local ok, err = pcall(function()
      ghost.setup({ cmd = { workdir .. "/no-such-ghost-ls", "serve" }, renderer = "native" })
      local nb = open_python("native.py", { "" })
      d.maps = vim.tbl_map(function(m) return m.lhs end, vim.api.nvim_buf_get_keymap(nb, "i"))
      table.sort(d.maps)
      H.eq(d.maps, { "<M-[>", "<M-]>", "<Tab>" }, "only the keys the built-in supports")
      insert_at(1, 0)
      H.input("<Tab><M-]><M-[>", 80)
      -- (enable may repeat: attaching again is harmless; compare without repeats)
      local distinct = {}
      for _, c in ipairs(calls) do
        if not vim.deep_equal(c, distinct[#distinct]) then
          distinct[#distinct + 1] = c
        end
      end
      d.calls = distinct
      H.eq(distinct, { { "enable", true, nb }, { "get" }, { "select", 1 }, { "select", -1 } }, "calls")
      d.line = vim.api.nvim_get_current_line()
      H.truthy(d.line:match("^%s+$"), "Tab fell through (indented) when get() accepted nothing")
      H.input("<Esc>")
      ghost.disable()
      H.eq(calls[#calls], { "enable", false, nb }, "disable turns the built-in off")
      ghost.enable()
      H.eq(calls[#calls], { "enable", true, nb }, "enable turns it on again")
    end)
    vim.lsp.inline_completion = saved_ic
    util.has_012 = saved_012
    ghost.setup({ cmd = { workdir .. "/no-such-ghost-ls", "serve" } })
    if not ok then
      error(err, 0)
    end
  end)

  H.test("idle_until_debounce_and_answer", function(d)
    local requests = require("ghost_ls.requests")
    vim.api.nvim_set_current_buf(buf)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "x = " })
    insert_at(1, 4)
    requests.stop_timer()
    H.eq(requests.idle(buf), true, "idle with nothing scheduled")
    requests.schedule(buf)
    H.eq(requests.idle(buf), false, "not idle while the debounce runs")
    d.fired = H.wait_for(function()
      return requests.idle(buf)
    end, 2000)
    H.truthy(d.fired, "idle once the debounce has fired (no client here: nothing sent)")
    require("ghost_ls.state").get(buf).req = { client_id = -1 }
    H.eq(requests.idle(buf), false, "not idle while an answer is awaited")
    requests.cancel(buf)
    H.eq(requests.idle(buf), true, "idle once the request is cancelled")
    H.input("<Esc>")
  end)

  H.test("attention_reports_where_the_cursor_rests", function(d)
    local attention = require("ghost_ls.attention")
    local sent = {}
    local client = { offset_encoding = "utf-16" }
    function client.notify(_, method, params)
      sent[#sent + 1] = { method = method, params = params }
      return true
    end
    local rest = open_python("rest.py", { "def add(a, b):", "    return a + b", "" })
    local client_for = lsp.client_for
    lsp.client_for = function()
      return client
    end
    vim.api.nvim_win_set_cursor(0, { 2, 4 })
    vim.api.nvim_exec_autocmds("CursorHold", { buffer = rest })
    vim.api.nvim_exec_autocmds("CursorHold", { buffer = rest }) -- same place: not again
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    vim.api.nvim_exec_autocmds("CursorHold", { buffer = rest })
    config.options.warm_on_focus = false
    vim.api.nvim_win_set_cursor(0, { 3, 0 })
    vim.api.nvim_exec_autocmds("CursorHold", { buffer = rest })
    config.options.warm_on_focus = true
    lsp.client_for = client_for
    d.sent = sent
    H.eq(#sent, 2, "one report per place, none when off")
    H.eq(sent[1].method, "ghost/didFocus", "method")
    H.eq(sent[1].params.position, { line = 1, character = 4 }, "first place")
    H.eq(sent[1].params.textDocument.uri, vim.uri_from_bufnr(rest), "document")
    H.eq(sent[2].params.position, { line = 0, character = 0 }, "second place")
  end)

  -- Data for the Python side: the defaults, for the docs.
  H.results.default_keys = config.defaults.keys
  local names = vim.tbl_keys(config.defaults)
  table.insert(names, "cmd")
  table.insert(names, "should_attach")
  H.results.default_option_names = names
end, 60000)
