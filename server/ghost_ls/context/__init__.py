"""Context: what the model sees. Documents, windows, scopes, symbols, recent edits."""

from ghost_ls.context.builder import ContextBuilder, approximate_tokens
from ghost_ls.context.types import CompletionMode, PromptContext, Snippet

__all__ = ["CompletionMode", "ContextBuilder", "PromptContext", "Snippet", "approximate_tokens"]
