--- Accepting a suggestion: all of it, its next word or its next line. Inserting part
--- of a suggestion is typing through it, so ghost_ls.suggestion keeps the rest shown.
local lsp = require("ghost_ls.lsp")
local util = require("ghost_ls.util")

local api = vim.api
local M = {}

--- The next word of `text`: leading blanks (newlines too), a run of word characters
--- or of punctuation, and the spaces after it.
function M.next_word(text)
  local lead = text:match("^%s*")
  local rest = text:sub(#lead + 1)
  local word = rest:match("^[%w_\128-\255]+") or rest:match("^[^%w_%s\128-\255]+") or ""
  local trail = rest:sub(#word + 1):match("^[ \t]*")
  return lead .. word .. trail
end

--- The rest of the current line of `text`; at a line break, the break and the next line.
function M.next_line(text)
  if text:sub(1, 1) == "\n" then
    return "\n" .. text:sub(2):match("^[^\n]*")
  end
  return text:match("^[^\n]*")
end

local function break_undo()
  -- Setting 'undolevels' to itself closes the undo block: the accepted text becomes
  -- its own undo step, like <C-g>u would make it.
  vim.cmd("let &g:undolevels = &g:undolevels")
end

local function run_command(bufnr, item)
  local command = item.raw and item.raw.command
  if type(command) ~= "table" or type(command.command) ~= "string" then
    return
  end
  local client = lsp.client_for(bufnr)
  if client then
    pcall(util.request, client, "workspace/executeCommand",
      { command = command.command, arguments = command.arguments }, function() end, bufnr)
  end
end

--- Accept all, a word or a line of the suggestion on screen.
---@param how? "all"|"word"|"line"
---@return boolean accepted
function M.accept(bufnr, how)
  local suggestion = require("ghost_ls.suggestion")
  local view = suggestion.visible(bufnr)
  if not view then
    return false
  end
  local part = view.text
  if how == "word" then
    part = M.next_word(view.text)
  elseif how == "line" then
    part = M.next_line(view.text)
  end
  if part == "" then
    part = view.text
  end
  local final = #part >= #view.text
  local end_col = view.col
  local line = api.nvim_get_current_line()
  if final and view.covered ~= "" and line:sub(view.col + 1, view.col + #view.covered) == view.covered then
    end_col = view.col + #view.covered
  end
  if final then
    suggestion.drop(bufnr)
  end
  local lines = vim.split(part, "\n", { plain = true })
  break_undo()
  api.nvim_buf_set_text(bufnr, view.row, view.col, view.row, end_col, lines)
  local row = view.row + #lines - 1
  local col = (#lines == 1 and view.col or 0) + #lines[#lines]
  api.nvim_win_set_cursor(0, { row + 1, col })
  suggestion.stats.accepted = suggestion.stats.accepted + 1
  if final then
    run_command(bufnr, view.item)
  else
    if view.item.raw then
      lsp.notify("textDocument/didPartiallyAcceptCompletion", {
        item = view.item.raw,
        acceptedLength = util.utf16_len(view.typed .. part),
      })
    end
    suggestion.refresh(bufnr)
  end
  return true
end

return M
