"""Slots: one active model per (kind, data set, slot), and each version says which slot it is for."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="slot",
            field=models.CharField(default="default", help_text="e.g. conditional, latent2d", max_length=32),
        ),
        migrations.AddField(
            model_name="activemodel", name="slot", field=models.CharField(default="default", max_length=32)
        ),
        migrations.AddField(
            model_name="activation", name="slot", field=models.CharField(default="default", max_length=32)
        ),
        migrations.AlterField(
            model_name="modelversion",
            name="kind",
            field=models.CharField(
                db_index=True, help_text="what the model does: recommender, vae, denoiser", max_length=32
            ),
        ),
        migrations.RemoveConstraint(model_name="modelversion", name="model_version_unique"),
        migrations.AddConstraint(
            model_name="modelversion",
            constraint=models.UniqueConstraint(
                fields=("kind", "dataset", "slot", "version"), name="model_version_unique"
            ),
        ),
        migrations.RemoveConstraint(model_name="activemodel", name="active_model_unique"),
        migrations.AddConstraint(
            model_name="activemodel",
            constraint=models.UniqueConstraint(fields=("kind", "dataset", "slot"), name="active_model_unique"),
        ),
        migrations.AlterModelOptions(name="modelversion", options={"ordering": ["kind", "dataset", "slot", "-version"]}),
    ]
