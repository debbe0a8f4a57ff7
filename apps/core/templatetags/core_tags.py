from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """`{{ d|lookup:k }}`: a dict value by a variable key, empty when absent."""
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""


@register.filter
def ago(value) -> str:
    """`{{ when|ago }}`: "just now" under a minute, else "2 minutes ago", "3 days ago" (the largest unit only)."""
    from django.utils import timezone
    from django.utils.timesince import timesince

    if not value:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, depth=1)} ago"


@register.filter
def metric(value, name: str) -> str:
    """`{{ value|metric:"psnr" }}` → "29.09 dB"."""
    from apps.core.metric_display import metric_format

    return metric_format(name, value)
