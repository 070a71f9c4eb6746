"""Signing in and staying signed in: passwords, two-step sign-in (TOTP and recovery codes),
throttling and lock-out, and sessions with an idle and an absolute lifetime."""
