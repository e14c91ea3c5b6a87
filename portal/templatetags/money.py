from django import template

from procedures.formatting import format_vnd

register = template.Library()


@register.filter
def vnd(amount):
    """{{ payment.amount|vnd }} -> "200.000 đ"."""
    return format_vnd(amount)
