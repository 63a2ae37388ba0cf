"""The valid fixture becomes a Catalog of the right shape; everything else about loading."""

from __future__ import annotations

from pathlib import Path

import pytest
from content_tree import Tree, besides_untranslated

from bench.contentgen import generate
from bot.content.loader import load_catalog, validate
from bot.core.catalog import Catalog, Tactic
from bot.core.errors import ContentInvalid


@pytest.fixture
def catalog(tree: Tree) -> Catalog:
    return load_catalog(tree.content, tree.resources)


def test_scenarios_by_locale(catalog: Catalog) -> None:
    assert {locale: sorted(found) for locale, found in catalog.scenarios.items()} == {
        "en": ["bus-stop", "lunch-joke"],
        "es": ["lunch-joke"],
    }
    lunch = catalog.scenarios["en"]["lunch-joke"]
    assert lunch.locale == "en"
    assert lunch.title == "A joke at lunch"
    assert lunch.setting == "office kitchen"
    assert lunch.focus == (Tactic.DISTRACT, Tactic.DIRECT)
    assert lunch.content_warnings == ("mocking an accent",)
    assert lunch.resources == ("five-ds",)
    assert lunch.start == "opening"
    assert list(lunch.steps) == ["opening", "after-distract", "after-direct", "later"]
    assert catalog.scenarios["es"]["lunch-joke"].locale == "es"


def test_steps_and_choices(catalog: Catalog) -> None:
    lunch = catalog.scenarios["en"]["lunch-joke"]
    opening = lunch.steps["opening"]
    # A block scalar's trailing newline is not part of the text.
    assert (
        opening.text == "At lunch, a colleague imitates the new hire's accent. A few people laugh."
    )
    assert [(c.tactic, c.next) for c in opening.choices] == [
        (Tactic.DISTRACT, "after-distract"),
        (Tactic.DIRECT, "after-direct"),
        (Tactic.DELAY, "later"),
    ]
    assert opening.choices[1].label == 'Say: "That\'s not funny."'
    assert not opening.end
    ending = lunch.steps["after-direct"]
    assert ending.end and ending.choices == ()
    assert ending.takeaway == "A few calm words can change the room."
    assert lunch.steps["later"].resources == ("report-guide",)


def test_resources_topics_and_crisis_lines(catalog: Catalog) -> None:
    assert list(catalog.topics) == ["bystander-intervention", "reporting"]
    five_ds = catalog.resources["five-ds"]
    assert five_ds.topic == "bystander-intervention"
    assert five_ds.author == "Right To Be"
    assert five_ds.kind == "guide"
    # Both an unquoted YAML date and a quoted one become ISO text.
    assert five_ds.last_reviewed == "2026-11-21"
    assert catalog.resources["report-guide"].last_reviewed == "2026-10-01"
    assert catalog.resources["report-guide"].author == ""
    assert [line.name for line in catalog.crisis_lines_for("us")] == [
        "988 Suicide & Crisis Lifeline",
        "Find A Helpline",
    ]
    assert catalog.crisis_lines["US"][0].region == "US"


def test_checkin_settings(catalog: Catalog) -> None:
    assert catalog.checkin_categories == (
        "harassment",
        "discrimination",
        "exclusion",
        "something-i-saw",
        "other",
    )
    # Phrases are kept as written; the screen compiled from them normalises both sides.
    assert catalog.crisis_rules.phrases == {
        "en": ("Kill myself", "suicide", "not   safe"),
        "es": ("suicidarme",),
    }
    assert catalog.crisis_rules.screen.matches("I feel NOT safe")
    assert catalog.crisis_rules.screen.matches("pienso en suicidarme")
    assert catalog.crisis_rules.urgencies == frozenset({"right-now"})


def test_copy_falls_back_to_the_default_locale(catalog: Catalog) -> None:
    assert catalog.copy.locales() == ("en", "es")
    assert catalog.text("es", "welcome", name="Ana") == "Hola Ana, te damos la bienvenida."
    assert catalog.text("es", "checkin.received") == (
        "We have your request. A volunteer will reach out."
    )
    assert catalog.text("fr", "practice.done", title="X") == "You finished X."
    assert catalog.locale_for("es-ES") == "es"
    assert catalog.scenario("bus-stop", "es") is catalog.scenarios["en"]["bus-stop"]


def test_the_catalog_cannot_be_edited(catalog: Catalog) -> None:
    with pytest.raises(TypeError):
        catalog.scenarios["en"]["x"] = catalog.scenarios["en"]["bus-stop"]  # type: ignore[index]
    with pytest.raises(TypeError):
        catalog.resources["x"] = catalog.resources["five-ds"]  # type: ignore[index]


def test_version_is_a_short_hash_that_follows_the_bytes(tree: Tree) -> None:
    first = load_catalog(tree.content, tree.resources).version
    assert len(first) == 12 and int(first, 16) >= 0
    assert load_catalog(tree.content, tree.resources).version == first
    en = tree.content / "messages" / "en.yaml"
    en.write_text(en.read_text(encoding="utf-8") + "extra: One more.\n", encoding="utf-8")
    assert load_catalog(tree.content, tree.resources).version != first


def test_load_catalog_raises_with_every_problem(tree: Tree) -> None:
    tree.add("unknown_key.yaml", "content/scenarios/unknown-key.yaml")
    tree.add("next_missing.yaml", "content/scenarios/next-missing.yaml")
    with pytest.raises(ContentInvalid) as raised:
        load_catalog(tree.content, tree.resources)
    assert [(p.path, p.line) for p in raised.value.problems if p.severity == "error"] == [
        ("tree/content/scenarios/next-missing.yaml", 19),
        ("tree/content/scenarios/unknown-key.yaml", 3),
    ]


def test_coverage_counts_scenarios_per_focus_and_setting(tree: Tree) -> None:
    report = tree.validate()
    assert report.coverage.by_focus == {
        "distract": 1,
        "delegate": 1,
        "document": 0,
        "delay": 0,
        "direct": 1,
    }
    assert report.coverage.by_setting == {"office kitchen": 1, "public transport": 1}
    assert report.stats.scenarios == 2
    assert report.stats.locales == ("en", "es")
    assert (report.stats.topics, report.stats.resources) == (2, 2)


def test_warnings_do_not_fail_validation(tree: Tree) -> None:
    long_text = "word " * 130
    shown = tree.write(
        "content/scenarios/bus-stop.yaml",
        f"""\
id: bus-stop
title: Shouted at, at the bus stop
summary: A man shouts at a woman wearing a headscarf.
setting: public transport
content_warnings: []
start: opening
steps:
  opening:
    text: {long_text}
    choices:
      - label: Look away
        tactic: none
        next: alone
      - label: Ask the driver for help
        tactic: none
        feedback: ""
        next: alone
  alone:
    text: The woman gets on the bus alone.
    end: true
""",
    )
    report = tree.validate()
    assert report.errors == ()
    assert report.catalog is not None
    assert [(p.path, p.line, p.message) for p in besides_untranslated(report.warnings)] == [
        (shown, 1, "scenario 'bus-stop' lists no resources; the recap has nothing to offer"),
        (shown, 9, "text is 649 characters; over 600 is long for chat"),
        (shown, 11, "choice 'Look away' has no feedback; every choice deserves coaching"),
        (
            shown,
            16,
            "choice 'Ask the driver for help' has no feedback; every choice deserves coaching",
        ),
    ]


def test_a_tactic_no_scenario_uses_is_a_warning(tree: Tree) -> None:
    for path in (tree.content / "scenarios").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("tactic: delegate", "tactic: none"), encoding="utf-8")
    report = tree.validate()
    assert report.errors == ()
    assert [(p.path, p.line, p.message) for p in besides_untranslated(report.warnings)] == [
        ("tree/content/scenarios", 0, "no scenario has a choice with tactic 'delegate'"),
    ]


def test_step_with_neither_choices_nor_end_and_a_single_choice(tree: Tree) -> None:
    shown = tree.write(
        "content/scenarios/shape.yaml",
        """\
id: shape
title: Shapes
summary: Steps of the wrong shape.
setting: test
content_warnings: []
resources: [five-ds]
start: opening
steps:
  opening:
    text: Something happens.
    choices:
      - label: Go on
        tactic: delay
        next: stuck
  stuck:
    text: Nothing to choose, and not an ending.
""",
    )
    assert tree.errors() == [
        (shown, 9, "no ending can be reached from step 'opening'"),
        (shown, 11, "step 'opening' has 1 choice; a step offers 2 to 5"),
        (shown, 15, "step 'stuck' has no choices and no `end: true`; add one or the other"),
        (shown, 15, "no ending can be reached from step 'stuck'"),
    ]


def test_translation_locale_must_match_its_directory(tree: Tree) -> None:
    es = tree.content / "scenarios" / "es" / "lunch-joke.yaml"
    es.write_text(es.read_text(encoding="utf-8").replace("locale: es", "locale: fr"), "utf-8")
    assert tree.errors() == [
        (
            "tree/content/scenarios/es/lunch-joke.yaml",
            2,
            "locale is 'fr' but the file is in scenarios/es/",
        )
    ]


def test_a_broken_original_does_not_orphan_its_translation(tree: Tree) -> None:
    en = tree.content / "scenarios" / "lunch-joke.yaml"
    en.write_text(en.read_text(encoding="utf-8").replace("title:", "titel:"), encoding="utf-8")
    # Only the original's own error; the Spanish file is not called a translation of nothing.
    assert tree.errors() == [
        ("tree/content/scenarios/lunch-joke.yaml", 1, "missing key 'title'"),
        ("tree/content/scenarios/lunch-joke.yaml", 2, "unknown key 'titel'"),
    ]


def test_translation_that_branches_differently(tree: Tree) -> None:
    es = tree.content / "scenarios" / "es" / "lunch-joke.yaml"
    text = es.read_text(encoding="utf-8")
    es.write_text(text.replace("next: after-direct", "next: later", 1), encoding="utf-8")
    assert tree.errors() == [
        (
            "tree/content/scenarios/es/lunch-joke.yaml",
            12,
            "step 'opening' branches differently from the original "
            "(same choices in the same order, with the same next steps and tactics)",
        ),
        (
            "tree/content/scenarios/es/lunch-joke.yaml",
            38,
            "step 'after-direct' is never reached from start 'opening'",
        ),
    ]


def test_bot_copy_templates_must_be_valid(tree: Tree) -> None:
    en = tree.content / "messages" / "en.yaml"
    text = en.read_text(encoding="utf-8")
    text = text.replace("{title}.", "{title.").replace("reach out.", "reach out, {}.")
    en.write_text(text, encoding="utf-8")
    shown = "tree/content/messages/en.yaml"
    assert tree.errors() == [
        (
            shown,
            2,
            "'practice.done' is not a valid template: expected '}' before end of string "
            "(write {{ for a literal {)",
        ),
        (shown, 3, "'checkin.received' has a placeholder {} without a name"),
    ]


def test_every_checkin_choice_needs_a_label_in_the_default_copy(tree: Tree) -> None:
    en = tree.content / "messages" / "en.yaml"
    text = en.read_text(encoding="utf-8")
    en.write_text(text.replace("urgency.today: Today\n", ""), encoding="utf-8")
    assert tree.errors() == [
        (
            "tree/content/checkin.yaml",
            2,
            "urgency 'today' has no label: add `urgency.today` to tree/content/messages/en.yaml",
        )
    ]


def test_every_text_the_bot_asks_for_must_be_in_the_default_copy(tree: Tree) -> None:
    en = tree.content / "messages" / "en.yaml"
    text = en.read_text(encoding="utf-8")
    text = text.replace("practice.menu_next: Next ▶\n", "")
    en.write_text(text.replace("practice.menu_page_of:", "practice.menu_pages:"), encoding="utf-8")
    assert tree.errors() == [
        (
            "tree/content/messages/en.yaml",
            1,
            "key 'practice.menu_next' is missing: the bot shows this text",
        ),
        (
            "tree/content/messages/en.yaml",
            1,
            "key 'practice.menu_page_of' is missing: the bot shows this text",
        ),
    ]


def test_a_translation_may_leave_out_texts_the_bot_asks_for(tree: Tree) -> None:
    es = tree.content / "messages" / "es.yaml"
    assert "practice.menu_next" not in es.read_text(encoding="utf-8"), "it falls back to en"
    assert tree.errors() == []


def test_missing_files_are_reported(tree: Tree) -> None:
    (tree.content / "checkin.yaml").unlink()
    (tree.content / "messages" / "en.yaml").unlink()
    errors = tree.errors()
    assert ("tree/content/checkin.yaml", 0, "file not found") in errors
    assert ("tree/content/messages/en.yaml", 0, "file not found: it holds every key") in errors


def test_a_content_directory_that_does_not_exist_is_one_problem(tree: Tree) -> None:
    report = validate(tree.root / "no-such-dir", tree.resources)
    assert [(p.path, p.line, p.message) for p in report.problems] == [
        ("tree/no-such-dir", 0, "content directory not found")
    ]
    assert report.catalog is None


def test_a_date_that_is_not_a_date(tree: Tree) -> None:
    text = tree.resources.read_text(encoding="utf-8")
    tree.resources.write_text(text.replace("2026-11-21", "2026-13-45"), encoding="utf-8")
    assert tree.errors() == [
        (
            "tree/resources.yaml",
            13,
            "'last_reviewed' must be a date like 2026-11-21; got '2026-13-45'",
        )
    ]


def test_paths_outside_the_working_directory_are_shown_in_full(
    tree: Tree, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tree.add("unknown_key.yaml", "content/scenarios/unknown-key.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    [(path, line, _)] = tree.errors()
    assert path == str(tree.content / "scenarios" / "unknown-key.yaml")
    assert line == 3


def test_a_form_title_too_long_for_slack_is_refused_in_any_language(tree: Tree) -> None:
    en = tree.content / "messages" / "en.yaml"
    text = en.read_text(encoding="utf-8")
    en.write_text(
        text.replace(
            "checkin.form_title: Talk to a volunteer\n",
            "checkin.form_title: Talk to one of our volunteers\n",
        ),
        encoding="utf-8",
    )
    es = tree.content / "messages" / "es.yaml"
    es.write_text(
        es.read_text(encoding="utf-8") + "checkin.form_submit: Revisar antes de enviarlo\n",
        encoding="utf-8",
    )
    problems = [p for p in tree.errors() if "characters long" in p[2]]
    assert problems == [
        (
            "tree/content/messages/en.yaml",
            58,
            "'checkin.form_title' is 29 characters long; the limit is 24 (Slack cuts the rest)",
        ),
        (
            "tree/content/messages/es.yaml",
            3,
            "'checkin.form_submit' is 25 characters long; the limit is 24 (Slack cuts the rest)",
        ),
    ]


def test_a_library_of_fifty_thousand_resources_loads(tmp_path: Path) -> None:
    # No ceiling on how many values a file holds: this one has about half a million.
    library = generate(tmp_path, scenarios=5, resources=50_000)
    catalog = load_catalog(library.content_dir, library.resources_file)
    assert len(catalog.resources) == 50_000
