"""Start Amethyst: ``amethyst`` or ``python -m app`` [--data-dir DIR] [--set KEY=VALUE …] [--version]."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack

from app import __version__

log = logging.getLogger("app")


class _VersionAction(argparse.Action):
    """``--version`` prints the installed package metadata's version (read only when asked: ~40 ms)."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        from app.version import installed_version

        print(f"Amethyst {installed_version()}")
        parser.exit()


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="amethyst", description="Amethyst, a desktop AI studio.")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
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
    parser.add_argument("--minimized", action="store_true", help="start in the tray, without showing the window")
    parser.add_argument("--first-paint-exit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--connected-exit", action="store_true", help=argparse.SUPPRESS)  # bench/startup
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)  # app/smoke.py
    arguments = parser.parse_args(argv)
    for item in arguments.overrides:
        if "=" not in item:
            parser.error(f"--set expects KEY=VALUE, got {item!r}")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # a packaged app's local image worker re-enters here
        import multiprocessing

        multiprocessing.freeze_support()
    arguments = parse_arguments(argv)
    # First, before anything imports Qt: PySide checks every later import, cheaply from here on.
    from app.pyside_imports import install as cheap_import_checks

    cheap_import_checks()
    # What the start-up builds (modules, the window, the first place) lives as long as the app: no collector
    # passes over it while it loads (~30 ms of them before the Studio API answered); settled at the end.
    from app.services.heap import quiet_load

    start_up = ExitStack()
    start_up.enter_context(quiet_load("start-up"))
    try:
        return _run(arguments, start_up)
    finally:
        start_up.close()  # a start that failed or quit early: the collector runs again


def _run(arguments: argparse.Namespace, start_up: ExitStack) -> int:
    # Only what the first paint needs is imported before it; the rest loads once the window shows.
    from app.config import APPEARANCE_ACCENT
    from app.context import build_context
    from app.log import Redactor, configure_logging, rotate_log_file
    from app.paths import Paths

    paths = Paths.resolve(arguments.data_dir)
    redactor = Redactor()
    log_file = configure_logging(paths.data_dir, redactor, rotate=False)  # rotate_log_file() after the paint
    log.info("Amethyst %s starting with data folder %s", __version__, paths.data_dir)
    overrides = dict(item.split("=", 1) for item in arguments.overrides)
    context = build_context(paths, redactor=redactor, arguments=overrides, log_file=log_file)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.views.main_window import MainWindow
    from app.views.theme import apply_theme, create_application

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else create_application(sys.argv[0])
    app.setApplicationName("Amethyst")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)
    instance = None
    if not (arguments.first_paint_exit or arguments.connected_exit):
        # One Amethyst per data folder: a second launch hands over and exits.
        from app.single_instance import claim, server_name

        instance = claim(server_name(paths.data_dir), {"place": arguments.place or ""})
        if instance is None:
            log.info("Amethyst is already running with this data folder; it was brought to the front")
            context.close()
            return 0
    apply_theme(app, context.settings.value(APPEARANCE_ACCENT), set_style=app is existing)
    window = MainWindow(context, open_initial_place=False)
    if arguments.first_paint_exit:
        _exit_after_first_paint(window)
    if not arguments.minimized:
        window.show()
    app.processEvents()  # paint the window now; the places and the event loop come next
    rotate_log_file()  # before any worker thread logs
    if not arguments.first_paint_exit:
        # The embedded Studio API (Local connection) starts in the background now, not after the first place
        # is built: its imports, migrations and uvicorn start overlap the rest of the start-up.
        context.studio.prepare()

    import asyncio

    import qasync

    from app.views.error_dialog import ExceptionHandler
    from app.views.tray import TrayController

    handler = ExceptionHandler(redactor, window)
    handler.install()
    context.tasks.report_error = handler.report
    tray = TrayController(window, context.notifier)
    if arguments.minimized and not window.tray_available:
        window.show()  # no tray to come back from

    def finish_start() -> None:
        start_studio(window, context)  # first: the connection's awaits run while the first place is built
        if arguments.connected_exit:
            _exit_when_connected(window, context)
        if arguments.place:
            window.open_place(arguments.place)
        window.open_initial_place()
        for notice in context.settings.notices:
            window.show_toast("Settings", notice, timeout_ms=12000)
        from app.views.desktop_integration import DesktopIntegration

        desktop = DesktopIntegration(window, context, instance)
        desktop.start()
        window.setProperty("desktop-integration", desktop)  # kept as long as the window
        if arguments.smoke_test:
            from app.smoke import run_smoke

            context.tasks.start("smoke-test", run_smoke(window, context))
        # Everything built so far lives as long as the app: keep it out of the collector's full passes,
        # which otherwise walk tens of thousands of Qt wrappers and stall the UI for 100 ms and more
        # (settled now, or when the embedded Studio API's load ends if that is still running).
        start_up.close()

    QTimer.singleShot(0, finish_start)

    # Connected before the loop starts: a quit asked for by a timer that is already due when the loop
    # begins (the first-paint exit, a fast tray Quit) must not fire into the void.
    finished = asyncio.Event()
    window.quit_requested.connect(finished.set)
    app.aboutToQuit.connect(finished.set)

    async def run_until_quit() -> None:
        await finished.wait()

    from app.quitting import end_child_processes, install_quit_signals

    restore_signals = install_quit_signals(lambda _name: window.quit_requested.emit())
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            runner.run(run_until_quit())
    finally:
        del tray
        if instance is not None:
            instance.close()
        context.close()  # stops the embedded Studio API (and its local image worker's pool)
        end_child_processes()  # whatever is left: a worker still busy with an image is not waited for
        restore_signals()
        log.info("Amethyst stopped")
    return 0 if getattr(window, "smoke_ok", not arguments.smoke_test) else 1


def start_studio(window, context) -> None:  # type: ignore[no-untyped-def]
    """Connect to the Studio API now, not when Studio opens: the header shows the balance, and jobs that
    were running when the app last quit are watched again (and notify when they finish). The one start."""
    from app.views.studio.header_link import link_header

    link_header(window.header, context.studio)
    context.studio_controller.start()


def _exit_when_connected(window, context) -> None:  # type: ignore[no-untyped-def]
    """For bench/startup: when the Studio API first answers (the connection is CONNECTED or has failed),
    print ``CONNECTED <wall-clock seconds> state=<state>`` and quit."""

    def changed(state: str) -> None:
        if state in {"connected", "error", "auth_needed"}:
            print(f"CONNECTED {time.time():.6f} state={state}", flush=True)
            context.studio.state_changed.disconnect(changed)
            window.quit_requested.emit()

    context.studio.state_changed.connect(changed)


def _exit_after_first_paint(window) -> None:  # type: ignore[no-untyped-def]
    """For bench/startup and the start-up test: at the window's first paint, print its wall-clock time and
    whether PySide's Qt namespace was built before it (``FIRST_PAINT <seconds> qt_namespace=<0|1>``), then
    quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    from app.views.qt_enums import qt_namespace_built

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                print(f"FIRST_PAINT {time.time():.6f} qt_namespace={int(qt_namespace_built())}", flush=True)
                watched.removeEventFilter(self)
                QTimer.singleShot(50, window.quit_requested.emit)
            return False

    window._first_paint = FirstPaint(window)  # kept alive with the window
    window.installEventFilter(window._first_paint)


if __name__ == "__main__":
    sys.exit(main())
