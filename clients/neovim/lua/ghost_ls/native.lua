--- `renderer = "native"`: Neovim 0.12's built-in vim.lsp.inline_completion draws and
--- accepts the suggestion; this module only enables it and maps the keys it supports
--- (accept, next, prev). Word/line accept, dismiss, manual trigger and streaming are
--- features of the plugin's own renderer.
local config = require("ghost_ls.config")
local util = require("ghost_ls.util")

local M = {}

--- Whether the native renderer is in use (asked for and available).
function M.active()
  local want = config.options.renderer
  return want == "native" and M.available()
end

function M.available()
  local ic = vim.lsp.inline_completion
  return util.has_012 and type(ic) == "table" and type(ic.enable) == "function" and type(ic.get) == "function"
end

function M.attach(bufnr)
  local client = require("ghost_ls.lsp").client_for(bufnr)
  local ok, err = pcall(vim.lsp.inline_completion.enable, true, { bufnr = bufnr, client_id = client and client.id })
  if not ok then
    util.notify_once("vim.lsp.inline_completion.enable failed: " .. tostring(err), vim.log.levels.WARN)
  end
end

function M.detach(bufnr)
  if M.available() then
    pcall(vim.lsp.inline_completion.enable, false, { bufnr = bufnr })
  end
end

--- Handle key `name` in `bufnr`; false means "not handled, fall back".
function M.key(bufnr, name)
  local ic = vim.lsp.inline_completion
  if name == "accept" then
    return ic.get({ bufnr = bufnr }) and true or false
  elseif (name == "next" or name == "prev") and type(ic.select) == "function" then
    ic.select({ bufnr = bufnr, count = name == "next" and 1 or -1 })
    return true
  end
  return false
end

return M
