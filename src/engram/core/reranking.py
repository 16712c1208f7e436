"""``search(..., rerank=True)``: the configured LLM grades the best results, in one call.

The top ``top_k`` results are shown with small integer ids; the LLM answers
``{"scores": [{"id", "relevance"}]}`` with relevance from 0 to 10 (validated, retried like every
LLM answer, see ``engram.core.inference.ask``). A graded result's score becomes the mean of its
search score and its relevance / 10; the graded block is ordered by that, and results past
``top_k`` follow in their order, never above the graded ones.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from engram.core.effects import Flow
from engram.core.inference import Tally, ask
from engram.core.ranking import Candidate
from engram.llms.base import CompletionRequest

RERANK_PROMPT = """You grade how well each numbered memory answers a question.
Relevance is an integer from 0 (unrelated) to 10 (answers the question directly); a memory
that gives part of the answer, or context the answer depends on, scores in between.
Grade every memory. Reply with only a JSON object: {"scores": [{"id": 0, "relevance": 7}, ...]}."""

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "scores": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "relevance": {"type": "integer", "minimum": 0, "maximum": 10},
                },
                "required": ["id", "relevance"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["scores"],
    "additionalProperties": False,
}


class Grade(BaseModel):
    """One memory's relevance."""

    model_config = ConfigDict(extra="ignore")

    id: int
    relevance: int = Field(ge=0, le=10)


class Grades(BaseModel):
    """The reranker's answer; ids must be ones that were shown."""

    model_config = ConfigDict(extra="ignore")

    scores: list[Grade]

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        return {"scores": value} if isinstance(value, list) else value

    @model_validator(mode="after")
    def _known_ids(self, info: ValidationInfo) -> Grades:
        shown: set[int] = set((info.context or {}).get("shown_ids", ()))
        unknown = sorted({g.id for g in self.scores} - shown)
        if unknown:
            allowed = ", ".join(str(i) for i in sorted(shown))
            raise ValueError(f"ids {unknown} were not shown (allowed: {allowed})")
        return self


def rerank(query: str, ranked: list[Candidate], top_k: int, tally: Tally) -> Flow[list[Candidate]]:
    """Grade the first ``top_k`` candidates with the LLM and reorder them."""
    shown = ranked[:top_k]
    if not shown:
        return ranked
    listing = "\n".join(
        f"{i}. {c.record.actor_id + ': ' if c.record.actor_id else ''}{c.record.text}"
        for i, c in enumerate(shown)
    )
    request = CompletionRequest(
        messages=(
            {"role": "system", "content": RERANK_PROMPT},
            {"role": "user", "content": f"Question: {query}\n\nMemories:\n{listing}"},
        ),
        json_schema=SCHEMA,
        schema_name="relevance",
    )
    grades = yield from ask(request, Grades, tally, rerank=True, shown_ids=range(len(shown)))
    relevance = {g.id: g.relevance / 10 for g in grades.scores}
    for i, c in enumerate(shown):
        graded = relevance.get(i, 0.0)  # an ungraded memory counts as unrelated
        c.notes["rerank"] = graded
        c.score = (c.score + graded) / 2
    shown.sort(key=lambda c: -c.score)
    floor = shown[-1].score
    rest = ranked[top_k:]
    for c in rest:
        c.score = min(c.score, floor)
    return shown + rest
