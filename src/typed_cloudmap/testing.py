"""The provider conformance suite, shipped so third-party providers can run it.

Subclass :class:`ProviderConformance` in a test module and give it a ``provider`` fixture::

    class TestMyProvider(ProviderConformance):
        @pytest.fixture
        def provider(self) -> Provider:
            return MyProvider(...)

Every test works under a fresh random ``prefix`` so one bucket can serve the whole suite.
Where a backend (usually an emulator) lacks a condition the real service has, name the
test in ``known_gaps`` with the reason; it is then a strict ``xfail`` on that backend only
(a gap that closes fails the run, so the list stays true).

Give the suite a second path to the same storage with a ``raw`` fixture returning a
:class:`RawAccess` (raw SDK calls, or :class:`DirectoryRaw` for a directory of files): the
``test_raw_*`` checks then compare what the provider stored with what that path sees.

:class:`RecordingProvider` wraps any provider and records each call, for tests that count
what an operation costs.
"""

from ._conformance import ProviderConformance
from ._conformance_raw import DirectoryRaw, RawAccess, RawStorageConformance
from ._recording import Call, RecordingProvider
from ._testing_async import AsyncProviderConformance

__all__ = [
    "AsyncProviderConformance",
    "Call",
    "DirectoryRaw",
    "ProviderConformance",
    "RawAccess",
    "RawStorageConformance",
    "RecordingProvider",
]
