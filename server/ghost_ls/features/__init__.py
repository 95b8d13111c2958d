"""LSP features: one module per method group, each with a ``register(server)`` function."""
