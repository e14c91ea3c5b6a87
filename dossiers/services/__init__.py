"""Every write on dossiers: lock the dossier row, check state and role against
`dossiers.workflow`, change it, write ONE log row in the same transaction, and leave
side effects (notifications, partner calls) to the outbox, dispatched after commit.

This package is the dossiers' public face for writes: the portal, the back office,
the API, the admin and the Celery jobs import from here (`from dossiers import
services`), never from its modules. Each module is one seam:

- `actors`: who may act on a dossier and in which role;
- `log`: the hash-chained log row and the action's outbox event;
- `transition`: the row lock and the one path of every state change;
- `clock`: the appointment date and its pauses;
- `storage`: files stored for a dossier, removed again when the write fails;
- `filing`: the applicant's actions (draft to submission, supplement, messages);
- `evaluation`: the applicant's evaluation at each moment, the agency's own evaluation;
- `desk`: the one-stop desk (receipt, refusal, the result and its return);
- `counter`: a paper dossier filed and received at the desk in one step;
- `processing`: the competent agency's appraisal and decision;
- `payments`: fees and financial obligations;
- `signatures`: the leader's signature on the result, form 06 sealed, signed uploads checked;
- `bulk`: one action of a queue applied to many dossiers, each through its service.
"""

from dossiers.errors import DossierError, DossierIncomplete
from dossiers.services.actors import OFFICIAL_ROLES, acting_role, is_party
from dossiers.services.bulk import BULK_MAX, BulkOutcome, dossier_bulk_apply
from dossiers.services.clock import (
    clock_after_supplement,
    clock_pause,
    clock_resume,
    compute_due_at,
    transfer_due_at,
)
from dossiers.services.counter import (
    ApplicantNotFound,
    ScannedDocument,
    applicant_for_counter,
    counter_intake,
)
from dossiers.services.desk import (
    dossier_receive,
    dossier_record_result,
    dossier_refuse,
    dossier_return_result,
)
from dossiers.services.evaluation import ASSESSED, dossier_assess, dossier_rate
from dossiers.services.filing import (
    case_documents,
    competent_agency_for,
    dossier_attach_file,
    dossier_code_next,
    dossier_create_draft,
    dossier_detach_file,
    dossier_discard,
    dossier_message_send,
    dossier_save_declaration,
    dossier_submit,
    dossier_supplement,
    dossier_withdraw,
    draft_role,
    receiving_agencies_for,
    submission_problems,
)
from dossiers.services.log import action_event_emit, dossier_log_record
from dossiers.services.payments import (
    payable,
    payment_create,
    payment_mark_failed,
    payment_mark_paid,
    payment_start,
    version_fee,
)
from dossiers.services.processing import (
    dossier_apologise,
    dossier_approve,
    dossier_assign,
    dossier_forward,
    dossier_note_add,
    dossier_propose,
    dossier_request_supplement,
    dossier_require_payment,
    dossier_send_back,
    dossier_stop,
    supplement_repeat,
)
from dossiers.services.signatures import (
    control_sheet_issue,
    register_issue,
    result_check,
    result_sign,
)
from dossiers.services.storage import files_guard, stored_file_create, stored_file_delete
from dossiers.services.transition import dossier_lock, dossier_transition
from dossiers.workflow import TransitionNotAllowed

__all__ = [
    "ASSESSED",
    "BULK_MAX",
    "OFFICIAL_ROLES",
    "ApplicantNotFound",
    "BulkOutcome",
    "DossierError",
    "DossierIncomplete",
    "ScannedDocument",
    "TransitionNotAllowed",
    "acting_role",
    "action_event_emit",
    "applicant_for_counter",
    "case_documents",
    "clock_after_supplement",
    "clock_pause",
    "clock_resume",
    "competent_agency_for",
    "compute_due_at",
    "control_sheet_issue",
    "counter_intake",
    "dossier_apologise",
    "dossier_approve",
    "dossier_assess",
    "dossier_assign",
    "dossier_attach_file",
    "dossier_bulk_apply",
    "dossier_code_next",
    "dossier_create_draft",
    "dossier_detach_file",
    "dossier_discard",
    "dossier_forward",
    "dossier_lock",
    "dossier_log_record",
    "dossier_message_send",
    "dossier_note_add",
    "dossier_propose",
    "dossier_rate",
    "dossier_receive",
    "dossier_record_result",
    "dossier_refuse",
    "dossier_request_supplement",
    "dossier_require_payment",
    "dossier_return_result",
    "dossier_save_declaration",
    "dossier_send_back",
    "dossier_stop",
    "dossier_submit",
    "dossier_supplement",
    "dossier_transition",
    "dossier_withdraw",
    "draft_role",
    "files_guard",
    "is_party",
    "payable",
    "payment_create",
    "payment_mark_failed",
    "payment_mark_paid",
    "payment_start",
    "receiving_agencies_for",
    "register_issue",
    "result_check",
    "result_sign",
    "stored_file_create",
    "stored_file_delete",
    "submission_problems",
    "supplement_repeat",
    "transfer_due_at",
    "version_fee",
]
