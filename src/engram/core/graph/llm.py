"""The graph's LLM steps, through the same validated, retried machinery as facts.

- ``facts_and_relations``: ONE call that returns the facts and the relations each states
  (each relation names its fact's index), used by ``add(infer=True)``.
- ``extract_relations``: relations only, from numbered texts (each relation names its
  text's index): for ``infer=False`` adds, updates, a custom fact prompt, or when the graph
  has its own LLM.
- ``contradictions``: ONE decision call over the live relations of the entities involved,
  shown with small integer ids; the answer lists the ids the new relations contradict.

Every answer is parsed tolerantly and validated (``engram.core.answers``); an index or id
that was not shown makes the answer invalid, and it is asked again with what was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from engram.core.answers import Facts
from engram.core.effects import Flow
from engram.core.graph.extract import Mention, Triple
from engram.core.graph.names import normalise_name, normalise_relationship, normalise_type
from engram.core.graph.records import RelationRecord
from engram.core.inference import Tally, ask, conversation_text
from engram.core.messages import Message
from engram.llms.base import CompletionRequest
from engram.prompts.graph import FACTS_AND_RELATIONS, GRAPH_CONTRADICTIONS, GRAPH_RELATIONS

_RELATION_PROPERTIES: dict[str, Any] = {
    "source": {"type": "string"},
    "source_type": {"type": "string"},
    "relationship": {"type": "string"},
    "destination": {"type": "string"},
    "destination_type": {"type": "string"},
}


class GraphRelation(BaseModel):
    """One extracted relation; ``index`` is the text (or fact) it comes from."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    index: int = Field(alias="fact")
    source: str
    source_type: str = "thing"
    relationship: str
    destination: str
    destination_type: str = "thing"

    @model_validator(mode="before")
    @classmethod
    def _either_index(cls, value: Any) -> Any:
        if isinstance(value, dict) and "index" in value and "fact" not in value:
            return {**value, "fact": value["index"]}
        return value

    def triple(self) -> Triple | None:
        """The normalised triple, or None when a name or the relationship is empty."""
        source, destination = normalise_name(self.source), normalise_name(self.destination)
        relationship = normalise_relationship(self.relationship)
        if not source or not destination or not relationship or source == destination:
            return None
        return Triple(
            Mention(source, normalise_type(self.source_type)),
            relationship,
            Mention(destination, normalise_type(self.destination_type)),
        )


class Relations(BaseModel):
    """``{"relations": [...]}``; each index must be one of the texts shown."""

    model_config = ConfigDict(extra="ignore")

    relations: list[GraphRelation] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        return {"relations": value} if isinstance(value, list) else value

    @model_validator(mode="after")
    def _known_indexes(self, info: ValidationInfo) -> Relations:
        count = (info.context or {}).get("count")
        if count is not None:
            _check_indexes(self.relations, count, "text")
        return self

    def triples(self) -> list[tuple[int, Triple]]:
        """The usable relations, each with its index."""
        out = []
        for relation in self.relations:
            triple = relation.triple()
            if triple is not None:
                out.append((relation.index, triple))
        return out


class FactsAndRelations(Facts):
    """``{"facts": [...], "relations": [...]}``; each relation names one of the facts."""

    relations: list[GraphRelation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_facts(self) -> FactsAndRelations:
        _check_indexes(self.relations, len(self.facts), "fact")
        return self


class Contradicted(BaseModel):
    """``{"invalidate": [id, ...]}``; ids must be among the relations shown."""

    model_config = ConfigDict(extra="ignore")

    invalidate: list[int] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        return {"invalidate": value} if isinstance(value, list) else value

    @field_validator("invalidate")
    @classmethod
    def _shown(cls, ids: list[int], info: ValidationInfo) -> list[int]:
        shown = set((info.context or {}).get("shown_ids", ()))
        unknown = sorted(set(ids) - shown)
        if unknown:
            allowed = ", ".join(str(i) for i in sorted(shown)) or "none"
            raise ValueError(f"ids {unknown} were not among the relations (allowed: {allowed})")
        return sorted(set(ids))


def _check_indexes(relations: Sequence[GraphRelation], count: int, what: str) -> None:
    for relation in relations:
        if not 0 <= relation.index < count:
            raise ValueError(
                f"{what} index {relation.index} does not exist (allowed: 0 to {count - 1})"
                if count
                else f"{what} index {relation.index} does not exist (there are none)"
            )


def relation_schema(index_key: str) -> dict[str, Any]:
    """The strict JSON schema of one relation, its index under ``index_key``."""
    return {
        "type": "object",
        "properties": {index_key: {"type": "integer"}, **_RELATION_PROPERTIES},
        "required": [index_key, *_RELATION_PROPERTIES],
        "additionalProperties": False,
    }


def graph_schema(name: str) -> dict[str, Any]:
    """The strict JSON schema of the answer ``name``."""
    if name == "relations":
        properties: dict[str, Any] = {
            "relations": {"type": "array", "items": relation_schema("index")}
        }
    elif name == "facts and relations":
        properties = {
            "facts": {"type": "array", "items": {"type": "string"}},
            "relations": {"type": "array", "items": relation_schema("fact")},
        }
    else:
        properties = {"invalidate": {"type": "array", "items": {"type": "integer"}}}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _system(template: str, speakers: Sequence[str], custom: str | None, today: str = "") -> str:
    who = ", ".join(speakers) if speakers else "the user"
    extra = f"- {custom.strip()}\n" if custom and custom.strip() else ""
    return template.replace("{speakers}", who).replace("{custom}", extra).replace("{today}", today)


def facts_and_relations(
    messages: Sequence[Message],
    today: str,
    custom: str | None,
    tally: Tally,
    instructions: str | None = None,
) -> Flow[tuple[list[str], list[tuple[int, Triple]]]]:
    """One call: the conversation's facts, and the relations each fact states.

    ``instructions`` (mem0 2.x's ``custom_instructions``, or ``add(prompt=)``) are added as
    they are to the fact-extraction prompt."""
    speakers = sorted({m.name for m in messages if m.name}) or ["the user"]
    system = _system(FACTS_AND_RELATIONS, speakers, custom, today)
    if instructions:
        system += f"\n\nFollow these instructions of the user as well:\n{instructions}"
    request = CompletionRequest(
        messages=(
            {"role": "system", "content": system},
            {"role": "user", "content": "Conversation:\n" + conversation_text(messages)},
        ),
        json_schema=graph_schema("facts and relations"),
        schema_name="facts and relations",
    )
    answer: FactsAndRelations = yield from ask(request, FactsAndRelations, tally)
    pairs = []
    for relation in answer.relations:
        triple = relation.triple()
        if triple is not None:
            pairs.append((relation.index, triple))
    return answer.facts, pairs


def extract_relations(
    texts: Sequence[str],
    speakers: Sequence[str],
    custom: str | None,
    tally: Tally,
    own_llm: bool = False,
) -> Flow[list[tuple[int, Triple]]]:
    """One call: the relations of numbered texts, each with its text's index."""
    numbered = "\n".join(f"{i}: {text}" for i, text in enumerate(texts))
    request = CompletionRequest(
        messages=(
            {"role": "system", "content": _system(GRAPH_RELATIONS, speakers, custom)},
            {"role": "user", "content": f"Texts:\n{numbered}"},
        ),
        json_schema=graph_schema("relations"),
        schema_name="relations",
    )
    answer: Relations = yield from ask(request, Relations, tally, graph=own_llm, count=len(texts))
    return answer.triples()


def contradictions(
    proposed: Sequence[Any], live: Sequence[RelationRecord], tally: Tally, own_llm: bool = False
) -> Flow[list[int]]:
    """One decision call: which of ``live`` (shown as 0, 1, ...) the new relations contradict."""
    existing = "\n".join(
        json.dumps(
            {
                "id": i,
                "relation": f"{r.source} -- {r.relationship} -- {r.destination}",
                "since": r.valid_at,
            },
            ensure_ascii=False,
        )
        for i, r in enumerate(live)
    )
    new = "\n".join(f"- {p.source} -- {p.relationship} -- {p.destination}" for p in proposed)
    shown = f"Existing relations:\n{existing}\n\nNew relations:\n{new}"
    request = CompletionRequest(
        messages=(
            {"role": "system", "content": GRAPH_CONTRADICTIONS},
            {"role": "user", "content": shown},
        ),
        json_schema=graph_schema("contradictions"),
        schema_name="contradictions",
    )
    answer: Contradicted = yield from ask(
        request, Contradicted, tally, graph=own_llm, shown_ids=tuple(range(len(live)))
    )
    return answer.invalidate
