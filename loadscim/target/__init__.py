"""The embedded target: scim2-server's in-memory SCIM service, with seeded faults.

- :mod:`loadscim.target.server`: ``loadscim serve`` / ``python -m loadscim.target``;
- :mod:`loadscim.target.faults`: ``--fault`` specs (no gevent, no scim2-server);
- :mod:`loadscim.target.middleware`, :mod:`~loadscim.target.storage`,
  :mod:`~loadscim.target.service`: where the faults act;
- :mod:`loadscim.target.process`: :class:`EmbeddedTarget`, the only module the harness
  imports, which runs the target in its own process.

Nothing here imports the harness (only :mod:`loadscim.errors`), and importing this package
imports nothing else.
"""
