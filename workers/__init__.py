"""Background work (Dramatiq). Import `workers.broker` before defining any actor."""
