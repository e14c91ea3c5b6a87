"""Back-office reads: the officials' queues and the dossier workbench.

Scoped at the source: every queryset starts from the agencies the official belongs to
(`scope`), so a view cannot forget the check. A page costs a constant number of
queries whatever the data size: the official's memberships, the agency ids, the
working calendar, the tab counts (`counts`: the queue tally or one aggregate) and the
rows (`paging`: keyset on the sort column NULLS LAST and id, served by the
`dossier_recv` / `dossier_comp` / `dossier_assignee` indexes). `search` is the one
search box; `workbench` is one dossier as an official sees it.

Kept apart from `dossiers.selectors` (the applicant's reads) on purpose. Import from
this package, not from its modules.
"""

from dossiers.queues.counts import (
    QueueCounts,
    agencies_changed,
    counts_cache_seconds,
    counts_compute,
    counts_generation_key,
    dossier_saved,
    exact_count_below,
    queue_counts,
    round_estimate,
)
from dossiers.queues.paging import (
    MERGE_MAX_AGENCIES,
    ROW_FIELDS,
    SORT_COLUMNS,
    SORTS,
    Filters,
    TimeLeft,
    dossier_list_for_queue,
    filtered_queryset,
    keyset_after,
    ordered,
    page_ids,
    sort_of,
    time_left,
)
from dossiers.queues.scope import (
    ACTIVE_FOR_ASSIGNEE,
    DUE_STATES,
    FILED,
    PAGE_SIZE,
    QUEUES,
    OfficialScope,
    day_start,
    due_soon_days,
    due_soon_limit,
    official_scope,
    queue_q,
    queues_for,
    scope_q,
)
from dossiers.queues.search import NAME_COST_RATIO, NAME_IDS_MIN, name_ids_max, name_q, search_q
from dossiers.queues.workbench import (
    dossier_get_for_official,
    dossier_official_log,
    log_visible_to,
    official_actions,
    sees_internal,
    specialists_of,
)

__all__ = [
    "ACTIVE_FOR_ASSIGNEE",
    "DUE_STATES",
    "FILED",
    "MERGE_MAX_AGENCIES",
    "NAME_COST_RATIO",
    "NAME_IDS_MIN",
    "PAGE_SIZE",
    "QUEUES",
    "ROW_FIELDS",
    "SORTS",
    "SORT_COLUMNS",
    "Filters",
    "OfficialScope",
    "QueueCounts",
    "TimeLeft",
    "agencies_changed",
    "counts_cache_seconds",
    "counts_compute",
    "counts_generation_key",
    "day_start",
    "dossier_get_for_official",
    "dossier_list_for_queue",
    "dossier_official_log",
    "dossier_saved",
    "due_soon_days",
    "due_soon_limit",
    "exact_count_below",
    "filtered_queryset",
    "keyset_after",
    "log_visible_to",
    "name_ids_max",
    "name_q",
    "official_actions",
    "official_scope",
    "ordered",
    "page_ids",
    "queue_counts",
    "queue_q",
    "queues_for",
    "round_estimate",
    "scope_q",
    "search_q",
    "sees_internal",
    "sort_of",
    "specialists_of",
    "time_left",
]
