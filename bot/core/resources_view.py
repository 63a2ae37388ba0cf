"""How a resource is shown as one line of text, shared by practice recaps and the library."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.catalog import Catalog, Resource


def resource_line(resource: Resource) -> str:
    byline = f" — {resource.author}" if resource.author else ""
    return f"• {resource.title}{byline} ({resource.kind}) {resource.url}"


def resource_lines(catalog: Catalog, ids: Iterable[str]) -> list[str]:
    return [resource_line(catalog.resources[rid]) for rid in ids if rid in catalog.resources]
