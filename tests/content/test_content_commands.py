"""Copy that names commands: `{cmd:NAME}` must name one, and Discord's command wording
must follow Discord's rules, reported at load time with file and line."""

from __future__ import annotations

from content_tree import Tree

from bot.content.command_checks import discord_name_ok


def _append(tree: Tree, locale: str, lines: str) -> int:
    """Add ``lines`` to a messages file; return the line number of the first one."""
    path = tree.content / "messages" / f"{locale}.yaml"
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + lines, encoding="utf-8")
    return text.count("\n") + 1


def test_a_placeholder_naming_no_command_is_refused(tree: Tree) -> None:
    line = _append(tree, "es", "relay.nothing_open: Prueba {cmd:ayuda} o {cmd:help}.\n")
    [problem] = [p for p in tree.errors() if "{cmd:" in p[2]]
    assert problem[:2] == ("tree/content/messages/es.yaml", line)
    assert "{cmd:ayuda} names no command" in problem[2]


def test_discord_command_wording_breaking_discord_s_rules_is_refused(tree: Tree) -> None:
    line = _append(
        tree,
        "es",
        "discord.commands.practice.name: Practicar Ahora\n"
        "discord.commands.practice.scenario.name: escenario\n"
        f"discord.commands.practice.description: {'x' * 101}\n"
        "discord.commands.dance.name: bailar\n"
        "discord.choices.close: ''\n",
    )
    found = sorted((p[1], p[2]) for p in tree.errors() if "discord." in p[2])
    assert [at for at, _ in found] == [line, line + 2, line + 3, line + 4]
    assert "'Practicar Ahora' cannot be a Discord command name" in found[0][1]
    assert "must be 1 to 100 characters long" in found[1][1]
    assert "is not a command's wording" in found[2][1]
    assert "must be 1 to 100 characters long" in found[3][1]


def test_two_commands_with_one_name_in_a_language_are_refused(tree: Tree) -> None:
    line = _append(
        tree,
        "es",
        "discord.commands.checkin.action.name: accion\n"
        "discord.commands.mydata.action.name: accion\n"  # another command's option: fine
        "discord.commands.practice.name: recursos\n"
        "discord.commands.resources.name: recursos\n",
    )
    [problem] = [p for p in tree.errors() if "already the name" in p[2]]
    assert problem[:2] == ("tree/content/messages/es.yaml", line + 3)
    assert "'discord.commands.practice.name'" in problem[2]


def test_discord_s_name_rule() -> None:
    assert discord_name_ok("practicar") and discord_name_ok("mes-données")
    assert discord_name_ok("статистика") and discord_name_ok("統計")
    assert not discord_name_ok("Practice")  # lowercase only
    assert not discord_name_ok("two words") and not discord_name_ok("")
    assert not discord_name_ok("x" * 33) and not discord_name_ok("help!")
