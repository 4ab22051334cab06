"""Build the Teams app package (the zip an admin uploads) with this deployment's bot id filled in.

    python -m bot.teams.package --app-id <MICROSOFT_APP_ID> [--out guild-teams.zip]

Teams wants ``manifest.json`` and both icons at the root of the zip, and the
manifest's ``bots[0].botId`` to be the Azure bot's Microsoft App ID; the
manifest's own ``id`` is set to the same GUID so that an updated package
replaces the installed app instead of adding a second one.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
import zipfile
from pathlib import Path

MANIFEST_DIR = Path(__file__).with_name("manifest")
FILES = ("manifest.json", "color.png", "outline.png")


def manifest(app_id: str) -> dict[str, object]:
    """The manifest with ``app_id`` as the app's and the bot's id; refuses anything but a GUID."""
    app_id = str(uuid.UUID(app_id))
    data = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    data["id"] = app_id
    for bot in data["bots"]:
        bot["botId"] = app_id
    return data


def build(app_id: str, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(app_id), indent=2, ensure_ascii=False))
        for name in FILES[1:]:
            package.write(MANIFEST_DIR / name, arcname=name)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build Guild's Teams app package")
    parser.add_argument("--app-id", default=os.environ.get("MICROSOFT_APP_ID"),
                        help="the Azure bot's Microsoft App ID (default: $MICROSOFT_APP_ID)")
    parser.add_argument("--out", type=Path, default=Path("guild-teams.zip"))
    args = parser.parse_args(argv)
    if not args.app_id:
        parser.error("give --app-id or set MICROSOFT_APP_ID")
    try:
        print(build(args.app_id, args.out))
    except ValueError:
        parser.error(f"{args.app_id!r} is not a GUID; copy the Microsoft App ID from the Azure bot's Configuration")


if __name__ == "__main__":
    main()
