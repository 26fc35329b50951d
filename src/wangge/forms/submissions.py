"""Taking in submissions (ODK Collect and the browser): stored exactly once per instanceID,
attachments merged across split uploads, then applied to the household file (`applying`).

What is stored is what was sent: the XML (encrypted), each attachment (encrypted under the
data directory), whoever sent it and from which device, even when it is refused, so that it
can be looked at and applied again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.fields import data_cipher
from wangge.forms.models import (
    Attachment,
    Change,
    ChangeStatus,
    Form,
    FormVersion,
    Submission,
    SubmissionStatus,
)
from wangge.forms.openrosa import Instance, InstanceError, instance_text, parse_instance

MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# What the server tells clients it takes in one POST (X-OpenRosa-Accept-Content-Length);
# larger submissions are split by Collect into several POSTs of the same instanceID.
ACCEPT_CONTENT_LENGTH = 10 * 1024 * 1024


logger = logging.getLogger("wangge.forms")


class AttachmentTooLarge(InstanceError):
    """One file over MAX_ATTACHMENT_BYTES: a 413, as HTTP has it for content too large (RFC 9110
    §15.5.14). Collect splits a submission over several POSTs only between files, so a single
    file over the limit cannot be sent, and Collect tells its user so for a 413 (a 400 only
    shows the server's text as an unexplained failure)."""


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Outcome:
    status: int  # the HTTP status for OpenRosa: 201 stored, 202 had it already, 400/403/413
    message: str
    submission: Submission | None = None


def _dir(submission: Submission) -> Path:
    path = Path(settings.DATA_DIR) / "forms" / f"s{submission.pk}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _safe_name(name: str) -> str:
    base = Path(name).name
    base = re.sub(r"[^\w.\-]", "_", base)[:150]
    return base or "attachment"


def store_attachments(submission: Submission, uploads: list[Upload]) -> int:
    """Keep the attachments not stored yet (by name); returns how many were new."""
    if not uploads:
        return 0
    have = set(Attachment.objects.filter(submission=submission).values_list("name", flat=True))
    if len(have) + len(uploads) > MAX_ATTACHMENTS * 2:
        raise InstanceError(f"附件过多（最多{MAX_ATTACHMENTS}个）")
    added = 0
    for upload in uploads:
        name = _safe_name(upload.name)
        if name in have:
            continue
        if len(upload.data) > MAX_ATTACHMENT_BYTES:
            raise AttachmentTooLarge(f"附件“{name}”超过10MB，无法接收，请压缩后重新提交")
        path = _dir(submission) / f"{len(have) + added:02d}.bin"
        path.write_bytes(data_cipher().encrypt_bytes(upload.data))
        path.chmod(0o600)
        Attachment.objects.create(
            submission=submission,
            name=name,
            content_type=upload.content_type[:100],
            size=len(upload.data),
            path=str(path.relative_to(settings.DATA_DIR)),
        )
        have.add(name)
        added += 1
    return added


def attachment_bytes(attachment: Attachment) -> bytes:
    return data_cipher().decrypt_bytes((Path(settings.DATA_DIR) / attachment.path).read_bytes())


def _repeat_paths(version: FormVersion | None) -> set[str]:
    if version is None:
        return set()
    return set(re.findall(r'<repeat nodeset="/[^/"]+/([^"]+)"', version.xform))


# (form code, version) → the stored version: rows never change once stored, so each process
# keeps the ones it has met (a version not found is asked again next time). A version deleted
# (in the admin, or by a flush) is forgotten (`forget_versions`, on post_delete and
# post_migrate): a stale one would store submissions pointing at a row that is gone.
_versions: dict[tuple[str, str], FormVersion] = {}


def forget_versions(*_args: Any, **_kwargs: Any) -> None:
    _versions.clear()


def _version_for(instance: Instance) -> FormVersion | None:
    key = (instance.form_id, instance.version)
    found = _versions.get(key)
    if found is None and instance.version:
        found = (
            FormVersion.objects.filter(form__code=instance.form_id, version=instance.version)
            .select_related("form")
            .first()
        )
        if found is not None:
            _versions[key] = found
    return found


def deferred() -> bool:
    """WANGGE_FORMS_APPLY=job: intake only stores; a background job applies (`forms.jobs`)."""
    return str(getattr(settings, "WANGGE_FORMS_APPLY", "inline")).lower() == "job"


def receive(
    user: Any,
    xml: bytes,
    uploads: list[Upload],
    *,
    incomplete: bool = False,
    channel: str = "openrosa",
    apply: bool = True,
    task_ref: str = "",
) -> Outcome:
    """One POST of the submission protocol. The XML is kept whatever happens next."""
    try:
        head = parse_instance(xml)
    except InstanceError as exc:
        digest = hashlib.sha256(xml).hexdigest()[:40]
        _keep_unreadable(user, xml, f"unreadable:{digest}", exc.message, channel)
        return Outcome(400, exc.message)
    version = _version_for(head)
    status = SubmissionStatus.INCOMPLETE if incomplete else SubmissionStatus.RECEIVED
    message = ""
    if version is None:
        status = SubmissionStatus.REFUSED
        message = _no_version(head)
    # Stored, audited and (inline) applied in one transaction of the main store: one commit per
    # submission. The apply runs in a savepoint that catches its own failures (`applying`), so
    # what is stored is never rolled back by what it proposed. Its audit entries (the submission,
    # each record written) go to the audit store in one INSERT before the commit and are
    # confirmed in one UPDATE after it (`audit.batched`): two audit commits, not two per entry.
    try:
        with transaction.atomic(), audit.batched():
            submission = Submission.objects.create(
                instance_id=head.instance_id,
                form=version.form if version else None,
                form_version=version,
                form_code=head.form_id[:64],
                version=head.version[:64],
                user=user if getattr(user, "is_authenticated", False) else None,
                username=user.get_username() if getattr(user, "is_authenticated", False) else "",
                device_id=head.device_id[:200],
                channel=channel,
                xml=instance_text(xml),
                status=status,
                message=message,
                task_ref=task_ref[:20],
            )
            store_attachments(submission, uploads)
            audit.record(
                user,
                AuditAction.CREATE,
                "forms.submission",
                submission.pk,
                channel=channel,
                detail={
                    "form": submission.form_code,
                    "version": submission.version,
                    "device": submission.device_id,
                    "attachments": len(uploads),
                },
            )
            outcome = _next(user, submission, status, message, incomplete=incomplete, apply=apply)
    except IntegrityError:  # stored already: a resend, the rest of a split upload, or a race
        existing = Submission.objects.filter(instance_id=head.instance_id).first()
        if existing is None:  # another constraint: a fault of ours, nothing was stored
            logger.exception("storing submission %s failed", head.instance_id)
            forget_versions()
            return Outcome(503, "服务器暂时无法保存该提交，已记录，请稍后重新发送")
        if existing.status == SubmissionStatus.REFUSED and instance_text(xml) != existing.xml:
            return _corrected(
                user, existing, xml, head, uploads, incomplete=incomplete, apply=apply
            )
        return _again(user, existing, uploads, incomplete=incomplete, apply=apply)
    except InstanceError as exc:
        return Outcome(413 if isinstance(exc, AttachmentTooLarge) else 400, exc.message)
    if outcome.status == 201 and deferred() and status == SubmissionStatus.RECEIVED and apply:
        from wangge.forms.jobs import queue_apply

        queue_apply()  # after the commit, so the drain sees the submission
    return outcome


def _no_version(head: Instance) -> str:
    if Form.objects.filter(code=head.form_id).exists():
        return (
            f"表单 {head.form_id} 没有版本 {head.version or '（空）'}，请在客户端更新表单后重新提交"
        )
    return f"没有编号为“{head.form_id[:64]}”的表单"


def _corrected(
    user: Any,
    existing: Submission,
    xml: bytes,
    head: Instance,
    uploads: list[Upload],
    *,
    incomplete: bool,
    apply: bool,
) -> Outcome:
    """A refused submission sent again with other answers: the worker corrected the form and
    sent it under the same instanceID (Collect keeps it when a form is edited). It takes the
    refused one's place and is taken in as if new; the first refusal stays on record (its
    refused change and audit entry), nothing of it is lost."""
    if existing.user_id is not None and existing.user_id != getattr(user, "pk", None):
        return Outcome(400, "该 instanceID 已被其他用户使用", None)
    version = _version_for(head)
    status = SubmissionStatus.INCOMPLETE if incomplete else SubmissionStatus.RECEIVED
    message = ""
    if version is None:
        status, message = SubmissionStatus.REFUSED, _no_version(head)
    try:
        with transaction.atomic(), audit.batched():
            submission = Submission.objects.select_for_update().get(pk=existing.pk)
            if submission.status != SubmissionStatus.REFUSED:  # the office applied it meanwhile
                return Outcome(202, "此前已收到该提交，未重复保存", submission)
            submission.xml = instance_text(xml)
            submission.form = version.form if version else None
            submission.form_version = version
            submission.form_code = head.form_id[:64]
            submission.version = head.version[:64]
            submission.device_id = head.device_id[:200]
            submission.status = status
            submission.message = message
            submission.save()
            store_attachments(submission, uploads)
            audit.record(
                user,
                AuditAction.UPDATE,
                "forms.submission",
                submission.pk,
                channel=submission.channel,
                detail={
                    "resent": True,
                    "form": submission.form_code,
                    "version": submission.version,
                },
            )
            outcome = _next(user, submission, status, message, incomplete=incomplete, apply=apply)
    except InstanceError as exc:
        return Outcome(413 if isinstance(exc, AttachmentTooLarge) else 400, exc.message)
    if outcome.status == 201 and deferred() and status == SubmissionStatus.RECEIVED and apply:
        from wangge.forms.jobs import queue_apply

        queue_apply()
    return outcome


def _next(
    user: Any, submission: Submission, status: str, message: str, *, incomplete: bool, apply: bool
) -> Outcome:
    if status == SubmissionStatus.REFUSED:
        return Outcome(400, message, submission)
    if status == SubmissionStatus.RECEIVED and apply:
        if deferred():
            return Outcome(201, "已接收，稍后写入档案", submission)
        return _applied(user, submission)
    return Outcome(201, "已接收，等待其余附件" if incomplete else "已接收", submission)


def _again(
    user: Any, existing: Submission, uploads: list[Upload], *, incomplete: bool, apply: bool
) -> Outcome:
    """A POST for an instanceID already stored: more attachments of a split upload, or a
    resend after a lost answer (acknowledged, nothing stored twice; a refused one is refused
    again, `_refusal`, unless its answers changed, `_corrected`)."""
    if existing.user_id is not None and existing.user_id != getattr(user, "pk", None):
        return Outcome(400, "该 instanceID 已被其他用户使用", None)
    try:
        added = store_attachments(existing, uploads)
    except InstanceError as exc:
        return Outcome(413 if isinstance(exc, AttachmentTooLarge) else 400, exc.message, existing)
    if existing.status == SubmissionStatus.REFUSED:
        return _refusal(existing)
    if existing.status == SubmissionStatus.INCOMPLETE and not incomplete:
        existing.status = SubmissionStatus.RECEIVED
        existing.save(update_fields=["status"])
        if apply and not deferred():
            return _applied(user, existing)
        if apply:
            from wangge.forms.jobs import queue_apply

            queue_apply()
        return Outcome(201, "附件已补齐", existing)
    if added:
        return Outcome(201, f"已补充{added}个附件", existing)
    return Outcome(202, "此前已收到该提交，未重复保存", existing)


def _refusal(submission: Submission) -> Outcome:
    """A refused submission sent again gets its refusal again: a client reads 201 and 202 alike
    as "sent" (the Form Submission API's success codes; Collect then marks the form sent and
    stops retrying), so acknowledging the copy would tell the worker that a form the server
    refused had gone through. Out of scope (the latest refusal a `scope` change): 403; an
    unknown form or version, or a rule of the form's domain: 400. Attachments it brings are
    kept all the same (nothing sent is lost); the office can still apply it again."""
    if submission.form_version_id is None:
        return Outcome(400, submission.message, submission)
    latest = (
        Change.objects.filter(submission=submission, status=ChangeStatus.REFUSED)
        .order_by("-pk")
        .values_list("field", flat=True)
        .first()
    )
    return Outcome(403 if latest == "scope" else 400, submission.message, submission)


def _applied(user: Any, submission: Submission) -> Outcome:
    from wangge.forms.applying import apply_submission

    result = apply_submission(user, submission)
    if submission.status == SubmissionStatus.REFUSED:
        # out of scope: 403; refused by a rule of the form's domain (a missing photo): 400
        return _refusal(submission)
    if submission.status == SubmissionStatus.FAILED:
        # Stored, so sending it again changes nothing (202); the worker's phone must not read
        # a bare reason as "sent and done": say it waits in the office's inbox.
        return Outcome(
            201, f"已接收，但未能写入档案：{submission.message}；已留存，待社区处理", submission
        )
    return Outcome(201, result, submission)


def _keep_unreadable(user: Any, xml: bytes, key: str, message: str, channel: str) -> None:
    authenticated = getattr(user, "is_authenticated", False)
    Submission.objects.get_or_create(
        instance_id=key,
        defaults={
            "user": user if authenticated else None,
            "username": user.get_username() if authenticated else "",
            "channel": channel,
            "xml": instance_text(xml[:1_000_000]),
            "status": SubmissionStatus.REFUSED,
            "message": message[:500],
        },
    )
