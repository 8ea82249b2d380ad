import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partnerships.models import Action, Partnership, Review
from partnerships.services.actions import action_create, action_mark_done, action_update
from principles.models import Framework, Principle


def test_create_records_who_added_it(partnership, charity, alice, carol):
    action = action_create(
        partnership=partnership,
        by=carol,
        description="Co-design the next specification",
        owner_organisation=charity,
        owner=alice,
    )
    assert (action.partnership, action.created_by, action.status) == (partnership, carol, "open")


def test_create_refuses_an_organisation_that_is_not_a_partner(partnership, outside_charity, carol):
    with pytest.raises(ValidationError) as error:
        action_create(
            partnership=partnership,
            by=carol,
            description="Something",
            owner_organisation=outside_charity,
        )
    assert error.value.message_dict == {
        "owner_organisation": ["Hillside Trust is not a current partner"]
    }
    assert not Action.objects.exists()


def test_create_refuses_a_partner_that_has_left(partnership, charity, carol):
    partnership.participants.filter(organisation=charity).update(left_on=timezone.localdate())
    with pytest.raises(ValidationError):
        action_create(
            partnership=partnership, by=carol, description="Something", owner_organisation=charity
        )


def test_create_refuses_an_owner_from_another_organisation(partnership, icb, alice, carol):
    with pytest.raises(ValidationError) as error:
        action_create(
            partnership=partnership,
            by=carol,
            description="Something",
            owner_organisation=icb,
            owner=alice,
        )
    assert list(error.value.message_dict) == ["owner"]


def test_create_refuses_another_partnerships_review(partnership, framework, charity, carol):
    other = Partnership.objects.create(name="Other", kind="grant", framework=framework)
    review = Review.objects.create(
        partnership=other,
        framework=framework,
        opened_on=datetime.date(2026, 1, 5),
        due_on=datetime.date(2026, 2, 5),
    )
    with pytest.raises(ValidationError) as error:
        action_create(
            partnership=partnership,
            by=carol,
            description="Something",
            owner_organisation=charity,
            review=review,
        )
    assert list(error.value.message_dict) == ["review"]


def test_create_refuses_a_principle_of_another_framework(partnership, charity, carol):
    other = Framework.objects.create(name="Another", version="1", source="A book")
    principle = Principle.objects.create(framework=other, number=1, name="X", definition="Y")
    with pytest.raises(ValidationError) as error:
        action_create(
            partnership=partnership,
            by=carol,
            description="Something",
            owner_organisation=charity,
            principle=principle,
        )
    assert list(error.value.message_dict) == ["principle"]


def test_create_refuses_fields_it_does_not_know(partnership, charity, carol):
    with pytest.raises(TypeError):
        action_create(
            partnership=partnership,
            by=carol,
            description="Something",
            owner_organisation=charity,
            created_at=None,
        )


def test_update_saves_only_what_changed(action, carol):
    with CaptureQueriesContext(connection) as queries:
        action_update(
            action=action,
            by=carol,
            description=action.description,
            due_on=datetime.date(2027, 6, 30),
        )
    update = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(update) == 1
    assert '"due_on"' in update[0] and '"description"' not in update[0]
    action.refresh_from_db()
    assert action.due_on == datetime.date(2027, 6, 30)


def test_update_refuses_an_owner_who_does_not_work_for_the_organisation(action, carol, icb):
    with pytest.raises(ValidationError) as error:
        action_update(action=action, by=carol, owner_organisation=icb)
    assert list(error.value.message_dict) == ["owner"]
    action.refresh_from_db()
    assert action.owner_organisation.name == "Riverside Mind"


def test_update_refuses_a_blank_description(action, carol):
    with pytest.raises(ValidationError):
        action_update(action=action, by=carol, description="  ")


def test_update_refuses_an_unknown_status(action, carol):
    with pytest.raises(ValidationError):
        action_update(action=action, by=carol, status="paused")


def test_update_keeps_a_partner_that_has_left_when_its_owner_is_unchanged(
    action, partnership, charity, carol
):
    partnership.participants.filter(organisation=charity).update(left_on=timezone.localdate())
    action_update(action=action, by=carol, status="dropped", owner_organisation=charity)
    assert Action.objects.get(pk=action.pk).status == "dropped"


def test_mark_done(action, alice):
    action_mark_done(action=action, by=alice)
    assert Action.objects.get(pk=action.pk).status == "done"


def test_mark_done_twice_changes_nothing(action, alice):
    action_mark_done(action=action, by=alice)
    with CaptureQueriesContext(connection) as queries:
        action_mark_done(action=action, by=alice)
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
