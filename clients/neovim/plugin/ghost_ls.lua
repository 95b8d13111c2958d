-- ghost-ls: ghost-text code completion from a local model (see :help ghost_ls).
-- Nothing starts until require("ghost_ls").setup{} is called; this file only makes
-- :GhostLs and the highlight groups exist early.
if vim.g.loaded_ghost_ls then
  return
end
vim.g.loaded_ghost_ls = true

if vim.fn.has("nvim-0.10") == 0 then
  vim.api.nvim_create_user_command("GhostLs", function()
    vim.notify("ghost-ls needs Neovim 0.10 or newer", vim.log.levels.ERROR)
  end, { nargs = "*" })
  return
end

require("ghost_ls.render").setup_highlights()
require("ghost_ls.commands").create()
