"""The Teams app package: a manifest Teams accepts (scopes, command lists, icons) with the bot id filled in."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from bot.teams import package

APP_ID = "6f1c2e9a-1b7d-4c3e-9f0a-2d5b8c7e4a10"


def png_size(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's header, after checking its signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


def test_the_package_holds_the_manifest_and_icons_at_its_root(tmp_path: Path) -> None:
    out = package.build(APP_ID, tmp_path / "guild.zip")

    with zipfile.ZipFile(out) as zipped:
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zipped.read("manifest.json"))
        assert png_size(zipped.read("color.png"))[:2] == (192, 192)
        assert png_size(zipped.read("outline.png")) == (32, 32, 6), "outline: 32x32 with transparency"
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID


def test_the_bot_serves_every_scope_with_at_most_twelve_described_commands() -> None:
    [bot] = package.manifest(APP_ID)["bots"]  # type: ignore[misc]

    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    for command_list in bot["commandLists"]:
        assert len(command_list["commands"]) <= 12
        for command in command_list["commands"]:
            assert command["title"] and len(command["title"]) <= 32
            assert command["description"] and len(command["description"]) <= 128


def test_only_a_guid_is_accepted_as_the_app_id(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        package.build("my-bot", tmp_path / "guild.zip")
    with pytest.raises(SystemExit):
        package.main(["--app-id", "my-bot", "--out", str(tmp_path / "guild.zip")])
