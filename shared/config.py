"""Settings from the environment, one set per agency service.

Every service reads the same variables; a per-agency variable (``TAX_DATABASE_URL``)
wins over the shared one (``DATABASE_URL``) so one compose file can give each agency
its own database while a developer's shell sets just one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672//"

# HTTP ports for the embedded run; compose and k8s set WEB_SERVER_ADDRESS instead.
DEFAULT_PORTS = {
    "healthcare_security": 8101,
    "hs_center": 8102,
    "finance": 8103,
    "tax": 8104,
    "health_commission": 8105,
    "public_security": 8106,
    "market_regulation": 8107,
}


def _env(agency: str, name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"{agency.upper()}_{name}") or os.environ.get(name) or default


def agency_database_url(url: str, agency: str) -> str:
    """Give each agency its own PostgreSQL schema when several share one database URL:
    their outbox and inbox tables have the same names."""
    if not url.startswith("postgresql") or "search_path" in url:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3Dfl_{agency}"


def var_dir() -> Path:
    return Path(os.environ.get("FUNDLINK_VAR_DIR", REPO_ROOT / "var"))


@dataclass(frozen=True)
class Settings:
    agency: str
    amqp_uri: str
    database_url: str
    web_address: str
    keys_dir: Path
    public_keys_dir: Path
    delivery_limit: int
    relay_window: int
    relay_poll_seconds: float
    max_event_age_days: int
    max_clock_skew_seconds: int
    max_body_bytes: int
    # Only for fault drills that must show the suite catches duplicates: never in production.
    inbox_dedup: bool = True
    # Split each consumed hand-off's queue into region groups (docs/scaling.md); 1 = one queue.
    region_groups: int = 1
    regions: tuple[str, ...] = ()
    # A handler with room for more, no delivery for this long and messages ready: subscribe again.
    consumer_stall_seconds: float = 60.0

    @property
    def amqp_uris(self) -> list[str]:
        """Several brokers may be given, separated by ';' (kombu fails over in order)."""
        return [u for u in self.amqp_uri.split(";") if u]


def settings_for(agency: str) -> Settings:
    """Read one agency's settings. SQLite per agency under ./var is the embedded default."""
    var = var_dir()
    default_db = f"sqlite:///{var / 'db' / (agency + '.sqlite')}"
    keys = Path(_env(agency, "FUNDLINK_KEYS_DIR", str(var / "keys")))
    return Settings(
        agency=agency,
        amqp_uri=_env(agency, "AMQP_URI", DEFAULT_AMQP_URI),
        database_url=os.environ.get(f"{agency.upper()}_DATABASE_URL")
        or agency_database_url(os.environ.get("DATABASE_URL") or default_db, agency),
        web_address=_env(agency, "WEB_SERVER_ADDRESS", f"127.0.0.1:{DEFAULT_PORTS.get(agency, 8100)}"),
        keys_dir=keys,
        public_keys_dir=Path(_env(agency, "FUNDLINK_PUBLIC_KEYS_DIR", str(keys))),
        delivery_limit=int(_env(agency, "FUNDLINK_DELIVERY_LIMIT", "5")),
        relay_window=int(_env(agency, "FUNDLINK_RELAY_WINDOW", "500")),
        relay_poll_seconds=float(_env(agency, "FUNDLINK_RELAY_POLL_SECONDS", "0.5")),
        max_event_age_days=int(_env(agency, "FUNDLINK_MAX_EVENT_AGE_DAYS", "30")),
        max_clock_skew_seconds=int(_env(agency, "FUNDLINK_MAX_CLOCK_SKEW_SECONDS", "300")),
        max_body_bytes=int(_env(agency, "FUNDLINK_MAX_BODY_BYTES", str(8 * 1024 * 1024))),
        inbox_dedup=_env(agency, "FUNDLINK_INBOX_DEDUP", "on") != "off",
        consumer_stall_seconds=float(_env(agency, "FUNDLINK_CONSUMER_STALL_SECONDS", "60")),
        **region_settings(_env(agency, "FUNDLINK_REGION_GROUPS", "1"), _env(agency, "FUNDLINK_REGIONS", "")),
    )


def region_settings(groups: str, regions: str) -> dict:
    """``FUNDLINK_REGION_GROUPS=3`` with ``FUNDLINK_REGIONS`` = region codes separated by commas or
    spaces, or ``@file`` with one code per line (a province's ≈100 regions)."""
    try:
        n = int(groups)
    except ValueError:
        raise ValueError(f"FUNDLINK_REGION_GROUPS={groups!r} is not a whole number") from None
    if regions.startswith("@"):
        regions = Path(regions[1:]).read_text()
    codes = tuple(sorted(set(regions.replace(",", " ").split())))
    bad = [c for c in codes if not (len(c) == 6 and c.isdigit())]
    if n < 1 or bad:
        raise ValueError(f"FUNDLINK_REGION_GROUPS must be ≥ 1 and FUNDLINK_REGIONS six-digit region codes; got "
                         f"{n} and {bad[:5]}")
    if n > 1 and not codes:
        raise ValueError(f"FUNDLINK_REGION_GROUPS={n} needs FUNDLINK_REGIONS: the region codes to bind the "
                         "group queues to (codes not listed still arrive, through the .gx queue)")
    return {"region_groups": n, "regions": codes}


def nameko_config(settings: Settings) -> dict:
    """The dict nameko's ServiceRunner takes."""
    return {
        "AMQP_URI": settings.amqp_uri,
        "WEB_SERVER_ADDRESS": settings.web_address,
        "serializer": "json",
        "max_workers": 10,
        "FUNDLINK": settings,
    }
