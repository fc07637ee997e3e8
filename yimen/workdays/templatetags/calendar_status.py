from django import template

register = template.Library()


@register.inclusion_tag("admin/_calendar_warning.html")
def calendar_warning():
    """The admin banner of domain.md §2.5: shown while today + 60 working days reaches an unverified year."""
    from yimen.workdays.services import calendar_status

    return {"status": calendar_status()}
