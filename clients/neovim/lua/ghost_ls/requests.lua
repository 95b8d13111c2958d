--- Requests to the server: debounced, one in flight per buffer (a new one cancels the
--- old with $/cancelRequest), answers dropped when the buffer or cursor changed since,
--- Invoked requests for cycling, and streamed partial text.
local config = require("ghost_ls.config")
local items_mod = require("ghost_ls.items")
local lsp = require("ghost_ls.lsp")
local state = require("ghost_ls.state")
local util = require("ghost_ls.util")

local api = vim.api
local uv = vim.uv or vim.loop

local M = {}

M.INVOKED, M.AUTOMATIC = 1, 2
local INVOKED, AUTOMATIC = M.INVOKED, M.AUTOMATIC

local timer = nil

local function suggestion()
  return require("ghost_ls.suggestion")
end

--- Cancel the request in flight for `bufnr`, if any.
function M.cancel(bufnr)
  local s = state.peek(bufnr)
  local req = s and s.req
  if not req then
    return
  end
  s.req = nil
  local client = vim.lsp.get_client_by_id(req.client_id)
  if client and req.id then
    state.stats.cancelled = state.stats.cancelled + 1
    pcall(util.cancel, client, req.id)
  end
end

function M.stop_timer()
  if timer then
    timer:stop()
  end
end

--- Whether nothing is on its way to `bufnr`: no request waits for its debounce or for
--- its answer, so nothing will be shown there until the user does something.
function M.idle(bufnr)
  local s = state.peek(bufnr)
  return not (timer and timer:is_active()) and not (s and s.req)
end

--- Candidates after an Invoked request made for cycling: the one on screen first.
local function merge_for_cycle(bufnr, items, direction)
  local view = state.current_view(bufnr)
  if not view then
    return items, 1
  end
  local merged = {}
  for _, item in ipairs(items) do
    if item.text == view.text then
      table.insert(merged, 1, item)
    else
      merged[#merged + 1] = item
    end
  end
  if not merged[1] or merged[1].text ~= view.text then
    table.insert(merged, 1, { raw = view.item.raw, text = view.text, covered = view.covered })
  end
  if #merged == 1 then
    return merged, 1
  end
  return merged, direction > 0 and 2 or #merged
end

local function on_response(bufnr, req, err, result)
  local s = state.peek(bufnr)
  if not s or s.req ~= req then
    return -- superseded or cancelled
  end
  s.req = nil
  state.stats.responses = state.stats.responses + 1
  if err then
    if err.code ~= -32800 then
      state.stats.errors = state.stats.errors + 1
      state.last_error = tostring(err.message or vim.inspect(err))
    end
    return
  end
  if not api.nvim_buf_is_valid(bufnr) or api.nvim_get_current_buf() ~= bufnr or not util.in_insert_mode() then
    state.stats.stale = state.stats.stale + 1
    return
  end
  local row, col = util.cursor()
  if api.nvim_buf_get_changedtick(bufnr) ~= req.tick or row ~= req.row or col ~= req.col then
    state.stats.stale = state.stats.stale + 1
    return
  end
  local client = vim.lsp.get_client_by_id(req.client_id)
  local encoding = client and client.offset_encoding or "utf-16"
  local items = {}
  local list = type(result) == "table" and (result.items or result) or {}
  for _, raw in ipairs(list) do
    local item = items_mod.normalize(bufnr, raw, row, col, encoding)
    if item then
      items[#items + 1] = item
    end
  end
  local index = 1
  if req.cycle then
    items, index = merge_for_cycle(bufnr, items, req.cycle)
  end
  if #items == 0 then
    suggestion().refresh(bufnr) -- keep a suggestion being typed through; the server had nothing new
    return
  end
  local sugg = state.new_suggestion(bufnr, items, row, col)
  sugg.index = index
  sugg.fetched = req.kind == INVOKED
  s.sugg = sugg
  suggestion().refresh(bufnr)
end

--- Ask the server now. `opts.cycle` (+1/-1) selects the next/previous candidate.
---@param bufnr integer
---@param kind integer 1 Invoked, 2 Automatic
---@param opts? { cycle?: integer }
---@return boolean sent
function M.request(bufnr, kind, opts)
  if not suggestion().enabled_for(bufnr) then
    return false
  end
  local client = lsp.client_for(bufnr)
  if not client then
    if not suggestion().maybe_attach(bufnr) then
      return false
    end
    client = lsp.client_for(bufnr)
    if not client then
      return false
    end
  end
  M.cancel(bufnr)
  local row, col = util.cursor()
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = kind }
  local req = {
    client_id = client.id,
    tick = api.nvim_buf_get_changedtick(bufnr),
    row = row,
    col = col,
    kind = kind,
    cycle = opts and opts.cycle,
  }
  local s = state.get(bufnr)
  s.req = req
  local ok, id = util.request(client, "textDocument/inlineCompletion", params, function(err, result)
    on_response(bufnr, req, err, result)
  end, bufnr)
  if not ok then
    s.req = nil
    return false
  end
  req.id = id
  state.stats.requests = state.stats.requests + 1
  return true
end

--- Ask after the debounce delay (typing restarts the delay).
function M.schedule(bufnr)
  if not config.options.auto_trigger or not suggestion().enabled_for(bufnr) then
    return
  end
  timer = timer or uv.new_timer()
  timer:stop()
  timer:start(config.options.debounce_ms, 0, vim.schedule_wrap(function()
    if api.nvim_buf_is_valid(bufnr) and api.nvim_get_current_buf() == bufnr and util.in_insert_mode() then
      M.request(bufnr, AUTOMATIC)
    end
  end))
end

--- `ghost/partialCompletion`: show the text so far of the request in flight.
function M.on_partial(params, client_id)
  if type(params.text) ~= "string" or params.text == "" then
    return
  end
  for bufnr, s in pairs(state.buffers) do
    local req = s.req
    if req and req.id == params.id and (client_id == nil or req.client_id == client_id) then
      if api.nvim_get_current_buf() ~= bufnr or not util.in_insert_mode() then
        return
      end
      local row, col = util.cursor()
      if api.nvim_buf_get_changedtick(bufnr) ~= req.tick or row ~= req.row or col ~= req.col then
        return
      end
      local view = state.current_view(bufnr)
      local text = params.text:gsub("\r\n", "\n")
      if view and vim.startswith(view.text, text) then
        return -- what is shown already says more
      end
      s.sugg = state.new_suggestion(bufnr, { { raw = nil, text = text, covered = "" } }, row, col)
      suggestion().refresh(bufnr)
      return
    end
  end
end

return M
