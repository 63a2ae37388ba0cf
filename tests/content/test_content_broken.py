"""One broken fixture per kind of mistake, each reported at its exact file and line.

The fixture files mark the offending line with a `# <- line N` comment.
"""

from __future__ import annotations

from content_tree import Tree, besides_untranslated

from bot.core.errors import Problem

BASE_ES = "tree/content/scenarios/es/lunch-joke.yaml"


def test_the_base_fixture_is_valid_with_no_warnings_but_its_partial_spanish(tree: Tree) -> None:
    report = tree.validate()
    assert report.errors == ()
    assert besides_untranslated(report.warnings) == ()
    assert report.warnings, "the Spanish copy and scenarios are partial"
    assert report.catalog is not None


def test_yaml_syntax_error_names_the_line_the_parser_stopped_at(tree: Tree) -> None:
    shown = tree.add("syntax.yaml", "content/scenarios/syntax.yaml")
    assert tree.errors() == [
        (
            shown,
            6,
            "YAML syntax error: did not find expected ',' or ']' "
            "(while parsing a flow sequence started on line 5)",
        )
    ]


def test_unknown_key(tree: Tree) -> None:
    shown = tree.add("unknown_key.yaml", "content/scenarios/unknown-key.yaml")
    assert tree.errors() == [(shown, 3, "unknown key 'titel'")]


def test_missing_key_points_at_the_mapping_that_lacks_it(tree: Tree) -> None:
    shown = tree.add("missing_key.yaml", "content/scenarios/missing-key.yaml")
    assert tree.errors() == [(shown, 20, "missing key 'text'")]


def test_wrong_type(tree: Tree) -> None:
    shown = tree.add("wrong_type.yaml", "content/scenarios/wrong-type.yaml")
    assert tree.errors() == [(shown, 22, "'end' must be true or false")]


def test_duplicate_scenario_id_across_two_files(tree: Tree) -> None:
    shown = tree.add("duplicate_id.yaml", "content/scenarios/zz-duplicate.yaml")
    assert tree.errors() == [
        (
            shown,
            1,
            "scenario id 'lunch-joke' is already used in tree/content/scenarios/lunch-joke.yaml:1",
        )
    ]


def test_next_to_a_missing_step(tree: Tree) -> None:
    shown = tree.add("next_missing.yaml", "content/scenarios/next-missing.yaml")
    assert tree.errors() == [(shown, 19, "next names step 'dnoe', which is not in 'steps'")]


def test_every_problem_in_a_file_at_once_not_the_schema_first(tree: Tree) -> None:
    # A misspelt tactic fails the schema; the step graph and the references are still
    # checked on what of the file keeps the schema's shape.
    shown = tree.add("tactic_and_next.yaml", "content/scenarios/tactic-and-next.yaml")
    assert tree.errors() == [
        (shown, 6, "unknown resource 'not-a-resource' (not in resources.yaml)"),
        (
            shown,
            13,
            "unknown tactic 'distrct' "
            "(expected distract, delegate, document, delay, direct or none)",
        ),
        (shown, 19, "next names step 'dnoe', which is not in 'steps'"),
        (shown, 23, "step 'spare' is never reached from start 'opening'"),
    ]


def test_a_file_of_the_wrong_shape_reports_its_schema_errors_alone(tree: Tree) -> None:
    shown = tree.write("content/scenarios/shapeless.yaml", "id: shapeless\nsteps: [a, b]\n")
    assert [(p.path, p.message) for p in tree.validate().errors if p.path == shown] == [
        (shown, "missing key 'title'"),
        (shown, "missing key 'summary'"),
        (shown, "missing key 'setting'"),
        (shown, "missing key 'content_warnings'"),
        (shown, "missing key 'start'"),
        (shown, "'steps' must be a mapping of keys, not a list"),
    ]


def test_start_to_a_missing_step(tree: Tree) -> None:
    shown = tree.add("start_missing.yaml", "content/scenarios/start-missing.yaml")
    assert tree.errors() == [(shown, 7, "start names step 'begining', which is not in 'steps'")]


def test_unreachable_step(tree: Tree) -> None:
    shown = tree.add("unreachable.yaml", "content/scenarios/unreachable.yaml")
    assert tree.errors() == [(shown, 20, "step 'aside' is never reached from start 'opening'")]


def test_dead_end_loop_reports_every_step_that_cannot_reach_an_ending(tree: Tree) -> None:
    shown = tree.add("dead_end.yaml", "content/scenarios/dead-end.yaml")
    assert tree.errors() == [
        (shown, 20, "no ending can be reached from step 'round'"),
        (shown, 31, "no ending can be reached from step 'about'"),
    ]


def test_unknown_tactic(tree: Tree) -> None:
    shown = tree.add("unknown_tactic.yaml", "content/scenarios/unknown-tactic.yaml")
    assert tree.errors() == [
        (
            shown,
            13,
            "unknown tactic 'distrct' "
            "(expected distract, delegate, document, delay, direct or none)",
        )
    ]


def test_unknown_resource_ids_at_scenario_and_step_level(tree: Tree) -> None:
    shown = tree.add("unknown_resource.yaml", "content/scenarios/unknown-resource.yaml")
    assert tree.errors() == [
        (shown, 6, "unknown resource 'no-such-guide' (not in resources.yaml)"),
        (shown, 25, "unknown resource 'missing-report' (not in resources.yaml)"),
    ]


def test_label_over_75_characters(tree: Tree) -> None:
    shown = tree.add("long_label.yaml", "content/scenarios/long-label.yaml")
    assert tree.errors() == [(shown, 12, "'label' is 81 characters long; the limit is 75")]


def test_text_over_2000_characters(tree: Tree) -> None:
    shown = tree.add("long_text.yaml", "content/scenarios/long-text.yaml")
    assert tree.errors() == [(shown, 11, "'text' is 2089 characters long; the limit is 2000")]


def test_translation_with_different_step_ids(tree: Tree) -> None:
    shown = tree.add("translation_steps.yaml", "content/scenarios/es/lunch-joke.yaml")
    assert shown == BASE_ES
    assert tree.errors() == [
        (
            shown,
            11,
            "step ids differ from the original tree/content/scenarios/lunch-joke.yaml: "
            "missing later; not in the original afterwards",
        )
    ]


def test_several_mistakes_in_several_files_are_all_reported_at_once(tree: Tree) -> None:
    tree.overlay("many")
    report = tree.validate()
    assert [(p.path, p.line, p.message) for p in report.errors] == [
        (
            "tree/content/checkin.yaml",
            4,
            "crisis urgency 'immediately' is not one of the urgencies "
            "(whenever, this-week, today, right-now)",
        ),
        ("tree/content/checkin.yaml", 7, "duplicate key 'en' (first on line 6)"),
        (
            "tree/content/messages/es.yaml",
            1,
            "'welcome' uses {nombre}, which the tree/content/messages/en.yaml text does not have",
        ),
        (
            "tree/content/scenarios/es/orphan.yaml",
            1,
            "no scenario with id 'no-such-original' in scenarios/ to translate",
        ),
        (
            "tree/content/scenarios/graph-errors.yaml",
            19,
            "next names step 'nowhere', which is not in 'steps'",
        ),
        (
            "tree/content/scenarios/graph-errors.yaml",
            20,
            "step 'done' has both choices and `end: true`; an ending has no choices",
        ),
        (
            "tree/content/scenarios/schema-errors.yaml",
            12,
            "'label' must be text; YAML read false (put it in quotes)",
        ),
        ("tree/content/scenarios/schema-errors.yaml", 23, "unknown key 'takeway'"),
        ("tree/resources.yaml", 20, "resource id 'five-ds' is already used on line 6"),
        (
            "tree/resources.yaml",
            27,
            "crisis_lines needs a 'default' list: the lines shown in every region",
        ),
    ]
    assert besides_untranslated(report.warnings) == (
        Problem(
            "tree/content/messages/es.yaml",
            3,
            "key 'practice.extra' is not in tree/content/messages/en.yaml, so it is never shown",
            "warning",
        ),
        Problem(
            "tree/content/scenarios/graph-errors.yaml",
            18,
            "choice 'Wait' has no feedback; every choice deserves coaching",
            "warning",
        ),
    )
    assert report.catalog is None


def test_ids_over_64_characters_cannot_fit_in_a_button(tree: Tree) -> None:
    shown = tree.add("long_ids.yaml", "content/scenarios/long-ids.yaml")
    assert tree.errors() == [
        (shown, 1, "'id' is 71 characters long; the limit is 64"),
        (shown, 7, "'start' is 68 characters long; the limit is 64"),
        (
            shown,
            9,
            "key 'the_opening_step_of_it_the_opening_step_of_it_the_opening_step_of_it'"
            " under 'steps' is 68 characters long; the limit is 64",
        ),
    ]


def test_a_broken_reading_list_still_has_its_ids_checked(tree: Tree) -> None:
    text = (tree.root / "resources.yaml").read_text(encoding="utf-8")
    text = text.replace("kind: article", "kind: blog").replace("id: report-guide", "id: five-ds")
    shown = tree.write("resources.yaml", text)
    errors = [(path, line, message) for path, line, message in tree.errors() if path == shown]
    assert [(line, message.split(" (")[0]) for _, line, message in errors] == [
        (18, "resource id 'five-ds' is already used on line 6"),
        (20, "unknown kind 'blog'"),
    ]
