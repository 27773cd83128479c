package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// buildInfo is what --version reports; --version --json prints it as is.
type buildInfo struct {
	Version string `json:"version"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
	Commit  string `json:"commit,omitempty"` // the VCS revision Go stamped, when built from a checkout
}

func currentBuild() buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" {
				b.Commit = kv.Value
			}
		}
	}
	return b
}

func versionString() string {
	b := currentBuild()
	s := fmt.Sprintf("fastcheck %s (%s, %s/%s)", b.Version, b.Go, b.OS, b.Arch)
	if len(b.Commit) >= 12 {
		s += " commit " + b.Commit[:12]
	}
	return s
}
