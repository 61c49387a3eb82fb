"""Each Pod Security check's reason and detail, word for word, from upstream's table tests (``check_*_test.go``).

Cases marked "upstream" are upstream's table entries translated to manifests; the others exercise the same
code paths with upstream's message formats (plural forms, sorted value lists, ``pod and containers``).
"""

from __future__ import annotations

import pytest

from kubelint.podsecurity import standards as s
from kubelint.podsecurity.levels import Level


def pod(spec: dict, annotations: dict | None = None, relax: bool = False) -> s.Pod:
    return s.Pod({"annotations": annotations} if annotations is not None else {}, spec, relax)


def containers(*items: dict) -> dict:
    return {"containers": list(items)}


def c(name: str, **context: object) -> dict:
    return {"name": name, "securityContext": dict(context)} if context else {"name": name}


CASES = [
    # upstream: TestAllowPrivilegeEscalation_1_8 "multiple containers"
    (s.allow_privilege_escalation_1_8, pod(containers(c("a"), {"name": "b", "securityContext": {}},
                                                       c("c", allowPrivilegeEscalation=True),
                                                       c("d", allowPrivilegeEscalation=False))),
     "allowPrivilegeEscalation != false",
     'containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false'),
    # upstream: TestCapabilitiesRestricted "multiple containers"
    (s.capabilities_restricted_1_22, pod(containers(
        c("a", capabilities={"add": ["FOO", "BAR"]}), c("b", capabilities={"add": ["BAR", "BAZ"]}),
        c("c", capabilities={"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "FOO"]}))),
     "unrestricted capabilities",
     'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not '
     'include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add'),
    (s.capabilities_baseline_1_0, pod(containers(
        c("a", capabilities={"add": ["FOO", "BAR"]}), c("b", capabilities={"add": ["BAR", "BAZ"]}),
        c("c", capabilities={"add": ["CHOWN"]}))),
     "non-default capabilities",
     'containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add'),
    # upstream: TestHostNamespaces "multiple host namespaces"
    (s.host_namespaces_1_0, pod({"hostNetwork": True, "hostIPC": True, "hostPID": True}),
     "host namespaces", "hostNetwork=true, hostPID=true, hostIPC=true"),
    (s.host_path_volumes_1_0, pod({"volumes": [{"name": "a", "hostPath": {}}, {"name": "b", "emptyDir": {}},
                                               {"name": "c", "hostPath": {"path": "/"}}]}),
     "hostPath volumes", 'volumes "a", "c"'),
    # hostPorts: the port numbers are sorted as strings, as upstream's string set sorts them
    (s.host_ports_1_0, pod({"initContainers": [{"name": "a", "ports": [{"hostPort": 8080}, {"hostPort": 10000}]}],
                            "containers": [{"name": "b", "ports": [{"hostPort": 0}]},
                                           {"name": "c", "ports": [{"hostPort": 9090}]}]}),
     "hostPort", 'containers "a", "c" use hostPorts 10000, 8080, 9090'),
    (s.privileged_1_0, pod(containers(c("a", privileged=True), c("b", privileged=False), c("c", privileged=True))),
     "privileged", 'containers "a", "c" must not set securityContext.privileged=true'),
    # upstream: TestRestrictedVolumes "host path volumes"
    (s.restricted_volumes_1_0, pod({"volumes": [
        *[{"name": f"a{index}", key: {}} for index, key in enumerate(
            ["emptyDir", "secret", "persistentVolumeClaim", "downwardAPI", "configMap", "projected", "csi",
             "ephemeral", "image"], start=1)],
        *[{"name": f"b{index}", key: {}} for index, key in enumerate(
            ["hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
             "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
             "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos"], start=1)],
        {"name": "c1"}]}),
     "restricted volume types",
     'volumes "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", "b15", "b16", '
     '"b17", "b18", "b19", "b20", "b21", "c1" use restricted volume types "awsElasticBlockStore", "azureDisk", '
     '"azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", '
     '"hostPath", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", '
     '"unknown", "vsphereVolume"'),
    # upstream: TestSELinuxOptions (three cases)
    (s.se_linux_options_1_0, pod({"securityContext": {"seLinuxOptions": {"type": "foo", "user": "bar", "role": "baz"}},
                                  **containers(c("a", seLinuxOptions={"type": "container_t"}),
                                               c("b", seLinuxOptions={"type": "container_init_t"}),
                                               c("c", seLinuxOptions={"type": "container_kvm_t"}),
                                               c("d", seLinuxOptions={"type": "bar"}),
                                               c("e", seLinuxOptions={"user": "bar"}),
                                               c("f", seLinuxOptions={"role": "baz"}))}),
     "seLinuxOptions", 'pod and containers "d", "e", "f" set forbidden securityContext.seLinuxOptions: '
                       'types "bar", "foo"; user may not be set; role may not be set'),
    (s.se_linux_options_1_0, pod({"securityContext": {"seLinuxOptions": {"type": "foo", "user": "bar", "role": "baz"}},
                                  **containers(c("a", seLinuxOptions={"type": "container_t"}))}),
     "seLinuxOptions", 'pod set forbidden securityContext.seLinuxOptions: type "foo"; user may not be set; '
                       'role may not be set'),
    (s.se_linux_options_1_0, pod({"securityContext": {"seLinuxOptions": {}},
                                  **containers(c("d", seLinuxOptions={"type": "bar"}),
                                               c("e", seLinuxOptions={"user": "bar"}),
                                               c("f", seLinuxOptions={"role": "baz"}))}),
     "seLinuxOptions", 'containers "d", "e", "f" set forbidden securityContext.seLinuxOptions: type "bar"; '
                       'user may not be set; role may not be set'),
    # upstream: TestCheckAppArmor_Forbidden (four cases)
    (s.app_armor_profile_1_0, pod({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}),
     "forbidden AppArmor profile", 'pod must not set AppArmor profile type to "Unconfined"'),
    (s.app_armor_profile_1_0, pod({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
                                   **containers(c("foo", appArmorProfile={"type": "Unconfined"}))}),
     "forbidden AppArmor profile", 'container "foo" must not set AppArmor profile type to "Unconfined"'),
    (s.app_armor_profile_1_0, pod({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
                                   "containers": [{"name": "foo"}],
                                   "initContainers": [c("bar", appArmorProfile={"type": "Unconfined"})]}),
     "forbidden AppArmor profile", 'container "bar" must not set AppArmor profile type to "Unconfined"'),
    (s.app_armor_profile_1_0, pod({}, {
        "container.apparmor.security.beta.kubernetes.io/": "bogus",
        "container.apparmor.security.beta.kubernetes.io/a": "",
        "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
        "container.apparmor.security.beta.kubernetes.io/c": "localhost/",
        "container.apparmor.security.beta.kubernetes.io/d": "localhost/foo",
        "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/f": "unknown"}),
     "forbidden AppArmor profiles",
     'annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="bogus"", '
     '"container.apparmor.security.beta.kubernetes.io/e="unconfined"", '
     '"container.apparmor.security.beta.kubernetes.io/f="unknown""'),
    # upstream: TestSysctls "forbidden sysctls"
    (s.sysctls_version(s.SYSCTLS_1_0), pod({"securityContext": {"sysctls": [{"name": "a"}, {"name": "b"}]}}),
     "forbidden sysctls", "a, b"),
    # runAsNonRoot: explicit false wins over the implicit detail; pod and containers joined with "and"
    (s.run_as_non_root_1_0, pod(containers(c("a"), c("b"))),
     "runAsNonRoot != true", 'pod or containers "a", "b" must set securityContext.runAsNonRoot=true'),
    (s.run_as_non_root_1_0, pod({"securityContext": {"runAsNonRoot": False}, **containers(c("a"), c("b"))}),
     "runAsNonRoot != true", "pod must not set securityContext.runAsNonRoot=false"),
    (s.run_as_non_root_1_0, pod({"securityContext": {"runAsNonRoot": False},
                                 **containers(c("a", runAsNonRoot=False), c("b", runAsNonRoot=True))}),
     "runAsNonRoot != true", 'pod and container "a" must not set securityContext.runAsNonRoot=false'),
    (s.run_as_non_root_1_0, pod(containers(c("a", runAsNonRoot=True), c("b"))),
     "runAsNonRoot != true", 'pod or container "b" must set securityContext.runAsNonRoot=true'),
    (s.run_as_user_1_23, pod({"securityContext": {"runAsUser": 0},
                              **containers(c("a", runAsUser=0), c("b", runAsUser=1000), c("c"), c("d", runAsUser=0))}),
     "runAsUser=0", 'pod and containers "a", "d" must not set runAsUser=0'),
    (s.seccomp_profile_restricted_1_19, pod(containers(c("a"), c("b", seccompProfile={"type": "RuntimeDefault"}))),
     "seccompProfile", 'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or '
                       '"Localhost"'),
    (s.seccomp_profile_restricted_1_19, pod({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
                                             **containers(c("a", seccompProfile={"type": "Foo"}))}),
     "seccompProfile", 'pod and container "a" must not set securityContext.seccompProfile.type to "Foo", '
                       '"Unconfined"'),
    (s.seccomp_profile_baseline_1_0, pod(containers(c("a")), {"seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                                                               "container.seccomp.security.alpha.kubernetes.io/a":
                                                                   "unconfined"}),
     "seccompProfile", 'forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", '
                       'seccomp.security.alpha.kubernetes.io/pod="unconfined"'),
    (s.windows_host_process_1_0, pod({"securityContext": {"windowsOptions": {"hostProcess": True}},
                                      **containers(c("a", windowsOptions={"hostProcess": True}),
                                                   c("b", windowsOptions={"hostProcess": False}))}),
     "hostProcess", 'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true'),
    (s.proc_mount_1_0, pod(containers(c("a", procMount="Unmasked"), c("b", procMount="Default"),
                                      c("c", procMount="Unmasked"))),
     "procMount", 'containers "a", "c" must not set securityContext.procMount to "Unmasked"'),
    (s.host_probes_and_host_lifecycle_1_34, pod(containers(
        {"name": "b", "livenessProbe": {"httpGet": {"host": "bad.host"}}},
        {"name": "a", "lifecycle": {"preStop": {"tcpSocket": {"host": "8.8.8.8"}}}}, {"name": "c"})),
     "probe or lifecycle host", 'containers "a", "b" use probe or lifecycle hosts "8.8.8.8", "bad.host"'),
    (s.ulimits_1_37, pod(containers(c("a", ulimits=[]))), "ulimits",
     'container "a" must not set securityContext.ulimits'),
]


@pytest.mark.parametrize(("function", "subject", "reason", "detail"), CASES,
                         ids=[f"{case[0].__name__}-{index}" for index, case in enumerate(CASES)])
def test_reason_and_detail(function: object, subject: s.Pod, reason: str, detail: str) -> None:
    result = function(subject)  # type: ignore[operator]
    assert result is not None
    assert (result.reason, result.detail) == (reason, detail)


@pytest.mark.parametrize("annotations_or_spec", [
    # upstream: TestCheckAppArmor_Allowed
    ({"container.apparmor.security.beta.kubernetes.io/test": "runtime/default", "env": "prod"}, {}),
    ({"container.apparmor.security.beta.kubernetes.io/test": "localhost/sec-profile01", "env": "dev"}, {}),
    ({"env": "dev"}, {}),
    ({}, {}),
    ({}, {"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}),
    ({}, {"containers": [{"name": "foo", "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}]}),
])
def test_app_armor_allowed(annotations_or_spec: tuple[dict, dict]) -> None:
    annotations, spec = annotations_or_spec
    assert s.app_armor_profile_1_0(pod(spec, annotations)) is None


def test_windows_pods_are_admitted_without_privilege_escalation_from_1_25() -> None:
    # upstream: TestAllowPrivilegeEscalation_1_25
    windows = pod({"os": {"name": "windows"}, "containers": [{"name": "a"}]})
    linux = pod({"os": {"name": "linux"}, "containers": [{"name": "a"}]})
    functions = dict(s.checks_for(Level.RESTRICTED, 25))
    check = functions["allowPrivilegeEscalation"]
    assert check(windows) is None
    result = check(linux)
    assert result is not None
    assert result.detail == 'container "a" must set securityContext.allowPrivilegeEscalation=false'


def test_the_aggregate_message_follows_upstreams_order() -> None:
    """Baseline checks sorted by id, then restricted ones: the message kubectl users know."""
    texts = [violation.text() for violation in s.evaluate(pod(containers({"name": "app"})), Level.RESTRICTED, 30)]
    assert ", ".join(texts) == (
        'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or '
        '"Localhost")')
