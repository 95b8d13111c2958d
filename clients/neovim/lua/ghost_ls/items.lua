--- Wire InlineCompletionItems to the plugin's items: the text to insert at the cursor
--- and the characters right of the cursor it replaces (its `range`).
local util = require("ghost_ls.util")

local api = vim.api
local M = {}

---@class ghost_ls.Item
---@field raw table?     the InlineCompletionItem as received (nil while streaming)
---@field text string    text to insert at the anchor
---@field covered string characters right of the anchor that the item replaces

--- Turn a wire item into an Item anchored at (row, col), or nil if unusable.
function M.normalize(bufnr, raw, row, col, encoding)
  if type(raw) ~= "table" then
    return nil
  end
  local text = raw.insertText
  if type(text) == "table" then
    text = text.value -- a StringValue (snippet): shown and inserted as plain text
  end
  if type(text) ~= "string" then
    return nil
  end
  text = text:gsub("\r\n", "\n")
  local covered = ""
  local range = raw.range
  if type(range) == "table" and range.start and range["end"] then
    if range.start.line ~= row or range["end"].line ~= row then
      return nil -- PROTOCOL.md: the range is always on the cursor's line
    end
    local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
    local s = util.byte_col(line, encoding, range.start.character)
    local e = util.byte_col(line, encoding, range["end"].character)
    if s < col then -- the item repeats text left of the cursor: drop that part
      local before = line:sub(s + 1, col)
      if text:sub(1, #before) ~= before then
        return nil
      end
      text = text:sub(#before + 1)
    elseif s > col then
      return nil
    end
    if e > col then
      covered = line:sub(col + 1, e)
    end
  end
  if text == "" then
    return nil
  end
  return { raw = raw, text = text, covered = covered }
end

return M
