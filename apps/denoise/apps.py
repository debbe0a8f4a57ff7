from django.apps import AppConfig


class DenoiseConfig(AppConfig):
    name = "apps.denoise"
    label = "denoise"
    verbose_name = "Denoise"

    def ready(self) -> None:
        from aeweb.celery import QUEUE_GPU
        from apps.core.jobkinds import JobKind, jobkind_register

        jobkind_register(
            JobKind(
                name="train.denoiser",
                handler="apps.denoise.training.denoiser_train_job",
                queue=QUEUE_GPU,
                title="Train the denoiser",
                validator="apps.denoise.training_config.training_params_validate",
            ),
            training_name="denoiser",
        )
        jobkind_register(
            JobKind(
                name="denoise.image",
                handler="apps.denoise.worker.denoise_image_job",
                queue=QUEUE_GPU,
                title="Denoise an image",
            )
        )

    def demo_seed(self, *, out, train: bool = True) -> None:
        from apps.denoise.demo import demo_seed

        demo_seed(out=out, train=train)

    def home_card(self) -> dict:
        from django.urls import reverse

        from apps.denoise.selectors import home_card_lines

        return {
            "title": "Denoising",
            "url": reverse("denoise:upload"),
            "description": "Upload a photo or pick a sample, add noise if you like, and get it back cleaned by a "
            "convolutional denoising autoencoder, with a before/after view and PSNR/SSIM.",
            "lines": home_card_lines(),
        }
