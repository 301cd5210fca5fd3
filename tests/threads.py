"""Real concurrent transactions for PostgreSQL locking tests."""

import threading

from django.db import connection


def run_together(work, arguments, *, join_timeout=60):
    """Run ``work(argument)`` in one thread each, all released at once; return the results.

    A thread's exception is returned in its place, for the test to inspect. Each thread
    closes its own database connection. A thread still running after ``join_timeout``
    seconds fails the test: it hung, most likely on a deadlock.
    """
    barrier = threading.Barrier(len(arguments))
    results = [None] * len(arguments)

    def runner(index, argument):
        try:
            barrier.wait(timeout=10)
            results[index] = work(argument)
        except Exception as error:  # the test inspects what each thread met
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=runner, args=(index, argument))
        for index, argument in enumerate(arguments)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results
