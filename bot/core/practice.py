"""Practice: branching "what would you do?" scenarios, private to the member."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.actors import Actor
from bot.core.catalog import Catalog, Choice, Scenario, Step, Tactic
from bot.core.clock import Clock
from bot.core.community import community_of_key
from bot.core.errors import NotFound
from bot.core.messages import (
    MAX_ACTION_ID,
    Action,
    Option,
    Reply,
    Section,
    Style,
    button_label,
    is_plain_number,
)
from bot.core.models import Move, PracticeRun, RunStatus
from bot.core.ports import ContentSource, PracticeStore, StatsStore
from bot.core.resources_view import resource_lines

MENU = "practice.menu"
MENU_PAGE = "practice.page"
INTRO = "practice.intro"
BEGIN = "practice.begin"
CHOOSE = "practice.choose"
STOP = "practice.stop"
RESUME = "practice.resume"
CANCEL = "practice.cancel"

# Scenarios on one page of the menu. With Previous/Next and Resume after them, a page is
# 13 buttons: within Discord's 25 (five rows of five) and Slack's 25 in one actions block,
# and its text (a line per scenario) stays far below either platform's message limits.
MENU_PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class MenuPage:
    """One page of the scenario menu; `number` counts from 0."""

    scenarios: tuple[Scenario, ...]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.pages


def menu_page(scenarios: tuple[Scenario, ...], number: int, size: int = MENU_PAGE_SIZE) -> MenuPage:
    """Page `number` of `scenarios`; a number past either end shows the page at that end,
    so a button from before a reload that removed scenarios still shows a page."""
    pages = max(1, -(-len(scenarios) // size))
    number = min(max(number, 0), pages - 1)
    start = number * size
    return MenuPage(scenarios[start : start + size], number, pages, len(scenarios))


def parse_page_arg(arg: str) -> int:
    """The page a Previous/Next button asks for; anything but a number is the first page."""
    return int(arg) if is_plain_number(arg) else 0


class Practice:
    def __init__(
        self, content: ContentSource, store: PracticeStore, stats: StatsStore, clock: Clock
    ) -> None:
        self._content = content
        self._store = store
        self._stats = stats
        self._clock = clock

    # -- menu and start --------------------------------------------------------------

    async def menu(self, actor: Actor, page: int = 0) -> Reply:
        """A page of scenarios, Resume last when a run is active (so that a scenario's
        button keeps its place): the first page is what /practice and "Practise another" show."""
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        # The page is the same for everyone; only Resume is the member's own.
        page = menu_page(catalog.scenario_list(locale), page).number
        sections, actions = catalog.made(
            ("menu", locale, page), lambda: _menu_parts(catalog, locale, page)
        )
        resume = await self._resume_action(catalog, locale, actor)
        if resume is not None:
            actions = (*actions, resume)
        return Reply(sections=sections, actions=actions)

    async def turn_page(self, actor: Actor, arg: str) -> Reply:
        """Previous/Next: the page asked for, in place of the page that was showing."""
        page = await self.menu(actor, parse_page_arg(arg))
        return replace(page, replace=True)

    async def _resume_action(self, catalog: Catalog, locale: str, actor: Actor) -> Action | None:
        active = await self._store.active_run(actor.key)
        if active is None:
            return None
        resumable = catalog.scenario(active.scenario_id, locale)
        if resumable is None:
            return None
        label = catalog.text(locale, "practice.resume_button", title=resumable.title)
        return Action(RESUME, active.id, button_label(label), Style.PRIMARY)

    async def intro(self, actor: Actor, scenario_id: str) -> Reply:
        """The scenario's summary and content warnings; nothing starts until Begin."""
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        scenario = catalog.scenario_or_raise(scenario_id, locale)
        return catalog.made(
            ("intro", locale, scenario.id), lambda: _intro(catalog, locale, scenario)
        )

    async def begin(self, actor: Actor, scenario_id: str) -> Reply:
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        scenario = catalog.scenario_or_raise(scenario_id, locale)
        previous = await self._store.active_run(actor.key)
        now = self._clock.now()
        run = PracticeRun(
            id=secrets.token_hex(8),
            member=actor.key,
            scenario_id=scenario.id,
            locale=locale,
            step_id=scenario.start,
            moves=(),
            status=RunStatus.ACTIVE,
            started_at=now,
            updated_at=now,
            community=actor.community,
        )
        runs = [run] if previous is None else [_abandoned(previous, now), run]
        started = [("runs_started", scenario.id), ("step_reached", f"{scenario.id}:{run.step_id}")]
        await self._store.save_runs(actor.community, runs, started)
        return self._step_reply(catalog, locale, scenario, run, lead=())

    async def cancel(self, actor: Actor) -> Reply:
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        cancelled = Section(catalog.text(locale, "practice.cancelled"))
        return Reply(sections=(cancelled,), replace=True)

    # -- playing ---------------------------------------------------------------------

    async def choose(self, actor: Actor, arg: str) -> Reply:
        pressed = ChoiceArg.parse(arg)
        run = await self._run_pressed(actor, pressed)
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        scenario = catalog.scenario_or_raise(run.scenario_id, locale)
        if not pressed.is_for(run):
            # A second press, or a button from an older message: show where they really are.
            return await self._where_you_are(catalog, locale, scenario, run)
        step_id, index = pressed.step_id, pressed.index
        choice, next_step = _choice_and_next_step(scenario, step_id, index)
        move = Move(step_id, index, choice.tactic)
        run = run.advanced(move, next_step.id, self._clock.now(), finished=next_step.end)
        # The move and its counters: one write.
        counts = _move_counts(catalog, scenario, run, move, next_step)
        await self._store.save_runs(actor.community, [run], counts)
        feedback = catalog.made(
            ("feedback", locale, scenario.id, step_id, index),
            lambda: _feedback_section(catalog, locale, choice),
        )
        if next_step.end:
            return self._recap(catalog, locale, scenario, run, next_step, lead=(feedback,))
        return self._step_reply(catalog, locale, scenario, run, lead=(feedback,))

    async def stop(self, actor: Actor, run_id: str) -> Reply:
        """Stop here: nothing changes, the run stays where it is; Resume brings it back.
        A Stop button names no run (the member's active one) or, on older messages, one."""
        run = (
            await self._owned_run(actor, run_id)
            if run_id
            else await self._store.active_run(actor.key)
        )
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        if run is not None and run.status is RunStatus.ACTIVE:
            key = "practice.stopped"
            label = catalog.text(locale, "practice.resume_short")
            action = Action(RESUME, run.id, label, Style.PRIMARY)
        else:
            # A Stop pressed after the run ended (or on someone else's message): there is
            # no place to keep, so none is promised.
            key = "practice.stopped_nothing"
            action = Action(MENU, "", catalog.text(locale, "practice.another_button"))
        return Reply(
            sections=(Section(catalog.text(locale, key)),),
            actions=(action,),
            replace=True,
        )

    async def resume(self, actor: Actor, run_id: str | None = None) -> Reply:
        run = (
            await self._owned_run(actor, run_id)
            if run_id
            else await self._store.active_run(actor.key)
        )
        if run is None:
            return await self.menu(actor)
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        scenario = catalog.scenario_or_raise(run.scenario_id, locale)
        return await self._where_you_are(catalog, locale, scenario, run)

    # -- helpers ---------------------------------------------------------------------

    async def _run_pressed(self, actor: Actor, pressed: ChoiceArg) -> PracticeRun:
        if pressed.run_id:
            return await self._owned_run(actor, pressed.run_id)
        return await self._pressed_run(actor, pressed.scenario_id)

    async def _pressed_run(self, actor: Actor, scenario_id: str) -> PracticeRun:
        """The run a choice button of `scenario_id` was for: the member's active run, or
        (a press after the run ended or was left) their latest run of that scenario."""
        active = await self._store.active_run(actor.key)
        if active is not None and active.scenario_id == scenario_id:
            return active
        runs = [r for r in await self._store.member_runs(actor.key) if r.scenario_id == scenario_id]
        if not runs:
            raise NotFound("error.run_gone")
        return max(runs, key=lambda r: r.updated_at)

    async def _owned_run(self, actor: Actor, run_id: str) -> PracticeRun:
        run = await self._store.get_run(run_id, actor.key)
        # Another member's run id is treated exactly like a missing one: no hint it exists.
        if run is None:
            raise NotFound("error.run_gone")
        return run

    async def _where_you_are(
        self, catalog: Catalog, locale: str, scenario: Scenario, run: PracticeRun
    ) -> Reply:
        step = scenario.step(run.step_id)
        if step is None:
            raise NotFound("error.step_gone")
        if run.status is RunStatus.FINISHED:
            # The recap again: its reading list is viewed again.
            for metric, key in _recap_views(catalog, scenario, run):
                await self._stats.bump(community_of_key(run.member), metric, key)
            return self._recap(catalog, locale, scenario, run, step, lead=())
        if run.status is RunStatus.ABANDONED:
            raise NotFound("error.run_gone")
        return self._step_reply(catalog, locale, scenario, run, lead=())

    def _step_reply(
        self,
        catalog: Catalog,
        locale: str,
        scenario: Scenario,
        run: PracticeRun,
        *,
        lead: tuple[Section, ...],
    ) -> Reply:
        """A step in place of the message pressed, under `lead` (the last choice's feedback)."""
        step = scenario.step(run.step_id)
        if step is None:
            raise NotFound("error.step_gone")
        number = len(run.moves) + 1
        if not ChoiceArg.fits(scenario.id, step.id, number, len(step.choices)):
            return _step_with_buttons(catalog, locale, scenario, step, number, lead, run.id)
        # The buttons name the scenario, step and move, not the run: the whole reply is the
        # same for every member at this point.
        return catalog.made(
            ("step", locale, scenario.id, step.id, number, lead),
            lambda: _step_with_buttons(catalog, locale, scenario, step, number, lead, ""),
        )

    def _recap(
        self,
        catalog: Catalog,
        locale: str,
        scenario: Scenario,
        run: PracticeRun,
        ending: Step,
        *,
        lead: tuple[Section, ...],
    ) -> Reply:
        used = tuple(t for t in run.tactics_used() if t is not Tactic.NONE)
        resources = _run_resources(scenario, run)

        def make() -> Reply:
            sections, actions = _recap_parts(catalog, locale, scenario, ending, used, resources)
            return Reply(sections=(*lead, *sections), actions=actions, replace=True)

        # Nothing in a recap is the member's: the tactics and resources come from the run's
        # choices, and the rest from the content.
        return catalog.made(("recap", locale, scenario.id, ending.id, used, resources, lead), make)

    def autocomplete(self, actor: Actor, typed: str) -> tuple[Option, ...]:
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        needle = typed.strip().lower()
        found = [
            Option(s.id, button_label(s.title, 100))
            for s in catalog.scenario_list(locale)
            if needle in s.title.lower() or needle in s.id or needle in s.setting.lower()
        ]
        return tuple(found[:25])


def _menu_parts(
    catalog: Catalog, locale: str, page: int
) -> tuple[tuple[Section, ...], tuple[Action, ...]]:
    """A menu page's text and buttons, Resume aside: a line and a button per scenario."""
    shown = menu_page(catalog.scenario_list(locale), page)
    lines = [
        catalog.text(locale, "practice.menu_item", title=s.title, summary=s.summary)
        for s in shown.scenarios
    ]
    sections = [
        Section(catalog.text(locale, "practice.menu_intro")),
        Section("\n".join(lines)),
    ]
    if shown.pages > 1:
        sections.append(Section(_page_indicator(catalog, locale, shown)))
    actions = [
        *(Action(INTRO, s.id, button_label(s.title), Style.SECONDARY) for s in shown.scenarios),
        *_page_actions(catalog, locale, shown),
    ]
    return tuple(sections), tuple(actions)


def _intro(catalog: Catalog, locale: str, scenario: Scenario) -> Reply:
    sections = [Section(scenario.summary, title=scenario.title)]
    if scenario.content_warnings:
        warnings = ", ".join(scenario.content_warnings)
        text = catalog.text(locale, "practice.content_warning", warnings=warnings)
        sections.append(Section(text))
    sections.append(Section(catalog.text(locale, "practice.intro_hint")))
    begin = catalog.text(locale, "practice.begin_button")
    return Reply(
        sections=tuple(sections),
        actions=(
            Action(BEGIN, scenario.id, begin, Style.PRIMARY),
            Action(CANCEL, scenario.id, catalog.text(locale, "practice.not_now_button")),
        ),
    )


def _page_indicator(catalog: Catalog, locale: str, shown: MenuPage) -> str:
    return catalog.text(
        locale,
        "practice.menu_page_of",
        page=shown.number + 1,
        pages=shown.pages,
        total=shown.total,
    )


def _page_actions(catalog: Catalog, locale: str, shown: MenuPage) -> list[Action]:
    actions = []
    if shown.has_previous:
        label = catalog.text(locale, "practice.menu_previous")
        actions.append(Action(MENU_PAGE, str(shown.number - 1), button_label(label)))
    if shown.has_next:
        label = catalog.text(locale, "practice.menu_next")
        actions.append(Action(MENU_PAGE, str(shown.number + 1), button_label(label)))
    return actions


@dataclass(frozen=True, slots=True)
class ChoiceArg:
    """What a choice button carries: ``scenario:step:number:index``.

    It names no run, so a step's buttons are the same for every member and the whole
    reply can be kept; the press is checked against the member's own run (the step and
    the move number must be where that run is). Messages posted before this form carry
    ``run:step:index`` and still work: `run_id` is set for them, and only for them, and
    for a scenario whose ids are too long for the newer form to fit in a button's id.
    """

    scenario_id: str
    step_id: str
    number: int  # the move this button makes, from 1; 0 in the older form
    index: int
    run_id: str = ""

    @staticmethod
    def encode(scenario_id: str, step_id: str, number: int, index: int, run_id: str) -> str:
        if run_id:
            return f"{run_id}:{step_id}:{index}"
        return f"{scenario_id}:{step_id}:{number}:{index}"

    @staticmethod
    def fits(scenario_id: str, step_id: str, number: int, choices: int) -> bool:
        longest = ChoiceArg.encode(scenario_id, step_id, number, choices - 1, "")
        return len(CHOOSE) + 1 + len(longest) <= MAX_ACTION_ID

    @classmethod
    def parse(cls, arg: str) -> ChoiceArg:
        parts = arg.split(":")
        if len(parts) == 4 and is_plain_number(parts[2]) and is_plain_number(parts[3]):
            return cls(parts[0], parts[1], int(parts[2]), int(parts[3]))
        if len(parts) == 3 and is_plain_number(parts[2]):
            return cls("", parts[1], 0, int(parts[2]), run_id=parts[0])
        raise NotFound("error.run_gone")

    def is_for(self, run: PracticeRun) -> bool:
        """True when `run` is at the step this button offers (a fresh press, not a repeat)."""
        if run.status is not RunStatus.ACTIVE or run.step_id != self.step_id:
            return False
        return self.number in (0, len(run.moves) + 1)


def _choice_and_next_step(scenario: Scenario, step_id: str, index: int) -> tuple[Choice, Step]:
    step = scenario.step(step_id)
    if step is None or not 0 <= index < len(step.choices):
        raise NotFound("error.step_gone")
    choice = step.choices[index]
    next_step = scenario.step(choice.next)
    if next_step is None:
        raise NotFound("error.step_gone")
    return choice, next_step


def _move_counts(
    catalog: Catalog, scenario: Scenario, run: PracticeRun, move: Move, next_step: Step
) -> list[tuple[str, str]]:
    """The counters one move adds: its tactic, where runs go and where they stop."""
    tactic = move.tactic.value
    counts = [
        ("tactic", tactic),
        ("tactic_by_scenario", f"{scenario.id}:{tactic}"),
        # Where runs go and stop (issue 21.5): choices per step, steps reached.
        ("choice", f"{scenario.id}:{move.step_id}:{move.choice_index}"),
    ]
    if not next_step.end:
        counts.append(("step_reached", f"{scenario.id}:{next_step.id}"))
    else:
        counts.append(("runs_finished", scenario.id))
        counts += _recap_views(catalog, scenario, run)
    return counts


def _abandoned(run: PracticeRun, at: datetime) -> PracticeRun:
    return replace(run, status=RunStatus.ABANDONED, updated_at=at)


def _step_with_buttons(
    catalog: Catalog,
    locale: str,
    scenario: Scenario,
    step: Step,
    number: int,
    lead: tuple[Section, ...],
    run_id: str,
) -> Reply:
    """A step's reply. `run_id` only when the scenario's ids are too long for buttons
    that name them (the older form, which names the run instead)."""
    body, labels, stop_label = _step_parts(catalog, locale, scenario, step, number)
    choices = tuple(
        Action(CHOOSE, ChoiceArg.encode(scenario.id, step.id, number, i, run_id), label)
        for i, label in enumerate(labels)
    )
    stop = Action(STOP, run_id, stop_label, Style.DANGER)
    return Reply(sections=(*lead, body), actions=(*choices, stop), replace=True)


def _step_parts(
    catalog: Catalog, locale: str, scenario: Scenario, step: Step, number: int
) -> tuple[Section, tuple[str, ...], str]:
    """A step's text under its heading, its choices' labels and the Stop label."""
    heading = catalog.text(locale, "practice.step_heading", title=scenario.title, number=number)
    labels = tuple(button_label(c.label) for c in step.choices)
    stop_label = catalog.text(locale, "practice.stop_button")
    return Section(step.text.strip(), title=heading), labels, stop_label


def _recap_parts(
    catalog: Catalog,
    locale: str,
    scenario: Scenario,
    ending: Step,
    used: tuple[Tactic, ...],
    resources: tuple[str, ...],
) -> tuple[tuple[Section, ...], tuple[Action, ...]]:
    """A recap: the ending, the tactics used and untried, the reflection, what to read."""
    untried = [t for t in Tactic.five_ds() if t not in used]
    # (text, title) pairs: all of it content, so every section is marked as such.
    sections = [(ending.text.strip(), catalog.text(locale, "practice.ending_heading"))]
    if ending.takeaway:
        sections.append((ending.takeaway.strip(), ""))
    sections.append((_tactics_line(catalog, locale, used), catalog.text(locale, "recap.title")))
    if untried:
        names = ", ".join(catalog.text(locale, f"tactic.{t.value}") for t in untried)
        sections.append((catalog.text(locale, "recap.try_next", tactics=names), ""))
    if scenario.reflection:
        sections.append((scenario.reflection.strip(), catalog.text(locale, "recap.reflect")))
    lines = resource_lines(catalog, resources)
    if lines:
        sections.append(("\n".join(lines), catalog.text(locale, "recap.read_more")))
    another = catalog.text(locale, "practice.another_button")
    drawn = tuple(Section(body, title=title) for body, title in sections)
    return drawn, (Action(MENU, "", another, Style.PRIMARY),)


def _feedback_section(catalog: Catalog, locale: str, choice: Choice) -> Section:
    tactic = catalog.text(locale, f"tactic.{choice.tactic.value}")
    title = catalog.text(locale, "practice.feedback_heading", label=choice.label, tactic=tactic)
    return Section(choice.feedback.strip(), title=title)


def _tactics_line(catalog: Catalog, locale: str, used: Sequence[Tactic]) -> str:
    if not used:
        return catalog.text(locale, "recap.no_tactics")
    names = ", ".join(catalog.text(locale, f"tactic.{t.value}") for t in used)
    return catalog.text(locale, "recap.tactics_used", tactics=names)


def _run_resources(scenario: Scenario, run: PracticeRun) -> tuple[str, ...]:
    ids: list[str] = list(scenario.resources)
    visited = [m.step_id for m in run.moves] + [run.step_id]
    for step_id in visited:
        step = scenario.step(step_id)
        if step is not None:
            ids.extend(step.resources)
    return tuple(dict.fromkeys(ids))


def _recap_views(catalog: Catalog, scenario: Scenario, run: PracticeRun) -> list[tuple[str, str]]:
    """The counters a recap moves: a view of each resource on its reading list, if shown."""
    resources = _run_resources(scenario, run)
    if not resource_lines(catalog, resources):
        return []
    return [("resource_views", rid) for rid in resources]
