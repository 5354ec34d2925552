"""World model of the simulator: state and transitions, no HTTP."""
