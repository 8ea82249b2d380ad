from principles.models import Framework, Principle

NAMES = [
    "Sustainability",
    "Transparency",
    "Joint Vision",
    "Joint Capability",
    "Proportionality",
    "Innovation and improvement",
    "Accountability and governance",
]


def test_migrate_loads_one_framework_with_the_seven_principles_in_order(db):
    framework = Framework.objects.get()
    assert (framework.name, framework.version, framework.published) == (
        "ACEVO Working in Partnership",
        "2014",
        True,
    )
    assert "Working in Partnership, November 2014" in framework.source
    principles = list(framework.principles.order_by("number"))
    assert [p.name for p in principles] == NAMES
    assert [p.number for p in principles] == list(range(1, 8))


def test_each_principle_has_its_published_definition_and_at_least_three_statements(db):
    for principle in Principle.objects.prefetch_related("statements"):
        assert principle.definition.endswith(".")
        assert len(principle.statements.all()) >= 3
    proportionality = Principle.objects.get(name="Proportionality")
    assert proportionality.definition == (
        "Both partners should be equal in the partnership but should be proportionate in their "
        "requirements of each other."
    )


def test_the_current_framework_is_the_published_2014_one(db):
    assert str(Framework.objects.current()) == "ACEVO Working in Partnership (2014)"


def test_a_framework_in_use_cannot_be_changed_in_the_admin(client, ada, open_review, alice, rf):
    from django.contrib.admin.sites import site

    from tests.conftest import submit

    framework = open_review.framework
    model_admin = site._registry[Framework]
    request = rf.get("/")
    request.user = ada
    assert model_admin.has_change_permission(request, framework)
    submit(open_review.assessments.first(), by=alice)
    assert not model_admin.has_change_permission(request, framework)
    assert not model_admin.has_delete_permission(request, framework)
