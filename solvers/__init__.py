"""HiGHS option profiles (``<name>.txt``), read by :func:`msc_model.solver.load_profile`."""
