"""The applicant's normalised name kept on each dossier (`Dossier.applicant_name`), so
that the back-office search by name is one index condition beside the agency, and its
word-suffixes (`Dossier.applicant_name_words`: "thi thu ha", "thu ha", "ha" of "nguyen
thi thu ha"), so that the given names alone find it too.

Three writers, one form (accents removed, lower case, single spaces): a new dossier
takes it from `queues.name_key` (services.filing); a renamed account's dossiers are
rewritten by a trigger on the account table (`RENAMED_TRIGGER_SQL`), in the rename's
own transaction, whichever code path renames it (the registry check, the admin, an API
client's name); rows older than the column are filled by `backfill`, in short batches
by primary key so that a large table stays writable.

A trigger rather than a call from identity's services: identity sits below dossiers
and may not import it, and a rename touches only that person's dossiers (the
`dossier_applicant` index), a few rows, so doing it in the same transaction leaves no
window in which the search finds the old name.
"""

from __future__ import annotations

from django.db import connection, transaction

# The SQL twin of queues.name_key (motcua_normalize: NFC, unaccent, lower).
NAME_SQL = r"regexp_replace(btrim(motcua_normalize({})), '\s+', ' ', 'g')"
# The SQL twin of queues.name_words, on a name already normalised.
WORDS_SQL = "motcua_name_words({})"

WORDS_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION motcua_name_words(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(array_to_string(w[i:], ' ') ORDER BY i), '{}')
      FROM (SELECT string_to_array(name, ' ') AS w) AS words,
           generate_series(2, coalesce(array_length(w, 1), 0)) AS i
$$;
"""
WORDS_FUNCTION_DROP_SQL = "DROP FUNCTION IF EXISTS motcua_name_words(text);"

RENAMED_TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION motcua_dossier_applicant_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    new_name text := {NAME_SQL.format("NEW.full_name")};
BEGIN
    UPDATE dossiers_dossier
       SET applicant_name = new_name, applicant_name_words = {WORDS_SQL.format("new_name")}
     WHERE applicant_id = NEW.id
       AND (applicant_name IS DISTINCT FROM new_name
            OR applicant_name_words IS DISTINCT FROM {WORDS_SQL.format("new_name")});
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS dossier_applicant_renamed ON identity_user;
CREATE TRIGGER dossier_applicant_renamed
    AFTER UPDATE OF full_name ON identity_user
    FOR EACH ROW WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name)
    EXECUTE FUNCTION motcua_dossier_applicant_renamed();
"""  # noqa: S608 - constants only

# Before the word-suffixes (migration 0021's function, restored when 0023 is undone).
RENAMED_TRIGGER_V1_SQL = f"""
CREATE OR REPLACE FUNCTION motcua_dossier_applicant_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dossiers_dossier
       SET applicant_name = {NAME_SQL.format("NEW.full_name")}
     WHERE applicant_id = NEW.id
       AND applicant_name IS DISTINCT FROM {NAME_SQL.format("NEW.full_name")};
    RETURN NULL;
END
$$;
"""  # noqa: S608 - constants only

RENAMED_TRIGGER_DROP_SQL = """
DROP TRIGGER IF EXISTS dossier_applicant_renamed ON identity_user;
DROP FUNCTION IF EXISTS motcua_dossier_applicant_renamed();
"""

BATCH = 10_000


def backfill(*, batch: int = BATCH, progress=None, words: bool = True) -> int:
    """Fill `applicant_name` and `applicant_name_words` where either is still null,
    `batch` primary keys at a time, each batch its own transaction (row locks held for
    one batch only). Safe to rerun and to interrupt: it only touches null rows. -> rows
    filled. `words=False`: the name only (migration 0021, before the words' column)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM dossiers_dossier")
        low, high = cursor.fetchone()
    filled = 0
    start = low - 1
    while start < high:
        end = start + batch
        name = NAME_SQL.format("u.full_name")
        if words:
            assign = (
                f"applicant_name = coalesce(d.applicant_name, {name}), "
                f"applicant_name_words = {WORDS_SQL.format(f'coalesce(d.applicant_name, {name})')}"
            )
            missing = "(d.applicant_name IS NULL OR d.applicant_name_words IS NULL)"
        else:
            assign, missing = f"applicant_name = {name}", "d.applicant_name IS NULL"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE dossiers_dossier AS d
                   SET {assign}
                  FROM identity_user AS u
                 WHERE u.id = d.applicant_id
                   AND d.id > %s AND d.id <= %s
                   AND {missing}
                """,  # noqa: S608 - constants only; the bounds are parameters
                [start, end],
            )
            filled += cursor.rowcount
        if progress:
            progress(end, high, filled)
        start = end
    return filled
