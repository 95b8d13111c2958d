--- Tell the server where attention rests (`ghost/didFocus`), so it reads that place ahead.
---
--- Sent when a buffer is entered and when the cursor rests (CursorHold, CursorHoldI:
--- after 'updatetime'), at most once per position and buffer state. The server reads
--- the prompt for that place in the background while you read the code, so the first
--- suggestion there does not wait for it; any real request comes first. Off with
--- `warm_on_focus = false`.
local M = {}

--- The last place reported, per buffer: "row:col:changedtick".
M.last = {}

---@param bufnr integer
---@return boolean sent
function M.report(bufnr)
  local config = require("ghost_ls.config").options
  if not config.warm_on_focus or not vim.api.nvim_buf_is_valid(bufnr) then
    return false
  end
  if bufnr ~= vim.api.nvim_get_current_buf() or not vim.b[bufnr].ghost_ls_attached then
    return false
  end
  local client = require("ghost_ls.lsp").client_for(bufnr)
  if not client then
    return false
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local key = ("%d:%d:%d"):format(params.position.line, params.position.character,
    vim.api.nvim_buf_get_changedtick(bufnr))
  if M.last[bufnr] == key then
    return false
  end
  M.last[bufnr] = key
  local ok = pcall(require("ghost_ls.util").notify_server, client, "ghost/didFocus", {
    textDocument = params.textDocument,
    position = params.position,
  })
  return ok
end

---@param bufnr integer
function M.forget(bufnr)
  M.last[bufnr] = nil
end

return M
