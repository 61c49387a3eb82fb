"""Pod Security Admission, as the API server's admission plugin evaluates it.

A port of ``k8s.io/pod-security-admission``: the levels and versions of the namespace labels (:mod:`.levels`),
the Pod Security Standards checks with their per-version variants (:mod:`.standards`) and the plugin's
configuration (defaults and exemptions, :mod:`.admission`). Which namespace each pod lands in and what its
labels say is the ``pod-security`` analysis (:mod:`kubelint.analysis.psa`).
"""
