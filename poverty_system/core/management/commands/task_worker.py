"""The background task worker of the product (`scripts/serve`, `make dev`): django-tasks-db's
db_worker that survives the database going away and runs the periodic upkeep.

- A database that is down, restarting or failing over stops db_worker with an exception (and
  scripts/serve then stops the web server too). This worker logs it, waits and reconnects.
- Every WORKER_PERIODIC_SECONDS it runs the jobs named in settings.WORKER_PERIODIC_JOBS
  (dotted paths of functions without arguments): the stale-job sweep and the pruning of old
  export files. A job that fails is logged; the worker goes on."""

import logging
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils.module_loading import import_string
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("poverty_system.worker")

RECONNECT_SECONDS = 5


class Worker(db_worker.Worker):
    def run(self) -> None:
        threading.Thread(target=self.upkeep_loop, name="upkeep", daemon=True).start()
        while self.running:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                logger.warning(
                    "数据库不可用（%s），后台任务进程 %s 秒后重连。", exc, RECONNECT_SECONDS
                )
                close_old_connections()
                time.sleep(RECONNECT_SECONDS)

    def upkeep_loop(self) -> None:
        """The periodic jobs, in a thread of their own (its own database connection), so that
        they run while a long task runs too."""
        while self.running:
            run_periodic_jobs()
            time.sleep(settings.WORKER_PERIODIC_SECONDS)


def run_periodic_jobs() -> None:
    for path in settings.WORKER_PERIODIC_JOBS:
        try:
            import_string(path)()
        except Exception:
            logger.exception("定期任务 %s 失败。", path)
    # The thread's connection is not closed by any request cycle: close it between rounds.
    connection.close()


class Command(db_worker.Command):
    help = "运行后台任务（导出等）；数据库重启后自动重连，并定期清理过期文件和中断的任务。"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        excluded = exclude_queues.split(",") if exclude_queues else []
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
