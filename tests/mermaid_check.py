"""A structural check of Mermaid flowcharts (mermaid-cli is not installed where the tests run)."""

from __future__ import annotations

import re

MERMAID_NODE = re.compile(r'^ +([A-Za-z]\w*)(\["|\(\["|\[/"|\{\{"|\(\(")[^"]*("\]|"\]\)|"/\]|"\}\}|"\)\))$')
MERMAID_EDGE = re.compile(r'^ +([A-Za-z]\w*)(\[" "\])? (-->|-\.->|==>)(\|"[^"|]*"\|)? ([A-Za-z]\w*)(\[" "\])?$')


def check_mermaid(lines: list[str]) -> None:
    """A structural check of a Mermaid flowchart (no mermaid-cli here): every line is a node, an edge between
    declared nodes, a subgraph with its end, a link style with existing link numbers, or a class."""
    assert lines[0] == "flowchart LR"
    declared: set[str] = set()
    edges = []
    depth = 0
    styled: list[int] = []
    for line in lines[1:]:
        if (match := MERMAID_NODE.match(line)):
            declared.add(match.group(1))
        elif (match := MERMAID_EDGE.match(line)):
            edges.append(match)
            if match.group(2):
                declared.add(match.group(1))
            if match.group(6):
                declared.add(match.group(5))
        elif re.match(r'^ +subgraph \w+\["[^"]*"\]$', line):
            depth += 1
        elif line.strip() == "end":
            depth -= 1
            assert depth >= 0, line
        elif line.strip() == "direction LR":
            pass
        elif (match := re.match(r"^  linkStyle ([\d,]+) stroke:#[0-9a-f]{6},color:#[0-9a-f]{6}$", line)):
            styled += [int(number) for number in match.group(1).split(",")]
        elif (match := re.match(r"^  classDef \w+ [\w:#,. -]+$", line)):
            pass
        elif (match := re.match(r"^  class ([\w,]+) \w+$", line)):
            assert set(match.group(1).split(",")) <= declared, line
        else:
            raise AssertionError(f"not a Mermaid flowchart line: {line!r}")
    assert depth == 0
    assert all(m.group(1) in declared and m.group(5) in declared for m in edges)
    assert sorted(styled) == list(range(len(edges)))
