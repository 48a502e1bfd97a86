"""The bundle's entry point: ``freeze_support`` before anything else, then the usual ``app.__main__.main``.

The local image worker is a ``spawn``-ed process; in a frozen app it re-runs this executable, and
``freeze_support`` turns that re-run into the worker instead of a second window.
"""

import multiprocessing

multiprocessing.freeze_support()

import sys  # noqa: E402

from app.__main__ import main  # noqa: E402

sys.exit(main())
