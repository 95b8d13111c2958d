--- Small helpers shared by the modules: version checks, position encodings,
--- LSP client calls that work on Neovim 0.10 and 0.11+, and messages.
local M = {}

M.has_011 = vim.fn.has("nvim-0.11") == 1
M.has_012 = vim.fn.has("nvim-0.12") == 1

--- Show a message to the user, prefixed with the plugin name. Never raises.
---@param msg string
---@param level? integer vim.log.levels.*
function M.notify(msg, level)
  vim.schedule(function()
    vim.notify("ghost-ls: " .. msg, level or vim.log.levels.INFO, { title = "ghost-ls" })
  end)
end

local notified = {}
--- Like notify, but each distinct message is shown once per session.
function M.notify_once(msg, level)
  if notified[msg] then
    return
  end
  notified[msg] = true
  M.notify(msg, level)
end

--- Byte column of the `index`-th `encoding` unit in `line` (clamped to the line).
---@param line string
---@param encoding string "utf-8"|"utf-16"|"utf-32"
---@param index integer
---@return integer
function M.byte_col(line, encoding, index)
  if index <= 0 then
    return 0
  end
  if encoding == "utf-8" then
    return math.min(index, #line)
  end
  local ok, col
  if M.has_011 then
    ok, col = pcall(vim.str_byteindex, line, encoding, index, false)
  else
    ok, col = pcall(vim.str_byteindex, line, index, encoding == "utf-16")
  end
  if not ok or type(col) ~= "number" then
    return #line
  end
  return math.min(col, #line)
end

--- Length of `text` in UTF-16 code units (LSP's default encoding).
---@param text string
---@return integer
function M.utf16_len(text)
  if text == "" then
    return 0
  end
  if M.has_011 then
    local ok, n = pcall(vim.str_utfindex, text, "utf-16")
    if ok then
      return n
    end
  else
    local ok, _, n = pcall(vim.str_utfindex, text)
    if ok then
      return n
    end
  end
  return #text
end

--- client:request on 0.11+, client.request on 0.10.
---@return boolean ok, integer? request_id
function M.request(client, method, params, handler, bufnr)
  if M.has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.notify_server(client, method, params)
  if M.has_011 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.cancel(client, id)
  if M.has_011 then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

function M.is_stopped(client)
  if M.has_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

function M.stop(client, force)
  if M.has_011 then
    return client:stop(force)
  end
  return client.stop(force)
end

--- Cursor of the current window as 0-based row and byte column.
---@return integer row, integer col
function M.cursor()
  local pos = vim.api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

function M.in_insert_mode()
  local mode = vim.api.nvim_get_mode().mode
  return mode == "i" or mode == "ic" or mode == "ix"
end

return M
