"""Every log line a service writes is one JSON object, FastStream's included."""

from __future__ import annotations

import json
import subprocess
import sys

# A fresh interpreter, in the order `lingban_kit.serve` runs things: logging is
# configured first, the app (and with it FastStream) is imported afterwards.
SCRIPT = """
import logging
from lingban_kit.logging import configure_logging
configure_logging("kit-test")
from faststream.kafka import KafkaBroker
KafkaBroker("127.0.0.1:1", logger=logging.getLogger("faststream.kit-test"))
logging.getLogger("faststream.kit-test").info("`OnRecord` waiting for messages")
logging.getLogger("faststream").warning("broker started")
"""


def test_faststream_logs_come_out_as_json() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr == ""
    entries = [json.loads(line) for line in done.stdout.splitlines() if line]
    assert [e["msg"] for e in entries] == ["`OnRecord` waiting for messages", "broker started"]
    assert {e["service"] for e in entries} == {"kit-test"}
