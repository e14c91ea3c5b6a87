"""Web helpers both interfaces use (portal and back office): file and PDF responses
with one set of headers, form helpers, the sign-in form. Above the domain, below the
interfaces; never imports either interface."""
