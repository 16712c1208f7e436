"""The prompts of graph memory: relation extraction (alone, or with the facts in one call)
and the decision on which stored relations new ones contradict.

``{speakers}`` becomes the names of who speaks, ``{today}`` the date, ``{custom}`` the
``graph_store.custom_prompt`` (mem0's extra instructions for relation extraction).
"""

_RELATION_RULES = """\
Relations connect two entities: {"source": ..., "source_type": ..., "relationship": ...,
"destination": ..., "destination_type": ...}.
- Entities are people, places, organizations, dates and named or concrete things. Name each
  as the text does ("Ana", "Lisbon", "Feedzai"); the same entity always by the same name.
- When a speaker says "I", "me", "my" or "we", the entity is that speaker, by name ({speakers}).
- relationship: a short, general, timeless verb phrase in snake_case: lives_in, works_at,
  sister_of, friend_of, likes, dislikes, owns, visited, studies_at, member_of, married_to. Prefer
  "works_at" over "started_working_at"; direction reads source -> destination ("Ana sister_of
  Maya": Ana is Maya's sister).
- Types: person, place, organization, date or thing.
- Only what the text states; nothing about the assistant; no relation of an entity to itself.
{custom}"""

GRAPH_RELATIONS = (
    """\
You build a knowledge graph for a long-term memory. You are given numbered texts; extract
the relations each one states, each with the number ("index") of the text it comes from.

"""
    + _RELATION_RULES
    + """
Reply with one JSON object and nothing else:
{"relations": [{"index": 0, "source": "...", "source_type": "...", "relationship": "...",
"destination": "...", "destination_type": "..."}]}
"""
)

FACTS_AND_RELATIONS = (
    """\
You extract, from a conversation, the facts worth remembering about the user for a long-term
memory, and the relations between entities that those facts state.

Facts: personal details, preferences, plans, relationships, health, work, possessions, dates
and events, opinions the user states about themselves. Write each fact as one short,
self-contained sentence ("Lives in Lyon"). Keep names, numbers and dates exactly; turn relative
dates into absolute ones using today's date. Ignore greetings, small talk, questions and what
the assistant says about itself. Never invent facts. Today's date is {today}.

"""
    + _RELATION_RULES
    + """- Each relation names, as "fact", the index (0, 1, ...) of the fact that states it.

Reply with one JSON object and nothing else:
{"facts": ["...", "..."], "relations": [{"fact": 0, "source": "...", "source_type": "...",
"relationship": "...", "destination": "...", "destination_type": "..."}]}
"""
)

GRAPH_CONTRADICTIONS = """\
You keep a knowledge graph up to date. You are given the existing relations, each with a
small integer id, and new relations just learned. List the ids of the existing relations that
the new ones contradict: they are no longer true (someone moved, changed jobs, ended a
relationship). Do not list a relation only because a similar one is new: a person can like
both pizza and sushi, and visit many places. If none is contradicted, return an empty list.

Reply with one JSON object and nothing else: {"invalidate": [<id>, ...]}
"""
