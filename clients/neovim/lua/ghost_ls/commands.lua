--- :GhostLs enable|disable|toggle|status|log|restart
local M = {}

local subcommands = { "enable", "disable", "toggle", "status", "log", "restart" }

--- One line on the engine: a remote server's endpoint, or the local engine's GPU use
--- (ghost/status sends only the fields true for its backend).
function M.engine_line(result)
  if type(result.endpoint) == "string" then
    return ("backend: %s at %s"):format(tostring(result.backend), result.endpoint)
  end
  return ("backend: %s, GPU offload %s, gpu layers %s"):format(
    tostring(result.backend), tostring(result.gpuOffloadSupported), tostring(result.gpuLayers))
end

local function lines_of_status(result, err)
  local ghost = require("ghost_ls")
  local status = require("ghost_ls.status")
  local suggestion = require("ghost_ls.suggestion")
  local lsp = require("ghost_ls.lsp")
  local client = lsp.get_client()
  local out = {
    ("plugin: %s%s"):format(ghost.is_enabled() and "enabled" or "disabled",
      vim.b.ghost_ls_enabled == false and " (off in this buffer)" or ""),
    ("server: %s%s"):format(status.label(), status.current.message ~= "" and (" - " .. status.current.message) or ""),
    ("client: %s"):format(client and ("id %d, %s"):format(client.id, table.concat(client.config.cmd or {}, " ")) or "not running"),
    ("this buffer: %s"):format(vim.b.ghost_ls_attached and "attached" or "not attached"),
  }
  local s = suggestion.stats
  out[#out + 1] = ("requests %d, answers %d, stale %d, cancelled %d, shown %d, accepted %d"):format(
    s.requests, s.responses, s.stale, s.cancelled, s.shown, s.accepted)
  if suggestion.last_error() then
    out[#out + 1] = "last error: " .. suggestion.last_error()
  end
  if result then
    out[#out + 1] = ("model: %s"):format(tostring(result.model))
      .. (type(result.modelPath) == "string" and (" (%s)"):format(result.modelPath) or "")
    out[#out + 1] = M.engine_line(result)
    out[#out + 1] = ("last latency %s ms, %s tokens/s, cache hit rate %s, tokens reused %s"):format(
      tostring(result.lastLatencyMs), tostring(result.tokensPerSecond), tostring(result.cacheHitRate),
      tostring(result.tokensReused))
  elseif err and client then
    out[#out + 1] = "ghost/status: " .. tostring(err)
  end
  return out
end

function M.status()
  require("ghost_ls.lsp").server_status(function(err, result)
    vim.schedule(function()
      vim.notify(table.concat(lines_of_status(result, err), "\n"), vim.log.levels.INFO, { title = "ghost-ls" })
    end)
  end)
end

function M.log()
  local path = vim.lsp.get_log_path()
  vim.cmd("tabnew " .. vim.fn.fnameescape(path))
  vim.bo.readonly = true
  vim.cmd("normal! G")
  vim.notify("ghost-ls: the server's stderr is in Neovim's LSP log (lines with [ghost_ls]); "
    .. "raise detail with vim.lsp.set_log_level('debug')", vim.log.levels.INFO)
end

function M.run(args)
  local ghost = require("ghost_ls")
  local sub = args.fargs[1] or "status"
  if sub == "enable" then
    ghost.enable()
  elseif sub == "disable" then
    ghost.disable()
  elseif sub == "toggle" then
    ghost.toggle()
  elseif sub == "status" then
    M.status()
  elseif sub == "log" then
    M.log()
  elseif sub == "restart" then
    require("ghost_ls.lsp").restart(vim.api.nvim_get_current_buf())
  else
    vim.notify(("ghost-ls: unknown subcommand %q; use one of: %s"):format(sub, table.concat(subcommands, ", ")),
      vim.log.levels.WARN)
  end
end

function M.create()
  vim.api.nvim_create_user_command("GhostLs", function(args)
    M.run(args)
  end, {
    nargs = "?",
    desc = "ghost-ls: enable|disable|toggle|status|log|restart",
    complete = function(lead)
      return vim.tbl_filter(function(s)
        return vim.startswith(s, lead)
      end, subcommands)
    end,
  })
end

return M
