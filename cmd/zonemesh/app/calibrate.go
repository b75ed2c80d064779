package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim"
	"github.com/zonemesh/zonemesh/sim/adapter"
	"github.com/zonemesh/zonemesh/sim/calibrate"
)

func init() {
	register(Command{Name: "calibrate", Summary: "fit the simulator's cost model to measured samples, or validate a prediction", Run: runCalibrate})
}

// runCalibrate:
//
//	zonemesh calibrate SAMPLES.json [--out calibration.json]
//	zonemesh calibrate validate SCENARIO.yaml MEASURED.json [--seed N]
//
// SAMPLES.json is a calibrate.Samples document; MEASURED.json is a JSON array of measured
// end-to-end propagation times in seconds, compared with the scenario's simulation.
func runCalibrate(ctx context.Context, s Streams, args []string) error {
	if len(args) > 0 && args[0] == "validate" {
		return runValidate(s, args[1:])
	}
	fs := newFlagSet("calibrate", s)
	out := fs.String("out", "calibration.json", "calibration file to write")
	files, err := positional(fs, args)
	if err != nil {
		return err
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
