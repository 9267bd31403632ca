"""The task consumer's entry point: `huey_consumer advocacy.worker.huey`."""

from advocacy import create_app
from advocacy.tasks import huey

app = create_app()

__all__ = ["app", "huey"]
