"""The index as data: editions, groups, components and ranking bands, edited here.
The summary table is not in admin: only the refresh writes it."""

from django.contrib import admin

from indicators.models import IndexComponent, IndexGroup, IndexVersion, RankBand


class GroupInline(admin.TabularInline):
    model = IndexGroup
    extra = 0
    fields = ("position", "code", "name_vi", "name_en", "max_points")
    show_change_link = True


class BandInline(admin.TabularInline):
    model = RankBand
    extra = 0
    fields = ("min_points", "name_vi", "name_en")


@admin.register(IndexVersion)
class IndexVersionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "valid_from")
    inlines = [GroupInline, BandInline]


class ComponentInline(admin.StackedInline):
    model = IndexComponent
    extra = 0
    fields = (
        ("position", "code", "max_points", "target"),
        ("name_vi", "name_en"),
        ("numerator", "denominator"),
        "source",
    )


@admin.register(IndexGroup)
class IndexGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "version", "max_points")
    list_filter = ("version",)
    inlines = [ComponentInline]
