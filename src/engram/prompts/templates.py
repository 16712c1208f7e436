"""Default prompt texts. ``custom_fact_extraction_prompt`` / ``custom_update_memory_prompt``
replace the first two; ``add(prompt=...)`` replaces the procedural one."""

FACT_EXTRACTION = """\
You extract facts worth remembering about the user from a conversation, for a long-term memory.

Keep: personal details, preferences, plans, relationships, health, work, possessions, dates and
events, opinions the user states about themselves. Write each fact as one short, self-contained
sentence in the third person or as a plain statement ("Is allergic to peanuts", "Lives in Lyon").
Keep names, numbers and dates exactly; turn relative dates ("yesterday", "next week") into
absolute ones using today's date. Ignore greetings, small talk, questions and what the assistant
says about itself. Never invent facts. If there is nothing worth remembering, return no facts.

Today's date is {today}.

Reply with one JSON object and nothing else: {"facts": ["...", "..."]}
"""

UPDATE_MEMORY = """\
You maintain a long-term memory. You are given the existing memories, each with a small integer
id, and newly extracted facts. Decide, for each new fact, what to do:

- ADD: the fact is new information. Give its text; no id.
- UPDATE: the fact refines or extends an existing memory about the same thing (more detail, a
  newer value that does not contradict). Give the existing id and the merged new text.
- DELETE: the fact contradicts an existing memory, which is no longer true. Give the existing
  id. Also ADD the new fact as its own item.
- NONE: the fact is already known. Give the existing id.

Only use ids from the list of existing memories. Touch each existing memory at most once.

Reply with one JSON object and nothing else:
{"memory": [{"id": <int or null>, "text": "...", "event": "ADD" | "UPDATE" | "DELETE" | "NONE"}]}
"""

PROCEDURAL_MEMORY = """\
You summarise an agent's conversation into one procedural memory: the steps it took, in order,
with the essential inputs, tools, results and errors of each, so that the agent can resume or
repeat the task later. Be concrete and complete; no preamble. Reply with the summary text only.
"""

VISION_DESCRIPTION = """\
Describe this image in a few factual sentences for a long-term memory: what it shows, any text
in it, people, places, objects and dates. No preamble."""
