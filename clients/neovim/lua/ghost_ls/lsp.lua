--- The ghost-ls language server through Neovim's LSP client: start it (once, shared by
--- every buffer), attach buffers, route its notifications, and tell the user when it
--- is missing or crashes. Failures become messages, never Lua errors.
local config = require("ghost_ls.config")
local status = require("ghost_ls.status")
local util = require("ghost_ls.util")

local M = {}

M.name = "ghost_ls"
M.max_restarts = 3

local client_id = nil ---@type integer?
local crashes = 0
local stopping = false

--- The running client, or nil.
---@return vim.lsp.Client?
function M.get_client()
  if not client_id then
    return nil
  end
  local client = vim.lsp.get_client_by_id(client_id)
  if client == nil or util.is_stopped(client) then
    return nil
  end
  return client
end

--- The client if it is attached to `bufnr`.
function M.client_for(bufnr)
  local client = M.get_client()
  if client and vim.lsp.buf_is_attached(bufnr, client.id) then
    return client
  end
  return nil
end

local function on_status(_, params)
  if type(params) == "table" and type(params.kind) == "string" then
    local was = status.current.kind
    status.set(params.kind, type(params.message) == "string" and params.message or "")
    if params.kind == "ready" and (was == "loading" or was == "starting") then
      -- Requests made while the model loaded got empty answers: ask again now.
      vim.schedule(function()
        local bufnr = vim.api.nvim_get_current_buf()
        if vim.b[bufnr].ghost_ls_attached and util.in_insert_mode() then
          require("ghost_ls.suggestion").schedule(bufnr)
        end
      end)
    end
  end
end

local function on_partial(_, params, ctx)
  if type(params) == "table" then
    require("ghost_ls.suggestion").on_partial(params, ctx and ctx.client_id)
  end
end

local function on_exit(code, signal, id)
  vim.schedule(function()
    if id == client_id then
      client_id = nil
    end
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_valid(buf) then
        vim.b[buf].ghost_ls_attached = nil
      end
    end
    require("ghost_ls.suggestion").reset_all()
    if stopping or (code == 0 and (signal == 0 or signal == 15)) then
      stopping = false
      status.set("off", "stopped")
      return
    end
    crashes = crashes + 1
    local msg = ("server exited (code %s, signal %s)"):format(tostring(code), tostring(signal))
    if crashes >= M.max_restarts then
      status.set("error", msg .. "; not restarting. :GhostLs log, then :GhostLs restart")
      util.notify(msg .. (" %d times; not restarting it. See :GhostLs log, then :GhostLs restart."):format(crashes),
        vim.log.levels.ERROR)
    else
      status.set("error", msg .. "; it restarts on the next insert")
      util.notify(msg .. ". It restarts when you next enter insert mode; :GhostLs log shows why.",
        vim.log.levels.WARN)
    end
  end)
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.textDocument = caps.textDocument or {}
  caps.textDocument.inlineCompletion = caps.textDocument.inlineCompletion or { dynamicRegistration = false }
  caps.window = caps.window or {}
  caps.window.workDoneProgress = true
  return caps
end

--- Start the server if needed and attach it to `bufnr`. Returns the client id or nil.
---@param bufnr integer
---@return integer?
function M.attach(bufnr)
  local client = M.get_client()
  if client then
    if not vim.lsp.buf_is_attached(bufnr, client.id) then
      vim.lsp.buf_attach_client(bufnr, client.id)
    end
    vim.b[bufnr].ghost_ls_attached = true
    return client.id
  end
  if crashes >= M.max_restarts then
    return nil
  end
  local cfg = config.options
  local cmd, tried = config.server_cmd(cfg)
  if not cmd or vim.fn.executable(cmd[1]) ~= 1 then
    local what = cmd and cmd[1] or table.concat(tried, ", ")
    status.set("error", "server not found: " .. what)
    util.notify_once(
      ("server executable not found (tried %s). Install ghost-ls (pipx install /path/to/ghost-ls) or set "
        .. "`cmd` in require('ghost_ls').setup{}; :checkhealth ghost_ls has details."):format(what),
      vim.log.levels.ERROR
    )
    return nil
  end
  local root = vim.fs.root(bufnr, cfg.root_markers) or vim.fn.getcwd()
  local lsp_config = {
    name = M.name,
    cmd = cmd,
    root_dir = root,
    -- An empty Lua table would be sent as a JSON array: send an object.
    init_options = next(cfg.server_settings) and vim.deepcopy(cfg.server_settings) or vim.empty_dict(),
    capabilities = capabilities(),
    handlers = {
      ["ghost/didChangeStatus"] = on_status,
      ["ghost/partialCompletion"] = on_partial,
    },
    on_exit = on_exit,
    on_init = function(client)
      status.set("loading", "starting")
      if not config.options.lsp_completion and client.server_capabilities then
        -- Ghost text is the interface: keep completion menus (omnifunc, nvim-cmp,
        -- blink) from asking the model too.
        client.server_capabilities.completionProvider = nil
      end
    end,
    flags = { debounce_text_changes = 50 },
  }
  status.set("starting", table.concat(cmd, " "))
  stopping = false
  local ok, id = pcall(vim.lsp.start, lsp_config, {
    bufnr = bufnr,
    silent = true,
    reuse_client = function(c, conf)
      return c.name == conf.name
    end,
  })
  if not ok or not id then
    status.set("error", "could not start " .. table.concat(cmd, " "))
    util.notify_once(("could not start %s: %s"):format(table.concat(cmd, " "), ok and "unknown error" or tostring(id)),
      vim.log.levels.ERROR)
    return nil
  end
  client_id = id
  vim.b[bufnr].ghost_ls_attached = true
  return id
end

--- Stop the server (it starts again on the next attach).
function M.stop()
  local client = M.get_client()
  if client then
    stopping = true
    util.stop(client)
  end
  client_id = nil
end

--- Stop, forget past crashes, and attach the current buffer again.
function M.restart(bufnr)
  M.stop()
  crashes = 0
  vim.defer_fn(function()
    if vim.api.nvim_buf_is_valid(bufnr) then
      require("ghost_ls.suggestion").maybe_attach(bufnr)
    end
  end, 500)
end

--- Tell a running server that `server_settings` changed (a key left out goes back
--- to its default: it is sent as null).
function M.update_settings(old, new)
  if not M.get_client() or vim.deep_equal(old, new) then
    return
  end
  local settings = vim.deepcopy(new)
  for key in pairs(old) do
    if settings[key] == nil then
      settings[key] = vim.NIL
    end
  end
  M.notify("workspace/didChangeConfiguration", { settings = next(settings) and settings or vim.empty_dict() })
end

--- Send `textDocument/didShowCompletion` etc. Ignores a missing client.
function M.notify(method, params)
  local client = M.get_client()
  if client then
    pcall(util.notify_server, client, method, params)
  end
end

--- Ask `ghost/status`; `cb(err, result)`.
function M.server_status(cb)
  local client = M.get_client()
  if not client then
    cb("not running", nil)
    return
  end
  local ok = util.request(client, "ghost/status", vim.empty_dict(), function(err, result)
    cb(err and (err.message or vim.inspect(err)) or nil, result)
  end)
  if not ok then
    cb("request failed", nil)
  end
end

return M
