--- Server settings are the server's to check: the plugin passes `server_settings` on as
--- given, and the real `ghost-ls serve` (scripted backend) names an unknown key or a
--- wrong value in a `window/showMessage`, which Neovim shows (`:messages`), and uses
--- its default; at start (initializationOptions) and after setup() again
--- (workspace/didChangeConfiguration). Run by tests/nvim/test_nvim_server_settings.py.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/harness.lua")

local workdir = assert(os.getenv("GHOST_LS_TEST_DIR"), "GHOST_LS_TEST_DIR not set")
local server = assert(os.getenv("GHOST_LS_SERVER"), "GHOST_LS_SERVER not set")

--- The message history, as `:messages` shows it to the user.
local function messages()
  return vim.api.nvim_exec2("messages", { output = true }).output
end

--- Wait until `:messages` holds every one of `needles`; the history then.
local function wait_messages(needles)
  local found = H.wait_for(function()
    local text = messages()
    for _, needle in ipairs(needles) do
      if not text:find(needle, 1, true) then
        return false
      end
    end
    return true
  end, 10000)
  return found, messages()
end

local function server_settings(client)
  local resp = client:request_sync("ghost/status", vim.empty_dict(), 5000)
  return H.truthy(resp and resp.result and resp.result.settings, "ghost/status settings")
end

H.run(function()
  local ghost = require("ghost_ls")
  local lsp = require("ghost_ls.lsp")
  local cmd = { server, "serve" }

  H.test("wrong_settings_at_start_are_named_by_the_server", function(d)
    vim.fn.writefile({ "x = 1" }, workdir .. "/main.py")
    ghost.setup({ cmd = cmd, server_settings = { maxTokens = "many", bogusSetting = 1, streaming = true } })
    vim.cmd("edit " .. vim.fn.fnameescape(workdir .. "/main.py"))
    local client = H.truthy(H.wait_for(function()
      return lsp.get_client()
    end, 10000), "the server started")
    local found, text = wait_messages({ "unknown setting 'bogusSetting'", "maxTokens must be an integer, got 'many'" })
    d.messages = text
    H.truthy(found, "the server's messages are shown")
    local settings = server_settings(client)
    d.settings = { maxTokens = settings.maxTokens, streaming = settings.streaming }
    H.eq(settings.maxTokens, 64, "the server's default stands for the wrong value")
    H.eq(settings.streaming, true, "the valid setting given with them")
  end)

  H.test("wrong_settings_on_change_are_named_by_the_server", function(d)
    local client = H.truthy(lsp.get_client(), "the server runs")
    ghost.setup({ cmd = cmd, server_settings = { maxTokens = 16, threads = "two", otherBogus = true } })
    local found, text = wait_messages({ "unknown setting 'otherBogus'", "threads must be an integer, got 'two'" })
    d.messages = text
    H.truthy(found, "the server's messages are shown")
    local settings = server_settings(client)
    d.settings = { maxTokens = settings.maxTokens, threads = settings.threads }
    H.eq(settings.maxTokens, 16, "the valid setting given with them")
    H.eq(settings.threads, 0, "the server's default stands for the wrong value")
  end)
end, 60000)
