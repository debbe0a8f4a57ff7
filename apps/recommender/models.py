"""Rating data sets: users, items and ratings, indexed densely for the models."""

from __future__ import annotations

from django.db import models


class Dataset(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    source_format = models.CharField(max_length=32, blank=True, default="")
    source_path = models.CharField(max_length=500, blank=True, default="")
    rating_min = models.FloatField(default=1.0)
    rating_max = models.FloatField(default=5.0)
    n_users = models.PositiveIntegerField(default=0)
    n_items = models.PositiveIntegerField(default=0)
    n_ratings = models.PositiveIntegerField(default=0)
    is_synthetic = models.BooleanField(default=False, help_text="a generated stand-in, not real ratings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Item(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items")
    index = models.PositiveIntegerField(help_text="the column in the models' matrices")
    external_id = models.CharField(max_length=100)
    title = models.CharField(max_length=500)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    genres = models.JSONField(default=list, blank=True)
    n_ratings = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["dataset", "index"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "index"], name="item_unique_index"),
            models.UniqueConstraint(fields=["dataset", "external_id"], name="item_unique_external_id"),
        ]

    def __str__(self) -> str:
        return self.title


class DatasetUser(models.Model):
    """A user as the data set names them (not a login account)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="users")
    index = models.PositiveIntegerField(help_text="the row in the models' matrices")
    external_id = models.CharField(max_length=100)
    n_ratings = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["dataset", "index"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "index"], name="user_unique_index"),
            models.UniqueConstraint(fields=["dataset", "external_id"], name="user_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset.slug}:{self.external_id}"


class Rating(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(DatasetUser, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="ratings")
    rating = models.FloatField()
    timestamp = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dataset", "user"]), models.Index(fields=["item"])]

    def __str__(self) -> str:
        return f"{self.user_id} rated {self.item_id}: {self.rating}"
