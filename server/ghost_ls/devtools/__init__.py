"""Developer tools shipped with ghost-ls: an LSP client for tests and benchmarks, and
llama-cpp-python's server started safely on any CPU."""
