"""Real emulators started by the test suite on free 127.0.0.1 ports (one module each)."""
