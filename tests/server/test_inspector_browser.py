"""The inspector in a real browser: Debian's Chromium, driven by Playwright (from PyPI) through
the system browser's executable, never a browser a test tool downloads.

A person opens ``/ui/``, gives the API key, picks a scope, searches and opens a result's
explanation, reads a memory's history, edits and deletes memories, and opens the graph and
an entity in it. Screenshots of each view are saved to ``$ENGRAM_SCREENSHOTS`` when set
(``ENGRAM_SCREENSHOTS=docs/screenshots`` refreshes the README's), else to the test's temp
directory. Chromium is ``$ENGRAM_CHROMIUM`` or ``chromium`` on the PATH (``.ci/chromium.sh``
installs Debian's package); without it the module is skipped, except in CI (``CI`` set),
where that fails.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engram import Memory
from engram.core.records import Invalidate
from tests.server.conftest import Serve, Served

CHROMIUM = os.environ.get("ENGRAM_CHROMIUM") or shutil.which("chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

if CHROMIUM is None or shutil.which(CHROMIUM) is None:
    why = "no Chromium: apt-get install chromium (.ci/chromium.sh), or set ENGRAM_CHROMIUM"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {why}", pytrace=False)
    pytest.skip(why, allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    assert CHROMIUM is not None
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (its own sessionStorage); page errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    errors: list[str] = []
    opened.on("pageerror", lambda e: errors.append(str(e)))
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    assert [e for e in errors if "401" not in e] == []  # a refused key logs its 401 only


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go."""
    target = Path(os.environ.get("ENGRAM_SCREENSHOTS") or tmp_path / "screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def said(text: str, name: str = "Maya") -> list[dict[str, Any]]:
    return [{"role": "user", "content": text, "name": name}]


def seed(memory: Memory) -> dict[str, str]:
    """Maya's memories (graph memory on, the offline extractor) and a few others; their ids."""
    first = memory.add(
        said(
            "My sister Ana moved to Lisbon and works at Feedzai. I met Bob and Carla at the "
            "Lisbon Marathon. I have a dog named Rex."
        ),
        user_id="maya",
        timestamp="2025-03-01T10:00:00Z",
    )
    memory.add(said("Ana moved to Porto."), user_id="maya", timestamp="2026-02-01T10:00:00Z")
    ids = {m["memory"].split(": ", 1)[1]: m["id"] for m in first["results"]}
    hobby = memory.add(
        said("I go climbing every Sunday"),
        user_id="maya",
        infer=False,
        metadata={"topic": "sport"},
        timestamp="2025-04-01T10:00:00Z",
    )["results"][0]["id"]
    memory.update(hobby, "I go bouldering every Sunday with Carla")
    old = memory.add(
        said("I am vegetarian"), user_id="maya", infer=False, timestamp="2024-01-01T10:00:00Z"
    )["results"][0]["id"]
    memory.store.apply(
        [Invalidate(old, "2025-05-01T10:00:00.000000+00:00")], "2025-05-01T10:00:00.000000+00:00"
    )
    for i in range(3):
        memory.add(said(f"note {i}", "Leo"), user_id="leo", infer=False)
    memory.add(said("Remember the deploy checklist", "ops"), agent_id="ops-bot", infer=False)
    return {**ids, "hobby": hobby, "vegetarian": old}


def open_with_key(page: Page, served: Served, token: str) -> None:
    """Open the inspector; give a wrong key, then the right one."""
    page.goto(f"{served.url}/ui/")
    dialog = page.get_by_role("dialog", name="API key")
    expect(dialog).to_be_visible()
    page.get_by_label("Key", exact=True).fill("engram_wrong_key")
    page.get_by_role("button", name="Use this key").click()
    expect(dialog.get_by_role("alert")).to_have_text("This key was not accepted.")
    page.get_by_label("Key", exact=True).fill(token)
    page.get_by_role("button", name="Use this key").click()
    expect(dialog).to_be_hidden()


def test_a_person_inspects_an_agents_memory(serve: Serve, page: Page, shots: Path) -> None:
    served = serve(graph=True)
    ids = seed(served.local)
    token, _ = served.keys.create("inspector")

    # Load, with the key: the scopes, with their counts.
    open_with_key(page, served, token)
    users = page.get_by_role("table", name="Users (2)")
    expect(users.get_by_role("row", name=re.compile(r"^maya \d+"))).to_be_visible()
    expect(users.get_by_role("row", name=re.compile(r"^leo 3 "))).to_be_visible()
    expect(page.get_by_role("table", name="Agents (1)")).to_contain_text("ops-bot")
    page.screenshot(path=shots / "scopes.png", full_page=True)

    # Pick a scope: its memories, the invalidated one struck out once asked for.
    page.get_by_role("link", name="maya", exact=True).click()
    expect(page.get_by_text("Scope: user maya")).to_be_visible()
    table = page.locator("table.memories")
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table).not_to_contain_text("I am vegetarian")
    expect(page.locator(".pager .shown")).to_have_text(re.compile(r"^1\u2013\d+ of \d+$"))
    page.get_by_label("Show invalidated").check()
    struck = table.locator("tr.invalid", has_text="I am vegetarian")
    expect(struck.locator("s")).to_have_text("I am vegetarian")
    expect(struck).to_contain_text("invalidated")
    expect(table.locator("tr", has_text="bouldering")).to_contain_text('{"topic":"sport"}')
    page.screenshot(path=shots / "memories.png", full_page=True)

    # Filter on the server: text contains, then a metadata equality.
    page.get_by_label("Text contains").fill("dog")
    page.get_by_role("button", name="Apply").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("I have a dog named Rex")
    page.get_by_label("Text contains").fill("")
    page.get_by_label("Metadata key=value").fill("topic=sport")
    page.get_by_role("button", name="Apply").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    page.get_by_label("Metadata key=value").fill("")
    page.get_by_role("button", name="Apply").click()

    # Search, and open a result's explanation: the parts of its score, drawn as a bar. The
    # page must show what the API says (the same search, made here through the core).
    query = "Who is Rex?"
    expected = served.local.search(query, user_id="maya", explain=True, limit=10)["results"]
    assert any(r["score_parts"]["shares"].get("graph") for r in expected)  # graph memory is on
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Search").click()
    page.get_by_label("Query").fill(query)
    page.get_by_label("Query").press("Enter")
    results = page.locator("ol.results > li")
    expect(results).to_have_count(len(expected))
    best = expected[0]
    shares = best["score_parts"]["shares"]
    top = results.first
    expect(top.locator(".text")).to_have_text(best["memory"])
    expect(top.locator(".score")).to_have_text(f"{best['score']:.3f}")
    bar = top.get_by_role("img", name=re.compile(r"^Score [01]\.\d{3}: Semantic"))
    expect(bar.locator(".segment")).to_have_count(sum(v > 0 for v in shares.values()))
    widths = bar.evaluate("b => [...b.children].map(s => parseFloat(s.style.width))")
    assert sum(widths) == pytest.approx(100 * best["score"], abs=0.1)  # the bar is the score
    top.get_by_text("Why this rank").click()
    explained = top.locator("details.explain table")
    expect(explained).to_be_visible()
    for name, label in (
        ("semantic", "Semantic"),
        ("lexical", "Lexical"),
        ("entity", "People"),
        ("time", "Time"),
        ("neighbour", "Neighbour"),
        ("graph", "Graph"),
    ):
        row = explained.get_by_role("row", name=re.compile(f"^{label}"))
        expect(row.locator("td").first).to_have_text(f"{shares.get(name, 0):.3f}")
    expect(explained.get_by_role("row", name=re.compile("^Semantic"))).to_contain_text("cosine")
    graph_row = explained.get_by_role("row", name=re.compile("^Graph"))
    if shares["graph"] > 0:
        expect(graph_row).to_contain_text("graph score")
        expect(bar.locator(".part-graph")).to_have_count(1)
    expect(page.get_by_role("heading", name="Relations around the query")).to_be_visible()
    page.screenshot(path=shots / "search.png", full_page=True)

    # A memory's history: its ADD, then the UPDATE as a word diff.
    page.goto(f"{served.url}/ui/#/history?user_id=maya&memory={ids['hobby']}")
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline.locator("li")).to_have_count(2)
    expect(timeline.locator("li").nth(0)).to_contain_text("ADD")
    update = timeline.locator("li").nth(1)
    expect(update).to_contain_text("UPDATE")
    expect(update.locator("del")).to_have_text(["removed: climbing"])
    expect(update.locator("ins")).to_have_text(
        ["added: bouldering", re.compile(r"^added:\s+with Carla$")]
    )
    page.screenshot(path=shots / "history.png", full_page=True)

    # Edit a memory and see the change; delete one, after a confirmation.
    page.get_by_role("link", name="← Memories").click()
    row = table.locator("tr", has_text="I have a dog named Rex")
    row.get_by_role("button", name=re.compile("^Edit")).click()
    dialog = page.get_by_role("dialog", name="Edit memory")
    expect(dialog.get_by_label("Text", exact=True)).to_have_value("Maya: I have a dog named Rex.")
    dialog.get_by_label("Text", exact=True).fill("Maya: I have a dog named Rex, a beagle.")
    dialog.get_by_label("Metadata (JSON object)").fill("[1]")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("must be a JSON object")
    dialog.get_by_label("Metadata (JSON object)").fill('{"pet": "dog"}')
    page.screenshot(path=shots / "edit.png", full_page=True)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text("Memory saved.")
    edited = table.locator("tr", has_text="a beagle")
    expect(edited).to_contain_text('{"pet":"dog"}')
    stored = served.local.get(ids["I have a dog named Rex."])
    assert stored is not None
    assert (stored["memory"], stored["metadata"]) == (
        "Maya: I have a dog named Rex, a beagle.", {"pet": "dog"},
    )  # fmt: skip
    doomed = table.locator("tr", has_text="Lisbon Marathon")
    doomed.get_by_role("button", name=re.compile("^Delete")).click()
    confirm = page.get_by_role("dialog", name="Delete memory?")
    expect(confirm).to_contain_text("Its history stays readable")
    confirm.get_by_role("button", name="Cancel").click()
    expect(doomed).to_be_visible()
    doomed.get_by_role("button", name=re.compile("^Delete")).click()
    confirm.get_by_role("button", name="Delete").click()
    expect(doomed).to_have_count(0)
    assert (
        served.local.history(ids["I met Bob and Carla at the Lisbon Marathon."])[-1]["event"]
        == "DELETE"
    )

    # The graph: click an entity, see its relations and the memories that state them.
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Graph").click()
    graph = page.locator("svg.graph")
    expect(graph.locator("g.node")).not_to_have_count(0)
    graph.locator('g.node[data-entity="ana"] circle').click()
    panel = page.locator(".graph-panel")
    expect(panel.get_by_role("heading", name="ana")).to_be_visible()
    lives = panel.locator(".relation-list > li", has_text="lives_in")
    expect(lives).to_have_count(1)
    expect(lives).to_contain_text("porto")
    expect(lives.locator(".stated")).to_contain_text("Ana moved to Porto.")
    expect(graph.locator('g.node[data-entity="ana"]')).to_have_class(re.compile("selected"))
    page.screenshot(path=shots / "graph.png", full_page=True)

    # As of the first day: Ana lived in Lisbon (a relation invalidated since: dashed).
    slider = page.get_by_label("As of")
    slider.focus()
    slider.press("Home")
    expect(page.locator("#as-of-text")).not_to_have_text("Now (live relations)")
    expect(graph.locator('g.node[data-entity="lisbon"]')).to_be_visible()
    expect(graph.locator('g.node[data-entity="porto"]')).to_have_count(0)
    expect(graph.locator("path.link.invalid")).to_have_count(1)
    expect(panel.locator(".relation-list > li.invalid")).to_contain_text("lisbon")
    page.screenshot(path=shots / "graph-as-of.png", full_page=True)


def test_keyboard_only_and_labels(serve: Serve, page: Page) -> None:
    """Every control has a label; a skip link, the views and graph entities work by keyboard."""
    served = serve(graph=True)
    seed(served.local)  # no key in the store: open on loopback
    page.goto(f"{served.url}/ui/#/memories?user_id=maya")
    expect(page.locator("table.memories tbody tr").first).to_be_visible()
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => e.offsetParent !== null || e.closest('dialog'))
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.textContent.trim())
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.goto(f"{served.url}/ui/#/graph?user_id=maya")
    node = page.locator('svg.graph g.node[data-entity="rex"]')
    node.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".graph-panel").get_by_role("heading", name="rex")).to_be_visible()
    page.locator(".entity-list").get_by_role("button", name="bob").press("Enter")
    expect(page.locator(".graph-panel")).to_contain_text("maya —met→ bob")
    svg = page.locator("svg.graph")
    before = svg.locator("g.viewport").get_attribute("transform")
    svg.focus()
    page.keyboard.press("+")
    page.keyboard.press("ArrowLeft")
    assert svg.locator("g.viewport").get_attribute("transform") != before
    page.get_by_role("button", name="Fit").click()


def test_paging_through_a_scope(serve: Serve, page: Page) -> None:
    served = serve()
    served.local.add(
        [{"role": "user", "content": f"fact {i:03d}"} for i in range(60)],
        user_id="many",
        infer=False,
    )
    page.goto(f"{served.url}/ui/#/memories?user_id=many")
    page.get_by_label("Per page").select_option("25")
    shown = page.locator(".pager .shown")
    expect(shown).to_have_text("1\u201325 of 60")
    seen = set(page.locator("table.memories td.text").all_inner_texts())
    page.get_by_role("button", name="Next →").click()
    expect(shown).to_have_text("26\u201350 of 60")
    seen |= set(page.locator("table.memories td.text").all_inner_texts())
    page.get_by_role("button", name="Next →").click()
    expect(shown).to_have_text("51\u201360 of 60")
    expect(page.get_by_role("button", name="Next →")).to_be_disabled()
    seen |= set(page.locator("table.memories td.text").all_inner_texts())
    assert seen == {f"fact {i:03d}" for i in range(60)}
    page.get_by_role("button", name="← Previous").click()
    expect(shown).to_have_text("26\u201350 of 60")
    page.get_by_label("Order").select_option("created_at:asc")
    expect(shown).to_have_text("1\u201325 of 60")
    page.get_by_label("Filter (JSON)").fill("{not json")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_contain_text("Filter: not JSON")
