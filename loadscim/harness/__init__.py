"""The Locust glue of loadscim, in one package; importing it registers loadscim with Locust.

Modules, each importing only those above it (tests/unit/test_import_contract.py checks it):

- :mod:`~loadscim.harness.transport`: ScimClient requests through Locust's FastHttpSession;
- :mod:`~loadscim.harness.runtime`: the per-process :class:`Runtime` (options, recorder,
  credentials, capabilities), clients wired to it, the pre-flight, the run summary;
- :mod:`~loadscim.harness.finish`: the end of a run (reconciliation, then cleanup);
- :mod:`~loadscim.harness.monitor`: progress lines and ``abort_on_fail``;
- :mod:`~loadscim.harness.webui`: loadscim's tabs and report in Locust's web UI;
- :mod:`~loadscim.harness.workers`: a distributed run's end: the master waits for every
  worker's final report and judges a lost worker (command lines: :mod:`loadscim.distributed`);
- :mod:`~loadscim.harness.listeners`: the listeners on Locust's events that tie them together.

The user classes (:mod:`loadscim.users`) build on this package; it never imports them.
"""

from loadscim.harness import listeners
from loadscim.harness.runtime import Runtime, fatal, process_prefix, runtime

__all__ = ["Runtime", "fatal", "listeners", "process_prefix", "runtime"]
