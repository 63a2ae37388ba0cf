"""A core Reply as terminal text. Buttons get running numbers the person types to press."""

from __future__ import annotations

from bot.core.messages import Action, Reply, Section

RULE = "─" * 60


class ButtonBoard:
    """Buttons of the latest reply are 1, 2, 3… (a reply without buttons leaves none);
    buttons in messages sent to others (cards, DMs) get running numbers o1, o2… so a
    card's Claim stays pressable later."""

    def __init__(self) -> None:
        self._reply: dict[str, str] = {}
        self._outbound: dict[str, str] = {}
        self._next_outbound = 1

    def new_reply(self) -> None:
        """Forget the last reply's buttons: a number only ever presses the latest reply's."""
        self._reply = {}

    @property
    def has_reply_buttons(self) -> bool:
        return bool(self._reply)

    def number(self, action: Action, *, outbound: bool) -> str:
        if outbound:
            label = f"o{self._next_outbound}"
            self._next_outbound += 1
            self._outbound[label] = action.id
        else:
            label = str(len(self._reply) + 1)
            self._reply[label] = action.id
        return label

    def action_id(self, label: str) -> str | None:
        return self._reply.get(label) or self._outbound.get(label)


def render(reply: Reply, board: ButtonBoard, *, outbound: bool = False) -> str:
    blocks = [_section(s, pinned=True) for s in reply.pinned]
    blocks += [_section(s, pinned=False) for s in reply.sections]
    # A message posted in the channel (group practice) stays pressable by everyone there.
    shared = outbound or not reply.private
    if not shared:
        board.new_reply()
    buttons = [_button(a, board, shared) for a in reply.actions]
    if buttons:
        blocks.append("  ".join(buttons))
    blocks += [f"--- {file.name} ---\n{file.text.rstrip()}" for file in reply.files]
    return "\n\n".join(b for b in blocks if b)


def _section(section: Section, *, pinned: bool) -> str:
    title = f"** {section.title} **" if section.title else ""
    if pinned:
        title = f"!! {section.title or ''} !!"
    return "\n".join(part for part in (title, section.text.strip()) if part)


def _button(action: Action, board: ButtonBoard, outbound: bool) -> str:
    if action.url:
        return f"[{action.label}: {action.url}]"
    return f"[{board.number(action, outbound=outbound)}] {action.label}"
