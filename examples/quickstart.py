"""engram quick start: add, search, update and read the history of memories, all offline.

Run it with ``python examples/quickstart.py``. It uses a temporary store so it leaves nothing
behind; drop the ``vector_store`` block to use the default store under $ENGRAM_HOME.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from engram import Memory


def main() -> None:
    """Walk through the Memory API on a fresh embedded store."""
    with tempfile.TemporaryDirectory() as tmp:
        config = {
            "vector_store": {"provider": "sqlite", "config": {"path": str(Path(tmp) / "q.db")}}
        }
        with Memory.from_config(config) as m:
            added = m.add(
                "I like coffee in the morning.",
                user_id="alice",
                metadata={"category": "food"},
                infer=False,
            )
            print("added:", added["results"])
            m.add(
                [
                    {"role": "user", "content": "I'm training for the Berlin marathon in May."},
                    {"role": "user", "content": "My sister Maya lives in Lisbon."},
                    {"role": "assistant", "content": "Good luck with the training!"},
                ],
                user_id="alice",
                metadata={"category": "life"},
                infer=False,
                timestamp="2025-01-15T09:30:00Z",
            )

            hits = m.search("what does alice drink?", user_id="alice", limit=3, threshold=0.25)
            print("\nsearch 'what does alice drink?':")
            for hit in hits["results"]:
                print(f"  {hit['score']:.3f}  {hit['memory']}")

            coffee_id = added["results"][0]["id"]
            m.update(coffee_id, "I like green tea in the morning; I gave up coffee.")
            print("\nafter update:", m.get(coffee_id)["memory"])

            print("\nhistory:")
            for row in m.history(coffee_id):
                print(f"  {row['event']:<6} {row['old_memory']!r} -> {row['new_memory']!r}")

            food = m.get_all(user_id="alice", filters={"category": "food"})
            print("\nfood memories:", [r["memory"] for r in food["results"]])
            everything = m.get_all(user_id="alice")
            print("all memories:", len(everything["results"]))


if __name__ == "__main__":
    main()
