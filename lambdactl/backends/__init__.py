"""How an environment's runtime process runs: on the host (``subprocess``, contained by a memory cgroup
or ``containment``) or in a container (``docker``, images in ``images``). ``base`` is the interface
(``Backend``, ``Process``) and the registry, which names its members instead of importing them."""
