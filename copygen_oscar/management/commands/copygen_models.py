from django.core.management.base import BaseCommand, CommandError
from oscar.core.loading import get_model

from copygen_oscar.registry import RegistryError, activate, register, retire, serving_path

ModelVersion = get_model("copygen", "ModelVersion")


class Command(BaseCommand):
    help = "The model registry: list versions, register a model folder, activate or retire a version."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every version with its status and metrics, and the folder serving now.")
        reg = sub.add_parser("register", help="Add a model folder as a candidate version.")
        reg.add_argument("path")
        reg.add_argument("--name", default="")
        for action in ("activate", "retire"):
            sub.add_parser(action, help=f"{action.title()} a version by id.").add_argument("version", type=int)

    def handle(self, *args, action, **options):
        try:
            if action == "list":
                return self.list()
            if action == "register":
                version = register(options["path"], name=options["name"])
                self.stdout.write(f"Version {version.pk}: {version.path} ({version.status})")
                return
            try:
                version = ModelVersion.objects.get(pk=options["version"])
            except ModelVersion.DoesNotExist:
                raise CommandError(f"No model version {options['version']}: see `copygen_models list`") from None
            (activate if action == "activate" else retire)(version)
            self.stdout.write(f"Version {version.pk} is now {version.status}; workers pick it up with their next batch")
        except RegistryError as exc:
            raise CommandError(str(exc)) from exc

    def list(self):
        for version in ModelVersion.objects.order_by("pk"):
            metrics = version.metrics or {}
            loss = metrics.get("validation_loss")
            self.stdout.write(f"{version.pk:>4}  {version.status:<9}  {version.name:<24} "
                              f"{'loss %.3f' % loss if loss is not None else '':<12} {version.path}")
        self.stdout.write(f"Serving now: {serving_path() or 'nothing (no active version, no COPYGEN_MODEL_PATH)'}")
