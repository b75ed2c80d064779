package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	runner "github.com/zonemesh/zonemesh/harness/run"
	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/scenarios"
)

func init() {
	register(Command{Name: "run", Summary: "run a scenario on a backend and write results.json, report.html and evidence", Run: runScenario})
}

// ErrChecksFailed is returned when a run completed but a check failed.
var ErrChecksFailed = errors.New("checks failed")

func runScenario(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("run", s)
	be := fs.String("backend", "", "backend for every zone: process (default: the scenario's)")
	out := fs.String("out", "", "evidence folder (default out/<scenario>-<time>)")
	level := fs.String("log-level", "info", "components' log level")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: zonemesh run FILE [--backend B] [--out DIR]", ErrUsage)
	}
	sc, err := scenarios.Load(pos[0])
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join("out", sc.Name+"-"+time.Now().Format("20060102-150405"))
	}
	fmt.Fprintf(s.Out, "zonemesh run %s → %s\n", sc.Name, *out)
	r, err := runner.New(sc, runner.Options{Backend: *be, Out: *out, Progress: s.Out, Version: VersionString(), LogLevel: *level})
	if err != nil {
		return err
	}
	res, runErr := r.Run(ctx)
	if res != nil {
		fmt.Fprintln(s.Out)
		if err := reports.Summary(s.Out, res); err != nil {
			return err
		}
		abs, _ := filepath.Abs(filepath.Join(*out, "report.html"))
		fmt.Fprintf(s.Out, "\nreport: %s\n", abs)
	}
	if runErr != nil {
		return runErr
	}
	if res.Verdict != reports.Pass {
		var names []string
		for _, c := range res.Checks {
			if c.Verdict != reports.Pass {
				names = append(names, c.Name)
			}
		}
		return fmt.Errorf("%w: %v", ErrChecksFailed, names)
	}
	return nil
}
