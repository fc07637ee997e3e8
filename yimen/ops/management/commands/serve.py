"""Serve Yimen the way production does: granian's WSGI interface for pages and the API
(perf-baseline.md: about 3x gunicorn, 10x Django under ASGI), the live process for the displays'
server-sent events on PORT+1 (yimen.live.asgi, design D of perf-baseline.md §4), plus one huey consumer for
background and periodic work. Prints the address of every screen and the demo accounts."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from yimen.ops.server import granian_command, live_command, live_env, raise_fd_limit


class Command(BaseCommand):
    help = "Run the production server (granian WSGI), the live process (SSE) and the background worker (huey)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true", help="do not start the huey consumer")

    def handle(self, *args, host, port, workers, no_worker, **options):
        raise_fd_limit()
        live_port = settings.LIVE_PORT if os.environ.get("LIVE_PORT") else port + 1
        env = {**live_env(live_port), "LIVE_BUS_ADDRS": os.environ.get("LIVE_BUS_ADDRS", f"127.0.0.1:{live_port}")}
        procs = [subprocess.Popen(granian_command(host=host, port=port, workers=workers), env=env),
                 subprocess.Popen(live_command(host=host, port=live_port), env=env)]
        if not no_worker:
            procs.append(subprocess.Popen([sys.executable, "manage.py", "run_huey", "--quiet"], env=env))
        self._banner(host, port, live_port)

        def stop(signum, frame):
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
        finally:
            stop(None, None)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        codes = [p.returncode for p in procs]
        if any(c not in (0, -signal.SIGTERM, None) for c in codes):
            raise SystemExit(1)

    def _banner(self, host, port, live_port):
        from yimen.catalog.demo_loader import DEMO_PASSWORD, DEMO_USERS

        base = f"http://{host}:{port}"
        screens = [
            ("公共办事指南 Public service guides", "/"),
            ("事项搜索 Search (e.g. yyzz)", "/guide/search/?q=yyzz"),
            ("智能导办 Smart guide (example)", "/guide/item/SCJG-001/smart/"),
            ("取号机 Kiosk (demo device)", "/staff/hall/device/enrol/?token=demo-kiosk&next=/hall/kiosk/"),
            ("大厅显示屏 Hall display (demo device)", "/staff/hall/device/enrol/?token=demo-display&next=/hall/display/"),
            ("窗口屏 Window 01 display", "/staff/hall/device/enrol/?token=demo-window-01&next=/hall/display/window/"),
            ("窗口工作台 Window console (window1)", "/staff/console/"),
            ("评价器 Evaluation pad, window 01", "/staff/hall/device/enrol/?token=demo-pad&next=/evaluations/pad/"),
            ("办件 My cases / 出件 (window1)", "/cases/staff/"),
            ("差评整改 Rectification desk", "/evaluations/desk/"),
            ("预约 Book an appointment (phone)", "/appointments/cm-district/"),
            ("服务地图 Centers and terminals", "/appointments/map/"),
            ("预约签到 Appointment check-in (kiosk)",
             "/staff/hall/device/enrol/?token=demo-kiosk&next=/appointments/kiosk/checkin/"),
            ("AB岗覆盖 Coverage (manager)", "/staff/hall/coverage/"),
            ("工作人员登录 Staff login", "/accounts/login/"),
            ("指南编辑 Guide desk (editor)", "/staff/guides/"),
            ("系统配置 Admin", "/admin/"),
            ("API docs (OpenAPI)", "/api/v1/docs"),
            ("Health", "/api/v1/health"),
        ]
        lines = ["", f"Yimen is serving at {base} (live displays: http://{host}:{live_port}/live/)", ""]
        lines += [f"  {label:<34} {base}{path}" for label, path in screens]
        lines += ["", f"Demo accounts (password: {DEMO_PASSWORD}):"]
        lines += [f"  {u:<12} {name} ({role})" for u, name, role, *_ in DEMO_USERS]
        lines += ["", "Press Ctrl+C to stop.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
