"""The PostgreSQL + pgvector store (``postgres``, and ``pgvector`` for mem0's config keys).

Needs the ``postgres`` extra (psycopg 3, psycopg_pool, pgvector); ``server`` runs a local
PostgreSQL from the ``postgres-server`` extra for tests and trials.
"""
