--- Server status as the statusline shows it, fed by `ghost/didChangeStatus`.
local M = {}

---@alias ghost_ls.StatusKind "off"|"starting"|"loading"|"ready"|"generating"|"error"

---@type { kind: ghost_ls.StatusKind, message: string }
M.current = { kind = "off", message = "not started" }

local labels = {
  off = "off",
  starting = "starting",
  loading = "loading model",
  ready = "ready",
  generating = "generating",
  error = "error",
}

--- Record a new status, redraw statuslines and fire `User GhostLsStatus`.
---@param kind ghost_ls.StatusKind
---@param message? string
function M.set(kind, message)
  if labels[kind] == nil then
    kind = "error"
    message = ("unknown status %s"):format(vim.inspect(kind))
  end
  local changed = M.current.kind ~= kind or M.current.message ~= (message or "")
  M.current = { kind = kind, message = message or "" }
  if changed then
    vim.schedule(function()
      pcall(vim.cmd, "redrawstatus")
      pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "GhostLsStatus", modeline = false })
    end)
  end
end

--- Short label for a status kind ("ready", "loading model", ...).
function M.label(kind)
  return labels[kind or M.current.kind] or tostring(kind)
end

--- Statusline text: "ghost-ls: ready" etc. Empty for buffers the plugin does not
--- serve, except for errors, which show everywhere.
---@param bufnr? integer
---@return string
function M.statusline(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local kind = M.current.kind
  if kind ~= "error" and not vim.b[bufnr].ghost_ls_attached then
    return ""
  end
  if kind ~= "error" and not require("ghost_ls.suggestion").enabled_for(bufnr) then
    return "ghost-ls: off"
  end
  return "ghost-ls: " .. M.label(kind)
end

return M
