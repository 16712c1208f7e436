"""``add(infer=True)`` with an LLM: facts, candidates, decisions, one transaction.

1. The conversation (images already described, see ``engram.core.vision``) goes to the LLM,
   which returns facts (``Facts``).
2. All facts are embedded in one batch; each fact's most similar valid memories of the same
   scope become candidates. A fact whose hash equals a candidate's is a NONE at once.
3. One LLM call decides ADD / UPDATE / DELETE / NONE per fact, against the candidates shown with
   small integer ids; ids that were not shown make the answer invalid (``Decisions``). Without
   candidates every fact is added without this call, unless a custom update prompt is set.
4. The decisions become write operations applied in ONE ``StoreCall("apply", ...)``: ADD is an
   ``Insert(unique=True)`` (two concurrent adds of a fact make one memory), UPDATE keeps the id,
   DELETE of a contradicted fact is an ``Invalidate``.

An answer that stays unusable after ``ATTEMPTS`` tries raises ProviderError before any write.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pydantic import BaseModel

from engram.core.answers import AnswerError, Decisions, Facts, json_schema, read_answer
from engram.core.effects import Complete, Embed, Flow, StoreCall
from engram.core.filters import FilterNode
from engram.core.messages import Message
from engram.core.records import Change, Insert, Invalidate, MemoryRecord, Update, WriteOp
from engram.embedders.base import Vectors
from engram.exceptions import ProviderError
from engram.llms.base import Completion, CompletionRequest, Usage
from engram.prompts import FACT_EXTRACTION, PROCEDURAL_MEMORY, UPDATE_MEMORY

logger = logging.getLogger("engram")

T = TypeVar("T", bound=BaseModel)

#: How many times one LLM step is tried before its answer counts as unusable.
ATTEMPTS = 3
#: Candidates fetched per fact.
CANDIDATES_PER_FACT = 5


@dataclass
class Tally:
    """Token usage accumulated over one operation's LLM calls."""

    usage: Usage = field(default_factory=lambda: Usage(calls=0))


def ask(
    request: CompletionRequest,
    model: type[T],
    tally: Tally,
    *,
    rerank: bool = False,
    graph: bool = False,
    **context: Any,
) -> Flow[T]:
    """Ask the LLM (the reranker's with ``rerank``, the graph's with ``graph``) until its answer
    validates as ``model``, at most ``ATTEMPTS`` times."""
    messages = list(request.messages)
    problem = ""
    for _ in range(ATTEMPTS):
        completion: Completion = yield Complete(
            replace(request, messages=tuple(messages)), rerank=rerank, graph=graph
        )
        tally.usage += completion.usage
        try:
            return read_answer(completion.text, model, context)
        except AnswerError as e:
            problem = str(e)
            if completion.truncated:
                problem += " (the answer was cut off: raise the LLM's max_tokens)"
            logger.info("engram: unusable %s answer from the LLM: %s", request.schema_name, e)
            messages += [
                {"role": "assistant", "content": completion.text},
                {
                    "role": "user",
                    "content": f"That answer is not usable: {problem}. Reply again with only "
                    "the JSON object, following the format exactly.",
                },
            ]
    raise ProviderError(
        f"the LLM gave no usable {request.schema_name} answer in {ATTEMPTS} attempts: {problem}",
        error_code="llm_answer_invalid",
        details={"attempts": ATTEMPTS, "problem": problem, "usage": tally.usage.as_dict()},
        suggestion="nothing was written; retry, or use a model that follows JSON schemas",
    )


def conversation_text(messages: Sequence[Message]) -> str:
    """The conversation as ``role: text`` lines (the speaker's name when given)."""
    return "\n".join(f"{m.name or m.role}: {m.content}" for m in messages if m.content.strip())


def extract_facts(
    messages: Sequence[Message],
    today: str,
    prompt: str | None,
    tally: Tally,
    instructions: str | None = None,
) -> Flow[list[str]]:
    """Step 1: one LLM call (plus retries) returning the conversation's facts.

    ``prompt`` replaces the default instructions (mem0 1.x's ``custom_fact_extraction_prompt``);
    ``instructions`` are added to them (mem0 2.x's ``custom_instructions``, or ``add(prompt=)``).
    """
    system = (prompt or FACT_EXTRACTION).replace("{today}", today[:10])
    if instructions:
        system += f"\n\nFollow these instructions of the user as well:\n{instructions}"
    request = CompletionRequest(
        messages=(
            {"role": "system", "content": system},
            {"role": "user", "content": "Conversation:\n" + conversation_text(messages)},
        ),
        json_schema=json_schema("facts"),
        schema_name="facts",
    )
    answer = yield from ask(request, Facts, tally)
    return answer.facts


@dataclass(frozen=True, slots=True)
class Plan:
    """What an add will do: write operations and the NONE changes that need no write."""

    ops: list[WriteOp]
    unchanged: list[Change]


def plan_updates(
    facts: list[str],
    vectors: Vectors,
    scope_filter: FilterNode,
    new_record: Any,
    now: str,
    prompt: str | None,
    tally: Tally,
) -> Flow[Plan]:
    """Steps 2-4: candidates per fact, one decision call, and the resulting operations.

    ``new_record(text)`` makes the MemoryRecord of an added fact.
    """
    shown: list[MemoryRecord] = []
    by_id: dict[str, int] = {}
    unchanged: dict[str, Change] = {}
    pending: list[int] = []
    for i, vector in enumerate(vectors):
        hits: list[tuple[MemoryRecord, float]] = yield StoreCall(
            "search", (vector, scope_filter, CANDIDATES_PER_FACT, None)
        )
        duplicate = next((r for r, _ in hits if r.text == facts[i]), None)
        if duplicate is not None:
            unchanged[duplicate.id] = Change("NONE", duplicate.id, duplicate, duplicate)
            continue
        pending.append(i)
        for record, _ in hits:
            if record.id not in by_id:
                by_id[record.id] = len(shown)
                shown.append(record)
    vector_of = {facts[i]: vectors[i] for i in pending}
    if not pending:
        return Plan([], list(unchanged.values()))
    if not shown and prompt is None:
        # Nothing to reconcile with: every fact is an ADD, without asking. A custom update
        # prompt is still sent (mem0 1.x always made this call; such prompts often rewrite
        # or filter what is added).
        added: list[WriteOp] = [
            Insert(new_record(facts[i]), vectors[i], unique=True) for i in pending
        ]
        return Plan(added, list(unchanged.values()))
    decisions = yield from decide([facts[i] for i in pending], shown, prompt, tally)
    fresh = [
        d.text for d in decisions.memory if d.event in ("ADD", "UPDATE") and d.text not in vector_of
    ]
    if fresh:
        embedded = yield Embed(tuple(dict.fromkeys(fresh)))
        vector_of.update(zip(dict.fromkeys(fresh), embedded, strict=True))
    ops: list[WriteOp] = []
    for d in decisions.memory:
        target = shown[d.id] if d.id is not None and d.event != "ADD" else None
        if d.event == "ADD":
            ops.append(Insert(new_record(d.text), vector_of[d.text], unique=True))
        elif d.event == "UPDATE" and target is not None and d.text != target.text:
            ops.append(Update(target.id, d.text, vector_of[d.text]))
        elif d.event == "DELETE" and target is not None:
            ops.append(Invalidate(target.id, now))
        elif target is not None:
            unchanged.setdefault(target.id, Change("NONE", target.id, target, target))
    return Plan(ops, list(unchanged.values()))


def decide(
    facts: list[str], shown: list[MemoryRecord], prompt: str | None, tally: Tally
) -> Flow[Decisions]:
    """Step 3: one LLM call deciding each fact against memories shown as 0, 1, 2, ..."""
    existing = "\n".join(f'{{"id": {i}, "text": {_quote(r.text)}}}' for i, r in enumerate(shown))
    existing = existing or "(none: memory is empty)"
    new = "\n".join(f"- {fact}" for fact in facts)
    request = CompletionRequest(
        messages=(
            {"role": "system", "content": prompt or UPDATE_MEMORY},
            {
                "role": "user",
                "content": f"Existing memories:\n{existing}\n\nNew facts:\n{new}",
            },
        ),
        json_schema=json_schema("memory"),
        schema_name="memory",
    )
    result: Decisions = yield from ask(
        request, Decisions, tally, shown_ids=tuple(range(len(shown)))
    )
    return result


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def summarise_procedure(messages: Sequence[Message], prompt: str | None, tally: Tally) -> Flow[str]:
    """Procedural memory: one LLM call summarising the whole conversation (system included)."""
    request = CompletionRequest(
        messages=(
            {"role": "system", "content": prompt or PROCEDURAL_MEMORY},
            {"role": "user", "content": "Conversation:\n" + conversation_text(messages)},
        ),
        schema_name="procedural summary",
    )
    completion: Completion = yield Complete(request)
    tally.usage += completion.usage
    summary = completion.text.strip()
    if not summary:
        raise ProviderError(
            "the LLM returned an empty procedural summary",
            error_code="llm_answer_invalid",
            suggestion="nothing was written; retry, or check the model and the prompt",
        )
    return summary
