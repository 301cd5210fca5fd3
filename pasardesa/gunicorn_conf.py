"""gunicorn settings that matter for speed (``gunicorn -c python:pasardesa.gunicorn_conf``).

Once a worker has imported Django and the project, those objects live as long as the
worker: ``gc.freeze()`` moves them out of the garbage collector's generations, so each
collection during a request scans only what the request made, and collections are made
rarer (bench/checkout.py measured the difference: docs/benchmarks.md).
"""

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    gc.collect()
    gc.freeze()
    # A request allocates thousands of short-lived objects, nearly all freed by reference
    # counting: collect the youngest generation every 20,000 allocations, not every 700.
    gc.set_threshold(20_000, 20, 20)
