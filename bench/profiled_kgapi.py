"""kgapi's server under a sampling profiler, for `python -m bench.profile`.

The same app and server as `python -m uvicorn kgapi.app:create_app --factory ...` (the command
line is uvicorn's, passed through), plus pyinstrument on the main thread, where the event loop
runs every request: SIGUSR1 starts sampling and SIGUSR2 stops it and saves the session to
$KGAPI_BENCH_PROFILE, so the profile covers the load window only, not imports and startup.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

try:
    from pyinstrument import Profiler
except ImportError:  # pragma: no cover - the message is the point
    sys.exit("bench: pyinstrument is needed to profile: .venv/bin/pip install pyinstrument==5.1.3")

from uvicorn.main import main as uvicorn_main

PROFILE_INTERVAL = 0.001  # seconds between samples


def _install(path: str) -> None:
    # async_mode="disabled": sample the whole main thread, event loop included, so that time
    # spent waiting for Neo4j shows as the loop's idle select() rather than vanishing.
    profiler = Profiler(interval=PROFILE_INTERVAL, async_mode="disabled")

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        session = profiler.stop()
        session.save(path)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)


if __name__ == "__main__":
    _install(os.environ["KGAPI_BENCH_PROFILE"])
    uvicorn_main()
