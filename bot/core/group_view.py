"""What a group session shows in its channel: public replies, edited in place.

Nothing here names a person: the channel sees how many voted and how the votes fell.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.catalog import Catalog, Scenario, Step, Tactic
from bot.core.errors import NotFound
from bot.core.group_model import GroupArg, GroupMove, GroupSession
from bot.core.messages import Action, Reply, Section, Style, button_label
from bot.core.resources_view import resource_lines

BEGIN = "group.begin"
CANCEL = "group.cancel"
VOTE = "group.vote"
REVEAL = "group.reveal"
PICK = "group.pick"


def public(*sections: Section, actions: tuple[Action, ...] = (), replace: bool = True) -> Reply:
    return Reply(sections=sections, actions=actions, private=False, replace=replace)


def note(catalog: Catalog, locale: str, key: str, **params: object) -> Reply:
    """A private word to the one who pressed, leaving the channel's message as it is."""
    return Reply(sections=(Section(catalog.text(locale, key, **params)),))


def intro(catalog: Catalog, session: GroupSession, scenario: Scenario) -> Reply:
    """The scenario and its content warnings; the starter's Begin starts the voting."""
    loc = session.locale
    title = catalog.text(loc, "group.intro_heading", title=scenario.title)
    sections = [Section(scenario.summary, title=title)]
    if scenario.content_warnings:
        warnings = ", ".join(scenario.content_warnings)
        text = catalog.text(loc, "group.content_warning", warnings=warnings)
        sections.append(Section(text))
    sections.append(Section(catalog.text(loc, "group.intro_hint")))
    actions = (
        Action(BEGIN, session.id, catalog.text(loc, "group.begin_button"), Style.PRIMARY),
        Action(CANCEL, session.id, catalog.text(loc, "group.cancel_button")),
    )
    return public(*sections, actions=actions, replace=False)


def step(
    catalog: Catalog,
    session: GroupSession,
    scenario: Scenario,
    voters: int,
    lead: tuple[Section, ...] = (),
) -> Reply:
    """The step for everyone: a vote button per choice, the count so far, and Reveal."""
    loc = session.locale
    here = current_step(scenario, session)
    heading = catalog.text(
        loc, "practice.step_heading", title=scenario.title, number=session.number
    )
    count = catalog.text(loc, "group.votes_so_far", count=voters)
    votes = tuple(
        Action(VOTE, GroupArg(session.id, session.number, i).encode(), button_label(c.label))
        for i, c in enumerate(here.choices)
    )
    reveal = Action(
        REVEAL,
        GroupArg(session.id, session.number).encode(),
        catalog.text(loc, "group.reveal_button"),
        Style.PRIMARY,
    )
    body = Section(here.text.strip(), title=heading)
    return public(*lead, body, Section(count), actions=(*votes, reveal))


def results(catalog: Catalog, locale: str, here: Step, tally: Mapping[int, int]) -> Section:
    """How the votes fell, each choice with its tactic and feedback."""
    lines = []
    for index, choice in enumerate(here.choices):
        lines.append(
            catalog.text(
                locale,
                "group.result_line",
                label=choice.label,
                votes=tally.get(index, 0),
                tactic=catalog.text(locale, f"tactic.{choice.tactic.value}"),
                feedback=choice.feedback.strip(),
            )
        )
    return Section("\n".join(lines), title=catalog.text(locale, "group.results_heading"))


def taken(catalog: Catalog, locale: str, label: str) -> Section:
    return Section(catalog.text(locale, "group.path_taken", label=label))


def tie(catalog: Catalog, session: GroupSession, here: Step, tally: Mapping[int, int]) -> Reply:
    """A tie: the results, and one button per tied choice for the starter."""
    loc = session.locale
    picks = tuple(
        Action(
            PICK,
            GroupArg(session.id, session.number, i).encode(),
            button_label(here.choices[i].label),
            Style.PRIMARY,
        )
        for i in session.tied
    )
    tied_note = Section(catalog.text(loc, "group.tie"))
    return public(results(catalog, loc, here, tally), tied_note, actions=picks)


def recap(
    catalog: Catalog,
    session: GroupSession,
    scenario: Scenario,
    ending: Step,
    lead: tuple[Section, ...],
) -> Reply:
    """The group's recap: the ending, the path with its votes, tactics, what to discuss."""
    loc = session.locale
    sections = [Section(ending.text.strip(), catalog.text(loc, "practice.ending_heading"))]
    if ending.takeaway:
        sections.append(Section(ending.takeaway.strip()))
    sections.append(
        Section(_path_lines(catalog, session, scenario), catalog.text(loc, "group.recap_title"))
    )
    sections.append(Section(_tactic_lines(catalog, loc, session.path)))
    if scenario.reflection:
        sections.append(Section(scenario.reflection.strip(), catalog.text(loc, "group.discuss")))
    reading = resource_lines(catalog, _resources(scenario, session))
    if reading:
        sections.append(Section("\n".join(reading), catalog.text(loc, "recap.read_more")))
    return public(*lead, *sections)


def ended(catalog: Catalog, locale: str, key: str, **params: object) -> Reply:
    """The channel's message once the session is over, in place of its buttons."""
    return public(Section(catalog.text(locale, key, **params)))


def _path_lines(catalog: Catalog, session: GroupSession, scenario: Scenario) -> str:
    lines = []
    for number, move in enumerate(session.path, start=1):
        here = scenario.step(move.step_id)
        if here is None or move.choice_index >= len(here.choices):
            continue
        lines.append(
            catalog.text(
                session.locale,
                "group.recap_line",
                number=number,
                label=here.choices[move.choice_index].label,
                tactic=catalog.text(session.locale, f"tactic.{move.tactic.value}"),
                votes=move.votes[move.choice_index] if move.choice_index < len(move.votes) else 0,
                total=sum(move.votes),
            )
        )
    return "\n".join(lines)


def _tactic_lines(catalog: Catalog, locale: str, path: tuple[GroupMove, ...]) -> str:
    used = list(dict.fromkeys(m.tactic for m in path if m.tactic is not Tactic.NONE))
    if not used:
        text = catalog.text(locale, "group.no_tactics")
    else:
        names = ", ".join(catalog.text(locale, f"tactic.{t.value}") for t in used)
        text = catalog.text(locale, "group.tactics_used", tactics=names)
    untried = [t for t in Tactic.five_ds() if t not in used]
    if untried:
        names = ", ".join(catalog.text(locale, f"tactic.{t.value}") for t in untried)
        text += "\n" + catalog.text(locale, "group.try_next", tactics=names)
    return text


def _resources(scenario: Scenario, session: GroupSession) -> tuple[str, ...]:
    ids = list(scenario.resources)
    for step_id in [m.step_id for m in session.path] + [session.step_id]:
        here = scenario.step(step_id)
        if here is not None:
            ids.extend(here.resources)
    return tuple(dict.fromkeys(ids))


def current_step(scenario: Scenario, session: GroupSession) -> Step:
    here = scenario.step(session.step_id)
    if here is None:
        raise NotFound("error.step_gone")
    return here
