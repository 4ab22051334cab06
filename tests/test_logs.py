import io
import json
import logging

import logs


def test_logs_are_one_json_line_with_context_and_no_secrets() -> None:
    stream = io.StringIO()
    logs.setup("INFO", stream)
    logging.getLogger("guild.test").info(
        "sent with xoxb-123-abc and Bearer eyJhbGci.x.y", extra={"community": "T1", "person": "U1", "command": "kudos"}
    )
    events = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is JSON
    line = next(line for line in stream.getvalue().splitlines() if '"guild.test"' in line)
    event = next(e for e in events if e["logger"] == "guild.test")
    assert event["community"] == "T1" and event["person"] == "U1" and event["command"] == "kudos"
    assert "xoxb-123" not in line and "eyJhbGci" not in line and "[redacted]" in line
    logging.getLogger().handlers.clear()
