"""The gallery's role kinds become slots of kind `vae`; the denoising-autoencoder demo moves to the
denoise app as a `denoiser` (its data set, Fashion-MNIST or MNIST, tells it from the photo U-Net).

Version numbers are kept: they count per (kind, data set, slot), which is what they counted per
role before.
"""

from django.db import migrations

# old ModelVersion kind → (kind, slot)
MOVES = {
    "vae-conditional": ("vae", "conditional"),
    "vae-latent2d": ("vae", "latent2d"),
    "vae-dae": ("denoiser", "default"),
}


def roles_to_slots(apps, schema_editor):
    for model in ("ModelVersion", "ActiveModel", "Activation"):
        rows = apps.get_model("core", model).objects
        for old, (kind, slot) in MOVES.items():
            rows.filter(kind=old).update(kind=kind, slot=slot)


def slots_to_roles(apps, schema_editor):
    for model in ("ModelVersion", "ActiveModel", "Activation"):
        rows = apps.get_model("core", model).objects
        for old, (kind, slot) in MOVES.items():
            moved = rows.filter(kind=kind, slot=slot)
            if kind == "denoiser":  # only the 28×28 demo models were a gallery role
                moved = moved.filter(dataset__in=["fashion-mnist", "mnist"])
            moved.update(kind=old, slot="default")


class Migration(migrations.Migration):
    dependencies = [("gallery", "0001_initial"), ("core", "0002_model_slots")]

    operations = [migrations.RunPython(roles_to_slots, slots_to_roles)]
