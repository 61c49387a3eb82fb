"""kubelint's CEL interpreter: the language (cel-spec conformance cases), the cel-go extensions Kubernetes
enables, and the Kubernetes libraries (cases ported from k8s.io/apiserver/pkg/cel/library/*_test.go)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kubelint.cel import Budget, CelError, CelSyntaxError, CostExceeded, compile_expression

OBJ = {"metadata": {"name": "web", "labels": {"app": "web", "tier": "fe"}},
       "spec": {"replicas": 3, "containers": [{"name": "a", "image": "nginx"}, {"name": "b"}]}}


def run(expression: str, **variables: Any) -> Any:
    bindings = {"object": OBJ, **variables}
    return compile_expression(expression, bindings).evaluate(bindings)


TRUE = [
    # literals, arithmetic, equality (heterogeneous, as Kubernetes enables it)
    "1 + 2 * 3 == 7", "7 / 2 == 3", "-7 / 2 == -3", "-7 % 3 == -1", "7 % -3 == 1", "1 == 1u", "1 == 1.0",
    "1u + 2u == 3u", "2.5 * 2.0 == 5.0", "0x10 == 16", "'a' + 'b' == 'ab'", "b'ab' == bytes('ab')",
    "[1, 2] + [3] == [1, 2, 3]", "{'a': 1} == {'a': 1.0}", "[1, 'a'] != [1, 'b']", "1 != 'a'", "null == null",
    "'\\x41\\u00e9\\101' == 'Aé' + 'A'", "r'\\d' == '\\\\d'", "'''a\nb''' == 'a\\nb'", "true ? 1 == 1 : false",
    "1 < 2.5", "2u > 1", "'a' < 'b'", "-(1) == -1", "!false", "size('héllo') == 5", "'ell' in ['hell', 'ell']",
    # field access, has(), macros
    "object.spec.replicas == 3", "has(object.spec.replicas)", "!has(object.metadata.namespace)",
    "!has(object.spec.paused)",
    "object.spec.containers.all(c, c.name != '')", "object.spec.containers.exists(c, c.name == 'b')",
    "object.spec.containers.exists_one(c, has(c.image))", "object.spec.containers.map(c, c.name) == ['a', 'b']",
    "object.spec.containers.filter(c, has(c.image)).size() == 1",
    "object.spec.containers.map(c, has(c.image), c.image) == ['nginx']",
    "object.metadata.labels.all(k, k.size() > 2)", "'app' in object.metadata.labels",
    "object.metadata.labels.exists(k, object.metadata.labels[k] == 'fe')",
    # errors absorbed by && / || and by all/exists
    "!(false && object.spec.nope == 1)", "object.spec.nope == 1 || true",
    "object.spec.containers.exists(c, c.image == 'nginx')",
    # optional types
    "object.spec.?paused.orValue(false) == false", "object.?spec.?replicas.orValue(0) == 3",
    "object.metadata.labels[?'app'] == optional.of('web')", "!object.metadata.labels[?'x'].hasValue()",
    "optional.none().or(optional.of(2)).value() == 2", "optional.ofNonZeroValue('') == optional.none()",
    "[?optional.none(), ?optional.of(1)] == [1]", "{?'a': optional.none(), 'b': 1} == {'b': 1}",
    "object.spec.?containers[0].name.orValue('') == 'a'",
    "object.?spec.?replicas.optMap(r, r * 2).value() == 6",
    # two-variable comprehensions, bind
    "object.metadata.labels.all(k, v, k != v || k == 'app')", "[5, 6].exists(i, v, i == 1 && v == 6)",
    "[1, 2].transformList(i, v, i * v) == [0, 2]", "{'a': 1}.transformMap(k, v, v + 1) == {'a': 2}",
    "[1, 2, 3].transformList(i, v, v > 1, v) == [2, 3]",
    "{'a': 'x'}.transformMapEntry(k, v, {v: k}) == {'x': 'a'}", "[1, 2].existsOne(i, v, v == 2)",
    "cel.bind(n, object.spec.replicas, n * n) == 9",
    # types and conversions
    "type(1) == int", "type('a') == string", "type(1u) == uint", "int('12') == 12", "uint(3) == 3u",
    "double('1.5') == 1.5", "string(1.5) == '1.5'", "string(true) == 'true'", "int(2.9) == 2", "bool('true')",
    "duration('1h30m') == duration('90m')", "duration('1.5s') < duration('2s')", "string(duration('90s')) == '90s'",
    "timestamp('2024-01-02T03:04:05Z').getFullYear() == 2024", "timestamp('2024-01-02T03:04:05Z').getMonth() == 0",
    "timestamp('2024-01-02T03:04:05Z').getDate() == 2", "timestamp('2024-01-02T03:04:05Z').getDayOfWeek() == 2",
    "timestamp('2024-01-02T03:04:05Z') + duration('1h') == timestamp('2024-01-02T04:04:05Z')",
    "timestamp('2024-01-02T00:00:00+01:00') == timestamp('2024-01-01T23:00:00Z')",
    "dyn(1) == 1", "type(duration('1s')) == google.protobuf.Duration",
    # strings extension
    "'a,b,c'.split(',') == ['a', 'b', 'c']", "'a,b,c'.split(',', 2) == ['a', 'b,c']",
    "'Hello'.lowerAscii() == 'hello'",
    "'hello'.upperAscii() == 'HELLO'", "'  x '.trim() == 'x'", "'hello'.indexOf('l') == 2",
    "'hello'.lastIndexOf('l') == 3",
    "'hello'.substring(1, 3) == 'el'", "'hello'.charAt(1) == 'e'", "'hello'.replace('l', 'L', 1) == 'heLlo'",
    "['a', 'b'].join('-') == 'a-b'", "'abc'.reverse() == 'cba'", "strings.quote('a\"b') == '\"a\\\\\"b\"'",
    "'%s is %d years, %.2f'.format(['x', 3, 1.5]) == 'x is 3 years, 1.50'", "'%x'.format([255]) == 'ff'",
    "'%s'.format([[1, 'a']]) == '[1, a]'", "'abc'.startsWith('ab') && 'abc'.endsWith('bc') && 'abc'.contains('b')",
    "'abc'.matches('^a.c$')", "matches('abc', 'b')",
    # lists and sets extensions
    "[3, 1, 2].sort() == [1, 2, 3]", "[1, 1, 2].distinct() == [1, 2]", "[[1], [2, 3]].flatten() == [1, 2, 3]",
    "[1, 2, 3].slice(1, 3) == [2, 3]", "lists.range(3) == [0, 1, 2]", "[1, 2].first() == optional.of(1)",
    "sets.contains([1, 2, 3], [3, 1])", "sets.equivalent([1, 2], [2, 1, 1])", "sets.intersects([1], [2, 1])",
    "math.greatest(1, 5, 3) == 5", "math.least([4, 2]) == 2", "base64.encode(b'hi') == 'aGk='",
    "base64.decode('aGk=') == b'hi'",
]

ERRORS = {
    "object.spec.nope": "no such key: nope",
    "object.spec.containers[5]": "index out of bounds",
    "1 / 0 == 1": "division by zero",
    "9223372036854775807 + 1": "integer overflow",
    "1 + 1.0": "no matching overload",
    "'a' < 1": "no matching overload",
    "object.spec.replicas && true": "no matching overload",
    "optional.none().value()": "optional.none\\(\\) dereference",
    "int('x')": "cannot convert",
    "'a'.matches('(')": "invalid regex",
    "object.spec.containers.all(c, c.image == 'nginx')": "no such key: image",
    "{'a': 1, 'a': 2}": "repeated key",
    "'%d'.format(['a'])": "%d needs an integer",
}

SYNTAX = {
    "1 +": "unexpected",
    "object.spec.(": "expected a field name",
    "foo(1)": "undeclared reference to 'foo'",
    "nope.x": "undeclared reference to 'nope.x'",
    "object.spec.x.unknownFunction()": "undeclared reference to 'unknownFunction'",
    "has(object)": "has\\(\\) takes one field selection",
    "'abc": "unterminated string",
    "if.x": "reserved identifier",
    "object.true": "reserved identifier",
    "[1, 2].all(1, true)": "needs a variable name",
    "Msg{a: 1}": "message construction",
    "(" * 200 + "1" + ")" * 200: "nested deeper",
    "1" + " + 1" * 5000: "nested too deeply",
    "object" + ".a" * 5000: "nested too deeply",
}


@pytest.mark.parametrize("expression", TRUE)
def test_true(expression: str) -> None:
    assert run(expression) is True


@pytest.mark.parametrize(("expression", "message"), ERRORS.items())
def test_errors(expression: str, message: str) -> None:
    with pytest.raises(CelError, match=message):
        run(expression)


@pytest.mark.parametrize(("expression", "message"), SYNTAX.items())
def test_syntax_errors(expression: str, message: str) -> None:
    with pytest.raises(CelSyntaxError, match=message):
        compile_expression(expression, ["object"])


def test_syntax_error_offset() -> None:
    with pytest.raises(CelSyntaxError) as raised:
        compile_expression("object.spec.x == \n  foo(1)", ["object"])
    assert raised.value.offset == 20


def test_budget_stops_an_exploding_comprehension() -> None:
    expression = "lists.range(1000).all(a, lists.range(1000).all(b, lists.range(1000).all(c, a + b + c >= 0)))"
    started = time.monotonic()
    with pytest.raises(CostExceeded):
        compile_expression(expression, []).evaluate({}, Budget(steps=100_000, seconds=5))
    assert time.monotonic() - started < 5


def test_budget_stops_doubling_lists() -> None:
    expression = "cel.bind(a, lists.range(1000), " + "cel.bind(a, a + a, " * 20 + "a" + ")" * 20 + ").size()"
    with pytest.raises(CostExceeded):
        compile_expression(expression, []).evaluate({})


def test_regex_is_linear_time() -> None:
    started = time.monotonic()
    assert compile_expression("x.matches('^(a+)+$')", ["x"]).evaluate({"x": "a" * 5000 + "!"}) is False
    assert time.monotonic() - started < 2


# -- Kubernetes libraries: cases from k8s.io/apiserver/pkg/cel/library/*_test.go ----------------------------
K8S_TRUE = [
    # quantity_test.go
    "isQuantity('20')", "isQuantity('20M')", "isQuantity('20Mi')", "!isQuantity('20Mo')", "!isQuantity('10Mm')",
    "quantity('200M') == quantity('200M')",
    "quantity('200M') == quantity('0.2G') && quantity('0.2G') == quantity('200M')",
    "quantity('2M') == quantity('0.002G') && quantity('2000k') == quantity('2M')",
    "quantity('200M') != quantity('0.3G')", "quantity('50M').isLessThan(quantity('50Mi'))",
    "!quantity('100M').isLessThan(quantity('50M'))", "quantity('50Mi').isGreaterThan(quantity('50M'))",
    "quantity('200M').compareTo(quantity('0.2G')) == 0", "quantity('50M').compareTo(quantity('50Mi')) == -1",
    "quantity('50k').add(quantity('20')) == quantity('50.02k')",
    "!quantity('50k').add(20).isLessThan(quantity('50020'))",
    "quantity('50k').sub(quantity('20')) == quantity('49.98k')", "quantity('50k').sub(20) == quantity('49980')",
    "quantity('50k').mul(2) == quantity('100000')", "quantity('10k').div(2) == quantity('5000')",
    "quantity('10000').divInt(3) == quantity('3333')",
    "quantity('50k').add(20).sub(quantity('100k')).asInteger() == -49980",
    "quantity('50k').add(20).sub(quantity('100k')).sub(-50000).asInteger() == 20",
    "quantity('50k').asInteger() == 50000", "!quantity('9999999999999999999999999999999999999G').isInteger()",
    "quantity('50').isInteger()", "quantity('50.703k').asApproximateFloat() == 50703.0",
    "quantity('500m').sign() == 1", "quantity('1e3') == quantity('1k')",
    # ip_test.go
    "isIP('192.168.0.1')", "!isIP('192.168.0.1.0')", "ip.isCanonical('127.0.0.1')",
    "ip('192.168.0.1').family() == 4", "ip('0.0.0.0').isUnspecified()", "!ip('127.0.0.1').isUnspecified()",
    "ip('127.0.0.1').isLoopback()", "!ip('1.2.3.4').isLoopback()", "ip('224.0.0.1').isLinkLocalMulticast()",
    "!ip('224.0.1.1').isLinkLocalMulticast()", "ip('169.254.169.254').isLinkLocalUnicast()",
    "!ip('192.168.0.1').isLinkLocalUnicast()", "ip('192.168.0.1').isGlobalUnicast()",
    "!ip('255.255.255.255').isGlobalUnicast()", "isIP('2001:db8::68')", "!isIP('2001:db8:::68')",
    "ip.isCanonical('2001:db8::68')", "!ip.isCanonical('2001:DB8::68')", "ip('2001:db8::68').family() == 6",
    "ip('::').isUnspecified()", "ip('::1').isLoopback()", "ip('ff02::1').isLinkLocalMulticast()",
    "!ip('fd00::1').isLinkLocalMulticast()", "ip('fe80::1').isLinkLocalUnicast()",
    "!ip('fd80::1').isLinkLocalUnicast()",
    "ip('2001:db8::abcd').isGlobalUnicast()", "!ip('ff00::1').isGlobalUnicast()",
    "string(ip('192.168.0.1')) == '192.168.0.1'", "type(ip('192.168.0.1')) == net.IP",
    "!isIP('127.0.0.01')", "!isIP('::ffff:1.2.3.4')", "!isIP('fe80::1%eth0')",
    # cidr_test.go
    "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", "!cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))",
    "cidr('192.168.0.0/24').containsIP('192.168.0.1')",
    "cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))",
    "!cidr('192.168.0.0/24').containsCIDR('192.168.0.0/16')", "cidr('192.168.0.1/24').ip() == ip('192.168.0.1')",
    "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')", "cidr('192.168.0.0/24').prefixLength() == 24",
    "isCIDR('192.168.0.0/24')", "!isCIDR('192.168.0.0/33')", "!isCIDR('192.168.0.0')",
    "cidr('2001:db8::/32').ip().family() == 6",
    "!cidr('10.0.0.0/8').containsIP(ip('::1'))", "string(cidr('192.168.0.0/24')) == '192.168.0.0/24'",
    # urls_test.go
    "url('https://example.com:80/').getHost() == 'example.com:80'",
    "url('https://example.com/').getHost() == 'example.com'",
    "url('https://[::1]:80/').getHost() == '[::1]:80'", "url('https://[::1]:80/').getHostname() == '::1'",
    "url('https://example.com:80/').getPort() == '80'", "url('https://example.com/').getPort() == ''",
    "url('https://example.com/path with spaces/'.replace(' ', '%20')).getEscapedPath() == '/path%20with%20spaces/'",
    "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}",
    "url('https://example.com').getScheme() == 'https'", "url('/absolute-path').getEscapedPath() == '/absolute-path'",
    "isURL('https://example.com')", "!isURL('relative-path')", "!isURL('')",
    # regex_test.go
    "'abc 123'.find('[0-9]+') == '123'", "'abc'.find('[0-9]+') == ''",
    "'123 abc 456'.findAll('[0-9]+') == ['123', '456']",
    "'123 abc 456'.findAll('[0-9]+', 1) == ['123']", "'abc'.findAll('[0-9]+') == []",
    # lists_test.go
    "[1, 2, 3].isSorted()", "![3, 1].isSorted()", "['a', 'b'].isSorted()", "[].isSorted()",
    "[1, 2, 3].sum() == 6", "[1.0, 2.5].sum() == 3.5", "[].sum() == 0",
    "[duration('1s'), duration('2s')].sum() == duration('3s')",
    "[1, 3, 2].max() == 3", "[1, 3, 2].min() == 1", "[1, 2, 2, 3].indexOf(2) == 1",
    "[1, 2, 2, 3].lastIndexOf(2) == 2",
    "[1, 2].indexOf(5) == -1", "[quantity('1'), quantity('2')].isSorted()",
    # format_test.go
    "format.dns1123Label().validate('my-label') == optional.none()",
    "format.dns1123Label().validate('My_Label').hasValue()",
    "format.dns1123Subdomain().validate('a.b.c') == optional.none()",
    "format.dns1035Label().validate('1abc').hasValue()",
    "format.qualifiedName().validate('example.com/MyName') == optional.none()",
    "format.labelValue().validate('') == optional.none()", "format.labelValue().validate('-x').hasValue()",
    "format.uuid().validate('123e4567-e89b-12d3-a456-426614174000') == optional.none()",
    "format.dns1123LabelPrefix().validate('my-prefix-') == optional.none()",
    "format.named('dns1123Label').hasValue()",
    "!format.named('nope').hasValue()", "format.date().validate('2024-02-30').hasValue()",
    "format.named('uri').value().validate('https://example.com') == optional.none()",
    # semver_test.go
    "isSemver('1.2.3')", "!isSemver('v1.2.3')", "isSemver('v1.2.3', true)", "semver('1.2.3').major() == 1",
    "semver('1.2.3').minor() == 2", "semver('1.2.3').patch() == 3", "semver('1.2.3').isGreaterThan(semver('1.2.2'))",
    "semver('1.0.0-alpha').isLessThan(semver('1.0.0'))",
    "semver('1.0.0-alpha.1').isGreaterThan(semver('1.0.0-alpha'))",
    "semver('1.0.0').compareTo(semver('1.0.0+build')) == 0", "semver('v1.2', true) == semver('1.2.0')",
    "!isSemver('01.2.3')",
]

K8S_ERRORS = {
    "quantity('10Mo')": "quantities must match",
    "quantity('9999999999999999999999999999999999999G').asInteger()": "cannot convert value to integer",
    "ip('192.168.0.1.0')": "parse error",
    "ip.isCanonical('127.0.0.1.0')": "parse error",
    "isIP(cidr('192.168.0.0/24'))": "no matching overload for 'isIP'",
    "url('relative')": "URL parse error",
    "[].max()": "empty list",
    "[1, 'a'].isSorted()": "same type",
    "semver('1.2')": "could not parse",
    "'x'.find('(')": "invalid regex",
}


@pytest.mark.parametrize("expression", K8S_TRUE)
def test_kubernetes_library(expression: str) -> None:
    assert run(expression) is True


@pytest.mark.parametrize(("expression", "message"), K8S_ERRORS.items())
def test_kubernetes_library_errors(expression: str, message: str) -> None:
    with pytest.raises(CelError, match=message):
        run(expression)
