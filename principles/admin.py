from django.contrib import admin

from .models import Framework, Principle, Statement


class PrincipleInline(admin.StackedInline):
    model = Principle
    extra = 0


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0


class FrozenWhenInUse:
    """A framework in use is history: a change must be a new version (docs/design.md,
    "Frameworks")."""

    def _in_use(self, obj):
        framework = obj if isinstance(obj, Framework) else getattr(obj, "framework", None)
        return framework is not None and framework.pk is not None and framework.is_in_use()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and self._in_use(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and self._in_use(obj))


@admin.register(Framework)
class FrameworkAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["name", "version", "published", "created_at"]
    list_filter = ["published"]
    search_fields = ["name", "version"]
    inlines = [PrincipleInline]


@admin.register(Principle)
class PrincipleAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["number", "name", "framework"]
    list_filter = ["framework"]
    search_fields = ["name", "definition"]
    inlines = [StatementInline]
