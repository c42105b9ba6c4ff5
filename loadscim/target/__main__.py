"""``python -m loadscim.target``: the embedded target process (same options as loadscim serve)."""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from loadscim.target.server import main  # noqa: E402

# scim2-models asks pydantic for its attributes' docstrings as field descriptions
# (use_attribute_docstrings): pydantic reads every model's source to find them, 0.18 s of CPU
# of the 0.73 s this process takes to start (measured). They serve a model's JSON schema only,
# which the target never makes (its /Schemas are scim2-server's JSON documents), so this
# process skips them. A pydantic without this private helper is left alone.
try:
    from pydantic._internal import _fields
except ImportError:  # pragma: no cover  (another pydantic)
    pass
else:
    if hasattr(_fields, "_update_fields_from_docstrings"):
        _fields._update_fields_from_docstrings = lambda *args, **kwargs: None

if __name__ == "__main__":
    sys.exit(main())
