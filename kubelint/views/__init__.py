"""Commands that are not lint: graph pictures and reach (``kubelint graph``), rule pages (``kubelint explain``)."""
