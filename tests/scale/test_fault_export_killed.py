"""Fault: the worker delivering an accounting export to a folder destination is killed with
SIGKILL while it moves the batch's files in (the first file is in the folder, the others are
not), then a new worker starts and the hourly job redelivers the batch whose task died.

Afterwards every file of the batch is in the folder once with the batch's bytes, nothing else
is there (no second copy, no staging folder left by the dead worker), the batch is delivered and
its documents' export state says so, and a late run of the original task changes nothing.

PostgreSQL + Redis only (CI's second pass), like the other tests in tests/scale.
"""

from __future__ import annotations

from pathlib import Path

from tests.scale import faults
from tests.scale.test_two_web_two_workers import Install
from tests.scale.test_two_web_two_workers import pytestmark as pytestmark

SETUP = """
import datetime as dt, json
from django.db import transaction
from xfinances.accounting import actions
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import DestinationInput, ExportInput
from xfinances.core.audit import Actor
from xfinances.core.demo import DEMO_EIK
from xfinances.core.models import Company, Source
company = Company.objects.get(eik=DEMO_EIK)
actor = Actor.system(Source.CLI)
today = dt.date.today()
previous = today.replace(day=1) - dt.timedelta(days=1)
with transaction.atomic():
    destination = actions.create_destination(actor, company, DestinationInput.read(dict(
        name="НАП папка", target="nap", kinds=["sale"], schedule="month_end",
        channel="folder", folder="FOLDER")))
    result = actions.export_period(actor, company,
        ExportInput(target="nap", period=Period(previous.year, previous.month)),
        destination=destination)
print(json.dumps({"batch": result.batch.pk, "records": result.records}))
"""  # the delivery task is queued when the transaction commits

STATE = """
import json
from xfinances.accounting import actions
from xfinances.accounting.models import DocumentExport, ExportBatch
batch = ExportBatch.objects.get(pk=BATCH)
print(json.dumps({
    "status": batch.status,
    "attempts": batch.attempts,
    "files": {name: content.hex() for name, content in actions.batch_files(batch).items()},
    "states": sorted(DocumentExport.objects.filter(batch=batch).values_list("state", flat=True)),
}))
"""

# What the hourly `run_export_schedules` does with a folder batch whose task was lost, run by
# the worker: the batch is made a quarter of an hour older, as if the job ran that much later.
REDELIVER = """
import datetime as dt, json
from xfinances.accounting.models import ExportBatch
from xfinances.accounting.tasks import run_export_schedules
ExportBatch.objects.filter(pk=BATCH).update(created_at=ExportBatch.objects.get(
    pk=BATCH).created_at - dt.timedelta(minutes=20))
run_export_schedules()
print(json.dumps("queued"))
"""

LATE_TASK = (
    "import json; from xfinances.accounting.actions import deliver_batch_to_folder; "
    "print(json.dumps(deliver_batch_to_folder(BATCH)))"
)


def _folder(folder: Path) -> dict[str, str]:
    """Everything in the folder, hidden entries and subfolders included."""
    return {
        str(path.relative_to(folder)): path.read_bytes().hex() if path.is_file() else "<dir>"
        for path in sorted(folder.rglob("*"))
    }


def test_worker_killed_mid_folder_delivery_writes_each_file_once(tmp_path: Path) -> None:
    database_url, database = faults.copy_database(tmp_path, "export")
    folder = tmp_path / "accounting-in"
    folder.mkdir()
    install = Install(tmp_path, faults.base_env(database_url, tmp_path))
    try:
        made = faults.ask(install, SETUP.replace("FOLDER", str(folder)))
        assert made["records"] > 0, made
        state = STATE.replace("BATCH", str(made["batch"]))
        process, marker = faults.start_hooked(install, "worker-a", "folder-commit", "worker")
        faults.kill_at_point(install, process, marker)
        at_kill = faults.ask(install, state)
        in_folder_at_kill = _folder(folder)
        install.start("worker-b", "worker")
        faults.ask(install, REDELIVER.replace("BATCH", str(made["batch"])))
        assert faults.wait_until(
            lambda: faults.ask(install, state)["status"] != "queued", 90, every=1
        ), install.logs()
        after = faults.ask(install, state)
        late = faults.ask(install, LATE_TASK.replace("BATCH", str(made["batch"])))
        in_folder = _folder(folder)
    finally:
        install.stop()
        faults.drop_database(database)

    files = after["files"]
    assert len(files) >= 2, files  # the kill fell between two files
    # The dead worker had moved one file in; the batch stayed queued.
    assert at_kill["status"] == "queued", at_kill
    assert len([n for n in in_folder_at_kill if n in files]) == 1, in_folder_at_kill
    assert after["status"] == "delivered", after
    assert set(after["states"]) == {"exported"}, after
    # Each file once, with the batch's bytes, and nothing else (no staging folder left).
    assert in_folder == files, sorted(in_folder)
    assert late == "skipped"
    print(
        f"\nfolder export kill -9 after 1 of {len(files)} files: redelivered by the hourly "
        f"job, {len(files)} files once ({made['records']} records), batch delivered, "
        f"nothing left of the dead worker, late task skipped"
    )
