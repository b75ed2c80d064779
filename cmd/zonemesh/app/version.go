package app

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Version is set at link time (-ldflags "-X .../app.Version=...") and falls back to build info.
var Version = ""

// VersionString reports the binary's version.
func VersionString() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func init() {
	register(Command{Name: "version", Summary: "print the version", Run: func(ctx context.Context, s Streams, args []string) error {
		fmt.Fprintln(s.Out, VersionString())
		return nil
	}})
}
