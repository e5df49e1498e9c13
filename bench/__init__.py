"""PingCRM benchmarks (``make bench`` → ``python -m bench``).

``registry.py`` holds the benchmark registry; each module listed in ``suites.py``
registers its rows. ``dataset.py`` builds (and caches) the seeded dataset of
``quality.md``; ``runner.py`` measures through the real app and prints one table.
"""
