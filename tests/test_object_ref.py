"""ObjectRef: an object's identity, hashed in C as a tuple, equal only to another ObjectRef."""

from kubelint.model.resource import ObjectRef


def test_an_object_ref_equals_another_with_the_same_fields_only() -> None:
    ref = ObjectRef("apps", "Deployment", "shop", "cart")
    assert ref == ObjectRef("apps", "Deployment", "shop", "cart")
    assert (ref != ObjectRef("apps", "Deployment", "shop", "cart")) is False
    assert ref != ObjectRef("apps", "Deployment", "shop", "web")
    assert ref != ObjectRef("apps", "Deployment", None, "cart")
    plain = ("apps", "Deployment", "shop", "cart")
    assert ref != plain and plain != ref and (ref == plain) is False and (plain == ref) is False
    assert {ref: 1}.get(plain) is None and {plain: 1}.get(ref) is None
    assert {ref: 1}[ObjectRef("apps", "Deployment", "shop", "cart")] == 1


def test_an_object_ref_is_hashed_as_its_fields_by_the_tuple_hash() -> None:
    ref = ObjectRef("", "Service", "shop", "cart")
    assert ObjectRef.__hash__ is tuple.__hash__  # no method of ours runs for each dict lookup
    assert hash(ref) == hash(("", "Service", "shop", "cart"))


def test_object_refs_sort_by_group_kind_namespace_name() -> None:
    refs = [ObjectRef("apps", "Deployment", "b", "x"), ObjectRef("", "Service", "a", "y"),
            ObjectRef("apps", "Deployment", "a", "z"), ObjectRef("", "ConfigMap", "a", "y")]
    assert sorted(refs) == [refs[3], refs[1], refs[2], refs[0]]
    assert str(refs[0]) == "b/Deployment/x" and str(ObjectRef("", "Namespace", None, "a")) == "Namespace/a"
    assert repr(refs[1]) == "ObjectRef(group='', kind='Service', namespace='a', name='y')"
