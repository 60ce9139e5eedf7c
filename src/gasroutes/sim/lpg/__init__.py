"""The LPG chain during a run: plants, trains, border terminals, road tankers and depots
as SimPy processes.

- :mod:`.stores`: tanks, gates, signals (the primitives);
- :mod:`.state`: one record per plant, terminal, rail route, depot and fleet;
- :mod:`.terminal`: unloading trains car by car into storage, settled lazily;
- :mod:`.rationing`: who gets scarce LPG (trucks to depots, trains at the plants);
- :mod:`.network`: the chain built from the scenario, and its dated changes;
- :mod:`.processes`: the actors, and :func:`~.processes.start`.

``make`` compiles this package to C with mypyc (:mod:`gasroutes.sim.native` picks the
build a run uses); it runs as Python otherwise, with the same results.
"""
