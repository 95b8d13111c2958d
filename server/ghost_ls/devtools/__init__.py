"""Developer tools shipped with ghost-ls: an LSP client for tests and benchmarks."""
