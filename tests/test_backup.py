"""Backups (docs/DEPLOYMENT.md: 备份与恢复): the nightly `pg_dump --format=custom` of the
product's database restores with `pg_restore` into an empty database, on a throwaway cluster
of the test's own: the same households, members, accounts and audit trail, the audit trail
still append-only, and the product runs on the restored copy (its migrations all applied)."""

import subprocess
import sys

import pytest

from tests.pgcluster import throwaway_cluster
from tests.test_faults_database import shell
from tests.test_serve import ROOT, manage, product_env

COUNTS = (
    "from households.models import Household, Member; from villages.models import User; "
    "from poverty_system.core.models import AuditEntry; "
    "print(Household.objects.count(), Member.objects.count(), User.objects.count(), "
    "AuditEntry.objects.count())"
)


@pytest.mark.faults
@pytest.mark.slow
def test_the_documented_dump_restores_into_an_empty_database(tmp_path):
    with throwaway_cluster() as cluster:
        cluster.createdb("poverty")
        env = {**product_env(tmp_path), "DATABASE_URL": cluster.url("poverty")}
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_regions", str(ROOT / "fixtures" / "regions" / "ganzhou.csv"))
        manage(env, "seed_demo")
        before = shell(env, COUNTS)
        households, members, accounts, audit = (int(n) for n in before.split())
        assert households > 0 and members > households and accounts > 1 and audit > 0

        dump = tmp_path / "poverty.dump"
        port = str(cluster.port)
        subprocess.run(  # noqa: S603 - the server's own client tools
            [
                str(cluster.bin / "pg_dump"),
                "-h",
                "127.0.0.1",
                "-p",
                port,
                "-U",
                "postgres",
                "--format=custom",
                "--file",
                str(dump),
                "poverty",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert dump.stat().st_size > 10_000

        cluster.createdb("poverty_restored")
        subprocess.run(  # noqa: S603
            [
                str(cluster.bin / "pg_restore"),
                "-h",
                "127.0.0.1",
                "-p",
                port,
                "-U",
                "postgres",
                "--dbname",
                "poverty_restored",
                "--no-owner",
                "--exit-on-error",
                str(dump),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        restored = {**env, "DATABASE_URL": cluster.url("poverty_restored")}
        assert shell(restored, COUNTS) == before
        # Nothing left to migrate: the restored copy is the product's schema as it was.
        plan = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "migrate", "--check", "--plan"],
            cwd=ROOT,
            env=restored,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert plan.returncode == 0, plan.stdout + plan.stderr
        # The append-only trigger came back with the data.
        refused = shell(
            restored,
            "from django.db import connection, DatabaseError\n"
            "try:\n"
            "    with connection.cursor() as c:\n"
            "        c.execute('DELETE FROM poverty_system_auditentry')\n"
            "    print('deleted')\n"
            "except DatabaseError as exc:\n"
            "    print('refused' if '审计日志只能追加' in str(exc) else exc)\n",
        )
        assert refused == "refused"
        assert audit == int(shell(restored, COUNTS).split()[3])
