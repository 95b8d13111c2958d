"""LSP features: one module per method group, each with ``register(server, session)``;
each sees the session through the view it names (``session_views.py``)."""
