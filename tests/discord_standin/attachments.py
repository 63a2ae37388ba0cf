"""Files on the stand-in's CDN: what a member attaches to a slash command's attachment
option (`standin.add_attachment`), fetched by discord.py's `Attachment.read()` from its
URL; and the files the bot attaches to its messages (`standin.uploads`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .factories import next_snowflake

CDN_PREFIX = "/cdn/attachments"


@dataclass
class FakeAttachment:
    filename: str
    data: bytes
    content_type: str = "application/x-yaml"
    id: int = 0

    def __post_init__(self) -> None:
        if not self.id:
            self.id = next_snowflake()

    def to_payload(self, base_url: str) -> dict[str, Any]:
        url = f"{base_url}{CDN_PREFIX}/{self.id}/{self.filename}"
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }


def cdn_handler(attachments: dict[int, FakeAttachment]) -> Any:
    async def serve(request: web.Request) -> web.Response:
        found = attachments.get(int(request.match_info["id"]))
        if found is None or found.filename != request.match_info["filename"]:
            return web.Response(status=404)
        return web.Response(body=found.data, content_type=found.content_type)

    return serve
