"""A core Reply as terminal text. Buttons get running numbers the person types to press."""

from __future__ import annotations

from bot.core.messages import Action, Reply, Section

RULE = "─" * 60


class ButtonBoard:
    """Numbers every button ever shown, so a card's Claim stays pressable later on."""

    def __init__(self) -> None:
        self._by_number: dict[int, str] = {}
        self._next = 1

    def number(self, action: Action) -> int:
        number = self._next
        self._by_number[number] = action.id
        self._next += 1
        return number

    def action_id(self, number: int) -> str | None:
        return self._by_number.get(number)


def render(reply: Reply, board: ButtonBoard) -> str:
    blocks = [_section(s, pinned=True) for s in reply.pinned]
    blocks += [_section(s, pinned=False) for s in reply.sections]
    buttons = [_button(a, board) for a in reply.actions]
    if buttons:
        blocks.append("  ".join(buttons))
    return "\n\n".join(b for b in blocks if b)


def _section(section: Section, *, pinned: bool) -> str:
    title = f"** {section.title} **" if section.title else ""
    if pinned:
        title = f"!! {section.title or ''} !!"
    return "\n".join(part for part in (title, section.text.strip()) if part)


def _button(action: Action, board: ButtonBoard) -> str:
    if action.url:
        return f"[{action.label}: {action.url}]"
    return f"[{board.number(action)}] {action.label}"
