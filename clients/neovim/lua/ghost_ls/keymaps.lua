--- Insert-mode keys, buffer-local, set when a buffer is attached. An accept or dismiss
--- key only acts while a suggestion is shown; otherwise the key does what it did
--- before: the buffer-local or global mapping it shadows, else the key itself.
local config = require("ghost_ls.config")

local api = vim.api
local M = {}

-- bufnr -> { [lhs] = maparg dict of the buffer-local mapping we replaced }
local shadowed = {}
-- bufnr -> list of lhs this plugin mapped
local mapped = {}

local actions = {
  accept = { desc = "accept the suggestion", fallback = true },
  accept_word = { desc = "accept the next word of the suggestion", fallback = true },
  accept_line = { desc = "accept the next line of the suggestion", fallback = true },
  next = { desc = "next suggestion candidate", fallback = false },
  prev = { desc = "previous suggestion candidate", fallback = false },
  dismiss = { desc = "dismiss the suggestion", fallback = true },
  trigger = { desc = "ask for a suggestion", fallback = false },
}

local function termcodes(keys)
  return api.nvim_replace_termcodes(keys, true, false, true)
end

local function same_lhs(a, b)
  return termcodes(a) == termcodes(b)
end

--- The global insert-mode mapping of `lhs`, as maparg() would describe it, or nil.
local function global_mapping(lhs)
  for _, map in ipairs(api.nvim_get_keymap("i")) do
    if same_lhs(map.lhs, lhs) then
      return map
    end
  end
  return nil
end

--- Run `map` (a mapping dict) the way typing its lhs would have.
local function run_mapping(map, lhs)
  if map.callback and map.expr ~= 1 then
    map.callback()
    return
  end
  -- Re-create it under a <Plug> name with the same options and type that: Neovim
  -- then evaluates <expr>, <SID> and remapping exactly as for the original.
  local plug = ("<Plug>(ghost-ls-fallback-%s)"):format((lhs:gsub("[^%w%-]", "_")))
  local opts = {
    expr = map.expr == 1,
    noremap = map.noremap == 1,
    nowait = map.nowait == 1,
    silent = map.silent == 1,
    script = map.script == 1,
    callback = map.callback,
    replace_keycodes = map.replace_keycodes == 1 or nil,
  }
  if not opts.expr then
    opts.replace_keycodes = nil
  end
  api.nvim_set_keymap("i", plug, map.rhs or "", opts)
  api.nvim_feedkeys(termcodes(plug), "im", false)
end

--- Do what `lhs` did before this plugin mapped it in `bufnr`.
function M.fallback(bufnr, lhs)
  local map = (shadowed[bufnr] or {})[lhs] or global_mapping(lhs)
  if map and (map.rhs or map.callback) then
    run_mapping(map, lhs)
  else
    api.nvim_feedkeys(termcodes(lhs), "int", false)
  end
end

local function handler(name)
  local s = function()
    return require("ghost_ls.suggestion")
  end
  if name == "accept" then
    return function(b) return s().accept(b, "all") end
  elseif name == "accept_word" then
    return function(b) return s().accept(b, "word") end
  elseif name == "accept_line" then
    return function(b) return s().accept(b, "line") end
  elseif name == "next" then
    return function(b) s().cycle(b, 1); return true end
  elseif name == "prev" then
    return function(b) s().cycle(b, -1); return true end
  elseif name == "dismiss" then
    return function(b) return s().dismiss(b) end
  end
  return function(b) s().trigger(b); return true end
end

local function native_handler(name)
  local native = require("ghost_ls.native")
  return function(b)
    return native.key(b, name)
  end
end

--- Set the configured keys in `bufnr` (once per buffer).
function M.attach(bufnr)
  if vim.b[bufnr].ghost_ls_keys then
    return
  end
  vim.b[bufnr].ghost_ls_keys = true
  shadowed[bufnr] = {}
  mapped[bufnr] = {}
  local native = require("ghost_ls.native").active()
  for name, lhs in pairs(config.options.keys) do
    local action = actions[name]
    local supported = not native or name == "accept" or name == "next" or name == "prev"
    if lhs and action and supported then
      local existing = vim.fn.maparg(lhs, "i", false, true)
      if type(existing) == "table" and existing.buffer == 1 and not (existing.desc or ""):match("^ghost%-ls") then
        shadowed[bufnr][lhs] = existing
      end
      local run = native and native_handler(name) or handler(name)
      table.insert(mapped[bufnr], lhs)
      vim.keymap.set("i", lhs, function()
        local ok, done = pcall(run, bufnr)
        if not ok then
          require("ghost_ls.util").notify(("%s failed: %s"):format(name, tostring(done)), vim.log.levels.ERROR)
          return
        end
        if not done and action.fallback then
          M.fallback(bufnr, lhs)
        end
      end, { buffer = bufnr, silent = true, desc = "ghost-ls: " .. action.desc })
    end
  end
end

--- Remove the keys from `bufnr`, restoring what they shadowed.
function M.detach(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or not vim.b[bufnr].ghost_ls_keys then
    return
  end
  for _, lhs in ipairs(mapped[bufnr] or {}) do
    pcall(vim.keymap.del, "i", lhs, { buffer = bufnr })
    local old = (shadowed[bufnr] or {})[lhs]
    if old then
      pcall(vim.fn.mapset, "i", false, old)
    end
  end
  shadowed[bufnr] = nil
  mapped[bufnr] = nil
  vim.b[bufnr].ghost_ls_keys = nil
end

return M
