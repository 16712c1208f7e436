"""Graph memory, free of I/O: entities and relations derived from the memories of a scope.

``records`` holds what a store keeps and the write the core plans (``GraphWrite``);
``names`` normalises entity names and resolves "I / me / my" to the speaker; ``extract`` is
the offline, rule-based extractor of entities and relations; ``llm`` reads an LLM's
extraction and contradiction answers; ``plan`` turns extracted triples into a ``GraphWrite``
(entity matches, relation assertions, invalidations); ``search`` finds the entities a query
names and scores their neighbourhood; ``results`` shapes relations as mem0 1.x returned them.
"""
