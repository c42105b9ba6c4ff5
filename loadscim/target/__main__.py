"""``python -m loadscim.target``: the embedded target process (same options as loadscim serve)."""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from loadscim.target.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
