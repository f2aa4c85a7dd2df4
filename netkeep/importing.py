"""CSV import for any model: read, plan every row, then write all at once (or nothing).

An app declares one `Importer` per kind of row it accepts (columns and their
header aliases, how a row is parsed and validated, how the planned rows are
written) and registers it; the page, the API, the command and the background
job all go through `plan()` and `apply()` here. See docs/contributing.md,
"Declaring a CSV importer".

Two kinds of importer:

- **Batched** (`batched = True`, the default): `plan_rows()` reads the database
  a few times for the whole file (every existing key in one query per chunk,
  lookups loaded once) and decides every row without writing; `write()` then
  inserts and updates in batches. The plan is plain JSON, so a preview can be
  stored and applied later without parsing or validating again. 100,000 host
  rows take seconds instead of minutes (bench/import.py).
- **Row by row** (`batched = False`): each row is saved in its own savepoint by
  `save_row()`, inside one transaction that is kept or rolled back. The preview
  is then a rolled-back apply. For small files whose rows depend on one
  another in ways a plan cannot express (subnets nesting as they arrive).

Either way: every bad row is reported with what to fix, and nothing is written
when any row is bad unless `valid_only` is asked for.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import logging
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from accounts import audit
from netkeep import bulk

log = logging.getLogger(__name__)

MODES = ("update", "skip")
MAX_ROWS = 200_000

Progress = Callable[[int, int], None]
Rows = list[tuple[int, dict[str, str]]]


class ImportFileError(Exception):
    """The file as a whole cannot be imported (no header, unknown kind, required column missing)."""


class RowError(Exception):
    """A row that cannot be imported, with the reason to show the user."""


@dataclass
class RowOutcome:
    """What happens (or happened) to one data row; `data` is what a batched write needs."""

    line: int
    action: str  # create, update, skip or error
    label: str
    message: str = ""
    data: dict[str, Any] | None = None

    def public(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "action": self.action,
            "label": self.label,
            "message": self.message,
        }


@dataclass
class ImportResult:
    """Outcome of every row, and whether anything was written."""

    kind: str
    mode: str
    rows: list[RowOutcome] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = True
    valid_only: bool = False

    PREVIEW_LIMIT: ClassVar[int] = 500

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.action for r in self.rows)
        return {a: counted.get(a, 0) for a in ("create", "update", "skip", "error")}

    @property
    def errors(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.action == "error"]

    @property
    def ok(self) -> bool:
        return not any(r.action == "error" for r in self.rows)

    @property
    def shown_rows(self) -> list[RowOutcome]:
        """Every error, then the other rows up to PREVIEW_LIMIT, in file order."""
        budget = self.PREVIEW_LIMIT
        shown = []
        for row in self.rows:
            if row.action == "error":
                shown.append(row)
            elif budget > 0:
                shown.append(row)
                budget -= 1
        return shown

    @property
    def hidden_count(self) -> int:
        return len(self.rows) - len(self.shown_rows)

    def summary(self) -> str:
        return summary(self.counts, applied=self.applied, dry_run=self.dry_run)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "valid_only": self.valid_only,
            "applied": self.applied,
            "counts": self.counts,
            "summary": self.summary(),
            "rows": [r.public() for r in self.rows],
        }


def summary(counts: dict[str, int], *, applied: bool, dry_run: bool) -> str:
    """One sentence: how many rows are created, updated, skipped and refused."""
    text = (
        f"{counts['create']} to create, {counts['update']} to update, {counts['skip']} to skip, "
        f"{counts['error']} with errors"
    )
    if applied:
        text = f"Applied: {text.replace(' to ', ' ')}."
        if counts["error"]:
            text += " Rows with errors were left out."
    elif dry_run:
        text = f"Preview, nothing written: {text}."
    else:
        text = f"Nothing written: {text}. Fix the rows with errors and import again."
    return text


class Importer:
    """How one kind of CSV row becomes objects of one model; subclass and `register()` it.

    A fresh instance serves one import, so it may keep lookups on `self`.
    """

    kind: ClassVar[str]
    label: ClassVar[str]
    model: ClassVar[type[models.Model]]
    # Normalised header (lower case, spaces and dashes as "_") → column name.
    aliases: ClassVar[dict[str, str]]
    required: ClassVar[str]
    example_columns: ClassVar[tuple[str, ...]]
    batched: ClassVar[bool] = True

    def permissions(self, mode: str) -> list[str]:
        """Model permissions an import in this mode needs."""
        meta = self.model._meta
        needed = [f"{meta.app_label}.add_{meta.model_name}"]
        if mode == "update":
            needed.append(f"{meta.app_label}.change_{meta.model_name}")
        return needed

    def row_label(self, row: dict[str, str]) -> str:
        return row.get(self.required, "") or "(empty)"

    # --- batched importers ---------------------------------------------------
    def plan_rows(self, rows: Rows, mode: str, progress: Progress) -> list[RowOutcome]:
        """Decide every row without writing: one outcome per row, in file order."""
        raise NotImplementedError

    def write(self, outcomes: list[RowOutcome], progress: Progress) -> None:
        """Write the planned creates and updates (the caller holds the transaction)."""
        raise NotImplementedError

    # --- row-by-row importers ------------------------------------------------
    def save_row(self, line: int, row: dict[str, str], mode: str) -> RowOutcome:
        """Create, update or skip one row (inside its own savepoint)."""
        raise NotImplementedError

    def row_failed(self) -> None:
        """The last row was rolled back: forget what it cached."""


REGISTRY: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    """Make an importer available to every door under its `kind`."""
    REGISTRY[importer.kind] = importer
    return importer


def may_import(user: Any) -> bool:
    """True when the user's role may import some kind of rows (a viewer's may not)."""
    return any(user.has_perms(importer().permissions("skip")) for importer in REGISTRY.values())


def get_importer(kind: str) -> Importer:
    """A fresh importer for this kind, or ImportFileError naming the kinds there are."""
    try:
        return REGISTRY[kind]()
    except KeyError:
        raise ImportFileError(
            f"Unknown kind “{kind}”: choose one of {', '.join(sorted(REGISTRY))}."
        ) from None


# --- reading --------------------------------------------------------------------------
def upload_too_big(size: int) -> str | None:
    """The message for an upload over NETKEEP_IMPORT_MAX_MB, or None when it fits."""
    from django.conf import settings

    limit = settings.NETKEEP_IMPORT_MAX_MB
    if size <= limit * 1024 * 1024:
        return None
    return (
        f"The file is {size / 1024 / 1024:.1f} MB; uploads are limited to {limit} MB "
        "(setting NETKEEP_IMPORT_MAX_MB): split the file or ask an admin to raise the limit."
    )


def decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM), else Latin-1 as spreadsheets write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_rows(text: str, importer: Importer) -> Rows:
    """Rows as (line number, {column: value}), headers mapped through the importer's aliases."""
    text = text.lstrip("\ufeff")
    # The separator is the one the header line uses most (spreadsheets in many
    # locales write ";"); guessing from the data would trip over descriptions.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if any(c in first_line for c in ",;\t") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _read(reader, importer)
    except csv.Error as error:
        raise ImportFileError(
            f"Line {reader.line_num} is not valid CSV ({error}): check its quotes."
        ) from None


def _read(reader: Any, importer: Importer) -> Rows:
    header = next(reader, None)
    if not header:
        raise ImportFileError("The file is empty: the first line must name the columns.")
    columns = [importer.aliases.get(_norm(h)) for h in header]
    if importer.required not in columns:
        raise ImportFileError(
            f"No “{importer.required}” column: the first line must name the columns, for "
            f"example {', '.join(importer.example_columns)}."
        )
    rows: Rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(f"More than {MAX_ROWS} rows: split the file.")
        row: dict[str, str] = {}
        for column, value in zip(columns, values, strict=False):
            value = value.strip()
            # Undo the formula guard of our own export ("'=x" was written for "=x").
            if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
                value = value[1:]
            if column and value and column not in row:
                row[column] = value
        rows.append((reader.line_num, row))
    return rows


def _norm(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def messages_of(error: ValidationError) -> str:
    """A ValidationError as one line: "field: message; other: message"."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
            for name, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


# --- planning and applying -------------------------------------------------------------
@contextlib.contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Hold the cyclic garbage collector while a file is planned or written.

    A 100,000-row plan is about a million small objects, none of them in a
    cycle; the collector would otherwise walk them all again and again (a third
    of the time, measured). Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _no_progress(done: int, total: int) -> None:
    return None


def plan(
    importer: Importer, text: str, mode: str, progress: Progress = _no_progress
) -> list[RowOutcome]:
    """Every row's outcome for a batched importer; writes nothing."""
    if mode not in MODES:
        raise ImportFileError(f"Unknown mode “{mode}”: choose update or skip.")
    with _no_gc_pauses():
        rows, refused = _refuse_nul(read_rows(text, importer), importer, text)
        outcomes = importer.plan_rows(rows, mode, progress) + refused
    return sorted(outcomes, key=lambda o: o.line) if refused else outcomes


def apply(
    importer: Importer,
    outcomes: list[RowOutcome],
    *,
    valid_only: bool = False,
    user: Any = None,
    door: str = "import",
    progress: Progress = _no_progress,
) -> bool:
    """Write a batched plan in one transaction; False (nothing written) if a row is bad.

    The plan may be older than the data (a stored preview): a row that now
    clashes makes the whole write fail with ImportFileError, and nothing stays.
    """
    if any(o.action == "error" for o in outcomes) and not valid_only:
        return False
    todo = [o for o in outcomes if o.action in ("create", "update")]
    try:
        with _no_gc_pauses(), audit.context(door=door, user=user), transaction.atomic():
            importer.write(todo, progress)
            progress(len(todo), len(todo))
    except IntegrityError as error:
        raise ImportFileError(
            f"The data changed since the preview ({error}): nothing was written; "
            "preview the file again."
        ) from None
    return True


def run_import(
    text: str,
    kind: str | Importer,
    mode: str = "skip",
    dry_run: bool = True,
    valid_only: bool = False,
    user: Any = None,
    door: str = "import",
    progress: Progress = _no_progress,
) -> ImportResult:
    """Import CSV text; write only when not a dry run and every row is valid (or `valid_only`)."""
    importer = get_importer(kind) if isinstance(kind, str) else kind
    if mode not in MODES:
        raise ImportFileError(f"Unknown mode “{mode}”: choose update or skip.")
    result = ImportResult(kind=importer.kind, mode=mode, dry_run=dry_run, valid_only=valid_only)
    if importer.batched:
        result.rows = plan(importer, text, mode, progress)
        if not dry_run:
            result.applied = apply(
                importer, result.rows, valid_only=valid_only, user=user, door=door
            )
        return result
    rows, refused = _refuse_nul(read_rows(text, importer), importer, text)
    with audit.context(door=door, user=user), transaction.atomic():
        _save_rows(importer, result, rows, mode, progress)
        if refused:
            result.rows = sorted(result.rows + refused, key=lambda o: o.line)
        keep = not dry_run and (result.ok or valid_only)
        if not keep:
            transaction.set_rollback(True)
        result.applied = keep
    return result


def _save_rows(
    importer: Importer, result: ImportResult, rows: Rows, mode: str, progress: Progress
) -> None:
    """Each row in its own savepoint: a failing row leaves no trace, the others stay."""
    for done, (line, row) in enumerate(rows, 1):
        try:
            with transaction.atomic():
                result.rows.append(importer.save_row(line, row, mode))
            continue
        except RowError as error:
            message = str(error)
        except ValidationError as error:
            message = messages_of(error)
        except IntegrityError as error:
            message = f"Conflicts with data: {error}"
        finally:
            if done % 500 == 0:
                progress(done, len(rows))
        result.rows.append(RowOutcome(line, "error", importer.row_label(row), message))
        importer.row_failed()


def _refuse_nul(rows: Rows, importer: Importer, text: str) -> tuple[Rows, list[RowOutcome]]:
    """Rows without NUL characters, and an error for each row with one (no database sees it)."""
    if "\x00" not in text:
        return rows, []
    kept: Rows = []
    refused: list[RowOutcome] = []
    for line, row in rows:
        bad = [column for column, value in row.items() if "\x00" in value]
        if bad:
            message = f"{', '.join(bad)}: contains a NUL character (\\0): remove it."
            refused.append(
                RowOutcome(line, "error", importer.row_label(row).replace("\x00", ""), message)
            )
        else:
            kept.append((line, row))
    return kept, refused


def error_lines(outcomes: Iterable[RowOutcome]) -> Iterable[str]:
    """One line per row with an error, for the command line."""
    for row in outcomes:
        if row.action == "error":
            yield f"line {row.line}: {row.label}: {row.message}"


# --- stored previews: upload → preview job → (user looks, pages) → apply job ------------
def create_batch(
    text: str,
    kind: str,
    mode: str,
    user: Any,
    filename: str = "",
    *,
    auto_apply: bool = False,
    valid_only: bool = False,
) -> Any:
    """Store an upload to be previewed; ImportFileError for an unknown kind or mode.

    `auto_apply`: apply as soon as the preview allows it (every row valid, or
    `valid_only`), for scripts that do not look at the preview.
    """
    from netkeep.models import ImportBatch

    get_importer(kind)
    if mode not in MODES:
        raise ImportFileError(f"Unknown mode “{mode}”: choose update or skip.")
    ImportBatch.objects.prune()
    return ImportBatch.objects.create(
        kind=kind,
        mode=mode,
        user=user if getattr(user, "pk", None) else None,
        filename=filename[:200],
        source=zlib.compress(text.encode("utf-8", "surrogatepass"), 1),
        auto_apply=auto_apply,
        valid_only=valid_only,
        total=estimate_rows(text),
    )


def upload(text: str, kind: str, mode: str, user: Any, filename: str = "", **options: bool) -> Any:
    """Store an upload (`options` as create_batch's) and preview it, in a job when large.

    Nothing is kept when it is refused: ImportFileError when a file previewed
    at once cannot be read at all (no header, unknown kind), jobs.RateLimited
    when the user started too many import jobs lately.
    """
    from netkeep.models import ImportStatus

    batch = start_preview(create_batch(text, kind, mode, user, filename, **options))
    if batch.status == ImportStatus.FAILED:
        batch.delete()
        raise ImportFileError(batch.message)
    return batch


def estimate_rows(text: str) -> int:
    """Data rows in a CSV text, counted by lines (a quoted line break counts once more)."""
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return max(0, lines - 1)


RUN_KIND = "import"


def start_preview(batch: Any, inline_rows: int | None = None) -> Any:
    """Preview now when the file is small, else in a background job (a Run); the batch.

    Raises jobs.RateLimited (and forgets the upload) when the user started too
    many import jobs lately.
    """
    from django.conf import settings

    from netkeep import jobs

    limit = settings.NETKEEP_IMPORT_INLINE_ROWS if inline_rows is None else inline_rows
    if batch.total <= limit:
        return preview_batch(batch.pk)
    try:
        _start_run(batch, "preview")
    except jobs.RateLimited:
        batch.delete()
        raise
    return batch


def start_apply(batch: Any, valid_only: bool, inline_rows: int | None = None) -> Any:
    """Apply now when the file is small, else in a background job (a Run); the batch.

    The batch moves from ready to applying here, once: a second click finds it
    applying (or applied) and changes nothing. Raises jobs.RateLimited (the
    batch stays ready) when the user started too many import jobs lately.
    """
    from django.conf import settings

    from netkeep import jobs
    from netkeep.models import ImportBatch, ImportStatus

    limit = settings.NETKEEP_IMPORT_INLINE_ROWS if inline_rows is None else inline_rows
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.READY).update(
        status=ImportStatus.APPLYING, valid_only=valid_only
    )
    if claimed and batch.total <= limit:
        _apply_claimed(batch.pk)
    elif claimed:
        try:
            _start_run(batch, "apply")
        except jobs.RateLimited:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.READY)
            raise
    return ImportBatch.objects.select_related("run").get(pk=batch.pk)


def _start_run(batch: Any, phase: str) -> Any:
    """Queue the job that previews or applies the batch, and link the batch to its Run."""
    from netkeep import jobs
    from netkeep.models import ImportBatch

    run = jobs.enqueue(
        RUN_KIND,
        f"{batch.kind} import #{batch.pk}: {phase}",
        batch.user,
        profile=phase,
        rate_hint=", or import the file in smaller steps later",
        importbatch=batch.pk,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(run=run)
    batch.run = run
    return run


def run_job(run_id: int) -> str:
    """The worker's entry point for a Run of kind "import": preview or apply its batch.

    Progress (rows checked of the file) goes to the Run; a failure, whatever
    its cause, leaves the Run failed with the reason and the batch failed too
    (an apply writes in one transaction: nothing partial stays).
    """
    from netkeep import jobs
    from netkeep.models import ImportBatch, ImportStatus

    run = jobs.claim(run_id)
    if run is None:
        return "skipped"
    batch_id = run.refs.get("importbatch")
    if not ImportBatch.objects.filter(pk=batch_id).exists():
        run.fail(ImportFileError("The upload was deleted before a worker took it up."))
        return run.status

    def progress(done: int, total: int) -> None:
        if run.progress(done, total):
            ImportBatch.objects.filter(pk=batch_id).update(done=done)

    def apply_progress(done: int, total: int) -> None:
        # The apply is one transaction: its own connection would show nothing until the
        # commit, so the heartbeat thread writes the figures. The last call comes inside
        # the transaction: the commit then carries a fresh heartbeat, and a reaper that
        # waited for the commit (SQLite) finds the run alive.
        jobs.report_progress(run_id, done, total)
        if done >= total:
            run.beat()

    try:
        if run.profile == "apply":
            _apply_claimed(batch_id, apply_progress)
        else:
            batch = preview_batch(batch_id, progress)
            if batch.auto_apply and batch.status == ImportStatus.READY:
                apply_batch(batch_id, batch.valid_only, apply_progress)
    except Exception as error:  # the reason goes to the Run and the batch, not only a log
        log.exception("import job %s failed", run_id)
        ImportBatch.objects.filter(
            pk=batch_id, status__in=(ImportStatus.PREVIEWING, ImportStatus.APPLYING)
        ).update(status=ImportStatus.FAILED, message=f"The import job failed: {error}")
        run.fail(error)
        return run.status
    batch = ImportBatch.objects.get(pk=batch_id)
    run.total = max(run.total, batch.total)
    if batch.status == ImportStatus.FAILED:
        run.fail(ImportFileError(batch.message), counts=batch.counts)
    elif batch.auto_apply and batch.status != ImportStatus.APPLIED:
        # The script asked to apply; rows with errors kept everything out.
        run.fail(ImportFileError(batch.message), counts=batch.counts)
    else:
        # A preview run that applied the file too (auto_apply) says so, for its summary.
        applied = batch.status == ImportStatus.APPLIED and run.profile != "apply"
        run.finish({**batch.counts, "applied": True} if applied else batch.counts)
    return run.status


def run_summary(run: Any) -> str:
    """An import run in words: "3 created · 1 updated" ("to create" when nothing was written)."""
    from netkeep.jobs.summary import join

    counts = run.counts
    if "create" not in counts:
        return ""
    # A failed run wrote nothing, whatever it was asked to do.
    applied = run.status != "failed" and (run.profile == "apply" or counts.get("applied"))
    verbs = ("created", "updated", "skipped") if applied else ("to create", "to update", "to skip")
    return join(
        (
            "" if applied else "nothing written",
            f"{counts['create']:,} {verbs[0]}",
            f"{counts.get('update', 0):,} {verbs[1]}",
            f"{counts.get('skip', 0):,} {verbs[2]}",
            f"{counts['error']:,} with errors" if counts.get("error") else "",
        )
    )


def preview_batch(batch_id: int, progress: Progress = _no_progress) -> Any:
    """Plan every row of a stored upload and store the outcomes (and the plan) for apply."""
    from netkeep.models import ImportBatch, ImportStatus

    started = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.PREVIEWING
    )
    batch = ImportBatch.objects.get(pk=batch_id)
    if not started:
        return batch
    importer = get_importer(batch.kind)
    text = _source(batch)
    # The outcomes are a million small objects: packing and storing them would otherwise
    # set off full collections that walk them all (a tenth of a large preview).
    with _no_gc_pauses():
        try:
            if importer.batched:
                outcomes = plan(importer, text, batch.mode, progress)
                batch.plan = _pack(
                    [
                        [o.line, o.action, o.data]
                        for o in outcomes
                        if o.action in ("create", "update")
                    ]
                )
            else:
                outcomes = run_import(
                    text, importer, batch.mode, dry_run=True, progress=progress
                ).rows
        except ImportFileError as error:
            return _finish(batch, ImportStatus.FAILED, str(error), "source")
        _store_rows(batch, outcomes)
        batch.total = batch.done = len(outcomes)
        batch.counts = ImportResult(batch.kind, batch.mode, outcomes).counts
    if importer.batched:
        batch.source = b""  # the plan replaces it
    message = summary(batch.counts, applied=False, dry_run=True)
    return _finish(batch, ImportStatus.READY, message, "plan", "source", "total", "done", "counts")


def apply_batch(
    batch_id: int, valid_only: bool = False, progress: Progress = _no_progress
) -> ImportResult:
    """Write a previewed upload as its preview planned it; the result says what happened.

    Only a batch whose preview is ready is applied, once: a second call (a
    double click, a retried job) finds it applying or applied and does nothing.
    """
    from netkeep.models import ImportBatch, ImportStatus

    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.READY).update(
        status=ImportStatus.APPLYING, valid_only=valid_only
    )
    if not claimed:
        batch = ImportBatch.objects.get(pk=batch_id)
        return ImportResult(batch.kind, batch.mode, dry_run=False, valid_only=valid_only)
    return _apply_claimed(batch_id, progress)


def _apply_claimed(batch_id: int, progress: Progress = _no_progress) -> ImportResult:
    from netkeep.models import ImportBatch, ImportStatus

    batch = ImportBatch.objects.get(pk=batch_id)
    valid_only = batch.valid_only
    result = ImportResult(batch.kind, batch.mode, dry_run=False, valid_only=valid_only)
    if batch.status != ImportStatus.APPLYING:
        return result
    importer = get_importer(batch.kind)
    counts = dict(batch.counts)
    if counts.get("error") and not valid_only:
        _finish(batch, ImportStatus.READY, summary(counts, applied=False, dry_run=False))
        return result
    try:
        if importer.batched:
            with _no_gc_pauses():  # as in preview_batch: the unpacked plan is many objects
                planned = [
                    RowOutcome(line, action, "", "", data)
                    for line, action, data in _unpack(batch.plan)
                ]
            result.applied = apply(
                importer, planned, valid_only=True, user=batch.user, progress=progress
            )
        else:
            result = run_import(
                _source(batch),
                importer,
                batch.mode,
                dry_run=False,
                valid_only=valid_only,
                user=batch.user,
                progress=progress,
            )
            _store_rows(batch, result.rows, replace=True)
            counts = result.counts
    except ImportFileError as error:
        _finish(batch, ImportStatus.FAILED, str(error))
        return result
    if not result.applied:
        # Rows run again found errors the preview did not (the data changed meanwhile).
        batch.counts = counts
        _finish(batch, ImportStatus.READY, result.summary(), "counts")
        return result
    batch.counts, batch.plan, batch.source = counts, b"", b""
    message = summary(counts, applied=True, dry_run=False)
    _finish(batch, ImportStatus.APPLIED, message, "counts", "plan", "source")
    return result


def _source(batch: Any) -> str:
    return zlib.decompress(batch.source).decode("utf-8", "surrogatepass")


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 1)


def _unpack(blob: bytes | memoryview) -> Any:
    return json.loads(zlib.decompress(blob)) if blob else []


def _store_rows(batch: Any, outcomes: list[RowOutcome], replace: bool = False) -> None:
    from netkeep.models import ImportRow

    with transaction.atomic():
        if replace:
            batch.rows.all().delete()
        bulk.insert(
            ImportRow,
            (
                {
                    "batch_id": batch.pk,
                    "line": o.line,
                    "action": o.action,
                    "label": o.label[:200],
                    "message": o.message,
                }
                for o in outcomes
            ),
        )


def _finish(batch: Any, status: str, message: str, *fields: str) -> Any:
    from django.utils import timezone

    batch.status = status
    batch.message = message
    batch.finished = timezone.now()
    batch.save(update_fields=["status", "message", "finished", *fields])
    return batch
