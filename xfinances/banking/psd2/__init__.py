"""PSD2 account information (Berlin Group NextGenPSD2 1.3.x, the BISTRA profile of Bulgarian
banks): `client.py` talks to a bank or a licensed aggregator, `responses.py` is the schema of
the answers it accepts, `simulator.py` is a simulated bank on loopback for tests and the demo."""
