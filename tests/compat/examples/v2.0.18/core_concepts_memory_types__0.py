# mem0 v2.0.18, docs/core-concepts/memory-types.mdx (block 0); Apache-2.0, see NOTICE.md
import os

from engram import Memory

memory = Memory()

# Sticky note: conversation memory
memory.add(
    ["I'm Alex and I prefer boutique hotels."],
    user_id="alex",
    run_id="trip-planning-2025",
)

# Later in the session, pull long-term + session context
results = memory.search(
    "Any hotel preferences?",
    filters={"user_id": "alex", "run_id": "trip-planning-2025"},
)
