"""A member's own data: export it, or delete it."""

from __future__ import annotations

import json

from bot.core.actors import Actor
from bot.core.desk import Desk
from bot.core.erasure import Erasure
from bot.core.messages import Action, Reply, Section, Style
from bot.core.ports import CheckinStore, ContentSource, PracticeStore

DELETE_CONFIRM = "mydata.delete"
DELETE_CANCEL = "mydata.keep"


class MyData:
    def __init__(
        self,
        content: ContentSource,
        runs: PracticeStore,
        checkins: CheckinStore,
        desk: Desk,
        erasure: Erasure,
    ) -> None:
        self._erasure = erasure
        self._content = content
        self._runs = runs
        self._store = checkins
        self._desk = desk

    async def export(self, actor: Actor) -> Reply:
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        runs = await self._runs.member_runs(actor.key)
        checkins = await self._store.member_checkins(actor.key)
        data = {
            "practice": [
                {
                    "scenario": r.scenario_id,
                    "status": r.status.value,
                    "step": r.step_id,
                    "choices": [m.tactic.value for m in r.moves],
                    "started": r.started_at.isoformat(),
                }
                for r in runs
            ],
            "checkins": [
                {
                    "pseudonym": c.pseudonym,
                    "status": c.status.value,
                    "category": c.category,
                    "urgency": c.urgency,
                    "anonymous": c.anonymous,
                    "your_words": c.text,
                    "created": c.created_at.isoformat(),
                    "closed": c.closed_at.isoformat() if c.closed_at else None,
                }
                for c in checkins
            ],
        }
        dump = json.dumps(data, indent=2, ensure_ascii=False)
        return Reply(
            sections=(
                Section(catalog.text(locale, "mydata.export_intro")),
                Section(f"```\n{dump[:1800]}\n```"),
            )
        )

    async def ask_delete(self, actor: Actor) -> Reply:
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        return Reply(
            sections=(Section(catalog.text(locale, "mydata.delete_ask")),),
            actions=(
                Action(
                    DELETE_CONFIRM,
                    "yes",
                    catalog.text(locale, "mydata.delete_button"),
                    Style.DANGER,
                ),
                Action(DELETE_CANCEL, "no", catalog.text(locale, "mydata.keep_button")),
            ),
        )

    async def keep(self, actor: Actor) -> Reply:
        """Cancel on the delete question: nothing is erased, and the question goes away."""
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        return Reply(sections=(Section(catalog.text(locale, "mydata.kept")),), replace=True)

    async def delete(self, actor: Actor) -> Reply:
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        if await self._store.active_checkin(actor.key) is not None:
            # Close first so the volunteer is told the conversation ended.
            await self._desk.close(actor)
        runs = await self._runs.delete_member_runs(actor.key)
        checkins = await self._store.forget_member(actor.key)
        if await self._erasure.sweep():
            self._desk.outbox_changed.set()
        return Reply(
            sections=(
                Section(catalog.text(locale, "mydata.deleted", runs=runs, checkins=checkins)),
            ),
            replace=True,
        )
