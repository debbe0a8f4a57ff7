from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """`{{ d|lookup:k }}`: a dict value by a variable key, empty when absent."""
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""
