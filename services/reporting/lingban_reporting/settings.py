from __future__ import annotations

from pydantic import Field

from lingban_kit.settings import ServiceSettings, service_config


class ReportingSettings(ServiceSettings):
    model_config = service_config("LINGBAN_REPORTING_")

    service_name: str = "reporting"
    port: int = 8004
    # Batch consumption: up to this many records per poll, applied in one bulk write.
    consumer_batch_size: int = Field(default=1000, ge=1, le=50_000)
    # How long a poll waits for records before handling what it has.
    consumer_poll_ms: int = Field(default=200, ge=1, le=60_000)
    # How long the broker may hold a fetch to gather more events (0: answer at once).
    # Each batch writes the roll-ups above its units once (township to `all`, one
    # level after another): a quarter second of events shares them, instead of a few.
    consumer_gather_ms: int = Field(default=250, ge=0, le=5_000)
