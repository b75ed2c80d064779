package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/zonemesh/zonemesh/harness/backend/docker"
)

func init() {
	register(Command{Name: "clean", Summary: "remove the containers and networks that crashed docker runs left (by label)", Run: runClean})
}

func runClean(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("clean", s)
	var o docker.CleanOptions
	fs.StringVar(&o.RunID, "run", "", "remove this run only (its id is printed at bring-up)")
	fs.BoolVar(&o.All, "all", false, "also remove runs whose harness process still runs")
	fs.BoolVar(&o.Images, "images", false, "also remove the locally built zonemesh images")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: zonemesh clean [--run ID] [--all] [--images]", ErrUsage)
	}
	cli, err := docker.Client(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	res, err := docker.Clean(ctx, cli, o)
	if res != nil {
		fmt.Fprintf(s.Out, "removed %d containers, %d networks, %d images of %d runs%s\n", res.Containers, res.Networks, res.Images,
			len(res.Runs), list(res.Runs))
		if len(res.Skipped) > 0 {
			fmt.Fprintf(s.Out, "left %d runs whose harness still runs (--all removes them):%s\n", len(res.Skipped), list(res.Skipped))
		}
	}
	return err
}

func list(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return " (" + strings.Join(ids, ", ") + ")"
}
