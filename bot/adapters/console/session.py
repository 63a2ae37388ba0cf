"""The console adapter: a terminal chat that plays members, volunteers and moderators.

Commands mirror the platforms' slash commands; a number presses a button; plain text is
a private message to the bot (relayed during a check-in). `/as ROLE NAME` switches who
is typing, so one terminal can play both sides of a check-in.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.console.commands import CORE_COMMANDS
from bot.adapters.console.render import RULE, ButtonBoard, render
from bot.core.access import StaticDirectory
from bot.core.actors import Actor, Role
from bot.core.app import Upstander
from bot.core.messages import Field, Form, Outbound, Reply
from bot.core.settings import Finding
from bot.lifecycle import Lifecycle

PLATFORM = "console"
ROLES: dict[str, frozenset[Role]] = {
    "member": frozenset(),
    "volunteer": frozenset({Role.VOLUNTEER}),
    "lead": frozenset({Role.VOLUNTEER, Role.LEAD}),
    "moderator": frozenset({Role.MODERATOR}),
    "admin": frozenset({Role.ADMIN, Role.MODERATOR}),
}
DEFAULT_PERSONA = ("you", "moderator")
BUTTON = re.compile(r"o?\d+")
# What a form does not take as an answer: it leaves the form (or the console).
LEAVE_FORM = ("/cancel", "/quit", "/exit")

Write = Callable[[str], None]


class ConsoleMessenger:
    """Prints what the bot sends to people other than the one typing."""

    def __init__(self, write: Write, board: ButtonBoard) -> None:
        self._write = write
        self._board = board
        self._refs = itertools.count(1)

    async def send(self, outbound: Outbound) -> str:
        to = outbound.destination
        where = "#volunteers" if to.kind == "volunteers" else f"DM to {to.user_id}"
        if to.kind == "channel":  # a scenario of the week: user_id holds the channel
            where = f"#{to.user_id}"
        if outbound.update_ref:
            where += f" (updates message {outbound.update_ref})"
        if outbound.mention_leads:
            where += " @leads"
        text = render(outbound.reply, self._board, outbound=True)
        self._write(f"{RULE}\n→ {where}\n{text}\n{RULE}")
        return f"console-{next(self._refs)}"

    async def delete(self, ref: str) -> None:
        """What a terminal printed stays printed; say that the bot would delete it."""
        self._write(f"{RULE}\n→ deletes message {ref}\n{RULE}")


@dataclass
class _FormState:
    form: Form
    index: int
    values: dict[str, str]

    @property
    def field(self) -> Field:
        return self.form.fields[self.index]


class ConsoleWorkspace:
    """The console has every channel and role one names, and may post anywhere."""

    async def channel(self, community: str, channel_id: str) -> Finding:
        return Finding.OK

    async def role(self, community: str, role_id: str) -> Finding:
        return Finding.OK

    def mention(self, kind: str, value: str) -> str:
        return f"#{value}" if kind == "channel" else f"@{value}"


class ConsoleSession:
    def __init__(
        self, core: Upstander, lifecycle: Lifecycle, write: Write, *, locale: str | None = None
    ) -> None:
        self._core = core
        self._lifecycle = lifecycle
        self._locale = locale
        self._write = write
        self._board = ButtonBoard()
        self._directory = StaticDirectory()
        self._persona = DEFAULT_PERSONA[1]
        lifecycle.register_platform(PLATFORM, self._directory, ConsoleMessenger(write, self._board))
        # The console's one community: its volunteers are whoever plays one here.
        core.services.setup.book.set_default(PLATFORM, "volunteers")
        core.services.setup.add_check(PLATFORM, ConsoleWorkspace())
        self._actor = self._become(*DEFAULT_PERSONA)
        self._form: _FormState | None = None
        self.finished = False

    # -- input -------------------------------------------------------------------------

    async def handle_line(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if self._form is not None and line not in LEAVE_FORM:
            await self._answer_field(line)
        elif BUTTON.fullmatch(line):
            await self._press(line)
        else:
            # Whatever answers this line, a number typed next must not press older buttons.
            self._board.new_reply()
            await self._command_or_message(line)
        # Sent by the outbox worker (when it runs), waited for so it prints before "> ".
        await self._lifecycle.caught_up()

    async def _command_or_message(self, line: str) -> None:
        if line.startswith("/"):
            await self._command(line)
            return
        reply = await self._core.message(self._actor, line)
        if reply is not None:
            self._show(reply)

    async def _command(self, line: str) -> None:
        try:
            name, *args = shlex.split(line[1:])
        except ValueError:
            name, args = line[1:].split()[0], []
        core_command = CORE_COMMANDS.get(name)
        if core_command is not None:
            self._show(await core_command(self._core, self._actor, args))
        if name == "help":
            self._write(self._copy("console.help"))
        elif core_command is None:
            self._console_command(name, args)

    def _console_command(self, name: str, args: list[str]) -> None:
        """The commands only the console has: who is typing, leaving a form or the console."""
        if name in ("quit", "exit"):
            self.finished = True
        elif name == "as":
            self._switch(args)
        elif name == "whoami":
            self._write(self._copy("console.whoami", name=self._actor.user_id, roles=self._persona))
        elif name == "cancel":
            self._form = None
            self._write(self._copy("console.form_cancelled"))
        else:
            self._write(self._copy("console.unknown_command", command=name))

    def action_for(self, number: str) -> str | None:
        """The action a button number presses now (the test harness replays it as another)."""
        return self._board.action_id(number)

    async def _press(self, number: str) -> None:
        action_id = self._board.action_id(number)
        if action_id is None:
            nothing = number.isdigit() and not self._board.has_reply_buttons
            key = "console.nothing_to_press" if nothing else "console.no_such_button"
            self._write(self._copy(key, number=number))
            return
        reply = await self._core.press(self._actor, action_id)
        if reply.pressed is not None:
            # Send and Cancel are used up: their numbers no longer press anything.
            self._board.new_reply()
        self._show(reply)

    # -- forms -------------------------------------------------------------------------

    def _start_form(self, form: Form) -> None:
        self._form = _FormState(form, 0, {})
        self._write(f"** {form.title} **  ({self._copy('console.form_hint')})")
        self._ask()

    def _ask(self) -> None:
        assert self._form is not None
        field = self._form.field
        lines = [
            f"? {field.label}" + ("" if field.required else f" ({self._copy('console.optional')})")
        ]
        lines += [f"  {i}. {o.label}" for i, o in enumerate(field.options, start=1)]
        self._write("\n".join(lines))

    async def _answer_field(self, line: str) -> None:
        assert self._form is not None
        state = self._form
        field = state.field
        if field.options:
            chosen = _option_value(field, line)
            if chosen is None:
                self._write(self._copy("console.pick_a_number", count=len(field.options)))
                return
            state.values[field.id] = chosen
        else:
            state.values[field.id] = "" if line == "-" else line[: field.max_length]
        state.index += 1
        if state.index < len(state.form.fields):
            self._ask()
            return
        self._form = None
        self._show(await self._core.submit_form(self._actor, state.form.id, state.values))

    # -- identity ----------------------------------------------------------------------

    def _switch(self, args: list[str]) -> None:
        if len(args) != 2 or args[0] not in ROLES:
            self._write(self._copy("console.as_usage"))
            return
        self._actor = self._become(args[1], args[0])
        self._write(self._copy("console.now_you_are", name=args[1], role=args[0]))

    def _become(self, name: str, role: str) -> Actor:
        user_id = name.lower()
        self._directory.grant(user_id, ROLES[role])
        self._persona = role
        return Actor(PLATFORM, user_id, display_name=name.capitalize(), locale=self._locale)

    # -- output ------------------------------------------------------------------------

    def _show(self, reply: Reply) -> None:
        text = render(reply, self._board)
        if text:
            self._write(text)
        if reply.form is not None:
            self._start_form(reply.form)

    def banner(self) -> str:
        return self._copy("console.banner")

    def _copy(self, key: str, **params: object) -> str:
        return self._core.text(self._actor, key, **params)


def _option_value(field: Field, line: str) -> str | None:
    if line.isdigit() and 1 <= int(line) <= len(field.options):
        return field.options[int(line) - 1].value
    for option in field.options:
        if line.lower() in (option.value.lower(), option.label.lower()):
            return option.value
    return None
