"""import_procedures over the shared national records and bad input."""

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from procedures.constants import ChannelMethod, FeeKind, OnlineLevel, TimeUnit, VersionStatus
from procedures.demo import seed_agencies
from procedures.importer import (
    import_names,
    import_paths,
    import_records,
    map_national,
    version_content,
    version_content_of,
)
from procedures.models import Agency, Procedure, ProcedureVersion, RequiredDocument

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are checked in English here; the Vietnamese ones in the last test.
    with translation.override("en"):
        yield


DATA = Path(settings.CATALOGUE_DATA_DIR)
NATIONAL = DATA / "national"
NAMES = DATA / "names.jsonl"


def test_every_shared_national_record_imports_without_failure():
    files = sorted(NATIONAL.glob("*.json"))
    assert len(files) == 46

    report = import_paths([NATIONAL])

    assert report.failures == []
    assert report.created == 46
    assert Procedure.objects.count() == 46
    assert ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 46


def test_importing_twice_changes_nothing():
    import_paths([NATIONAL])
    versions = list(ProcedureVersion.objects.values_list("pk", "status"))

    report = import_paths([NATIONAL])

    assert (report.created, report.updated, report.unchanged, report.failed) == (0, 0, 46, 0)
    assert list(ProcedureVersion.objects.values_list("pk", "status")) == versions


def test_an_import_retires_the_catalogue_generation_once(monkeypatch):
    from procedures import services

    retired = []
    monkeypatch.setattr(services, "catalogue_generation_retire", lambda: retired.append("now"))

    report = import_paths([NATIONAL])

    # Hundreds of rows saved, one retirement when the import ends (and its after-commit
    # twin, queued on the test's transaction).
    assert report.created == 46
    assert retired == ["now"]


def test_batched_catalogue_changes_retire_once_at_the_outer_end_even_on_error(monkeypatch):
    from procedures import services

    retired = []
    monkeypatch.setattr(services, "catalogue_generation_retire", lambda: retired.append("now"))
    with pytest.raises(RuntimeError), services.catalogue_changes_batched():
        with services.catalogue_changes_batched():
            services.catalogue_cache_clear()
            services.catalogue_cache_clear()
        assert retired == []
        raise RuntimeError
    assert retired == ["now"]
    with services.catalogue_changes_batched():
        pass  # nothing changed, nothing retired
    assert retired == ["now"]
    services.catalogue_cache_clear()  # outside a block: at once, as before
    assert retired == ["now", "now"]


def test_mapping_of_a_full_record():
    import_paths(
        [NATIONAL / "1.001274.json", NATIONAL / "1.014525.json", NATIONAL / "1.000178.json"]
    )

    p = Procedure.objects.get(code="1.000178")
    assert p.name.startswith("Giải quyết khiếu nại về quyết định hành chính")
    assert p.field.code == "G01-CA07"
    assert p.levels == ["ministry"]
    assert "Công dân Việt Nam" in p.subjects
    assert list(p.competent_agencies.values_list("code", flat=True)) == ["G01"]
    assert list(p.executing_agencies.values_list("code", flat=True)) == ["000.00.13.G04"]
    assert p.legal_bases.filter(number="02/2011/QH13").exists()
    assert p.results.get().code == "KQ.G01.00262"
    assert p.decision_number == "QĐ/0001-BCA"
    version = p.versions.get(status=VersionStatus.PUBLISHED)
    assert {c.method for c in version.channels.all()} == {
        ChannelMethod.POSTAL,
        ChannelMethod.DIRECT,
    }
    assert all(
        c.processing_time == 60 and c.unit == TimeUnit.WORKING_DAY for c in version.channels.all()
    )
    assert RequiredDocument.objects.filter(case__version=version).count() == 8
    assert version.steps_description[0].startswith("Bước 1")
    # Same-day procedure in hours.
    hours = Procedure.objects.get(code="1.001274").versions.get().channels.get(method="online")
    assert (hours.processing_time, hours.unit) == (8, TimeUnit.HOUR)
    # Known quirk: "110 HOUR" beside "110 DAY" is days.
    quirk = Procedure.objects.get(code="1.014525").versions.get().channels.get(method="postal")
    assert (quirk.processing_time, quirk.unit) == (110, TimeUnit.DAY)


def test_fees_currencies_and_online_level():
    import_paths([NATIONAL])
    amounts = {
        (f.kind, f.amount, f.currency)
        for p in Procedure.objects.all()
        for v in p.versions.all()
        for c in v.channels.all()
        for f in c.fees.all()
    }
    assert any(currency == "USD" for _kind, _amount, currency in amounts)
    assert any(kind == FeeKind.CHARGE for kind, _a, _c in amounts)
    assert any(amount and amount > 0 and currency == "VND" for _k, amount, currency in amounts)
    assert any(amount is None for _k, amount, _c in amounts)  # "set by regulation"
    assert Procedure.objects.filter(online_level=OnlineLevel.PARTIAL).exists()


def test_strings_are_normalised_to_nfc(tmp_path):
    record = json.loads((NATIONAL / "1.000178.json").read_text())
    record["name"] = unicodedata.normalize("NFD", "Đăng ký khai sinh  thử")
    (tmp_path / "r.json").write_text(json.dumps(record, ensure_ascii=False))

    import_paths([tmp_path])

    assert Procedure.objects.get(code="1.000178").name == "Đăng ký khai sinh thử"
    assert Procedure.objects.filter(search_document__contains="dang ky khai sinh thu").exists()


def test_a_changed_record_gets_a_new_version_and_retires_the_old(tmp_path):
    source = NATIONAL / "1.000363.json"
    import_paths([source])
    record = json.loads(source.read_text())
    for method in record["executionMethods"]:
        method["processingTime"] = 4
    (tmp_path / "changed.json").write_text(json.dumps(record, ensure_ascii=False))

    report = import_paths([tmp_path])

    assert report.updated == 1
    versions = list(Procedure.objects.get(code="1.000363").versions.order_by("number"))
    assert [v.status for v in versions] == [VersionStatus.RETIRED, VersionStatus.PUBLISHED]
    assert {c.processing_time for c in versions[1].channels.all()} == {4}
    assert {c.processing_time for c in versions[0].channels.all()} == {5}


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(
        content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    )
    return path


def test_bad_records_are_reported_and_skipped(tmp_path):
    good = json.loads((NATIONAL / "1.000363.json").read_text())
    bad_unit = json.loads(json.dumps(good))
    bad_unit["code"] = "9.000001"
    bad_unit["executionMethods"][0]["processingTimeUnit"] = "FORTNIGHT"
    negative_time = json.loads(json.dumps(good))
    negative_time["code"] = "9.000002"
    negative_time["executionMethods"][1]["processingTime"] = -3
    negative_fee = json.loads(json.dumps(good))
    negative_fee["code"] = "9.000003"
    negative_fee["executionMethods"][0]["fees"] = [{"type": "FEE", "value": -50000}]
    no_name = json.loads(json.dumps(good))
    no_name["code"], no_name["name"] = "9.000004", "  "
    no_code = json.loads(json.dumps(good))
    no_code.pop("code")
    _write(tmp_path, "a_malformed.json", '{"code": "9.000005", "name": ')
    _write(
        tmp_path, "b_array.json", [bad_unit, negative_time, negative_fee, no_name, no_code, good]
    )
    _write(tmp_path, "c_not_object.json", [42])

    report = import_paths([tmp_path])

    assert report.created == 1
    assert report.failed == 7
    messages = [str(f) for f in report.failures]
    assert "a_malformed.json" in messages[0] and "Not valid JSON" in messages[0]
    assert "[9.000001]" in messages[1] and "FORTNIGHT" in messages[1]
    assert "[9.000002]" in messages[2] and "negative" in messages[2]
    assert "[9.000003]" in messages[3] and "negative" in messages[3]
    assert "name is missing" in messages[4]
    assert "code is missing" in messages[5]
    assert "JSON object" in messages[6]
    # Nothing half-written for the failed records.
    assert list(Procedure.objects.values_list("code", flat=True)) == ["1.000363"]


def test_command_prints_counts_and_fails_on_errors(tmp_path, capsys):
    shutil.copy(NATIONAL / "1.000363.json", tmp_path)
    call_command("import_procedures", str(tmp_path))
    assert "created 1, updated 0, unchanged 0, failed 0" in capsys.readouterr().out

    _write(tmp_path, "broken.json", "not json")
    with pytest.raises(CommandError) as exc:
        call_command("import_procedures", str(tmp_path))
    assert exc.value.returncode == 1
    captured = capsys.readouterr()
    assert "created 0, updated 0, unchanged 1, failed 1" in captured.out
    assert "broken.json" in captured.err

    with pytest.raises(CommandError):
        call_command("import_procedures", str(tmp_path / "missing"))


def test_names_line_errors_are_reported_with_line_numbers(tmp_path):
    path = _write(
        tmp_path,
        "names.jsonl",
        '{"code": "1.999999", "name": "Đăng ký thử", "level": "Cấp tỉnh, Cấp xã"}\n'
        "{broken\n"
        '{"code": "1.999998"}\n',
    )
    report = import_names(path)
    assert report.created == 1
    assert [f.source.rsplit(":", 1)[1] for f in report.failures] == ["2", "3"]
    assert Procedure.objects.get(code="1.999999").levels == ["province", "ward"]


def _light(code: str, name: str = "Đăng ký thử") -> str:
    return json.dumps({"code": code, "name": name, "field": "Hộ tịch"}, ensure_ascii=False)


def test_names_are_written_in_batches_with_what_one_at_a_time_writes(tmp_path):
    """The names list is written a batch at a time; a code given twice is created once
    and then found unchanged, as the record-by-record path does."""
    lines = [_light(f"9.{n:06d}") for n in range(7)] + [_light("9.000003")]
    report = import_names(_write(tmp_path, "names.jsonl", "\n".join(lines) + "\n"))

    assert (report.created, report.unchanged, report.failures) == (7, 1, [])
    version = ProcedureVersion.objects.get(procedure__code="9.000006")
    assert version.status == VersionStatus.PUBLISHED and version.number == 1
    assert version.published_at == version.procedure.created_at
    assert version.procedure.source == Procedure.Source.NAMES
    assert version.procedure.field.name == "Hộ tịch"
    assert Procedure.objects.filter(code__startswith="9.").values("field").distinct().count() == 1


def test_a_procedure_written_meanwhile_is_updated_and_the_rest_of_its_batch_created(tmp_path):
    """Another writer creates a code of the batch before the batch is written: the
    batch is refused as a whole, then written one record at a time."""
    from procedures.importer import iter_names, map_name

    def records(path):
        for n, item in enumerate(iter_names(path)):
            if n == 2:
                Procedure.objects.create(code="9.000001", name="Viết bởi người khác")
            yield item

    lines = [_light(f"9.{n:06d}") for n in range(4)]
    path = _write(tmp_path, "names.jsonl", "\n".join(lines) + "\n")
    report = import_records(records(path), map_name, keep_national=True)

    assert (report.created, report.updated, report.failures) == (3, 1, [])
    assert Procedure.objects.get(code="9.000001").name == "Đăng ký thử"
    assert Procedure.objects.filter(code__startswith="9.").count() == 4


def test_messages_are_vietnamese_by_default(tmp_path, capsys):
    _write(tmp_path, "broken.json", "not json")
    with translation.override("vi"), pytest.raises(CommandError):
        call_command("import_procedures", str(tmp_path))
    captured = capsys.readouterr()
    assert "thêm mới 0, cập nhật 0, không đổi 0, lỗi 1" in captured.out
    assert "Không phải JSON hợp lệ" in captured.err


def _names(procedure, role):
    return sorted(getattr(procedure, f"{role}_agencies").values_list("name", flat=True))


def test_every_record_names_its_agencies_in_the_citys_terms():
    """All 46 records, imported into the city's agency tree: a generic "Ủy ban nhân
    dân cấp tỉnh/xã" is the city or its wards, a "Sở …" of any province the city's
    department, national agencies stay themselves; a record has no competent agency
    only when it names none, and every record an executing one."""
    tree = seed_agencies()
    city = tree["city"][0]
    wards = sorted(a.name for a in tree["ward"])

    report = import_paths([NATIONAL])
    assert report.failures == []

    by_code = {p.code: p for p in Procedure.objects.all()}
    # A national agency, as published.
    assert _names(by_code["1.000178"], "competent") == ["Bộ Công an"]
    assert _names(by_code["1.000178"], "executing") == ["Thanh tra Bộ"]
    # Only unit groups: the city's People's Committee decides and executes.
    assert _names(by_code["1.010282"], "competent") == [city.name]
    assert _names(by_code["1.010282"], "executing") == [city.name]
    # "Chủ tịch UBND cấp tỉnh" decides; Gia Lai's "Sở Nông nghiệp và Môi trường"
    # (H54.38) is the city's own department.
    assert _names(by_code["1.008672"], "competent") == [city.name]
    assert list(by_code["1.008672"].executing_agencies.values_list("code", flat=True)) == [
        "000.00.17.H29"
    ]
    # Hanoi's "Sở Nội vụ" is the city's Sở Nội vụ; no agency of another city linked.
    assert "000.00.18.H29" in by_code["1.012672"].executing_agencies.values_list("code", flat=True)
    assert not Agency.objects.filter(name__icontains="Hà Nội").exists()
    # The commune's chair: every ward decides its own residents' dossiers.
    assert _names(by_code["1.012694"], "competent") == wards
    assert _names(by_code["1.012694"], "executing") == wards
    assert _names(by_code["3.000510"], "executing") == wards
    # One department executes and decides.
    assert list(by_code["1.005142"].competent_agencies.values_list("code", flat=True)) == [
        "000.00.16.H29"
    ]

    for path in sorted(NATIONAL.glob("*.json")):
        record = json.loads(path.read_text())
        procedure = by_code[record["code"]]
        names_competent = bool(record["departmentsAuthority"] or record["unitGroupsAuthority"])
        assert procedure.competent_agencies.exists() == names_competent, record["code"]
        assert procedure.executing_agencies.exists(), record["code"]
        assert procedure.executing_agencies.count() <= max(
            len(wards), len(record["departmentsExecuting"]) + 1
        ), record["code"]


def test_without_the_city_tree_the_published_agencies_are_kept():
    import_paths([NATIONAL / "1.010282.json", NATIONAL / "1.012538.json"])

    assert _names(Procedure.objects.get(code="1.010282"), "competent") == [
        "Ủy ban nhân dân cấp tỉnh"
    ]
    assert _names(Procedure.objects.get(code="1.012538"), "executing") == ["Ủy ban nhân dân cấp xã"]
    assert Agency.objects.get(name="Ủy ban nhân dân cấp tỉnh").code == "UBNDCT"


def test_a_record_changed_only_in_its_agencies_keeps_its_version(tmp_path):
    source = NATIONAL / "1.010282.json"
    import_paths([source])
    version = Procedure.objects.get(code="1.010282").versions.get()
    record = json.loads(source.read_text())
    record["departmentsAuthority"] = [{"id": "x", "code": "G01", "name": "Bộ Công an"}]
    (tmp_path / "changed.json").write_text(json.dumps(record, ensure_ascii=False))

    report = import_paths([tmp_path])

    assert report.updated == 1
    procedure = Procedure.objects.get(code="1.010282")
    assert list(procedure.versions.all()) == [version]
    assert procedure.versions.get().status == VersionStatus.PUBLISHED
    assert _names(procedure, "competent") == ["Bộ Công an"]
    assert import_paths([tmp_path]).unchanged == 1


def test_every_record_reads_back_as_it_was_mapped():
    # What decides between "update in place" and "new version" must see no change
    # in a freshly imported record, whatever its quirks (units, fees, duplicates).
    import_paths([NATIONAL])
    for path in sorted(NATIONAL.glob("*.json")):
        data = map_national(json.loads(path.read_text()))
        version = Procedure.objects.get(code=data["code"]).versions.get()
        assert version_content(version) == version_content_of(data), data["code"]


def test_a_catalogue_imported_before_gets_the_citys_agencies_without_new_versions():
    import_paths([NATIONAL])  # no agency tree yet: the records' own agencies
    assert list(
        Procedure.objects.get(code="1.008672").executing_agencies.values_list("code", flat=True)
    ) == ["H54.38"]
    versions = set(ProcedureVersion.objects.values_list("pk", "status"))
    seed_agencies()
    # As after an upgrade whose mapping differs from the one that wrote the rows.
    Procedure.objects.update(source_hash="imported-with-an-older-mapping")

    report = import_paths([NATIONAL])

    assert (report.updated, report.failed) == (46, 0)
    assert set(ProcedureVersion.objects.values_list("pk", "status")) == versions
    assert list(
        Procedure.objects.get(code="1.008672").executing_agencies.values_list("code", flat=True)
    ) == ["000.00.17.H29"]
    assert import_paths([NATIONAL]).unchanged == 46
