package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim"
	"github.com/zonemesh/zonemesh/sim/adapter"
	"github.com/zonemesh/zonemesh/sim/calibrate"
	"github.com/zonemesh/zonemesh/sim/measure"
)

func init() {
	register(Command{Name: "calibrate", Summary: "fit the simulator's cost model to measured samples, or validate a prediction", Run: runCalibrate})
}

// runCalibrate:
//
//	zonemesh calibrate [--out calibration.json] [--proxies 50,100,300] [--holdout 1000] [--writes N]
//	zonemesh calibrate --runs RUNS.json [--out calibration.json]
//	zonemesh calibrate SAMPLES.json [--out calibration.json]
//	zonemesh calibrate validate SCENARIO.yaml MEASURED.json [--seed N]
//
// Without a file it measures the reference mesh (sim/measure), fits, writes the calibration
// file and predicts the held-out run. RUNS.json is what a measuring run stored (refit without
// measuring); SAMPLES.json is a calibrate.Samples document; MEASURED.json is a JSON array of
// measured end-to-end propagation times in seconds, compared with the scenario's simulation.
func runCalibrate(ctx context.Context, s Streams, args []string) error {
	if len(args) > 0 && args[0] == "validate" {
		return runValidate(s, args[1:])
	}
	fs := newFlagSet("calibrate", s)
	out := fs.String("out", "calibration.json", "calibration file to write")
	m := measureFlags(fs)
	files, err := positional(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return runMeasured(ctx, s, m, *out)
	}
	if len(files) != 1 {
		return fmt.Errorf("%w: want one samples file, got %d", ErrUsage, len(files))
	}
	fh, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer fh.Close()
	samples, err := calibrate.ReadSamples(fh)
	if err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	f, err := calibrate.Calibrate(samples)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	if err := f.Table(s.Out); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "wrote %s\n", *out)
	return nil
}

func runValidate(s Streams, args []string) error {
	fs := newFlagSet("calibrate validate", s)
	seed := fs.Int64("seed", 0, "simulator seed (default: the scenario's)")
	files, err := positional(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 2 {
		return fmt.Errorf("%w: want SCENARIO.yaml MEASURED.json", ErrUsage)
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
	data, err := os.ReadFile(files[1])
	if err != nil {
		return err
	}
	var measured []float64
	if err := json.Unmarshal(data, &measured); err != nil {
		return fmt.Errorf("%s: want a JSON array of seconds: %w", files[1], err)
	}
	cfg.KeepSamples = 1 << 22
	res, err := sim.Run(cfg, nil)
	if err != nil {
		return err
	}
	v, err := calibrate.Validate(res.Raw, measured)
	if err != nil {
		return err
	}
	return v.Report(s.Out)
}

// positional parses flags that may come before, between or after positional arguments.
func positional(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

type measureOpts struct {
	proxies, scenario, dir, binary, runs *string
	holdout, writes, burst               *int
	seed                                 *uint64
}

func measureFlags(fs *flag.FlagSet) measureOpts {
	return measureOpts{
		proxies:  fs.String("proxies", "50,100,300", "fake proxies per zone of the runs to fit from, comma-separated"),
		holdout:  fs.Int("holdout", 1000, "fake proxies per zone of the held-out run to predict (0: none)"),
		writes:   fs.Int("writes", 20, "policy writes per run made one at a time"),
		burst:    fs.Int("burst", 5, "policy writes per run made back to back after them"),
		scenario: fs.String("scenario", "scenarios/calibrate-1zone.yaml", "topology to measure (its fake proxy counts are replaced)"),
		dir:      fs.String("dir", "out/calibrate", "folder for the mesh evidence, runs.json and samples.json"),
		binary:   fs.String("binary", "", "zonemesh executable for the components (default: this one)"),
		runs:     fs.String("runs", "", "fit from a runs.json stored by an earlier measurement instead of measuring"),
		seed:     fs.Uint64("seed", 1, "simulator seed of the predictions"),
	}
}

// runMeasured measures (or reads stored runs), fits, writes the file and reports predictions.
func runMeasured(ctx context.Context, s Streams, m measureOpts, out string) error {
	var runs *measure.Runs
	var err error
	if *m.runs != "" {
		if runs, err = measure.ReadRuns(*m.runs); err != nil {
			return err
		}
	} else {
		if runs, err = measureNow(ctx, s, m); err != nil {
			return err
		}
	}
	o, err := runs.Calibrate(*m.seed)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := o.File.Write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return err
	}
	if sb, err := json.MarshalIndent(o.Samples, "", " "); err == nil && *m.runs == "" {
		if err := os.WriteFile(filepath.Join(*m.dir, "samples.json"), sb, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.Out, "fitted from %s\n", o.File.Source)
	if err := o.File.Table(s.Out); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "wrote %s\n\n", out)
	for i, r := range runs.Fit {
		fmt.Fprintf(s.Out, "fitted run, %d zone(s) × %d proxies, %s: ", r.Zones, r.Proxies, verdict(o.Fitted[i], 0.10, 0.20, 0.1))
		o.Fitted[i].Report(s.Out)
	}
	if o.Holdout != nil {
		r := runs.Holdout
		fmt.Fprintf(s.Out, "held-out run, %d zone(s) × %d proxies, predicted without refitting, %s: ", r.Zones, r.Proxies, verdict(*o.Holdout, 1, 0.25, 1))
		o.Holdout.Report(s.Out)
	}
	if v := o.HoldoutOneLine; v != nil {
		fmt.Fprintf(s.Out, "baseline, the same runs fitted as one line in resources (no zone terms), %s: ", verdict(*v, 1, 0.25, 1))
		v.Report(s.Out)
	}
	return nil
}

// verdict names whether v meets the DESIGN §9 bounds it is held to.
func verdict(v calibrate.Validation, p50, p99, ks float64) string {
	bound := fmt.Sprintf("bound p99 ±%.0f%%", p99*100)
	if p50 < 1 {
		bound = fmt.Sprintf("bounds p50 ±%.0f%%, p99 ±%.0f%%, KS D ≤ %.2g", p50*100, p99*100, ks)
	}
	if v.Within(p50, p99) && v.KS <= ks {
		return "within " + bound
	}
	return "OUTSIDE " + bound
}

func measureNow(ctx context.Context, s Streams, m measureOpts) (*measure.Runs, error) {
	var fit []int
	for _, f := range strings.Split(*m.proxies, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("%w: --proxies: %q is not a proxy count", ErrUsage, f)
		}
		fit = append(fit, k)
	}
	if *m.writes < 1 || *m.burst < 0 || *m.holdout < 0 {
		return nil, fmt.Errorf("%w: --writes must be >= 1, --burst and --holdout >= 0", ErrUsage)
	}
	sc, err := scenarios.Load(*m.scenario)
	if err != nil {
		return nil, err
	}
	bin := *m.binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(*m.dir, 0o755); err != nil {
		return nil, err
	}
	runs, err := measure.MeasureAll(ctx, measure.Plan{Scenario: sc, Out: *m.dir, Binary: bin, Fit: fit, Holdout: *m.holdout,
		Writes: *m.writes, Burst: *m.burst, Progress: s.Err})
	if err != nil {
		return nil, err
	}
	path := filepath.Join(*m.dir, "runs.json")
	if err := runs.WriteFile(path); err != nil {
		return nil, err
	}
	fmt.Fprintf(s.Err, "measured runs stored in %s (refit with --runs %s)\n", path, path)
	return runs, nil
}
