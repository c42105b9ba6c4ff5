"""The probe, plus a listener that writes every response time Locust reports, in integer
microseconds as loadscim records them, to the file named by LOADSCIM_TEST_RAW."""

from locust import events

import os

from probe import ProbeUser  # noqa: F401

_out = open(os.environ["LOADSCIM_TEST_RAW"], "a")  # noqa: SIM115 (closed at exit)


@events.request.add_listener
def _raw(name, response_time, **_kw):
    _out.write(f"{name}\t{int(response_time * 1000)}\n")


@events.quitting.add_listener
def _close(**_kw):
    _out.flush()
