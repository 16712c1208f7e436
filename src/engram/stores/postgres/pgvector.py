"""``pgvector``: the ``postgres`` store configured with mem0's pgvector keys."""

from __future__ import annotations

import logging

from engram.exceptions import ConfigurationError
from engram.stores.postgres.config import PgVectorConfig
from engram.stores.postgres.store import PostgresStore

__all__ = ["PgVectorStore"]

logger = logging.getLogger("engram")


class PgVectorStore(PostgresStore):
    """``pgvector``: the ``postgres`` store configured with mem0's pgvector keys."""

    Config = PgVectorConfig  # type: ignore[assignment]

    def __init__(self, config: PgVectorConfig | None = None) -> None:
        self.mem0_config = config or PgVectorConfig()
        if self.mem0_config.diskann:
            logger.info("engram: pgvector option diskann is not used; engram uses HNSW")
        super().__init__(self.mem0_config.to_postgres())

    def open(self, embedder_name: str, dimension: int, weights: str | None = None) -> None:
        """Check ``embedding_model_dims`` against the embedder, then open."""
        dims = self.mem0_config.embedding_model_dims
        if dims is not None and dims != dimension:
            raise ConfigurationError(
                f"pgvector embedding_model_dims is {dims}, the embedder "
                f"{embedder_name!r} makes {dimension}-d vectors",
                missing_field="vector_store.config.embedding_model_dims",
                suggestion=f"set embedding_model_dims to {dimension} or leave it out",
            )
        super().open(embedder_name, dimension, weights)
