"""Files people upload in Slack (a modal's `file_input`): `files.info` and the private
download URL, which answers only with a valid bot token in `Authorization: Bearer`."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from aiohttp import web

JSONDict = dict[str, Any]
DOWNLOAD_PREFIX = "/files-pri"


class StandInFiles:
    def __init__(self, base_url: Callable[[], str], valid_tokens: set[str]) -> None:
        self._base_url = base_url
        self._valid_tokens = valid_tokens
        self._ids = itertools.count(1)
        self.files: dict[str, tuple[JSONDict, bytes]] = {}
        self.downloads: list[str] = []  # file ids, each time one was fetched

    def add(self, name: str, data: bytes, user_id: str) -> JSONDict:
        """A file `user_id` uploaded; as a `file_input` puts it in `state.values`."""
        file_id = f"F{next(self._ids):08d}"
        url = f"{self._base_url()}{DOWNLOAD_PREFIX}/{file_id}/{name}"
        found: JSONDict = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": "text/plain",
            "filetype": "yaml",
            "size": len(data),
            "user": user_id,
            "url_private": url,
            "url_private_download": f"{url}?download=1",
        }
        self.files[file_id] = (found, data)
        return found

    def info(self, args: JSONDict) -> JSONDict:
        found = self.files.get(str(args.get("file", "")))
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": found[0]}

    async def download(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        found = self.files.get(request.match_info["id"])
        if token not in self._valid_tokens:
            # Slack answers an unauthenticated fetch with its sign-in page, not the file.
            return web.Response(text="<html>sign in</html>", content_type="text/html")
        if found is None or found[0]["name"] != request.match_info["name"]:
            return web.Response(status=404)
        self.downloads.append(found[0]["id"])
        return web.Response(body=found[1], content_type="text/plain")
