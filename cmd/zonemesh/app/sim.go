package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/htmlreport"
	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim"
	"github.com/zonemesh/zonemesh/sim/adapter"
)

func init() {
	register(Command{Name: "sim", Summary: "simulate a scenario's scale section (discrete-event, virtual time)", Run: runSim})
}

// runSim: zonemesh sim FILE [--seed N] [--out DIR]. Flags may come before or after FILE.
func runSim(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("sim", s)
	seed := fs.Int64("seed", 0, "RNG seed (default: the scenario's seed)")
	out := fs.String("out", "out/sim", "directory for results.json, report.html and sim.json")
	tracePath := fs.String("trace", "", "write one line per model step to this file (small runs: a million-proxy run writes millions of lines)")
	files, err := positional(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("%w: want one scenario file, got %d", ErrUsage, len(files))
	}
	sc, err := scenarios.Load(files[0])
	if err != nil {
		return err
	}
	cfg, err := adapter.Config(sc)
	if err != nil {
		return err
	}
	if *seed != 0 {
		cfg.Seed = uint64(*seed)
	}
	var trace func(string)
	if *tracePath != "" {
		tf, err := os.Create(*tracePath)
		if err != nil {
			return fmt.Errorf("sim: trace: %w", err)
		}
		defer tf.Close()
		tw := bufio.NewWriter(tf)
		defer tw.Flush()
		trace = func(line string) { tw.WriteString(line + "\n") }
	}
	start := time.Now()
	res, err := sim.RunContext(ctx, cfg, trace)
	if err != nil {
		return err
	}
	wall := time.Since(start)
	rep := adapter.Report(sc, cfg, res, VersionString())
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	var js, html, detail bytes.Buffer
	if err := reports.Write(&js, rep); err != nil {
		return err
	}
	if err := htmlreport.Render(&html, rep); err != nil {
		return fmt.Errorf("sim: render report: %w", err)
	}
	if err := res.WriteJSON(&detail); err != nil {
		return err
	}
	for name, b := range map[string]*bytes.Buffer{"results.json": &js, "report.html": &html, "sim.json": &detail} {
		if err := os.WriteFile(filepath.Join(*out, name), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
	}
	if err := res.Summary(s.Out); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "verdict: %s (%s)\n", rep.Verdict, rep.Summary)
	fmt.Fprintf(s.Out, "wall %s, %.2fM events/s; wrote %s/{results.json,report.html,sim.json}\n",
		wall.Round(time.Millisecond), float64(res.Events)/wall.Seconds()/1e6, *out)
	return nil
}
