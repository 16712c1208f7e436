"""LLM providers: the ``LLM`` interface and its built-in implementations."""
