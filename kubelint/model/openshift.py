"""OpenShift's own kinds: the API group of each, which are cluster-scoped, and the legacy ``v1`` spelling.

Before API groups, OpenShift served its kinds under ``apiVersion: v1`` beside the core ones (``v1``
DeploymentConfig, Route, BuildConfig, ...). ``oc`` still maps such a manifest to the kind's group
(``apps.openshift.io/v1``) and applies it with a deprecation warning, so a legacy kind is the same object as
its groupified twin: its :class:`~kubelint.model.resource.ObjectRef` carries the real group, the
``deprecated-api`` rule says to groupify it, and it is never a ``schema-invalid`` "no such kind" error.
"""

from __future__ import annotations

_GROUPS: dict[str, str] = {
    "apps.openshift.io": "DeploymentConfig DeploymentConfigRollback DeploymentRequest DeploymentLog",
    "authorization.openshift.io": "RoleBindingRestriction ResourceAccessReview LocalResourceAccessReview "
                                  "SubjectRulesReview SelfSubjectRulesReview",
    "build.openshift.io": "Build BuildConfig BuildLog BuildRequest BinaryBuildRequestOptions",
    "image.openshift.io": "Image ImageSignature ImageStream ImageStreamImage ImageStreamImport "
                          "ImageStreamMapping ImageStreamTag ImageTag",
    "network.openshift.io": "ClusterNetwork HostSubnet NetNamespace EgressNetworkPolicy",
    "oauth.openshift.io": "OAuthAccessToken OAuthAuthorizeToken OAuthClient OAuthClientAuthorization",
    "project.openshift.io": "Project ProjectRequest",
    "quota.openshift.io": "ClusterResourceQuota AppliedClusterResourceQuota",
    "route.openshift.io": "Route",
    "security.openshift.io": "SecurityContextConstraints PodSecurityPolicySubjectReview "
                             "PodSecurityPolicySelfSubjectReview PodSecurityPolicyReview RangeAllocation",
    "template.openshift.io": "Template TemplateInstance BrokerTemplateInstance",
    "user.openshift.io": "User Group Identity UserIdentityMapping",
}

LEGACY_KINDS: dict[str, str] = {kind: group for group, kinds in _GROUPS.items() for kind in kinds.split()}
"""Kinds ``oc`` accepts as ``apiVersion: v1`` (the core group has none of these names), and their group."""

CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    (LEGACY_KINDS[kind], kind) for kind in (
        "ClusterNetwork", "HostSubnet", "NetNamespace", "Image", "ImageSignature", "OAuthAccessToken",
        "OAuthAuthorizeToken", "OAuthClient", "OAuthClientAuthorization", "Project", "ProjectRequest",
        "ClusterResourceQuota", "SecurityContextConstraints", "RangeAllocation", "BrokerTemplateInstance",
        "User", "Group", "Identity", "UserIdentityMapping",
    )
)
"""OpenShift kinds that live outside namespaces (by their real group)."""


def legacy_group(api_version: str, kind: str) -> str | None:
    """The group ``oc`` maps a legacy ``v1`` OpenShift kind to, or None when the object is not one."""
    if api_version != "v1":
        return None
    return LEGACY_KINDS.get(kind)
