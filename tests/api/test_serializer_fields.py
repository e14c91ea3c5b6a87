"""The API's serializers copy their declared fields lightly (`FieldsCopiedLightly`):
each instance still has fields of its own, and the declared ones stay unbound."""

import threading

from api.serializers import DossierSerializer, IntakeSerializer

VALID = {
    "external_id": "X-1",
    "procedure": "1.000001",
    "channel": "online",
    "receiving_agency": "000.00.11.H29",
    "applicant": {"id_number": "079190000123", "full_name": "Ai", "birth_date": "1990-01-01"},
    "declaration": {"a": "1"},
}


def test_every_instance_has_its_own_bound_fields():
    first, second = IntakeSerializer(data=VALID), IntakeSerializer(data=VALID)
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other
        assert field.parent is first and other.parent is second
        assert field.validators is not other.validators or not field.validators
    nested = first.fields["applicant"]
    assert nested.fields["id_number"] is not second.fields["applicant"].fields["id_number"]
    assert first.fields["declaration"].child is not second.fields["declaration"].child


def test_declared_fields_stay_unbound_and_their_validators_unchanged():
    declared = IntakeSerializer._declared_fields["external_id"]
    validators = list(declared.validators)
    serializer = IntakeSerializer(data=VALID)
    assert serializer.is_valid(), serializer.errors
    serializer.fields["external_id"].validators.append(lambda value: None)
    assert declared.parent is None and declared.field_name is None
    assert declared.validators == validators
    assert DossierSerializer._declared_fields["url"].method_name is None


def test_validation_in_threads_gives_each_its_own_errors():
    results = {}

    def validate(i):
        data = {**VALID, "external_id": "" if i % 2 else f"X-{i}"}
        serializer = IntakeSerializer(data=data)
        results[i] = (serializer.is_valid(), serializer.errors.keys())

    threads = [threading.Thread(target=validate, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: (False, {"external_id"}) if i % 2 else (True, set()) for i in range(16)}
