from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "apps.gallery"
    label = "gallery"
    verbose_name = "Gallery"

    def ready(self) -> None:
        from apps.core.jobkinds import JobKind, jobkind_register
        from apps.gallery.roles import ROLES, TRAINING_NAME

        # Handlers are imported by workers only (apps.gallery.jobs uses torch); validators run
        # in the web process and are torch-free (apps.gallery.params).
        jobkind_register(
            JobKind(
                name="train.vae",
                handler="apps.gallery.jobs.gallery_train_job",
                title="Train a gallery VAE",
                validator="apps.gallery.params.training_params_validate",
            ),
            training_name=TRAINING_NAME,
            model_kinds=ROLES,
        )
        for name, title in (
            ("generate", "Generate gallery images"),
            ("interpolate", "Interpolate between two gallery images"),
            ("latent_map", "Draw the 2-D latent map"),
            ("reconstruct", "Reconstruct test images"),
            ("denoise_demo", "Denoise noisy test images (the denoising-autoencoder demo)"),
        ):
            jobkind_register(
                JobKind(
                    name=f"gallery.{name}",
                    handler=f"apps.gallery.jobs.gallery_{name}_job",
                    title=title,
                    validator=f"apps.gallery.params.{name}_params_validate",
                )
            )

    def demo_seed(self, *, out, train: bool = True) -> None:
        from apps.gallery.demo import demo_seed

        demo_seed(out=out, train=train)

    def home_card(self) -> dict:
        from django.urls import reverse

        from apps.gallery.selectors import home_card_lines

        return {
            "title": "Image gallery",
            "url": reverse("gallery:gallery"),
            "description": "A variational autoencoder trained on Fashion-MNIST and MNIST: generate new images "
            "(ask for sneakers or a 7), walk the latent space between two, explore the 2-D latent map.",
            "lines": home_card_lines(),
        }
