package main

import (
	"runtime/debug"

	"github.com/shopvault/shopvault/vault"
)

func versionString() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return "shopvault " + v + " (vault format " + vault.FormatVersion + ")"
}
