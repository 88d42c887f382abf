"""`python -m tests.faults.crashing_relay serve tax`: the tax service whose relay dies
once, after the broker has confirmed a window and before the rows are marked sent."""

import os
import sys
import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated", category=DeprecationWarning)
import eventlet  # noqa: E402

eventlet.monkey_patch()

from shared.bus import outbox  # noqa: E402

CRASH_AFTER_WINDOWS = int(os.environ.get("FUNDLINK_FAULT_CRASH_AFTER_WINDOWS", "40"))
_windows = [0]
_record = outbox.Relay._record


def _record_or_die(self, session, rows, result):
    _windows[0] += 1
    if _windows[0] >= CRASH_AFTER_WINDOWS and result.sent:
        os._exit(137)  # published and confirmed, never marked sent
    return _record(self, session, rows, result)


outbox.Relay._record = _record_or_die

if __name__ == "__main__":
    from shared.cli import app

    sys.argv = ["fundlink", *sys.argv[1:]]
    app()
