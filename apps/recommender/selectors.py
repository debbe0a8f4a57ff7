"""Reads for the recommender (placeholder until the full app lands)."""

from __future__ import annotations


def home_card_lines() -> list[str]:
    from apps.recommender.models import Dataset

    return [f"{d.name}: {d.n_users} users, {d.n_items} items, {d.n_ratings} ratings" for d in Dataset.objects.all()]
