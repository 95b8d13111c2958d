--- Ghost text with extmarks: the first line inline at the cursor, further lines as
--- virtual lines below it. Pure drawing: no state beyond the extmarks themselves.
local M = {}

M.ns = vim.api.nvim_create_namespace("ghost_ls")

function M.setup_highlights()
  vim.api.nvim_set_hl(0, "GhostLsSuggestion", { link = "Comment", default = true })
  vim.api.nvim_set_hl(0, "GhostLsAnnotation", { link = "NonText", default = true })
end

local function expand_tabs(line, bufnr)
  if not line:find("\t", 1, true) then
    return line
  end
  local ts = vim.bo[bufnr].tabstop
  return (line:gsub("\t", string.rep(" ", ts > 0 and ts or 8)))
end

---@class ghost_ls.View
---@field row integer      0-based row of the cursor
---@field col integer      byte column of the cursor
---@field text string      what accepting now would insert
---@field covered string   characters right of the cursor the suggestion replaces
---@field index integer    candidate number (1-based)
---@field count integer    number of candidates

--- Draw `view` in `bufnr`, replacing what was drawn before.
---@param bufnr integer
---@param view ghost_ls.View
function M.show(bufnr, view)
  M.clear(bufnr)
  local lines = vim.split(view.text, "\n", { plain = true })
  local first = lines[1]
  -- The replaced closing characters stay on screen: do not draw them twice.
  if #lines == 1 and view.covered ~= "" and vim.endswith(first, view.covered) then
    first = first:sub(1, #first - #view.covered)
  end
  local opts = { hl_mode = "combine", priority = 200 }
  if first ~= "" then
    opts.virt_text = { { expand_tabs(first, bufnr), "GhostLsSuggestion" } }
    opts.virt_text_pos = "inline"
  end
  if #lines > 1 then
    local virt_lines = {}
    for i = 2, #lines do
      virt_lines[#virt_lines + 1] = { { expand_tabs(lines[i], bufnr), "GhostLsSuggestion" } }
    end
    opts.virt_lines = virt_lines
  end
  if opts.virt_text or opts.virt_lines then
    pcall(vim.api.nvim_buf_set_extmark, bufnr, M.ns, view.row, view.col, opts)
  end
  if (view.count or 1) > 1 then
    pcall(vim.api.nvim_buf_set_extmark, bufnr, M.ns, view.row, 0, {
      virt_text = { { (" %d/%d"):format(view.index, view.count), "GhostLsAnnotation" } },
      virt_text_pos = "eol",
      hl_mode = "combine",
    })
  end
end

--- Remove the ghost text from `bufnr`.
function M.clear(bufnr)
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
end

--- The ghost text currently drawn in `bufnr` (for tests and :GhostLs status):
--- { row, col, lines = { first, ... } } or nil.
function M.get(bufnr)
  local marks = vim.api.nvim_buf_get_extmarks(bufnr, M.ns, 0, -1, { details = true })
  for _, mark in ipairs(marks) do
    local details = mark[4]
    if details.virt_text_pos == "inline" or details.virt_lines then
      local lines = { "" }
      if details.virt_text_pos == "inline" and details.virt_text then
        lines[1] = details.virt_text[1][1]
      end
      for _, vl in ipairs(details.virt_lines or {}) do
        lines[#lines + 1] = vl[1][1]
      end
      return { row = mark[2], col = mark[3], lines = lines }
    end
  end
  return nil
end

return M
