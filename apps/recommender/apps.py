from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "apps.recommender"
    label = "recommender"
    verbose_name = "Recommender"

    def ready(self) -> None:
        from apps.core.jobkinds import JobKind, jobkind_register

        jobkind_register(
            JobKind(
                name="train.recommender",
                handler="apps.recommender.training.recommender_train_job",
                title="Train a recommender",
                validator="apps.recommender.training_config.training_params_validate",
            ),
            training_name="recommender",
        )

    def demo_seed(self, *, out, train: bool = True) -> None:
        from apps.recommender.demo import demo_seed

        demo_seed(out=out, train=train)

    def home_card(self) -> dict:
        from django.urls import reverse

        from apps.recommender.selectors import home_card_lines

        return {
            "title": "Recommendations",
            "url": reverse("recommender:datasets"),
            "description": "A collaborative-filtering autoencoder (Mult-VAE, Mult-DAE, EASE) over real ratings: "
            "browse users, rate a few movies yourself, see why each item is recommended.",
            "lines": home_card_lines(),
        }
