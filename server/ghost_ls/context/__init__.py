"""Context: what the model sees. Documents, windows, scopes, symbols, recent edits.

Import from the modules themselves (``ghost_ls.context.builder``, ``.types``): this
package imports nothing, so that a light module such as ``context.text`` (which the
stop rules use in the engine's child process) does not load tree-sitter with it.
"""
