package main

// addModeRun chooses where add reads its customers from: JSON lines on
// stdin (--stdin), the person at the terminal (no field flags), or the
// field flags that were given (set).
func addModeRun(env *Env, g *Global, o *addOptions, set map[string]string) error {
	switch {
	case o.Stdin:
		if len(set) > 0 {
			return usageErr("--stdin reads the fields from stdin; do not also give field flags")
		}
		return addStdinRun(env, g, o)
	case len(set) == 0 && env.StdinIsTTY:
		return addGuidedRun(env, g, o)
	case len(set) == 0:
		return usageErr("no fields given: pass --name, --phone, … or --stdin")
	}
	return addRun(env, g, o, set)
}
