"""Moderators: reload content, see anonymous stats, audit who handled which check-in."""

from __future__ import annotations

import statistics

from bot.core.access import Access
from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog
from bot.core.community import is_default
from bot.core.limits import CommunityLimits, log_refusal, minutes_to_wait
from bot.core.messages import Reply, Section
from bot.core.ports import AuditStore, CheckinStore, ContentSource
from bot.core.scenario_stats import scenario_section
from bot.core.stats import Stats, shown

AUDIT_LIMIT = 25


class Moderation:
    def __init__(
        self,
        content: ContentSource,
        store: CheckinStore,
        audit: AuditStore,
        stats: Stats,
        access: Access,
        limits: CommunityLimits | None = None,
    ) -> None:
        self._content = content
        self._limits = limits
        self._store = store
        self._audit = audit
        self._stats = stats
        self._access = access

    async def reload(self, actor: Actor) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        # The deployment's content is its operator's, reloaded from the community the
        # environment names; any other community's moderators reload their own (and the
        # operator's files on disk for it), never everyone's.
        refused = self._reload_refused(actor)
        if refused is not None:
            return refused
        if is_default(actor.community):
            outcome = await self._content.reload()
        else:
            outcome = await self._content.reload_community(actor.community)
        problems = outcome.problems
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        if outcome.ok:
            return Reply(
                sections=(
                    Section(catalog.text(locale, "moderation.reloaded", version=catalog.version)),
                )
            )
        listing = "\n".join(str(p) for p in problems if p.severity == "error")[:1800]
        return Reply(
            sections=(
                Section(
                    catalog.text(
                        locale, "moderation.reload_failed", count=len(listing.splitlines())
                    )
                ),
                Section(f"```\n{listing}\n```"),
            )
        )

    def _reload_refused(self, actor: Actor) -> Reply | None:
        """The community's reload limit (bot/core/limits.py): when to try again, or None."""
        wait = self._limits.reload(actor.community) if self._limits is not None else None
        if wait is None:
            return None
        log_refusal(actor.community, "a content reload", wait)
        catalog = self._content.catalog(actor.community)
        text = catalog.text(
            catalog.locale_for(actor.locale),
            "moderation.reload_limited",
            minutes=minutes_to_wait(wait),
        )
        return Reply(sections=(Section(text),))

    async def stats(self, actor: Actor) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        extra = [
            await scenario_section(self._stats.store, actor.community, catalog, locale),
            await self._checkin_section(actor.community, catalog, locale),
        ]
        return await self._stats.report(actor.community, catalog, locale, extra)

    async def _checkin_section(self, community: str, catalog: Catalog, locale: str) -> Section:
        figures = await self._store.checkin_figures(community)
        opened = [f for f in figures if f.opened_at]
        claimed = [f for f in opened if f.claimed_at]
        closed = [f for f in opened if f.closed_at]
        waits = [
            (f.claimed_at - f.opened_at).total_seconds() / 60
            for f in claimed
            if f.claimed_at and f.opened_at
        ]
        ratings = [f.rating for f in figures if f.rating]
        median = f"{statistics.median(waits):.0f}" if len(waits) >= 5 else "—"
        average = f"{statistics.mean(ratings):.1f}" if len(ratings) >= 5 else "—"
        text = catalog.text(
            locale,
            "stats.checkins",
            opened=shown(len(opened)),
            claimed=shown(len(claimed)),
            closed=shown(len(closed)),
            median=median,
            ratings=shown(len(ratings)),
            average=average,
        )
        return Section(text, title=catalog.text(locale, "stats.checkins_title"))

    async def audit(self, actor: Actor) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        entries = await self._audit.audit_entries(actor.community, AUDIT_LIMIT)
        if not entries:
            return Reply(sections=(Section(catalog.text(locale, "audit.empty")),))
        lines = [
            catalog.text(
                locale,
                "audit.line",
                at=e.at.strftime("%Y-%m-%d %H:%M"),
                pseudonym=e.pseudonym,
                action=catalog.text(locale, f"audit.action_{e.action}"),
                by=e.by,
            )
            for e in entries
        ]
        return Reply(
            sections=(Section("\n".join(lines), title=catalog.text(locale, "audit.title")),)
        )
