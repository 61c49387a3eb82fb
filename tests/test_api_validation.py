"""The API server's hand-written validation: the name and port syntax against apimachinery's table tests
(``k8s.io/apimachinery/pkg/util/validation/validation_test.go``), the cron parser against robfig/cron v3's
parser rules, and messages word for word."""

from __future__ import annotations

import pytest

from kubelint.apivalidation import names
from kubelint.apivalidation.cron import CronError, parse_standard
from kubelint.apivalidation.fields import INVALID, REQUIRED, TOO_LONG, FieldError, GoText

LABEL_GOOD = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a" * 63]
LABEL_BAD = ["", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_",
             "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1", "1 2",
             "a" * 64, "a\n"]
SUBDOMAIN_GOOD = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a.a",
                  "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1",
                  "a--1--2--b.1", "0.a", "01.a", "012.a", "1a.a", "1-a.a", "1--a--b--2", "0.1", "01.1", "012.1",
                  "1a.1", "1-a.1", "1--a--b--2.1", "a.b.c.d.e", "aa.bb.cc.dd.ee", "1.2.3.4.5", "11.22.33.44.55",
                  "a" * 253]
SUBDOMAIN_BAD = ["", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_",
                 "_1", "1_2", ".", "a.", ".a", "a..b", "1.", ".1", "1..2", " ", "a ", " a", "a b", "1 ", " 1", "1 2",
                 "A.a", "aB.a", "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A", "1A.a",
                 "1a.A", "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee", "a@b", "a,b", "a_b", "a;b",
                 "a:b", "a%b", "a?b", "a$b", "a" * 254]
DNS1035_GOOD = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "a" * 63]
DNS1035_BAD = ["0", "01", "012", "1a", "1-a", "1--a--b--2", "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a",
               "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ",
               "a ", " a", "a b", "1 ", " 1", "1 2", "a" * 64]
PORT_NAME_GOOD = ["telnet", "re-mail-ck", "pop3", "a", "a-1", "1-a", "a-1-b-2-c", "1-a-2-b-3"]
PORT_NAME_BAD = ["longerthan15characters", "", "a" * 16, "12345", "1-2-3-4", "-begin", "end-", "two--hyphens",
                 "whois++"]
QUALIFIED_GOOD = ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
                  "now-with-dashes/now-with-dashes", "now.with.dots/simple", "now-with.dashes-and.dots/simple",
                  "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123",
                  "example.com/Uppercase_Is_OK_123", "requests.storage-foo", "a" * 63, "a" * 253 + "/" + "b" * 63]
QUALIFIED_BAD = ["nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash",
                 "Example.com/abc", "example_com/abc", "example.com/", "/simple", "a" * 64, "a" * 254 + "/abc"]
LABEL_VALUE_GOOD = ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, "", "A", "AB",
                    "AbC", "aBc", "a-1", "1-a", "a_b", "abc_def", "a.b", "1.2"]
LABEL_VALUE_BAD = ["a" * 64, "-starts-with-dash", "ends-with-dash-", ".starts.with.dot", "ends.with.dot.",
                   "nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad"]


@pytest.mark.parametrize(("check", "good", "bad"), [
    (names.dns1123_label, LABEL_GOOD, LABEL_BAD),
    (names.dns1123_subdomain, SUBDOMAIN_GOOD, SUBDOMAIN_BAD),
    (names.dns1035_label, DNS1035_GOOD, DNS1035_BAD),
    (names.port_name, PORT_NAME_GOOD, PORT_NAME_BAD),
    (names.qualified_name, QUALIFIED_GOOD, QUALIFIED_BAD),
    (names.label_value, LABEL_VALUE_GOOD, LABEL_VALUE_BAD),
], ids=["dns1123-label", "dns1123-subdomain", "dns1035-label", "port-name", "qualified-name", "label-value"])
def test_upstream_tables(check: object, good: list[str], bad: list[str]) -> None:
    assert [value for value in good if check(value)] == []  # type: ignore[operator]
    assert [value for value in bad if not check(value)] == []  # type: ignore[operator]


def test_port_numbers() -> None:
    assert [value for value in (1, 2, 1000, 16384, 32768, 65535) if names.port_number(value)] == []
    assert [value for value in (0, -1, 65536, 100000) if names.port_number(value)] == [0, -1, 65536, 100000]


def test_messages_word_for_word() -> None:
    assert names.port_name("Http--") == [
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "must not contain consecutive hyphens", "must not begin or end with a hyphen"]
    assert names.port_name("12345") == ["must contain at least one letter (a-z)"]
    assert names.dns1123_label("a" * 64) == [
        "must be no more than 63 characters"]
    assert names.qualified_name("example.com/") == [
        "name part must be non-empty",
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]
    assert names.dns1123_subdomain("A") == [
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]


def test_field_errors_print_as_the_api_server_prints_them() -> None:
    assert FieldError((), "spec.ports[0].port", INVALID, 0, "must be between 1 and 65535, inclusive").text() == (
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive")
    assert FieldError((), "spec.ports[0].name", REQUIRED).text() == "spec.ports[0].name: Required value"
    assert FieldError((), "metadata.annotations", TOO_LONG, detail="may not be more than 262144 bytes").text() == (
        "metadata.annotations: Too long: may not be more than 262144 bytes")
    assert FieldError((), "x", INVALID, GoText("intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}"), "d").text() == (
        'x: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: d')
    assert FieldError((), "x", INVALID, 'a"b', "d").text() == 'x: Invalid value: "a\\"b": d'


@pytest.mark.parametrize("spec", [
    "* * * * *", "5 * * * *", "0 0 * * 1", "*/5 * * * *", "1-5/2 * * * *", "5/15 * * * *", "0 0 1 jan *",
    "0 0 * * mon-fri", "0 0 * * SUN", "0 0 ? * *", "0,15,30,45 * * * *", "@every 5m", "@every 1h30m", "@every 1.5h",
    "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually", "TZ=UTC 0 0 * * *",
    "CRON_TZ=Europe/Berlin 0 0 * * *", "  0   0  *  *  *  ", "+5 * * * *",
])
def test_schedules_the_parser_accepts(spec: str) -> None:
    parse_standard(spec, lambda zone: zone in ("UTC", "Europe/Berlin"))


@pytest.mark.parametrize(("spec", "message"), [
    ("", "empty spec string"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("0 0 0 * * *", "expected exactly 5 fields, found 6: [0 0 0 * * *]"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* 24 * * *", "end of range (24) above maximum (23): 24"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("* * * 13 *", "end of range (13) above maximum (12): 13"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("a * * * *", 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("1/2/3 * * * *", "too many slashes: 1/2/3"),
    ("0 0 L * *", 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'),
    ("@foo", "unrecognized descriptor: @foo"),
    ("@every x", 'failed to parse duration @every x: time: invalid duration "x"'),
    ("@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'),
    ("TZ=Mars/Base 0 0 * * *", "provided bad location Mars/Base: unknown time zone Mars/Base"),
])
def test_schedules_the_parser_refuses(spec: str, message: str) -> None:
    with pytest.raises(CronError) as raised:
        parse_standard(spec, lambda zone: zone == "UTC")
    assert str(raised.value) == message


def test_label_keys_and_values_found_valid_are_checked_once_and_problems_every_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kubelint.apivalidation import names, objects

    monkeypatch.setattr(objects, "_VALID_NAMES", set())
    monkeypatch.setattr(objects, "_VALID_VALUES", set())
    checked: list[str] = []
    original = names.qualified_name

    def counting(value: str) -> list[str]:
        checked.append(value)
        return original(value)

    monkeypatch.setattr(names, "qualified_name", counting)
    metadata = {"labels": {"app.kubernetes.io/name": "web", "bad key!": "x", "v": "bad value!"},
                "annotations": {"Example.com/Note": "x"}}
    for _ in range(3):
        errors = list(objects.labels_and_annotations(metadata, ("metadata",), "metadata.labels",
                                                     "metadata.annotations"))
        assert [(error.path, error.value) for error in errors] == [
            (("metadata", "labels", "bad key!"), "bad key!"), (("metadata", "labels", "v"), "bad value!")]
    # valid keys (annotation keys lowercased) once; the invalid one each time
    assert sorted(checked) == ["app.kubernetes.io/name", "bad key!", "bad key!", "bad key!", "example.com/note", "v"]
    monkeypatch.setattr(objects, "KNOWN_VALID", 0)
    monkeypatch.setattr(objects, "_VALID_NAMES", set())
    list(objects.labels_and_annotations({"labels": {"a": "b"}}, (), "l", "a"))
    assert not objects._VALID_NAMES  # bounded
