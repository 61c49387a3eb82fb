"""Availability rules: the numbers the disruption controller and the autoscaler work with."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelint import lint
from kubelint.checks.availability import percent
from kubelint.options import Options

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers: [{{name: web, image: "registry.example.com/web:1.0"}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web, namespace: shop}}
spec:
  minAvailable: {min_available}
  selector:
    matchLabels: {{app: web}}
"""

HPA = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: {name}, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 2
  maxReplicas: 5
"""


def _blocking(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    report = lint([str(path)], Options(enable=["pdb-blocks-eviction"]))
    return [finding.message for finding in report.findings if finding.rule == "pdb-blocks-eviction"]


@pytest.mark.parametrize(("value", "expected"), [("0%", 0), ("50%", 50), ("100%", 100), ("5", None), ("%", None),
                                                 ("-5%", None), ("5.5%", None), (5, None), (None, None),
                                                 ("9" * 5000 + "%", None)])  # more digits than int() converts
def test_percent_reads_only_what_the_api_accepts(value: object, expected: int | None) -> None:
    assert percent(value) == expected


@pytest.mark.parametrize(("replicas", "min_available", "blocks"), [
    # the documentation's example: 50% of 7 pods rounds up to 4, so 3 may go
    (7, '"50%"', False), (7, '"100%"', True), (7, 7, True), (7, 6, False),
    (3, '"67%"', True), (3, '"66%"', False), (1, '"1%"', True), (2, '"50%"', False),
    (1, 1, True), (2, 1, False), (1, 0, False),
])
def test_min_available_rounds_up_as_the_disruption_controller(tmp_path: Path, replicas: int, min_available: object,
                                                              blocks: bool) -> None:
    found = _blocking(tmp_path, DEPLOYMENT.format(replicas=replicas, min_available=min_available))
    assert bool(found) is blocks, found


def test_the_autoscalers_minimum_is_the_scale_that_counts(tmp_path: Path) -> None:
    found = _blocking(tmp_path, DEPLOYMENT.format(replicas=5, min_available=2) + HPA.format(name="web"))
    assert len(found) == 1 and "HorizontalPodAutoscaler web, minReplicas: 2" in found[0]


def test_two_autoscalers_on_one_workload_leave_the_scale_undecided(tmp_path: Path) -> None:
    text = DEPLOYMENT.format(replicas=5, min_available=2) + HPA.format(name="web") + HPA.format(name="web-2")
    assert not _blocking(tmp_path, text)


AUTOSCALED = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: batch}
spec:
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers: [{name: worker, image: "registry.example.com/worker:1.0"}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: worker, namespace: batch}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  maxReplicas: 10
"""


@pytest.mark.parametrize(("entry", "held"), [
    ({"kind": "LimitRange", "namespace": "batch", "reason": "the platform's defaults"}, True),
    ({"kind": "LimitRange", "name": "defaults", "namespace": "batch"}, True),
    ({"kind": "LimitRange", "namespace": "other"}, False),
    ({"namespace": "batch"}, False),  # every object of the namespace, but it names no LimitRange
])
def test_a_limit_range_declared_external_holds_the_finding_back(tmp_path: Path, entry: dict[str, str],
                                                                  held: bool) -> None:
    from kubelint.model.external import parse_external

    path = tmp_path / "app.yaml"
    path.write_text(AUTOSCALED)
    report = lint([str(path)], Options(enable=["hpa-missing-requests"], external=[parse_external(entry)]))
    reported = [finding for finding in report.findings if finding.rule == "hpa-missing-requests"]
    kept = [finding for finding in report.held if finding.rule == "hpa-missing-requests"]
    assert (len(kept), len(reported)) == ((1, 0) if held else (0, 1))
    assert "80%" in (kept or reported)[0].message


@pytest.mark.parametrize(("surge", "unavailable", "pods", "expected"), [
    ("25%", "25%", 1, (1, 0)), ("25%", "25%", 4, (1, 1)), ("39%", "39%", 10, (4, 3)), ("0%", "0%", 0, (0, 0)),
    (2, 1, 5, (2, 1)), ("100%", "100%", 3, (3, 3)), ("oops", "25%", 3, (None, 0)), (True, -1, 3, (None, None)),
])
def test_fenceposts_round_surge_up_and_unavailable_down(surge: object, unavailable: object, pods: int,
                                                        expected: tuple[int | None, int | None]) -> None:
    from kubelint.checks.availability import _fencepost

    assert (_fencepost(surge, pods, round_up=True), _fencepost(unavailable, pods, round_up=False)) == expected


def test_readiness_message_names_the_service_only_for_the_serving_container_of_a_rolling_deployment(
        tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(Path(__file__).resolve().parent.parent.joinpath(
        "fixtures", "missing-readiness-probe", "services.yaml").read_text())
    report = lint([str(path)], Options(enable=["missing-readiness-probe"]))
    messages = {finding.message.split('"')[1]: finding.message for finding in report.findings
                if finding.rule == "missing-readiness-probe"}
    assert "Service shop sends it traffic" in messages["shop"]
    assert messages["log-shipper"].endswith("has no readiness probe")  # serves no port the Service targets
    assert messages["slow"].endswith("has no readiness probe")  # its startup probe gates readiness
    assert set(messages) == {"shop", "log-shipper", "slow"}
    shop = "spec:\n  selector:\n    matchLabels: {app: shop}"
    recreate = path.read_text().replace(shop, shop.replace("spec:\n", "spec:\n  strategy: {type: Recreate}\n"))
    path.write_text(recreate)
    report = lint([str(path)], Options(enable=["missing-readiness-probe"]))
    assert not [finding for finding in report.findings if "sends it traffic" in finding.message]


def test_a_percentage_with_thousands_of_digits_is_no_crash(tmp_path: Path) -> None:
    huge = '"' + "9" * 5000 + '%"'
    text = DEPLOYMENT.format(replicas=1, min_available=huge).replace("replicas: 1\n", "replicas: 1\n  strategy:\n"
                                                                   f"    rollingUpdate: {{maxUnavailable: {huge}}}\n")
    path = tmp_path / "app.yaml"
    path.write_text(text)
    report = lint([str(path)], Options(enable=["pdb-blocks-eviction", "rolling-update-downtime"]))
    assert not [finding for finding in report.findings if finding.rule in ("pdb-blocks-eviction",
                                                                              "rolling-update-downtime")]
    assert "maxUnavailable" in path.read_text()


@pytest.mark.parametrize("value", ['"²%"', '"' + "9" * 5000 + '%"'])
def test_api_validation_reads_rollout_percentages_without_crashing(tmp_path: Path, value: str) -> None:
    """Found by the availability tests: api-validation's rollout check converted any isdigit() string."""
    path = tmp_path / "app.yaml"
    path.write_text(DEPLOYMENT.format(replicas=1, min_available=1).replace(
        "replicas: 1\n", f"replicas: 1\n  strategy:\n    rollingUpdate: {{maxUnavailable: {value}, maxSurge: 0}}\n"))
    report = lint([str(path)], Options(enable=["api-validation"]))
    assert report.findings is not None
