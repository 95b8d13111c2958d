--- :checkhealth ghost_ls
local M = {}

local function check_version(h)
  local v = vim.version()
  local version = ("%d.%d.%d"):format(v.major, v.minor, v.patch)
  if vim.fn.has("nvim-0.10") == 0 then
    h.error("Neovim " .. version .. " is too old: ghost text needs inline virtual text (0.10+)",
      { "Upgrade Neovim to 0.10 or newer" })
  elseif vim.fn.has("nvim-0.12") == 1 then
    h.ok("Neovim " .. version .. " (renderer = \"native\" may use vim.lsp.inline_completion)")
  else
    h.ok("Neovim " .. version)
  end
end

local function check_config(h)
  local config = require("ghost_ls.config")
  if not require("ghost_ls").did_setup then
    h.warn("require('ghost_ls').setup{} has not been called", {
      "Call it from your config (lazy.nvim: `opts = {}` or `config = function() ... end`)",
    })
    return
  end
  if config.problems and #config.problems > 0 then
    for _, problem in ipairs(config.problems) do
      h.warn("config: " .. problem, { "Fix it in setup{}; see :help ghost_ls-config" })
    end
  else
    h.ok("config valid")
  end
  local opts = config.options
  if opts.renderer == "native" and not require("ghost_ls.native").available() then
    h.warn("renderer = \"native\" needs Neovim 0.12 (vim.lsp.inline_completion); using the plugin's renderer")
  end
  h.info(("renderer: %s, debounce %d ms, auto_trigger %s"):format(
    require("ghost_ls.native").active() and "native" or "extmark", opts.debounce_ms, tostring(opts.auto_trigger)))
end

local function check_server(h)
  local config = require("ghost_ls.config")
  local cmd, tried = config.server_cmd()
  if not cmd then
    h.error("server executable not found (tried " .. table.concat(tried, ", ") .. ")", {
      "Install the server from a checkout or its git URL: pipx install /path/to/ghost-ls (or uv tool install git+URL), so `ghost-ls` is on PATH",
      "Or point the plugin at it: require('ghost_ls').setup{ cmd = { '/path/to/ghost-ls', 'serve' } }",
    })
    return
  end
  if vim.fn.executable(cmd[1]) ~= 1 then
    h.error(cmd[1] .. " is not executable", { "Check the path in `cmd`, or chmod +x it" })
    return
  end
  h.ok("server command: " .. table.concat(cmd, " "))
  local ok, res = pcall(vim.system, { cmd[1], "--version" }, { text = true })
  if ok then
    local done = res:wait(5000)
    if done and done.code == 0 then
      h.info("version: " .. vim.trim(done.stdout or ""))
    else
      h.warn(cmd[1] .. " --version failed: " .. vim.trim((done and done.stderr) or "timed out"), {
        "Run it in a terminal to see the error; reinstall ghost-ls if it fails to import",
      })
    end
  end
end

local function check_running(h)
  local lsp = require("ghost_ls.lsp")
  local status = require("ghost_ls.status")
  local client = lsp.get_client()
  local current = status.current
  if not client then
    if current.kind == "error" then
      h.error("server: " .. current.message, { "See :GhostLs log, then :GhostLs restart" })
    else
      h.info("server not running (it starts when you open a file of an enabled filetype)")
    end
    return
  end
  h.ok(("server running (client id %d), status: %s%s"):format(client.id, status.label(),
    current.message ~= "" and (" - " .. current.message) or ""))
  if current.kind == "error" then
    h.error("server reports an error: " .. current.message, { "Do what the message says; :GhostLs log has details" })
  elseif current.kind == "loading" then
    h.info("the model is still loading; suggestions start when it is ready")
  end
  local util = require("ghost_ls.util")
  local ok, resp = pcall(function()
    if util.has_011 then
      return client:request_sync("ghost/status", vim.empty_dict(), 3000)
    end
    return client.request_sync("ghost/status", vim.empty_dict(), 3000)
  end)
  local result = ok and resp and resp.result
  local failure = ok and resp and resp.err
  if failure then
    h.warn("ghost/status failed: " .. tostring(failure.message or vim.inspect(failure)),
      { "Update ghost-ls; :GhostLs log may say more" })
  elseif result then
    h.info(("model %s, %s"):format(tostring(result.model), require("ghost_ls.commands").engine_line(result)))
    if result.lastLatencyMs ~= nil and result.lastLatencyMs ~= vim.NIL then
      h.info(("last latency %s ms, %s tokens/s"):format(tostring(result.lastLatencyMs), tostring(result.tokensPerSecond)))
    end
  else
    h.warn("ghost/status did not answer within 3 s", { "The server may be busy loading the model; try again" })
  end
end

function M.check()
  local h = vim.health
  h.start("ghost-ls: Neovim")
  check_version(h)
  h.start("ghost-ls: configuration")
  check_config(h)
  h.start("ghost-ls: server")
  check_server(h)
  check_running(h)
end

return M
