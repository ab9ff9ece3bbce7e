"""HiGHS option profiles (``<name>.txt``), read by :func:`msc_model.solve.load_profile`."""
