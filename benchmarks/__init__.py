"""typed-cloudmap's benchmarks, run as ``python -m benchmarks`` (``make bench``).

A package of its own beside ``src/`` and ``tests/``: it imports neither ``tests`` nor pytest;
the emulators come from the top-level ``emulators`` package the test suite also uses.
"""
