"""Reranker providers: they reorder the best results of a search (``rerank=True``)."""
