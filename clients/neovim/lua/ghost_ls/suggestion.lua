--- The suggestion life cycle for the plugin's own renderer: attaching buffers,
--- drawing the current suggestion, and the actions (accept, dismiss, trigger, cycle).
--- Requests live in ghost_ls.requests, the per-buffer state and the "still shown?"
--- rule in ghost_ls.state, accepting in ghost_ls.accept.
local config = require("ghost_ls.config")
local items_mod = require("ghost_ls.items")
local lsp = require("ghost_ls.lsp")
local render = require("ghost_ls.render")
local requests = require("ghost_ls.requests")
local state = require("ghost_ls.state")
local util = require("ghost_ls.util")

local api = vim.api

local M = {}

M.INVOKED, M.AUTOMATIC = requests.INVOKED, requests.AUTOMATIC
M.stats = state.stats
M.request = requests.request
M.schedule = requests.schedule
M.cancel = requests.cancel
M.on_partial = requests.on_partial

--- Global switch (:GhostLs enable|disable|toggle); vim.b.ghost_ls_enabled = false
--- turns one buffer off.
M.global_enabled = true

--- The last error a request got (for :GhostLs status).
function M.last_error()
  return state.last_error
end

function M.enabled_for(bufnr)
  return M.global_enabled and vim.b[bufnr].ghost_ls_enabled ~= false
end

--- Whether `bufnr` should get suggestions by the filetype rules of the config.
function M.wants(bufnr)
  if not api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return false
  end
  if api.nvim_buf_get_name(bufnr) == "" then
    return false
  end
  local ft = vim.bo[bufnr].filetype
  local cfg = config.options
  if ft == "" or vim.tbl_contains(cfg.disabled_filetypes, ft) then
    return false
  end
  if not (vim.tbl_contains(cfg.filetypes, "*") or vim.tbl_contains(cfg.filetypes, ft)) then
    return false
  end
  if cfg.should_attach then
    local ok, wanted = pcall(cfg.should_attach, bufnr)
    return ok and wanted and true or false
  end
  return true
end

--- Attach the server and the keys to `bufnr` when the rules want it.
function M.maybe_attach(bufnr)
  if not M.global_enabled or not M.wants(bufnr) then
    return false
  end
  if lsp.attach(bufnr) == nil then
    return false
  end
  require("ghost_ls.keymaps").attach(bufnr)
  if require("ghost_ls.native").active() then
    require("ghost_ls.native").attach(bufnr)
  end
  return true
end

--- Redraw `bufnr` from its state; drops a suggestion that no longer matches.
---@return table? view
function M.refresh(bufnr)
  local s = state.peek(bufnr)
  local view = state.current_view(bufnr)
  if not view then
    if s then
      s.sugg = nil
    end
    render.clear(bufnr)
    return nil
  end
  if state.hidden_by_popup() then
    render.clear(bufnr)
    return nil
  end
  render.show(bufnr, view)
  local sugg = s.sugg
  if view.item.raw and not sugg.shown[sugg.index] then
    sugg.shown[sugg.index] = true
    state.stats.shown = state.stats.shown + 1
    lsp.notify("textDocument/didShowCompletion", { item = view.item.raw })
  end
  return view
end

--- The suggestion on screen in `bufnr` (nil when none is shown).
function M.visible(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  if state.hidden_by_popup() then
    return nil
  end
  return state.current_view(bufnr)
end

-- Actions ----------------------------------------------------------------------------

--- Forget the suggestion of `bufnr` and its ghost text (the request stays).
function M.drop(bufnr)
  if state.peek(bufnr) then
    state.peek(bufnr).sugg = nil
  end
  render.clear(bufnr)
end

--- Accept all, a word or a line of the suggestion on screen (see ghost_ls.accept).
---@param how? "all"|"word"|"line"
function M.accept(bufnr, how)
  return require("ghost_ls.accept").accept(bufnr or api.nvim_get_current_buf(), how)
end

--- Hide the suggestion and cancel the request in flight.
---@return boolean dismissed whether something was shown
function M.dismiss(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  local shown = M.visible(bufnr) ~= nil
  requests.stop_timer()
  M.cancel(bufnr)
  if state.peek(bufnr) then
    state.peek(bufnr).sugg = nil
  end
  render.clear(bufnr)
  return shown
end

--- Ask for a suggestion now (Invoked: the server may return several candidates).
function M.trigger(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  requests.stop_timer()
  return requests.request(bufnr, requests.INVOKED)
end

--- Show the next (`direction` 1) or previous (-1) candidate; fetch candidates first
--- when only one is known.
function M.cycle(bufnr, direction)
  bufnr = bufnr or api.nvim_get_current_buf()
  local s = state.peek(bufnr)
  local view = state.current_view(bufnr)
  if view and s.sugg.fetched and #s.sugg.items > 1 then
    local n = #s.sugg.items
    local index = s.sugg.index
    for _ = 1, n - 1 do
      index = (index - 1 + direction) % n + 1
      local item = s.sugg.items[index]
      if #item.text > #view.typed and item.text:sub(1, #view.typed) == view.typed then
        s.sugg.index = index
        M.refresh(bufnr)
        return true
      end
    end
    return true
  end
  requests.stop_timer()
  return requests.request(bufnr, requests.INVOKED, { cycle = direction })
end

--- Forget everything about `bufnr` (its suggestion, request, ghost text).
function M.reset(bufnr)
  M.cancel(bufnr)
  if state.peek(bufnr) then
    state.peek(bufnr).sugg = nil
  end
  render.clear(bufnr)
end

function M.reset_all()
  requests.stop_timer()
  for bufnr in pairs(state.buffers) do
    if api.nvim_buf_is_valid(bufnr) then
      M.reset(bufnr)
    end
  end
  state.buffers = {}
end

--- Show `items` (wire InlineCompletionItems) at the cursor as if the server had sent
--- them. For tests and for other sources of suggestions.
function M.show_items(bufnr, raw_items, encoding)
  local row, col = util.cursor()
  local items = {}
  for _, raw in ipairs(raw_items) do
    local item = items_mod.normalize(bufnr, raw, row, col, encoding or "utf-16")
    if item then
      items[#items + 1] = item
    end
  end
  if #items == 0 then
    return nil
  end
  local sugg = state.new_suggestion(bufnr, items, row, col)
  sugg.fetched = #items > 1
  state.get(bufnr).sugg = sugg
  return M.refresh(bufnr)
end

-- Events -----------------------------------------------------------------------------

function M.on_text_changed(bufnr)
  M.refresh(bufnr)
  M.schedule(bufnr)
end

function M.on_cursor_moved(bufnr)
  if not M.refresh(bufnr) then
    M.schedule(bufnr)
  end
end

function M.on_insert_leave(bufnr)
  requests.stop_timer()
  M.reset(bufnr)
end

function M.forget(bufnr)
  M.cancel(bufnr)
  state.buffers[bufnr] = nil
end

return M
