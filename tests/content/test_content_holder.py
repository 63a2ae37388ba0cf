"""Live reload: a broken edit keeps the serving catalog; a good one replaces it whole."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
from collections.abc import Callable

import pytest
from content_tree import Tree, besides_untranslated

from bot.content.holder import ContentHolder
from bot.content.loader import load_catalog
from bot.core.errors import ContentInvalid


async def test_reload_keeps_the_old_catalog_on_a_broken_file_and_swaps_on_a_good_one(
    tree: Tree,
) -> None:
    holder = await ContentHolder.open(tree.content, tree.resources)
    serving = holder.current

    tree.add("unknown_key.yaml", "content/scenarios/unknown-key.yaml")
    failed = await holder.reload()
    assert not failed.ok
    assert failed.version == serving.version
    assert holder.current is serving
    assert [(p.path, p.line, p.message) for p in besides_untranslated(failed.problems)] == [
        ("tree/content/scenarios/unknown-key.yaml", 3, "unknown key 'titel'")
    ]

    (tree.content / "scenarios" / "unknown-key.yaml").unlink()
    en = tree.content / "messages" / "en.yaml"
    en.write_text(en.read_text(encoding="utf-8") + "goodbye: Bye for now.\n", encoding="utf-8")
    succeeded = await holder.reload()
    assert succeeded.ok
    assert besides_untranslated(succeeded.problems) == ()
    assert holder.current is not serving
    assert holder.current.version == succeeded.version != serving.version
    assert holder.current.text("en", "goodbye") == "Bye for now."


async def test_a_reloaded_catalog_is_the_one_a_load_gives_and_still_read_only(
    tree: Tree,
) -> None:
    # The reload runs in a worker process: its catalog crosses back pickled.
    holder = await ContentHolder.open(tree.content, tree.resources)
    assert (await holder.reload()).ok
    reloaded = holder.current
    assert reloaded == load_catalog(tree.content, tree.resources)
    with pytest.raises(TypeError):
        reloaded.scenarios["en"]["x"] = reloaded.scenarios["en"]["lunch-joke"]  # type: ignore[index]


async def test_a_reload_whose_worker_dies_keeps_the_serving_catalog(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = await ContentHolder.open(tree.content, tree.resources)
    serving = holder.current
    # A Python that exits at once with status 1: the worker process never reports.
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    failed = await holder.reload()
    assert not failed.ok and failed.version == serving.version
    assert holder.current is serving
    assert [p.message for p in besides_untranslated(failed.problems)] == [
        "the reload did not run: the content worker exited with status 1"
    ]


def test_loading_at_start_up_raises_when_the_content_is_broken(tree: Tree) -> None:
    tree.add("start_missing.yaml", "content/scenarios/start-missing.yaml")
    with pytest.raises(ContentInvalid):
        ContentHolder.load(tree.content, tree.resources)


async def test_watch_reloads_on_save_and_logs_problems(
    tree: Tree, caplog: pytest.LogCaptureFixture
) -> None:
    holder = ContentHolder.load(tree.content, tree.resources)
    serving = holder.current
    watcher = asyncio.create_task(holder.watch(interval=0.01))
    try:
        tree.add("next_missing.yaml", "content/scenarios/next-missing.yaml")
        await _until(lambda: "still serving" in caplog.text)
        assert holder.current is serving
        assert "next-missing.yaml:19: next names step 'dnoe'" in caplog.text

        (tree.content / "scenarios" / "next-missing.yaml").unlink()
        await _until(lambda: holder.current is not serving)
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher
    assert holder.current.scenarios == serving.scenarios


async def _until(condition: Callable[[], bool], polls: int = 500) -> None:
    """Wait for the watcher to act; it polls the files, so there is no event to wait on."""
    for _ in range(polls):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the watcher did not act")


@pytest.fixture(autouse=True)
def _capture_content_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.content")
