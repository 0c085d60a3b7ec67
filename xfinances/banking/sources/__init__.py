"""Statements that arrive by themselves: a mailbox (`mailbox.py`), a watched folder
(`folder.py`) and the scheduled PSD2 sync (`psd2sync.py`). Each run is claimed, logged as a
`SourceRun`, and takes files in through `actions.import_statement` (or `import_events`), so
what a source delivers is stored once and matched like an uploaded statement. The worker
calls `run_due` (banking/tasks.py)."""
