"""The ``--model PATH | --version ID`` choice that commands acting on one model share."""

import os

from django.core.management.base import BaseCommand, CommandError
from oscar.core.loading import get_model


class ModelCommand(BaseCommand):
    """A command about one model: a registry version, a folder, or (by default) the model serving now."""

    version_help = "Model version id."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names a model version here, not Django's version: the later definition wins.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_model_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--version", type=int, help=self.version_help)
        which.add_argument("--model", help="Model folder (default: the model serving now).")

    def resolve_model(self, options):
        """(version or None, model folder), checked to be a local causal LM unchanged since its registration."""
        from copygen_oscar.backends.transformers import fingerprint
        from copygen_oscar.registry import RegistryError, check_model_folder, serving_path

        ModelVersion = get_model("copygen", "ModelVersion")
        version = None
        if options["version"] is not None:
            version = ModelVersion.objects.filter(pk=options["version"]).first()
            if version is None:
                raise CommandError(f"No model version {options['version']}: see `copygen_models list`")
            path = version.path
        else:
            path = options["model"] or serving_path()
            if not path:
                raise CommandError("No model: pass --model PATH or --version ID")
        path = os.fspath(path)
        try:
            check_model_folder(path)
        except RegistryError as exc:
            raise CommandError(str(exc)) from exc
        if version is not None and fingerprint(path) != version.fingerprint:
            raise CommandError(f"The files in {path} changed since version {version.pk} was registered; register "
                               f"the folder again to make a new version")
        return version, path
