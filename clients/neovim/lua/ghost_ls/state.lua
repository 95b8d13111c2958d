--- Per-buffer suggestion state, and the rule that decides what is on screen.
---
--- A suggestion stays shown while the text typed since it was asked for (buffer text
--- from its anchor to the cursor) is a prefix of it and the text right of the cursor
--- is what it was. Accepting part of a suggestion is typing through it, so the rest
--- stays on screen without a new request.
local config = require("ghost_ls.config")
local util = require("ghost_ls.util")

local api = vim.api
local M = {}

--- Counters for :GhostLs status and tests.
M.stats = { requests = 0, responses = 0, stale = 0, cancelled = 0, errors = 0, shown = 0, accepted = 0 }
M.last_error = nil ---@type string?

---@class ghost_ls.Suggestion
---@field items ghost_ls.Item[]
---@field index integer
---@field row integer    anchor: the cursor when it was asked for
---@field col integer
---@field right string   text right of the anchor on its line
---@field shown table<integer, boolean>  didShowCompletion sent for this index
---@field fetched boolean  candidates of an Invoked request are in `items`

---@type table<integer, { sugg: ghost_ls.Suggestion?, req: table? }>
M.buffers = {}

--- The state of `bufnr`, created on first use.
function M.get(bufnr)
  local s = M.buffers[bufnr]
  if not s then
    s = {}
    M.buffers[bufnr] = s
  end
  return s
end

--- The state of `bufnr`, or nil.
function M.peek(bufnr)
  return M.buffers[bufnr]
end

--- A suggestion of `items` anchored at (row, col) of `bufnr`.
function M.new_suggestion(bufnr, items, row, col)
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
  return { items = items, index = 1, row = row, col = col, right = line:sub(col + 1), shown = {}, fetched = false }
end

local function count_newlines(s)
  local _, n = s:gsub("\n", "")
  return n
end

--- What the current suggestion of `bufnr` shows at the cursor now, or nil.
---@return table? view { row, col, text, covered, typed, item, index, count }
function M.current_view(bufnr)
  local s = M.buffers[bufnr]
  local sugg = s and s.sugg
  if not sugg or api.nvim_get_current_buf() ~= bufnr or not util.in_insert_mode() then
    return nil
  end
  local item = sugg.items[sugg.index]
  if not item then
    return nil
  end
  local row, col = util.cursor()
  if row < sugg.row or (row == sugg.row and col < sugg.col) then
    return nil
  end
  if row - sugg.row > count_newlines(item.text) then
    return nil
  end
  local typed = table.concat(api.nvim_buf_get_text(bufnr, sugg.row, sugg.col, row, col, {}), "\n")
  if #typed >= #item.text or item.text:sub(1, #typed) ~= typed then
    return nil
  end
  if api.nvim_get_current_line():sub(col + 1) ~= sugg.right then
    return nil
  end
  return {
    row = row,
    col = col,
    text = item.text:sub(#typed + 1),
    covered = item.covered,
    typed = typed,
    item = item,
    index = sugg.index,
    count = #sugg.items,
  }
end

function M.hidden_by_popup()
  return config.options.hide_during_completion and vim.fn.pumvisible() == 1
end

return M
