--- The plugin takes its settings from setup() only: it reads no project-local file.
---
--- A repository carries files that other tools read as editor settings (.nvim.lua and
--- .exrc for Neovim's 'exrc', .lazy.lua for lazy.nvim, a .ghost-ls.json, VS Code's
--- .vscode/settings.json), each naming where code and a key would go. Opening a file
--- there must not change what the server is told: ghost/status of the real
--- `ghost-ls serve` (scripted backend) shows the settings setup() gave, and no Lua
--- function that reads files was called on a path of the project.
--- A user:password@ written into the endpoint never goes to the server.
--- Run by tests/hostile/test_credentials.py.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/harness.lua")

local workdir = assert(os.getenv("GHOST_LS_TEST_DIR"), "GHOST_LS_TEST_DIR not set")
local server = assert(os.getenv("GHOST_LS_SERVER"), "GHOST_LS_SERVER not set")
local project = workdir .. "/project"

local HOSTILE = {
  backend = "openai",
  endpoint = "http://attacker.invalid:9",
  apiKeyEnv = "HOME",
  model = project .. "/evil.gguf",
}

local function write(name, text)
  local path = project .. "/" .. name
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  vim.fn.writefile(vim.split(text, "\n", { plain = true }), path)
end

local hostile_lua = vim.inspect(HOSTILE, { newline = " ", indent = "" })
write(".git/HEAD", "ref: refs/heads/main")
write(".nvim.lua", ('vim.g.ghost_ls_project_file_ran = ".nvim.lua"\n'
  .. 'require("ghost_ls").setup({ server_settings = %s })'):format(hostile_lua))
write(".exrc", 'let g:ghost_ls_project_file_ran = ".exrc"')
write(".lazy.lua", ('vim.g.ghost_ls_project_file_ran = ".lazy.lua"\n'
  .. 'return { { "ghost-ls", opts = { server_settings = %s } } }'):format(hostile_lua))
write(".ghost-ls.json", vim.json.encode({ server_settings = HOSTILE, ghostLs = HOSTILE }))
write(".ghost-ls.lua", ("return { server_settings = %s }"):format(hostile_lua))
local vscode = {}
for key, value in pairs(HOSTILE) do
  vscode["ghostLs." .. key] = value
end
write(".vscode/settings.json", vim.json.encode(vscode))
write("main.py", "x = 1")

-- Every Lua way to read a file, recorded when the plugin's code is on the stack
-- (Neovim's own readers, e.g. its editorconfig support, are not the plugin's).
local reads = {}
local function by_plugin()
  for level = 3, 60 do
    local info = debug.getinfo(level, "S")
    if not info then
      return false
    end
    if info.source:find("/lua/ghost_ls/", 1, true) then
      return true
    end
  end
  return false
end
local function spy(owner, name)
  local original = owner[name]
  if type(original) ~= "function" then
    return
  end
  owner[name] = function(path, ...)
    if type(path) == "string" and by_plugin() then
      table.insert(reads, vim.fn.fnamemodify(path, ":p"))
    end
    return original(path, ...)
  end
end
spy(io, "open")
spy(io, "lines")
spy(_G, "loadfile")
spy(_G, "dofile")
spy(vim.fn, "readfile")
spy(vim.fn, "json_decode")
if vim.secure then
  spy(vim.secure, "read")
end

H.run(function()
  local ghost = require("ghost_ls")
  local lsp = require("ghost_ls.lsp")

  H.test("project_local_files_are_not_read", function(d)
    vim.cmd("cd " .. vim.fn.fnameescape(project))
    ghost.setup({ cmd = { server, "serve" }, server_settings = { maxTokens = 16 } })
    vim.cmd("edit " .. vim.fn.fnameescape(project .. "/main.py"))
    vim.bo.filetype = "python"
    local client = H.wait_for(function()
      return lsp.get_client()
    end, 10000)
    H.truthy(client, "the server started")
    H.truthy(H.wait_for(function()
      return ghost.status().kind == "ready"
    end, 30000), "the server is ready")
    d.root_dir = client.config.root_dir
    H.eq(vim.fn.fnamemodify(client.config.root_dir, ":p"), vim.fn.fnamemodify(project, ":p"), "the project is the root")
    local resp = client:request_sync("ghost/status", vim.empty_dict(), 5000)
    local settings = H.truthy(resp and resp.result and resp.result.settings, "ghost/status settings")
    d.settings = { backend = settings.backend, endpoint = settings.endpoint, apiKeyEnv = settings.apiKeyEnv,
      model = settings.model, maxTokens = settings.maxTokens }
    H.eq(settings.maxTokens, 16, "the setting setup() gave")
    H.eq(settings.backend, "local", "backend")
    H.eq(settings.endpoint, "", "endpoint")
    H.eq(settings.apiKeyEnv, "", "apiKeyEnv")
    H.truthy(settings.model ~= HOSTILE.model, "model is not the project's file")
    H.truthy(vim.tbl_isempty(client.config.settings or {}), "nothing to answer workspace/configuration with")
    H.eq(vim.g.ghost_ls_project_file_ran, nil, "no project file was run")
    local project_prefix = vim.fn.fnamemodify(project, ":p")
    local in_project = vim.tbl_filter(function(path)
      return vim.startswith(path, project_prefix)
    end, reads)
    d.reads = reads
    H.eq(in_project, {}, "files of the project the plugin read")
  end)

  H.test("endpoint_credentials_stay_in_the_plugin", function(d)
    local config = require("ghost_ls.config")
    local cfg, problems = config.resolve({ server_settings = {
      endpoint = "https://alice:hunter2@gpu-box:8012/v1",
      maxTokens = { "http://bob:pw2@x" },
    } })
    d.endpoint, d.problems = cfg.server_settings.endpoint, problems
    H.eq(cfg.server_settings.endpoint, "https://***@gpu-box:8012/v1", "the endpoint sent to the server")
    -- A wrong value goes to the server, which names it with the password redacted.
    H.eq(cfg.server_settings.maxTokens, { "http://bob:pw2@x" }, "a wrong value is the server's to refuse")
    H.eq(problems, {}, "the plugin names no server setting")
  end)
end, 60000)
