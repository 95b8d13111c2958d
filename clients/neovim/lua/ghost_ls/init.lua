--- ghost-ls for Neovim: ghost-text code completion from a local model.
---
---   require("ghost_ls").setup({ ... })   -- see :help ghost_ls-config
---
--- Public functions below are stable; the modules under ghost_ls.* are internals.
local M = {}

M.did_setup = false

local function suggestion()
  return require("ghost_ls.suggestion")
end

local function on_buffer(bufnr)
  if vim.api.nvim_buf_is_valid(bufnr) and not vim.b[bufnr].ghost_ls_attached then
    suggestion().maybe_attach(bufnr)
  end
end

local function create_autocmds()
  local group = vim.api.nvim_create_augroup("GhostLs", { clear = true })
  local au = function(events, fn, opts)
    opts = opts or {}
    opts.group = group
    opts.callback = function(ev)
      local ok, err = pcall(fn, ev)
      if not ok then
        require("ghost_ls.util").notify_once("internal error in " .. tostring(ev.event) .. ": " .. tostring(err),
          vim.log.levels.ERROR)
      end
    end
    vim.api.nvim_create_autocmd(events, opts)
  end
  au("ColorScheme", function()
    require("ghost_ls.render").setup_highlights()
  end)
  au({ "FileType", "BufEnter" }, function(ev)
    on_buffer(ev.buf)
  end)
  au("InsertEnter", function(ev)
    if not suggestion().enabled_for(ev.buf) then
      return
    end
    if not require("ghost_ls.lsp").client_for(ev.buf) then
      vim.b[ev.buf].ghost_ls_attached = nil
      on_buffer(ev.buf) -- restarts a server that exited
    end
    if vim.b[ev.buf].ghost_ls_attached and not require("ghost_ls.native").active() then
      suggestion().schedule(ev.buf)
    end
  end)
  local function ours(ev)
    return vim.b[ev.buf].ghost_ls_attached and not require("ghost_ls.native").active()
  end
  au("TextChangedI", function(ev)
    if ours(ev) then
      suggestion().on_text_changed(ev.buf)
    end
  end)
  au("CursorMovedI", function(ev)
    if ours(ev) then
      suggestion().on_cursor_moved(ev.buf)
    end
  end)
  au({ "CompleteChanged", "CompleteDone" }, function(ev)
    if ours(ev) then
      vim.schedule(function()
        suggestion().refresh(ev.buf)
      end)
    end
  end)
  au({ "InsertLeave", "BufLeave" }, function(ev)
    suggestion().on_insert_leave(ev.buf)
  end)
  au({ "BufDelete", "BufWipeout" }, function(ev)
    suggestion().forget(ev.buf)
    require("ghost_ls.attention").forget(ev.buf)
  end)
  au({ "BufEnter", "CursorHold", "CursorHoldI" }, function(ev)
    require("ghost_ls.attention").report(ev.buf)
  end)
end

--- Configure and start. Safe to call again (the new config replaces the old one).
---@param opts? table see :help ghost_ls-config
function M.setup(opts)
  local config = require("ghost_ls.config")
  local keymaps = require("ghost_ls.keymaps")
  local keyed = {}
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.b[buf].ghost_ls_keys then
      keymaps.detach(buf) -- the keys may change: set them again below
      keyed[#keyed + 1] = buf
    end
  end
  local old_settings = config.options.server_settings
  local cfg = config.setup(opts)
  require("ghost_ls.lsp").update_settings(old_settings, cfg.server_settings)
  if cfg.renderer == "native" and not require("ghost_ls.native").available() then
    require("ghost_ls.util").notify('renderer = "native" needs Neovim 0.12+; using the plugin\'s renderer',
      vim.log.levels.WARN)
  end
  require("ghost_ls.render").setup_highlights()
  require("ghost_ls.commands").create()
  suggestion().global_enabled = cfg.enabled
  create_autocmds()
  M.did_setup = true
  for _, buf in ipairs(keyed) do
    if vim.api.nvim_buf_is_valid(buf) and vim.b[buf].ghost_ls_attached then
      keymaps.attach(buf)
    end
  end
  if cfg.enabled then
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(buf) then
        on_buffer(buf)
      end
    end
  end
  return M
end

--- Turn suggestions on (globally) and attach the loaded buffers.
function M.enable()
  if not M.did_setup then
    M.setup({ enabled = true })
    return
  end
  suggestion().global_enabled = true
  vim.b.ghost_ls_enabled = nil
  local native = require("ghost_ls.native")
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) then
      on_buffer(buf)
      if native.active() and vim.b[buf].ghost_ls_attached then
        native.attach(buf)
      end
    end
  end
  pcall(vim.cmd, "redrawstatus")
end

--- Turn suggestions off everywhere (the server keeps running, the model stays loaded).
function M.disable()
  suggestion().global_enabled = false
  suggestion().reset_all()
  local native = require("ghost_ls.native")
  if native.active() then
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.b[buf].ghost_ls_attached then
        native.detach(buf)
      end
    end
  end
  pcall(vim.cmd, "redrawstatus")
end

function M.toggle()
  if suggestion().global_enabled then
    M.disable()
  else
    M.enable()
  end
end

function M.is_enabled()
  return suggestion().global_enabled
end

--- Statusline component: "ghost-ls: ready" / "loading model" / "generating" / "error"
--- / "off"; empty in buffers ghost-ls does not serve.
function M.statusline()
  return require("ghost_ls.status").statusline()
end

--- The server status as last reported: { kind, message }.
function M.status()
  return vim.deepcopy(require("ghost_ls.status").current)
end

-- Actions, for your own mappings. Each returns true when it did something.
function M.accept() return suggestion().accept(nil, "all") end
function M.accept_word() return suggestion().accept(nil, "word") end
function M.accept_line() return suggestion().accept(nil, "line") end
function M.next() return suggestion().cycle(nil, 1) end
function M.prev() return suggestion().cycle(nil, -1) end
function M.dismiss() return suggestion().dismiss() end
function M.trigger() return suggestion().trigger() end

--- Whether a suggestion is shown in the current buffer.
function M.is_visible()
  return suggestion().visible() ~= nil
end

return M
