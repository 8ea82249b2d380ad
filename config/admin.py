"""What the admins of several apps share."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list to browse and filter, where nothing can be added, changed or deleted: every
    change to these rows goes through a service, audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
