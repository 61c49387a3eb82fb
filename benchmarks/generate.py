"""Generate a synthetic manifest tree: N namespaces x M apps, deterministic for a given size and seed.

Each namespace folder holds ``namespace.yaml`` (Namespace, default-deny NetworkPolicy, ResourceQuota)
and one multi-document file per app: ConfigMap, ServiceAccount, Deployment (one app in eight is a
StatefulSet with its headless Service), Service, NetworkPolicy, HorizontalPodAutoscaler,
PodDisruptionBudget, and for one app in four an Ingress. Objects are written the way teams write them
(recommended labels, probes, resources, a hardened security context, a sidecar now and then), so a
Deployment is about 3 KB and the average object about 1 KB, like hand-written application manifests.

Apps are clean under every default rule, except a few deliberate mistakes placed in the first
namespaces; :func:`generate` returns them as :class:`Expected` findings (rule, file, line range), so
the benchmark can check that kubelint finds exactly those.

    python benchmarks/generate.py OUT --objects 10000 [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
from dataclasses import asdict, dataclass, field, replace

GENERATOR_VERSION = 5
"""Bump when the output changes, so cached trees are regenerated."""

APPS_PER_NAMESPACE = 12
TEAMS = ("payments", "search", "identity", "catalog", "checkout", "shipping", "billing", "media", "growth",
         "platform", "data", "support")
ROLES = ("api", "web", "worker", "gateway", "cache", "indexer", "auth", "notifier", "ledger", "scheduler",
         "reporter", "sync")
REGISTRY = "registry.example.com"


@dataclass(frozen=True)
class Expected:
    """A finding the tree must produce: rule id, file, and the line range of the node or object."""

    rule: str
    file: str
    first_line: int
    last_line: int
    what: str


@dataclass
class Tree:
    """What was generated: counts and the expected findings."""

    root: str
    objects: int
    files: int
    namespaces: int
    apps: int
    bytes: int
    expected: list[Expected] = field(default_factory=list)


# -- object templates ---------------------------------------------------------------------------------


def labels(app: str, team: str, component: str, indent: int) -> str:
    pad = " " * indent
    return (f"{pad}app.kubernetes.io/name: {app}\n"
            f"{pad}app.kubernetes.io/instance: {app}-prod\n"
            f"{pad}app.kubernetes.io/component: {component}\n"
            f"{pad}app.kubernetes.io/part-of: {team}\n"
            f"{pad}app.kubernetes.io/managed-by: kustomize\n")


def selector(app: str, indent: int) -> str:
    pad = " " * indent
    return f"{pad}app.kubernetes.io/name: {app}\n{pad}app.kubernetes.io/instance: {app}-prod\n"


def container(name: str, image: str, port: int, rng: random.Random, env: list[tuple[str, str]],
              extra: str = "") -> str:
    cpu = rng.choice(("50m", "100m", "250m", "500m"))
    memory = rng.choice(("64Mi", "128Mi", "256Mi", "512Mi"))
    limit = {"64Mi": "128Mi", "128Mi": "256Mi", "256Mi": "512Mi", "512Mi": "1Gi"}[memory]
    env_text = "".join(f"            - name: {key}\n              value: \"{value}\"\n" for key, value in env)
    return f"""\
          - name: {name}
            image: {image}
            imagePullPolicy: IfNotPresent
            ports:
            - name: http
              containerPort: {port}
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
            env:
{env_text}            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            envFrom:
            - configMapRef:
                name: {name}-config
            resources:
              requests:
                cpu: {cpu}
                memory: {memory}
              limits:
                memory: {limit}
            livenessProbe:
              httpGet:
                path: /healthz
                port: http
              initialDelaySeconds: 10
              periodSeconds: 10
              failureThreshold: 3
            readinessProbe:
              httpGet:
                path: /ready
                port: http
              periodSeconds: 5
            securityContext:
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              runAsNonRoot: true
              runAsUser: 10001
              capabilities:
                drop:
                - ALL
            volumeMounts:
            - name: tmp
              mountPath: /tmp
{extra}"""


def sidecar() -> str:
    return """\
          - name: log-shipper
            image: registry.example.com/platform/log-shipper:2.4.1
            args: ["--input=/var/log/app", "--output=stdout"]
            resources:
              requests:
                cpu: 10m
                memory: 32Mi
              limits:
                memory: 64Mi
            livenessProbe:
              exec:
                command: ["/bin/log-shipper", "health"]
            readinessProbe:
              exec:
                command: ["/bin/log-shipper", "health"]
            securityContext:
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              runAsNonRoot: true
              runAsUser: 10002
              capabilities:
                drop:
                - ALL
            volumeMounts:
            - name: tmp
              mountPath: /var/log/app
"""


@dataclass
class App:
    name: str
    namespace: str
    team: str
    port: int
    stateful: bool
    ingress: bool
    sidecar: bool
    replicas: int
    version: str


def workload(app: App, rng: random.Random, mistake: str | None) -> str:
    kind = "StatefulSet" if app.stateful else "Deployment"
    env = [("LOG_LEVEL", rng.choice(("info", "warn", "debug"))), ("PORT", str(app.port)),
           ("UPSTREAM_URL", f"http://{app.team}-gateway.{app.namespace}.svc"),
           ("CACHE_TTL_SECONDS", str(rng.choice((30, 60, 300))))]
    image = f"{REGISTRY}/{app.team}/{app.name}:{app.version}"
    if mistake == "latest-image-tag":
        image = f"{REGISTRY}/{app.team}/{app.name}:latest"
    containers = container(app.name, image, app.port, rng, env)
    if app.sidecar:
        containers += sidecar()
    replicas = ""  # every app has a HorizontalPodAutoscaler, which decides the scale (hpa-target-sets-replicas)
    history = "  revisionHistoryLimit: 5\n"
    if mistake == "yaml-duplicate-key":
        history += "  revisionHistoryLimit: 10\n"
    if mistake == "schema-invalid":
        replicas = f"  replica: {app.replicas}\n"
    stateful = f"  serviceName: {app.name}-headless\n" if app.stateful else ""
    strategy = "" if app.stateful else ("  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n"
                                        "      maxSurge: 25%\n      maxUnavailable: 0\n")
    claims = ""
    if app.stateful:
        claims = f"""\
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: ["ReadWriteOnce"]
      storageClassName: standard
      resources:
        requests:
          storage: {rng.choice((1, 5, 10, 50))}Gi
"""
    if mistake == "privileged-container":  # the API refuses privileged with allowPrivilegeEscalation false
        containers = containers.replace("allowPrivilegeEscalation: false\n",
                                        "allowPrivilegeEscalation: true\n              privileged: true\n", 1)
    return f"""\
apiVersion: apps/v1
kind: {kind}
metadata:
  name: {app.name}
  namespace: {app.namespace}
  labels:
{labels(app.name, app.team, "server", 4)}  annotations:
    owner: team-{app.team}@example.com
    runbook: https://runbooks.example.com/{app.team}/{app.name}
spec:
{replicas}{stateful}{history}  selector:
    matchLabels:
{selector(app.name, 6)}{strategy}  template:
    metadata:
      labels:
{labels(app.name, app.team, "server", 8)}      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      serviceAccountName: {app.name}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: ScheduleAnyway
        labelSelector:
          matchLabels:
{selector(app.name, 12)}      containers:
{containers}      volumes:
      - name: tmp
        emptyDir: {{}}
{claims}"""


def config_map(app: App, rng: random.Random) -> str:
    settings = "".join(f"  {key}: \"{rng.randint(1, 1000)}\"\n"
                       for key in ("max_connections", "pool_size", "timeout_ms", "retry_budget"))
    return f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {app.name}-config
  namespace: {app.namespace}
  labels:
{labels(app.name, app.team, "config", 4)}data:
  APP_NAME: {app.name}
  APP_ENV: production
{settings}  features.json: |
    {{"new-checkout": {str(rng.random() < 0.5).lower()}, "dark-mode": true, "beta-search": false}}
"""


def service_account(app: App) -> str:
    return f"""\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {app.name}
  namespace: {app.namespace}
  labels:
{labels(app.name, app.team, "server", 4)}automountServiceAccountToken: false
"""


def service(app: App, mistake: str | None, headless: bool = False) -> str:
    select = selector(app.name, 4)
    if mistake == "orphan-service-selector":
        select = select.replace(f"name: {app.name}\n", f"name: {app.name}-v2\n", 1)
    target = "htttp" if mistake == "service-target-port-mismatch" else "http"
    name = f"{app.name}-headless" if headless else app.name
    cluster_ip = "  clusterIP: None\n" if headless else "  type: ClusterIP\n"
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {app.namespace}
  labels:
{labels(app.name, app.team, "server", 4)}spec:
{cluster_ip}  selector:
{select}  ports:
  - name: http
    port: 80
    targetPort: {target}
    protocol: TCP
  - name: metrics
    port: 9090
    targetPort: metrics
    protocol: TCP
"""


def ingress(app: App, mistake: str | None) -> str:
    backend = f"{app.name}-svc" if mistake == "ingress-unknown-service" else app.name
    host = f"{app.name}.{app.team}.example.com"
    return f"""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {app.name}
  namespace: {app.namespace}
  labels:
{labels(app.name, app.team, "server", 4)}  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
    nginx.ingress.kubernetes.io/proxy-body-size: 8m
spec:
  ingressClassName: nginx
  tls:
  - hosts:
    - {host}
    secretName: {app.name}-tls
  rules:
  - host: {host}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: {backend}
            port:
              name: http
"""


def network_policy(app: App) -> str:
    return f"""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {app.name}
  namespace: {app.namespace}
  labels:
{labels(app.name, app.team, "server", 4)}spec:
  podSelector:
    matchLabels:
{selector(app.name, 6)}  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: ingress-nginx
    - podSelector:
        matchLabels:
          app.kubernetes.io/part-of: {app.team}
    ports:
    - port: http
      protocol: TCP
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
    ports:
    - port: metrics
      protocol: TCP
  egress:
  - to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/part-of: {app.team}
    ports:
    - port: http
      protocol: TCP
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
    ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
"""


def autoscaler(app: App, mistake: str | None) -> str:
    kind = "StatefulSet" if app.stateful else "Deployment"
    target = f"{app.name}-old" if mistake == "orphan-hpa-target" else app.name
    return f"""\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {app.name}
  namespace: {app.namespace}
  labels:
{labels(app.name, app.team, "server", 4)}spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: {kind}
    name: {target}
  minReplicas: {app.replicas}
  maxReplicas: {app.replicas * 4}
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
"""


def disruption_budget(app: App) -> str:
    return f"""\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {app.name}
  namespace: {app.namespace}
  labels:
{labels(app.name, app.team, "server", 4)}spec:
  maxUnavailable: 1
  selector:
    matchLabels:
{selector(app.name, 6)}"""


def namespace_file(namespace: str, team: str) -> str:
    return f"""\
apiVersion: v1
kind: Namespace
metadata:
  name: {namespace}
  labels:
    team: {team}
    pod-security.kubernetes.io/enforce: restricted
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: {namespace}
spec:
  podSelector: {{}}
  policyTypes:
  - Ingress
  - Egress
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: {namespace}
spec:
  hard:
    requests.cpu: "40"
    requests.memory: 80Gi
    limits.memory: 160Gi
    pods: "200"
"""


# -- the tree -------------------------------------------------------------------------------------------

MISTAKES = (
    "yaml-duplicate-key", "orphan-service-selector", "service-target-port-mismatch", "ingress-unknown-service",
    "orphan-hpa-target", "latest-image-tag", "privileged-container", "schema-invalid",
)
"""Mistakes placed in single apps, in this order, in the first apps that can carry them."""


def _lines_of(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """1-based line of ``needle`` (searched from character ``start``) as a one-line range."""
    at = text.index(needle, start)
    line = text.count("\n", 0, at) + 1
    return line, line


def _object_lines(text: str, document: int) -> tuple[int, int]:
    """The line range of the ``document``-th document (0-based) of a stream joined with ``---``."""
    starts = [0] + [i + 5 for i in range(len(text)) if text.startswith("\n---\n", i)]
    begin = text.count("\n", 0, starts[document]) + 1
    end = text.count("\n", 0, starts[document + 1]) if document + 1 < len(starts) else text.count("\n", 0)
    return begin, end


def plan(objects: int, seed: int = 0) -> list[tuple[str, str, list[App]]]:
    """Namespaces (name, team, apps) holding at least ``objects`` objects, deterministic per seed."""
    rng = random.Random(seed)
    namespaces: list[tuple[str, str, list[App]]] = []
    total = 0
    index = 0
    while total < objects:
        team = TEAMS[index % len(TEAMS)]
        namespace = f"{team}-{index // len(TEAMS):03d}"
        apps: list[App] = []
        namespaces.append((namespace, team, apps))
        total += 3
        for number in range(APPS_PER_NAMESPACE):
            if total >= objects:
                break
            app = App(
                name=f"{team}-{ROLES[number % len(ROLES)]}",
                namespace=namespace,
                team=team,
                port=rng.choice((8080, 8000, 3000, 5000, 9000)),
                stateful=rng.random() < 0.125,
                ingress=rng.random() < 0.25,
                sidecar=rng.random() < 0.25,
                replicas=rng.choice((2, 2, 3, 3, 4, 6)),
                version=f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
            )
            apps.append(app)
            total += 7 + app.stateful + app.ingress
        index += 1
    return namespaces


def render_app(app: App, rng: random.Random, mistake: str | None) -> tuple[str, list[str]]:
    """The app's file text and the kinds of its documents, in order."""
    documents = [(config_map(app, rng), "ConfigMap"), (service_account(app), "ServiceAccount"),
                 (workload(app, rng, mistake), "StatefulSet" if app.stateful else "Deployment"),
                 (service(app, mistake), "Service")]
    if app.stateful:
        documents.append((service(app, None, headless=True), "Service"))
    if app.ingress:
        documents.append((ingress(app, mistake), "Ingress"))
    documents += [(network_policy(app), "NetworkPolicy"), (autoscaler(app, mistake), "HorizontalPodAutoscaler"),
                  (disruption_budget(app), "PodDisruptionBudget")]
    return "---\n".join(text for text, _ in documents), [kind for _, kind in documents]


def _expect(app_file: str, text: str, kinds: list[str], mistake: str, app: App) -> Expected:
    """Where the finding for ``mistake`` must be: the node for YAML problems, else the object."""
    kind_of = {"yaml-duplicate-key": "Deployment", "orphan-service-selector": "Service",
               "service-target-port-mismatch": "Service", "ingress-unknown-service": "Ingress",
               "orphan-hpa-target": "HorizontalPodAutoscaler", "latest-image-tag": "Deployment",
               "privileged-container": "Deployment",
               "schema-invalid": "Deployment"}[mistake]
    if mistake == "yaml-duplicate-key":
        before, _ = _lines_of(text, "\n  revisionHistoryLimit:")  # the line before the first such key
        line = before + 2  # the second `revisionHistoryLimit:` key
        return Expected(mistake, app_file, line, line, f"duplicate revisionHistoryLimit key in {app.name}")
    document = kinds.index(kind_of)
    first, last = _object_lines(text, document)
    return Expected(mistake, app_file, first, last, f"{mistake} in {kind_of} {app.namespace}/{app.name}")


def generate(root: str, objects: int, seed: int = 0) -> Tree:
    """Write the tree under ``root`` (replacing it) and return what it holds and must produce."""
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(root)
    rng = random.Random(seed + 1)
    namespaces = plan(objects, seed)
    tree = Tree(root, 0, 0, len(namespaces), 0, 0)
    pending = list(MISTAKES)

    def write(relative: str, text: str) -> None:
        path = os.path.join(root, relative)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        tree.files += 1
        tree.bytes += len(text.encode())

    for namespace, team, apps in namespaces:
        os.makedirs(os.path.join(root, namespace))
        write(f"{namespace}/namespace.yaml", namespace_file(namespace, team))
        tree.objects += 3
        for app in apps:
            mistake = None
            if pending and (pending[0] != "ingress-unknown-service" or app.ingress) and not app.stateful:
                mistake = pending.pop(0)
            text, kinds = render_app(app, rng, mistake)
            relative = f"{namespace}/{app.name}.yaml"
            write(relative, text)
            tree.objects += len(kinds)
            tree.apps += 1
            if mistake == "privileged-container":
                # The namespace enforces restricted: pod-security-enforce reports the privileged container and its
                # allowed escalation (the Deployment is accepted, its pods refused), and the per-field rules stay
                # quiet about what it already says.
                expected = _expect(os.path.join(root, relative), text, kinds, mistake, app)
                tree.expected.append(replace(expected, rule="pod-security-enforce"))
            elif mistake is not None:
                tree.expected.append(_expect(os.path.join(root, relative), text, kinds, mistake, app))
    first_namespace, _first_team, first_apps = namespaces[0]
    if first_apps:  # the same ConfigMap defined a second time, further down the app's own file
        # (one file is one unit, as `kubectl apply -f FILE` applies it: a copy in a second file is a separate unit)
        app_file = os.path.join(root, first_namespace, f"{first_apps[0].name}.yaml")
        with open(app_file, encoding="utf-8") as handle:
            before = handle.read()
        copy = config_map(first_apps[0], random.Random(seed))
        addition = "---\n# hand-made override, forgotten here\n" + copy
        with open(app_file, "a", encoding="utf-8") as handle:
            handle.write(addition)
        tree.bytes += len(addition.encode())
        tree.objects += 1
        line, _ = _lines_of(copy, "  name: ")
        offset = before.count("\n") + 2  # the separator and the comment
        tree.expected.append(Expected("duplicate-object", app_file, offset + line, offset + line,
                                      "ConfigMap defined twice"))
    # a file broken by a bad merge: its objects are lost, one yaml-syntax finding remains
    broken = f"{first_namespace}/broken.yaml"
    write(broken, f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  namespace: {first_namespace}\n"
                  "data:\n  key: value\n   other: value\n")
    tree.expected.append(Expected("yaml-syntax", os.path.join(root, broken), 1, 9, "bad indentation"))
    return tree


def cached(root: str, objects: int, seed: int = 0) -> Tree:
    """The tree under ``root``, generated only when missing or made by another version, size or seed."""
    stamp = os.path.join(root, ".tree.json")
    key = {"version": GENERATOR_VERSION, "objects": objects, "seed": seed}
    try:
        with open(stamp, encoding="utf-8") as handle:
            saved = json.load(handle)
        if saved["key"] == key:
            tree = Tree(**{**saved["tree"], "expected": [Expected(**item) for item in saved["tree"]["expected"]]})
            return tree
    except (OSError, ValueError, KeyError, TypeError):
        pass
    tree = generate(root, objects, seed)
    with open(stamp, "w", encoding="utf-8") as handle:
        json.dump({"key": key, "tree": asdict(tree)}, handle, indent=1)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="folder to write (replaced)")
    parser.add_argument("--objects", type=int, default=1000, help="at least this many objects (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tree = generate(args.out, args.objects, args.seed)
    print(f"{tree.objects} objects in {tree.files} files ({tree.bytes / 1e6:.1f} MB), {tree.namespaces} namespaces, "
          f"{tree.apps} apps; {len(tree.expected)} deliberate mistakes:")
    for expected in tree.expected:
        print(f"  {expected.rule}: {expected.file}:{expected.first_line}-{expected.last_line} ({expected.what})")


if __name__ == "__main__":
    main()
