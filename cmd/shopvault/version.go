package main

import (
	"runtime"
	"runtime/debug"

	"github.com/shopvault/shopvault/vault"
)

// versionInfo is what version --json prints (docs/json.md).
type versionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	Format    string `json:"format"`
}

func currentVersion() versionInfo {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return versionInfo{Version: v, GoVersion: runtime.Version(), Format: vault.FormatVersion}
}

func versionString() string {
	v := currentVersion()
	return "shopvault " + v.Version + " (vault format " + v.Format + ")"
}
