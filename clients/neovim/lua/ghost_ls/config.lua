--- Configuration: the documented defaults, type checks with vim.validate, merging.
---
--- A wrong value never stops the plugin: it is named in one message and its default
--- is used instead (the same rule the server applies to its own settings).
--- `server_settings` is the server's to check: the plugin only requires a table and
--- passes it on, so the server's list of settings is the only one.
local util = require("ghost_ls.util")

local M = {}

---@class ghost_ls.Keys
---@field accept string|false        accept the whole suggestion
---@field accept_word string|false   accept the next word
---@field accept_line string|false   accept the rest of the current line
---@field next string|false          next candidate (asks the server for candidates)
---@field prev string|false          previous candidate
---@field dismiss string|false       hide the suggestion
---@field trigger string|false       ask for a suggestion now

---@class ghost_ls.Config
M.defaults = {
  -- Suggest while typing from startup (:GhostLs enable|disable|toggle).
  enabled = true,
  -- Server command (list of strings). nil: `ghost-ls serve` from PATH, else the
  -- `.venv/bin/ghost-ls` of the repository checkout this plugin lives in.
  cmd = nil,
  -- Ask automatically while typing. false: only on the `trigger` and `next` keys.
  auto_trigger = true,
  -- Milliseconds to wait after a keystroke before asking the server.
  debounce_ms = 150,
  -- Filetypes to attach to; "*" means every filetype.
  filetypes = { "*" },
  -- Filetypes never attached to (wins over `filetypes`).
  disabled_filetypes = {
    "help", "gitcommit", "gitrebase", "hgcommit", "svn", "cvs",
    "TelescopePrompt", "snacks_picker_input", "minifiles", "oil", "neo-tree",
  },
  -- Optional function(bufnr) -> boolean, asked after the filetype lists.
  should_attach = nil,
  -- "auto" (the plugin's extmark renderer), "extmark", or "native"
  -- (vim.lsp.inline_completion, Neovim 0.12+ only).
  renderer = "auto",
  -- Hide the suggestion while the insert-completion popup menu is visible.
  hide_during_completion = true,
  -- Also offer suggestions as completion-menu items (textDocument/completion: omnifunc,
  -- nvim-cmp, blink). Off by default: every menu request would run the model again.
  lsp_completion = false,
  -- Tell the server where the cursor rests (entering a buffer, CursorHold) so it reads
  -- that place ahead and the first suggestion there comes sooner (ghost/didFocus).
  warm_on_focus = true,
  -- Markers that find the workspace root given to the server (else the cwd).
  root_markers = { ".git", "pyproject.toml", "package.json", "Cargo.toml", "go.mod" },
  -- Server settings, camelCase as in docs/PROTOCOL.md, sent as initializationOptions.
  -- Empty means the server's defaults.
  server_settings = {},
  -- Insert-mode keys; false disables one. Accept keys only act while a suggestion is
  -- shown, otherwise the key does what it did before.
  keys = {
    accept = "<Tab>",
    accept_word = "<M-Right>",
    accept_line = "<M-l>",
    next = "<M-]>",
    prev = "<M-[>",
    dismiss = "<C-]>",
    trigger = "<M-\\>",
  },
}

local function is_string_list(v)
  if type(v) ~= "table" then
    return false
  end
  for k, item in pairs(v) do
    if type(k) ~= "number" or type(item) ~= "string" then
      return false
    end
  end
  return true
end

local function key_or_false(v)
  return v == false or (type(v) == "string" and v ~= "")
end

local function nonneg_integer(v)
  return type(v) == "number" and v >= 0 and math.floor(v) == v
end

-- key -> { validator (type name or function), description for messages, optional? }
local schema = {
  enabled = { "boolean" },
  cmd = {
    function(v)
      return is_string_list(v) and #v > 0
    end,
    "a non-empty list of strings",
    true,
  },
  auto_trigger = { "boolean" },
  debounce_ms = { nonneg_integer, "an integer >= 0" },
  filetypes = { is_string_list, "a list of strings" },
  disabled_filetypes = { is_string_list, "a list of strings" },
  should_attach = { "function", nil, true },
  renderer = {
    function(v)
      return v == "auto" or v == "extmark" or v == "native"
    end,
    '"auto", "extmark" or "native"',
  },
  hide_during_completion = { "boolean" },
  lsp_completion = { "boolean" },
  warm_on_focus = { "boolean" },
  root_markers = { is_string_list, "a list of strings" },
  server_settings = { "table" },
  keys = { "table" },
}

local function check(name, value, spec)
  local validator, msg, optional = spec[1], spec[2], spec[3]
  if util.has_011 then
    return pcall(vim.validate, name, value, validator, optional, msg)
  end
  return pcall(vim.validate, { [name] = { value, validator, optional and true or msg } })
end

local function show(v)
  return vim.inspect(v, { newline = " ", indent = "" })
end

--- `text` with the user:password@ of every URL in it masked: a password written into
--- `endpoint` never goes to the server (which refuses such a URL, and says so).
local function mask_userinfo(text)
  return (text:gsub("(%a[%w+.-]*://)[^/?#%s\"'<>\\]*@", "%1***@"))
end

--- The server settings as given, for the server to check: it names an unknown key or a
--- wrong value in a message (window/showMessage) and uses its default. Only a
--- user:password@ in `endpoint` is masked here.
local function pass_server_settings(raw)
  local out = vim.deepcopy(raw)
  if type(out.endpoint) == "string" then
    out.endpoint = mask_userinfo(out.endpoint)
  end
  return out
end

local function check_keys(raw, problems)
  local out = vim.deepcopy(M.defaults.keys)
  for name, value in pairs(raw) do
    if M.defaults.keys[name] == nil then
      table.insert(problems, ("keys.%s: unknown key name (known: %s); ignored"):format(
        tostring(name), table.concat(vim.tbl_keys(M.defaults.keys), ", ")))
    elseif key_or_false(value) then
      out[name] = value
    else
      table.insert(problems, ("keys.%s: expected a key string or false, got %s; using the default %s"):format(
        name, show(value), show(M.defaults.keys[name])))
    end
  end
  return out
end

--- Merge `user` over the defaults. Returns the config and one message per problem.
---@param user table|nil
---@return ghost_ls.Config config, string[] problems
function M.resolve(user)
  local problems = {}
  local cfg = vim.deepcopy(M.defaults)
  if user == nil then
    return cfg, problems
  end
  if type(user) ~= "table" then
    return cfg, { ("setup() expects a table, got %s; using the defaults"):format(type(user)) }
  end
  for key, value in pairs(user) do
    local spec = schema[key]
    if spec == nil then
      table.insert(problems, ("%s: unknown option; ignored"):format(tostring(key)))
    else
      local ok, err = check(key, value, spec)
      if not ok then
        err = tostring(err):gsub("^.-:%d+: ", "")
        if not vim.startswith(err, key .. ":") then
          err = key .. ": " .. err
        end
        table.insert(problems, ("%s; using the default %s"):format(err, show(M.defaults[key])))
      elseif key == "keys" then
        cfg.keys = check_keys(value, problems)
      elseif key == "server_settings" then
        cfg.server_settings = pass_server_settings(value)
      else
        cfg[key] = value
      end
    end
  end
  return cfg, problems
end

--- The config in effect (defaults until setup() runs).
M.options = vim.deepcopy(M.defaults)

--- Validate, report problems with vim.notify, and store the result in M.options.
---@param user table|nil
---@return ghost_ls.Config
function M.setup(user)
  local cfg, problems = M.resolve(user)
  for _, problem in ipairs(problems) do
    util.notify("config: " .. problem, vim.log.levels.WARN)
  end
  M.options = cfg
  M.problems = problems
  return cfg
end

--- Directory of the repository checkout this plugin is in (…/clients/neovim/../..).
---@return string
function M.repo_root()
  local source = debug.getinfo(1, "S").source:gsub("^@", "")
  local dir = vim.fn.fnamemodify(source, ":p:h") -- lua/ghost_ls
  return vim.fn.fnamemodify(dir, ":h:h:h:h")
end

--- The server command: cfg.cmd, else `ghost-ls` on PATH, else the checkout's venv.
---@return string[]|nil cmd, string[] tried
function M.server_cmd(cfg)
  cfg = cfg or M.options
  if cfg.cmd then
    return vim.deepcopy(cfg.cmd), { cfg.cmd[1] }
  end
  local tried = { "ghost-ls (PATH)" }
  local exe = vim.fn.exepath("ghost-ls")
  if exe ~= "" then
    return { exe, "serve" }, tried
  end
  local root = M.repo_root()
  local venv = vim.fn.has("win32") == 1 and (root .. "/.venv/Scripts/ghost-ls.exe")
    or (root .. "/.venv/bin/ghost-ls")
  table.insert(tried, venv)
  if vim.fn.executable(venv) == 1 then
    return { venv, "serve" }, tried
  end
  return nil, tried
end

return M
