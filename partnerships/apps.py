from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships and reviews"

    def ready(self):
        from organisations.services import PERSONAL_DATA
        from partnerships.personal_data import held_about

        # The subject access export lists what this app holds about a person too.
        if held_about not in PERSONAL_DATA:
            PERSONAL_DATA.append(held_about)
