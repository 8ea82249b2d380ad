"""Loads the ACEVO 2014 framework: seven principles, their published definitions, and
this app's statements. The data lives here, not imported, so the migration never changes."""

from django.db import migrations

NAME = "ACEVO Working in Partnership"
VERSION = "2014"
SOURCE = (
    "ACEVO (Association of Chief Executives of Voluntary Organisations) with the Central "
    "Southern Commissioning Support Unit, Working in Partnership, November 2014."
)

PRINCIPLES = [
    (
        "Sustainability",
        "Organisations should seek to build partnerships through jointly committing leadership "
        "time and resource to understanding each other's operating environments and contexts.",
        [
            "Senior leaders in each partner give time to understanding each other's world.",
            "Each partner understands the pressures, funding and rules the others work under.",
            "Partners commit the staff time and money the partnership needs, "
            "not only what is left over.",
            "The partnership is planned for the long term, beyond a single contract or grant.",
        ],
    ),
    (
        "Transparency",
        "Organisations should be open with each other and clear about the purpose and benefits "
        "of the partnership for partners, patients and the public.",
        [
            "We are open with each other about what is going well and what is not.",
            "Every partner is clear about what the partnership is for and what it will achieve.",
            "Patients and the public can find out what the partnership does and why.",
            "Information about money, performance and risks reaches every partner in good time.",
        ],
    ),
    (
        "Joint Vision",
        "Organisations should share their vision and plans as early as possible so that they "
        "can identify synergies and opportunities to develop a joint partnership vision.",
        [
            "Partners share their plans with each other early, before decisions are made.",
            "We have a shared vision for the partnership that every partner helped to shape.",
            "We look together for places where our plans and services can support each other.",
            "Each partner would describe the partnership's purpose in much the same way.",
        ],
    ),
    (
        "Joint Capability",
        "Organisations should seek to enhance each other's capability through, for example, "
        "knowledge transfer or the joint provision of services.",
        [
            "Partners learn from each other's knowledge and expertise.",
            "We share skills, training or staff where it helps the people we serve.",
            "We design or deliver services together where that works better than alone.",
            "Smaller partners get the support they need to take a full part.",
        ],
    ),
    (
        "Proportionality",
        "Both partners should be equal in the partnership but should be proportionate in their "
        "requirements of each other.",
        [
            "Every partner's voice carries equal weight, whatever its size.",
            "Reporting and monitoring asked of each partner fit its size and the value of the work.",
            "Risks and rewards are shared fairly between partners.",
            "Payment terms and timescales work for the smallest partner.",
        ],
    ),
    (
        "Innovation and improvement",
        "Organisations should seek to share, develop and implement innovative solutions.",
        [
            "Any partner can suggest a new way of working and be heard.",
            "We try out new ideas together and learn from what does not work.",
            "We use evidence and the views of people who use services to improve.",
            "Good ideas from any partner are taken up and put into practice.",
        ],
    ),
    (
        "Accountability and governance",
        "Be clear about how decisions are taken within each organisation and within the "
        "partnership. Agree how you will hold each other to account.",
        [
            "Each partner understands how decisions are taken in the others.",
            "We have agreed how decisions are taken within the partnership.",
            "We have agreed how we hold each other to account, and we use it.",
            "Disagreements are raised openly and settled fairly.",
        ],
    ),
]


def load(apps, schema_editor):
    Framework = apps.get_model("principles", "Framework")
    Principle = apps.get_model("principles", "Principle")
    Statement = apps.get_model("principles", "Statement")
    framework, _ = Framework.objects.get_or_create(
        name=NAME, version=VERSION, defaults={"source": SOURCE, "published": True}
    )
    for number, (name, definition, statements) in enumerate(PRINCIPLES, start=1):
        principle, _ = Principle.objects.get_or_create(
            framework=framework, number=number, defaults={"name": name, "definition": definition}
        )
        for order, text in enumerate(statements, start=1):
            Statement.objects.get_or_create(
                principle=principle, order=order, defaults={"text": text}
            )


def unload(apps, schema_editor):
    Framework = apps.get_model("principles", "Framework")
    Principle = apps.get_model("principles", "Principle")
    Statement = apps.get_model("principles", "Statement")
    Statement.objects.filter(
        principle__framework__name=NAME, principle__framework__version=VERSION
    ).delete()
    Principle.objects.filter(framework__name=NAME, framework__version=VERSION).delete()
    Framework.objects.filter(name=NAME, version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("principles", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
