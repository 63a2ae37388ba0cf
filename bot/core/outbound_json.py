"""Outbound messages as JSON, so the outbox can hold them across restarts."""

from __future__ import annotations

import json
from typing import Any

from bot.core.messages import Action, Destination, Outbound, Reply, Section, Style


def encode(outbound: Outbound) -> str:
    reply = outbound.reply
    return json.dumps(
        {
            "to": [
                outbound.destination.platform,
                outbound.destination.kind,
                outbound.destination.user_id,
                outbound.destination.community,
            ],
            "leads": outbound.mention_leads,
            "update": outbound.update_ref,
            "pinned": [[s.title, s.text] for s in reply.pinned],
            "sections": [[s.title, s.text] for s in reply.sections],
            "actions": [[a.kind, a.arg, a.label, a.style.value, a.url] for a in reply.actions],
            "private": reply.private,
        },
        ensure_ascii=False,
    )


def decode(payload: str) -> Outbound:
    data: dict[str, Any] = json.loads(payload)
    # Items queued before communities carry three fields: the platform's default community.
    platform, kind, user_id, *rest = data["to"]
    community = str(rest[0]) if rest else platform
    reply = Reply(
        pinned=tuple(Section(text, title=title) for title, text in data["pinned"]),
        sections=tuple(Section(text, title=title) for title, text in data["sections"]),
        actions=tuple(
            Action(kind_, arg, label, Style(style), url)
            for kind_, arg, label, style, url in data["actions"]
        ),
        private=bool(data["private"]),
    )
    return Outbound(
        destination=Destination(platform, kind, user_id, community),
        reply=reply,
        mention_leads=bool(data["leads"]),
        update_ref=str(data["update"]),
    )
