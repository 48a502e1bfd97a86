"""Start Amethyst: ``amethyst`` or ``python -m app`` [--data-dir DIR] [--set KEY=VALUE …] [--version]."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence

from app import __version__

log = logging.getLogger("app")


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="amethyst", description="Amethyst, a desktop AI studio.")
    parser.add_argument("--version", action="version", version=f"Amethyst {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep settings, database, gallery and logs in DIR (a portable profile)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override a setting for this run only, e.g. --set connection.kind=cloud",
    )
    parser.add_argument("--place", help="open this place first (marketplace, chat, studio, builder, billing, settings)")
    parser.add_argument("--first-paint-exit", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    for item in arguments.overrides:
        if "=" not in item:
            parser.error(f"--set expects KEY=VALUE, got {item!r}")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.context import build_context
    from app.log import Redactor, configure_logging
    from app.paths import Paths
    from app.views.error_dialog import ExceptionHandler
    from app.views.main_window import MainWindow
    from app.views.theme import apply_theme
    from app.views.tray import TrayController

    paths = Paths.resolve(arguments.data_dir)
    redactor = Redactor()
    log_file = configure_logging(paths.data_dir, redactor)
    log.info("Amethyst %s starting with data folder %s", __version__, paths.data_dir)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Amethyst")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)
    overrides = dict(item.split("=", 1) for item in arguments.overrides)
    context = build_context(paths, redactor=redactor, arguments=overrides, log_file=log_file)
    apply_theme(app, context.settings.get("appearance.accent"))

    window = MainWindow(context)
    handler = ExceptionHandler(redactor, window)
    handler.install()
    context.tasks.report_error = handler.report
    tray = TrayController(window, context.notifier)
    for notice in context.settings.notices:
        window.show_toast("Settings", notice, timeout_ms=12000)
    if arguments.place:
        window.open_place(arguments.place)
    if arguments.first_paint_exit:
        _exit_after_first_paint(window, app)
    window.show()

    async def run_until_quit() -> None:
        finished = asyncio.Event()
        window.quit_requested.connect(finished.set)
        app.aboutToQuit.connect(finished.set)
        await finished.wait()

    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            runner.run(run_until_quit())
    finally:
        del tray
        context.close()
        log.info("Amethyst stopped")
    return 0


def _exit_after_first_paint(window, app) -> None:  # type: ignore[no-untyped-def]
    """For bench/startup: print the wall-clock time of the window's first paint and quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                print(f"FIRST_PAINT {time.time():.6f}", flush=True)
                watched.removeEventFilter(self)
                QTimer.singleShot(0, window.quit_requested.emit)
            return False

    window._first_paint = FirstPaint(window)  # kept alive with the window
    window.installEventFilter(window._first_paint)


if __name__ == "__main__":
    sys.exit(main())
