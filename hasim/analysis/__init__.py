"""Reading a simulation for people: safety checks (`invariants`), plain-words
explanations (`explain`), random fault exploration (`explore`).  Above the
facade: it observes simulations, it never steers the engine's decisions."""
