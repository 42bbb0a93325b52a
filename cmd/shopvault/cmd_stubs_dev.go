package main

import "github.com/spf13/cobra"

func addLifecycleCmds(root *cobra.Command, env *Env, g *Global) {}
func addDataCmds(root *cobra.Command, env *Env, g *Global)      {}
func addDocCmds(root *cobra.Command, env *Env, g *Global)       {}
func writeRecoverySheet(env *Env, path, identity, recipient, vaultPath string) error {
	return nil
}
func addGuidedRun(env *Env, g *Global, o *addOptions) error { return usageErr("x") }
