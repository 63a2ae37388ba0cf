"""`/upstander content` in the console (issue 20.5): the operator uploads a file from
their disk, downloads the community's files and reverts them."""

from __future__ import annotations

from pathlib import Path

from harness import Console

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "scenarios"
SCENARIO = "scenarios/lift-remark.yaml"


async def test_upload_download_revert_from_the_console(console: Console, tmp_path: Path) -> None:
    text = (FIXTURE / "lift-remark.yaml").read_text(encoding="utf-8")
    good = tmp_path / "lift-remark.yaml"
    good.write_text(text.replace("A remark in the lift", "A remark on the stairs"))
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("next: gone", "next: nowhere"))

    refused = await console.say(f"/upstander content upload {broken} {SCENARIO}")
    assert "Not stored: 2 problem(s)" in refused and f"{SCENARIO}:47:" in refused
    stored = await console.say(f"/upstander content upload {good}")
    assert f"Stored {SCENARIO} (version 1)" in stored
    assert "A remark on the stairs" in await console.say("/practice")
    downloaded = await console.say("/upstander content download")
    assert f"--- {SCENARIO} ---" in downloaded and "title: A remark on the stairs" in downloaded
    missing = await console.say(f"/upstander content upload {tmp_path / 'none.yaml'}")
    assert "Cannot read" in missing
    assert "the bundled file serves again" in await console.say(
        f"/upstander content revert {SCENARIO}"
    )
    assert "A remark in the lift" in await console.say("/practice")
    refused_member = await console.say("/as member sam", "/upstander content download")
    assert "Only moderators can do that." in refused_member
