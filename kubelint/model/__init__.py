"""Documents -> resources: identities, pod templates, selectors, workload kinds and the tree of units."""
