"""The paged scenario menu, through the console: ten at a time, Previous/Next, Resume last."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from harness import Console, build_console

from bot.adapters.discord.render import BUTTONS_MAX, BUTTONS_PER_ROW
from bot.adapters.discord.render import render as render_for_discord
from bot.adapters.slack.render import MAX_ACTIONS_PER_BLOCK
from bot.adapters.slack.render import message as render_for_slack
from bot.config import Settings
from bot.content.loader import load_catalog
from bot.core.actors import Actor
from bot.core.catalog import Catalog
from bot.core.clock import ManualClock
from bot.core.practice import INTRO, MENU_PAGE, MENU_PAGE_SIZE, RESUME

ROOT = Path(__file__).resolve().parents[2]
EXTRA = 22  # with the fixture's lift-remark: 23 scenarios, pages of 10, 10 and 3
SAM = Actor("console", "sam")


def corridor_ids() -> list[str]:
    return [f"corridor-{n:02d}" for n in range(1, EXTRA + 1)]


@pytest.fixture
async def console(
    settings: Settings, clock: ManualClock, content_dir: Path
) -> AsyncIterator[Console]:
    """The core's console on a library of 23 scenarios: copies of the lift, renamed."""
    lift = (content_dir / "scenarios" / "lift-remark.yaml").read_text(encoding="utf-8")
    for scenario_id in corridor_ids():
        number = scenario_id.split("-")[1]
        text = lift.replace("id: lift-remark", f"id: {scenario_id}")
        text = text.replace("title: A remark in the lift", f"title: Corridor scene {number}")
        (content_dir / "scenarios" / f"{scenario_id}.yaml").write_text(text, encoding="utf-8")
    harness = await build_console(settings, clock, sqlite=False)
    yield harness
    await harness.close()


def titles_listed(text: str) -> list[str]:
    return re.findall(r"^• (.+?): ", text, re.M)


async def test_the_menu_pages_ten_at_a_time_and_covers_every_scenario_once(
    console: Console,
) -> None:
    first = await console.say("/as member sam", "/practice")
    assert titles_listed(first) == [f"Corridor scene {n:02d}" for n in range(1, 11)]
    assert "Page 1 of 3 · 23 scenarios" in first
    assert "Next ▶" in first and "◀ Previous" not in first
    assert "[10] Corridor scene 10  [11] Next ▶" in first, "ten scenario buttons, then Next"

    second = await console.press("Next ▶")
    assert titles_listed(second) == [f"Corridor scene {n:02d}" for n in range(11, 21)]
    assert "Page 2 of 3 · 23 scenarios" in second
    assert "[11] ◀ Previous  [12] Next ▶" in second

    last = await console.press("Next ▶")
    assert titles_listed(last) == ["Corridor scene 21", "Corridor scene 22", "A remark in the lift"]
    assert "Page 3 of 3 · 23 scenarios" in last
    assert "◀ Previous" in last and "Next ▶" not in last

    back = await console.press("◀ Previous")
    assert titles_listed(back) == titles_listed(second)
    intro = await console.press("Corridor scene 15")
    assert "Content note" in intro, "a scenario on a later page starts like any other"


async def test_page_buttons_edit_the_menu_in_place_and_practice_starts_on_page_one(
    console: Console,
) -> None:
    app = console.runtime.app
    menu = await app.practice(SAM)
    assert not menu.replace, "/practice posts a new menu"
    turned = await app.press(SAM, f"{MENU_PAGE}|1")
    assert turned.replace, "Previous/Next replace the page that was showing"
    shown = [a.arg for a in turned.actions if a.kind == INTRO]
    assert shown == corridor_ids()[10:20]


async def test_resume_comes_last_on_every_page(console: Console) -> None:
    await console.say("/as member sam", "/practice corridor-18")
    await console.press("Begin")
    await console.press("Stop here")
    app = console.runtime.app
    for page in range(3):
        reply = await app.press(SAM, f"{MENU_PAGE}|{page}")
        last = reply.actions[-1]
        assert last.kind == RESUME and last.label == "Resume: Corridor scene 18"
        scenarios = [a for a in reply.actions if a.kind == INTRO]
        assert len(scenarios) == (MENU_PAGE_SIZE if page < 2 else 3)
    menu = await console.say("/practice")
    # The scenarios keep the numbers they have without a run in progress.
    assert "[1] Corridor scene 01" in menu and "[12] Resume: Corridor scene 18" in menu


@pytest.mark.parametrize(
    ("arg", "page"),
    [("99", 3), ("2", 3), ("", 1), ("-1", 1), ("x", 1), ("²", 1), ("1:2", 1), ("0", 1)],
)
async def test_a_page_out_of_range_or_malformed_shows_a_page_at_the_nearest_end(
    console: Console, arg: str, page: int
) -> None:
    reply = await console.runtime.app.press(SAM, f"{MENU_PAGE}|{arg}")
    assert f"Page {page} of 3" in reply.text()
    assert "went wrong" not in reply.text()


async def test_one_page_shows_no_page_buttons_or_indicator(
    console: Console, content_dir: Path
) -> None:
    for scenario_id in corridor_ids():
        (content_dir / "scenarios" / f"{scenario_id}.yaml").unlink()
    await console.say("/as moderator mo", "/reload")
    reply = await console.runtime.app.practice(SAM)
    assert [a.arg for a in reply.actions] == ["lift-remark"]
    assert "Page" not in reply.text()


async def test_a_page_button_from_before_a_reload_that_removed_pages_still_shows_one(
    console: Console, content_dir: Path
) -> None:
    for scenario_id in corridor_ids()[5:]:
        (content_dir / "scenarios" / f"{scenario_id}.yaml").unlink()
    assert "Content reloaded" in await console.say("/as moderator mo", "/reload")
    reply = await console.runtime.app.press(SAM, f"{MENU_PAGE}|2")
    assert [a.arg for a in reply.actions if a.kind == INTRO] == [*corridor_ids()[:5], "lift-remark"]
    assert not [a for a in reply.actions if a.kind == MENU_PAGE]


async def test_a_spanish_member_pages_in_spanish(console: Console, content_dir: Path) -> None:
    messages = ROOT / "scripts_content" / "messages" / "es.yaml"
    shutil.copy(messages, content_dir / "messages" / "es.yaml")
    await console.say("/as moderator mo", "/reload")
    ana = Actor("console", "ana", locale="es-ES")
    reply = await console.runtime.app.press(ana, f"{MENU_PAGE}|1")
    assert "Página 2 de 3 · 23 escenarios" in reply.text()
    assert [a.label for a in reply.actions if a.kind == MENU_PAGE] == [
        "◀ Anteriores",
        "Siguientes ▶",
    ]


async def test_autocomplete_still_searches_every_page(console: Console) -> None:
    found = console.runtime.app.scenario_choices(SAM, "scene 2")
    assert [o.value for o in found] == ["corridor-20", "corridor-21", "corridor-22"]
    assert [o.value for o in console.runtime.app.scenario_choices(SAM, "lift")] == ["lift-remark"]


async def test_the_fullest_page_fits_discord_and_slack_whole(console: Console) -> None:
    """A full page, both page buttons and Resume: every button drawn, within each
    platform's limits (Discord: 25 buttons in 5 rows of 5; Slack: 25 per actions block)."""
    await console.say("/as member sam", "/practice corridor-01")
    await console.press("Begin")
    reply = await console.runtime.app.press(SAM, f"{MENU_PAGE}|1")
    assert len(reply.actions) == 1 + MENU_PAGE_SIZE + 2

    view = render_for_discord(reply).view
    assert view is not None
    rows = view.to_components()
    drawn = [button["custom_id"] for row in rows for button in row["components"]]
    assert drawn == [a.id for a in reply.actions]
    assert len(rows) <= BUTTONS_MAX // BUTTONS_PER_ROW
    assert all(len(row["components"]) <= BUTTONS_PER_ROW for row in rows)

    blocks = render_for_slack(reply)["blocks"]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 1 and len(actions[0]["elements"]) <= MAX_ACTIONS_PER_BLOCK
    assert [e["value"] for e in actions[0]["elements"]] == [a.id for a in reply.actions]


def merged_by_hand(catalog: Catalog, locale: str) -> list[str]:
    """The menu's order as a member should see it: English ids, translated where we can."""
    english = catalog.scenarios["en"]
    local = catalog.scenarios.get(locale, {})
    return [f"{local.get(i, english[i]).locale}:{i}" for i in sorted(english)]


def test_each_locale_s_scenario_list_is_worked_out_once_and_follows_replace() -> None:
    shipped = load_catalog(ROOT / "scripts_content", ROOT / "resources.yaml")
    for locale in ("en", "es", "fr", "pt-BR"):
        listed = [f"{s.locale}:{s.id}" for s in shipped.scenario_list(locale)]
        assert listed == merged_by_hand(shipped, locale)
    assert "es:bus-phone-call" in [f"{s.locale}:{s.id}" for s in shipped.scenario_list("es")]
    assert shipped.scenario_list("es") is shipped.scenario_list("es"), "not rebuilt per call"

    fewer = {locale: dict(list(by_id.items())[:2]) for locale, by_id in shipped.scenarios.items()}
    smaller = replace(shipped, scenarios=fewer)
    assert [s.id for s in smaller.scenario_list("es")] == sorted(fewer["en"])
    assert len(shipped.scenario_list("es")) > 2, "the original catalog is unchanged"


async def test_a_page_is_the_same_for_everyone_and_resume_stays_the_members_own(
    console: Console,
) -> None:
    await console.say("/as member sam", "/practice corridor-03")
    await console.press("Begin")
    app = console.runtime.app
    kim = Actor("console", "kim")
    sams, kims = await app.practice(SAM), await app.practice(kim)
    assert sams.sections == kims.sections, "nothing in the page's text is one member's"
    assert sams.actions[-1].kind == RESUME and sams.actions[-1].label.endswith("Corridor scene 03")
    assert not [a for a in kims.actions if a.kind == RESUME], "Kim is never offered Sam's run"
    assert sams.actions[:-1] == kims.actions
    far = await app.press(SAM, f"{MENU_PAGE}|99")
    assert far.sections == (await app.press(SAM, f"{MENU_PAGE}|2")).sections


async def test_a_page_shown_before_a_reload_is_made_again_after_it(
    console: Console, content_dir: Path
) -> None:
    before = await console.runtime.app.practice(SAM)
    assert "Corridor scene 05" in before.text()
    (content_dir / "scenarios" / "corridor-05.yaml").unlink()
    assert "Content reloaded" in await console.say("/as moderator mo", "/reload")
    after = await console.runtime.app.practice(SAM)
    assert "Corridor scene 05" not in after.text() and "Corridor scene 11" in after.text()
    assert "22 scenarios" in after.text()
